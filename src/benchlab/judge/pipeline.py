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
from pathlib import Path

from benchlab.backends.base import Backend
from benchlab.backends.openai_compatible import OpenAICompatibleBackend, OpenAICompatibleClient
from benchlab.config.schema import ModelSpec
from benchlab.errors import ConfigError
from benchlab.judge.answers import generate_answers, load_answers_file, load_prompt_file
from benchlab.judge.budget import CostLedger, Pricing, budget_scope
from benchlab.judge.cache import ReplyStore
from benchlab.judge.client import BackendJudge, EndpointJudge, JudgeClient, MeteredClient
from benchlab.judge.config import AnswerSource, EndpointSpec, JudgeConfig, JudgeSettings
from benchlab.judge.prompts import (
    DEFAULT_PAIRWISE,
    DEFAULT_REFERENCE_GUIDED,
    JudgeTemplate,
    load_template,
)
from benchlab.judge.report import write_judge_report
from benchlab.judge.run import JudgeCategory, JudgeOutcome, JudgePrompt, run_pairwise_judgement

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


#: Builds a task's eval split as prompts: (task type, name, options, *, limit) -> prompts.
#: `benchlab.tasks.judge_prompts.prompts_from_task` is the one the CLI and matrix task pass.
TaskPrompts = Callable[..., list[JudgePrompt]]


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


def build_categories(
    config: JudgeSettings, task_prompts: TaskPrompts | None = None
) -> list[JudgeCategory]:
    """Each configured category with its prompts and template; prompt ids must be unique.

    Categories whose prompts come from a task get them from `task_prompts`.
    """
    judge = config.judge
    plain = load_template(judge.template) if judge.template else DEFAULT_PAIRWISE
    guided = (
        load_template(judge.reference_template)
        if judge.reference_template
        else DEFAULT_REFERENCE_GUIDED
    )
    categories, seen = [], {}
    for spec in config.categories:
        source = spec.prompts
        prompts: list[JudgePrompt]
        if source.file is not None:
            prompts = load_prompt_file(
                source.file,
                id_field=source.id_field,
                question_field=source.question_field,
                reference_field=source.reference_field,
                limit=source.limit,
            )
        else:
            assert source.task is not None
            if task_prompts is None:
                raise ConfigError(
                    f"category {spec.name!r}: prompts.task needs a task-prompt builder here; "
                    "give the prompts as a file"
                )
            prompts = task_prompts(
                source.task.task_type, source.task.name, source.task.options, limit=source.limit
            )
        template: JudgeTemplate = guided if spec.reference_guided else plain
        if spec.reference_guided and any(p.reference is None for p in prompts):
            raise ConfigError(
                f"category {spec.name!r}: reference_guided needs gold answers; set "
                "prompts.reference_field (or use a task with gold answers)"
            )
        for prompt in prompts:
            if prompt.id in seen:
                raise ConfigError(
                    f"prompt id {prompt.id!r} appears in categories {seen[prompt.id]!r} and "
                    f"{spec.name!r}; ids must be unique across categories"
                )
            seen[prompt.id] = spec.name
        categories.append(JudgeCategory(spec.name, tuple(prompts), template, spec.weight))
    return categories


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


def answers_from(
    config: JudgeSettings,
    source: AnswerSource,
    prompts: Sequence[JudgePrompt],
    cache: ReplyStore,
    ledger: CostLedger,
    backend: Backend | None = None,
) -> dict[str, str]:
    """One side's answers by prompt id: read from its file or generated (endpoint, model).

    Pass `backend` (from `answer_backend`) to reuse one loaded model across calls.
    """
    if source.answers is not None:
        spec = source.answers
        return load_answers_file(
            spec.file,
            prompts,
            match_on=spec.match_on,
            id_field=spec.id_field,
            question_field=spec.question_field,
            answer_field=spec.answer_field,
        )
    backend = backend or answer_backend(config, source, cache, ledger)
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


def run_judge_config(
    config: JudgeConfig,
    *,
    output_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    task_prompts: TaskPrompts | None = None,
) -> tuple[JudgeOutcome, dict[str, Path]]:
    """Run a whole judge config and write its report; returns the outcome and file paths.

    `task_prompts` builds the prompts of categories drawn from a benchlab task.
    """
    check_endpoint_keys(config, *config.candidates, config.reference)
    out = Path(output_dir or config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = ReplyStore(config.cache or out / "judge_cache.sqlite")
    judge: JudgeClient | None = None
    try:
        categories = build_categories(config, task_prompts)
        prompts = [p for c in categories for p in c.prompts]
        ledger = build_ledger(config, cache)
        judge = build_judge(config, cache, ledger)
        candidates = {
            c.name: answers_from(config, c, prompts, cache, ledger) for c in config.candidates
        }
        reference = answers_from(config, config.reference, prompts, cache, ledger)
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
            progress=progress,
        )
    finally:
        close_judge(judge)
        cache.close()
    paths = write_judge_report(outcome, out)
    resolved = out / "judge_config.json"
    resolved.write_text(json.dumps(config.model_dump(mode="json"), indent=2), encoding="utf-8")
    paths["config"] = resolved
    return outcome, paths
