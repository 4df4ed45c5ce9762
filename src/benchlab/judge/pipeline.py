"""From a judge config to report files: build prompts, answers and the judge, then run.

This is the glue behind `benchlab judge CONFIG`; the judging itself lives in
`run_pairwise_judgement`. The builders take `JudgeSettings`, the part of the config the matrix
task `pairwise_judge` shares, so both build judges, categories and answers the same way. One
`CostLedger` per run meters the judge and every answer generated through an endpoint.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from benchlab.backends.base import Backend
from benchlab.backends.openai_compatible import OpenAICompatibleBackend, OpenAICompatibleClient
from benchlab.config.schema import ModelSpec
from benchlab.errors import ConfigError
from benchlab.judge.answers import (
    generate_answers,
    generate_follow_ups,
    load_answers_file,
    refuse_follow_ups,
)
from benchlab.judge.budget import CostLedger, Pricing, budget_scope
from benchlab.judge.cache import ReplyStore
from benchlab.judge.categories import TaskPrompts, build_categories
from benchlab.judge.client import BackendJudge, EndpointJudge, JudgeClient, MeteredClient
from benchlab.judge.config import AnswerSource, EndpointSpec, JudgeConfig, JudgeSettings
from benchlab.judge.report import write_judge_report
from benchlab.judge.run import JudgeOutcome, JudgePrompt, run_pairwise_judgement
from benchlab.progress import ProgressReporter

__all__ = [
    "TaskPrompts",
    "answer_backend",
    "answers_from",
    "build_categories",
    "build_judge",
    "build_ledger",
    "check_endpoint_keys",
    "close_judge",
    "run_judge_config",
]


def _client(config: JudgeSettings, endpoint: EndpointSpec) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(
        endpoint.base_url,
        endpoint.model,
        api_key_env=endpoint.api_key_env,
        timeout=config.timeout_s,
        max_retries=config.retries,
        backoff_base=config.backoff_base_s,
        backoff_max=config.backoff_max_s,
        seed=config.seed,
    )


def check_endpoint_keys(config: JudgeSettings, *sources: AnswerSource) -> None:
    """Every endpoint's key variable is set, checked before anything (a cache file) is written."""
    endpoints = [config.judge.endpoint, *(source.endpoint for source in sources)]
    for endpoint in endpoints:
        env = endpoint.api_key_env if endpoint is not None else None
        if env is not None and not os.environ.get(env):
            raise ConfigError(
                f"endpoint {endpoint.base_url}: environment variable {env!r} is not set; "
                "export the API key there (benchlab never reads keys from files)"
            )


def _local_backend(spec: ModelSpec) -> Backend:
    """A local causal model as a generation backend (loaded lazily: imports torch)."""
    if spec.kind != "causal":
        raise ConfigError(f"model {spec.name!r}: judging and answering need kind: causal")
    from benchlab.backends.factory import causal_backend, load_causal_model

    model, tokenizer = load_causal_model(spec)
    return causal_backend(spec, model, tokenizer)


def answer_backend(
    config: JudgeSettings, source: AnswerSource, cache: ReplyStore, ledger: CostLedger
) -> Backend:
    """What generates a source's answers: an endpoint (cached, metered by `ledger`) or a model."""
    if source.endpoint is not None:
        client = MeteredClient(_client(config, source.endpoint), cache, ledger)
        return OpenAICompatibleBackend(client)
    if source.model is None:
        raise ConfigError(f"{source.name}: answers come from a file, not from a model")
    return _local_backend(source.model)


def _file_answers(source: AnswerSource, prompts: Sequence[JudgePrompt]) -> dict[str, str]:
    spec = source.answers
    assert spec is not None
    return load_answers_file(
        spec.file,
        prompts,
        match_on=spec.match_on,
        id_field=spec.id_field,
        question_field=spec.question_field,
        answer_field=spec.answer_field,
    )


def answers_from(
    config: JudgeSettings,
    source: AnswerSource,
    prompts: Sequence[JudgePrompt],
    cache: ReplyStore,
    ledger: CostLedger,
    backend: Backend | None = None,
) -> dict[str, str]:
    """One side's answers by prompt id: read from its file or generated (endpoint, model).

    Pass `backend` (from `answer_backend`) to reuse one loaded model across calls. An endpoint
    answers later turns of a conversation with its own earlier answers as context.
    """
    if source.answers is not None:
        return _file_answers(source, prompts)
    backend = backend or answer_backend(config, source, cache, ledger)
    if source.endpoint is not None and any(p.turn > 1 for p in prompts):
        first = generate_answers(
            backend, [p for p in prompts if p.turn == 1], max_new_tokens=source.max_new_tokens
        )
        client = backend.client  # type: ignore[attr-defined]  # the endpoint's MeteredClient
        return generate_follow_ups(client, prompts, first, max_new_tokens=source.max_new_tokens)
    return generate_answers(backend, prompts, max_new_tokens=source.max_new_tokens)


def build_ledger(config: JudgeSettings, cache: ReplyStore) -> CostLedger:
    """The study's cost ledger: its cap holds against all spend recorded in `cache` for it."""
    budget = config.budget
    return CostLedger(
        Pricing(budget.price_input_per_million, budget.price_output_per_million),
        budget.max_usd,
        store=cache,
        scope=budget_scope(config),
    )


def build_judge(config: JudgeSettings, cache: ReplyStore, ledger: CostLedger) -> JudgeClient:
    """The configured judge (endpoint or local model) with its cache and cost ledger."""
    spec = config.judge
    if spec.endpoint is not None:
        return EndpointJudge(
            _client(config, spec.endpoint),
            cache=cache,
            ledger=ledger,
            temperature=spec.temperature,
            max_tokens=spec.max_tokens,
            seed=spec.seed,
        )
    assert spec.model is not None
    return BackendJudge(
        _local_backend(spec.model), cache=cache, ledger=ledger, max_new_tokens=spec.max_tokens
    )


def close_judge(judge: JudgeClient | None) -> None:
    """Close an endpoint judge's HTTP connections (local judges hold none)."""
    if isinstance(judge, EndpointJudge):
        judge.client.close()


class _CallProgress:
    """Feeds judge calls to a progress bar, opened at the first call (when the total is known)."""

    def __init__(self, reporter: ProgressReporter, ledger: CostLedger, stack: ExitStack) -> None:
        self.reporter, self.ledger, self.stack = reporter, ledger, stack
        self.advance: Callable[..., None] | None = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.advance is None:
            self.advance = self.stack.enter_context(self.reporter.track("judging", total))
        cost = self.ledger.summary()
        cap = cost["max_usd"]
        note = f"${cost['spent_usd']:.4f} spent" + (
            f" (study ${cost['study_spent_usd']:.4f} of ${cap:.2f})" if cap is not None else ""
        )
        self.advance(done - self.shown, note=note)
        self.shown = done


def run_judge_config(
    config: JudgeConfig,
    *,
    output_dir: str | Path | None = None,
    progress: ProgressReporter | None = None,
    task_prompts: TaskPrompts | None = None,
) -> tuple[JudgeOutcome, dict[str, Path]]:
    """Run a whole judge config and write its report; returns the outcome and file paths.

    `task_prompts` builds the prompts of categories drawn from a benchlab task; `progress`
    shows judge calls done, the time left and the money spent.
    """
    sources = [*config.candidates, config.reference]
    check_endpoint_keys(config, *sources)
    # Everything that can be checked without a call is checked before anything is written.
    categories = build_categories(config, task_prompts, multi_turn=True)
    prompts = [p for c in categories for p in c.prompts]
    read = {s.name: _file_answers(s, prompts) for s in sources if s.answers is not None}
    for source in sources:
        if source.model is not None:
            refuse_follow_ups(prompts)
    out = Path(output_dir or config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = ReplyStore(config.cache or out / "judge_cache.sqlite")
    judge: JudgeClient | None = None
    stack = ExitStack()
    try:
        ledger = build_ledger(config, cache)
        judge = build_judge(config, cache, ledger)
        answers = {
            s.name: read[s.name]
            if s.name in read
            else answers_from(config, s, prompts, cache, ledger)
            for s in sources
        }
        candidates = {c.name: answers[c.name] for c in config.candidates}
        reference = answers[config.reference.name]
        outcome = run_pairwise_judgement(
            categories,
            candidates,
            reference,
            judge,
            reference_name=config.reference.name,
            concurrency=config.concurrency,
            repeat_fraction=config.repeat_fraction,
            n_resamples=config.n_resamples,
            seed=config.seed,
            progress=_CallProgress(progress, ledger, stack) if progress is not None else None,
        )
    finally:
        stack.close()
        close_judge(judge)
        cache.close()
    paths = write_judge_report(outcome, out)
    resolved = out / "judge_config.json"
    resolved.write_text(json.dumps(config.model_dump(mode="json"), indent=2), encoding="utf-8")
    paths["config"] = resolved
    return outcome, paths
