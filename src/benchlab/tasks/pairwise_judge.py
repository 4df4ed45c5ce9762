"""Pairwise LLM-as-judge as a matrix task: the experiment's model answers, a judge compares.

Each eval example is one prompt of a judge category (a JSONL prompt set or another benchlab
task). The candidate is whatever the matrix prepared (a causal model zero-shot, with a LoRA
adapter, ...): it answers one generation request per prompt, and `score_batch` judges each
chunk against the reference's answers in both orders through `benchlab.judge` (concurrent,
cached in SQLite under the benchlab cache so a rerun pays nothing twice, budgeted).

Demonstrations are ignored: judge prompt sets are open questions without worked answers, so a
few-shot mode evaluates exactly like zero-shot here. LoRA trains on the optional `train` file
of prompt/response pairs, rendered with the same `prompt_template` as evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from benchlab.errors import DataError
from benchlab.judge.answers import read_records
from benchlab.judge.config import AnswerSource, JudgeSettings
from benchlab.judge.run import (
    JudgeCategory,
    JudgedPairs,
    JudgeOutcome,
    PairRecord,
    summarize_judgement,
)
from benchlab.judge.session import JudgeSession
from benchlab.requests import GenerationRequest
from benchlab.scoring.metric import MetricResult
from benchlab.tasks.base import EvalContext, Example, Prediction, Split, Task, TrainingPair
from benchlab.tasks.registry import TaskEntry, register_task

__all__ = ["PairwiseJudgeOptions", "PairwiseJudgeTask", "TrainingFile"]

#: The name pair records give the experiment's model; reports use the experiment id instead.
CANDIDATE = "candidate"
#: Where the judge's table, plot and summary go inside an experiment directory.
ARTIFACT_FOLDER = "judge"


class TrainingFile(BaseModel):
    """Prompt/response pairs (JSONL or a JSON array) that training modes learn from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    prompt_field: str = "prompt"
    response_field: str = "response"
    id_field: str = "id"
    limit: int | None = Field(None, ge=1)


class PairwiseJudgeOptions(JudgeSettings):
    """Judge settings shared with `benchlab judge`, plus the reference and how to ask the model."""

    reference: AnswerSource
    chat: bool = Field(
        True, description="apply the model's chat template (if it has one) to each prompt"
    )
    max_new_tokens: int = Field(512, ge=1)
    prompt_template: str = Field(
        "{question}", description="the text the model sees; {question} is the prompt"
    )
    train: TrainingFile | None = None
    cache: str | None = Field(
        None, description="SQLite reply cache; default BENCHLAB_CACHE/judge/replies.sqlite"
    )

    @field_validator("prompt_template")
    @classmethod
    def _has_question(cls, value: str) -> str:
        if "{question}" not in value:
            raise ValueError("prompt_template must contain {question}")
        return value


def _verdict_details(record: PairRecord, gold: str | None) -> dict[str, Any]:
    details = record.to_json()
    for key in ("id", "input", "candidate", "candidate_answer", "reference_answer"):
        details.pop(key)
    if gold is not None:
        details["gold_answer"] = gold
    return details


def _prediction(record: PairRecord, gold: str | None) -> Prediction:
    """One line of predictions.jsonl: the pair with both verdicts and the judge's texts."""
    return Prediction(
        example_id=record.prompt_id,
        input=record.question,
        gold=record.reference_answer,
        prediction=record.candidate_answer,
        correct={"win": True, "loss": False}.get(record.outcome or ""),
        details=_verdict_details(record, gold),
        group=record.category,
    )


def _record(prediction: Prediction, candidate: str) -> PairRecord:
    """A pair record back from a prediction (the inverse of `_prediction`)."""
    d = prediction.details
    return PairRecord(
        candidate=candidate,
        reference=d["reference"],
        category=d["category"],
        prompt_id=prediction.example_id,
        question=prediction.input,
        candidate_answer=prediction.prediction,
        reference_answer=prediction.gold,
        verdict_candidate_first=d["verdict_candidate_as_a"],
        verdict_candidate_second=d["verdict_candidate_as_b"],
        judge_text_candidate_first=d["judge_text_candidate_as_a"],
        judge_text_candidate_second=d["judge_text_candidate_as_b"],
        outcome=None if d["outcome"] == "unparseable" else d["outcome"],
        flipped=d["position_flip"],
        repeat_verdict=d["repeat_verdict_candidate_as_a"],
        repeat_text=d["repeat_judge_text"],
        unparseable_reason_candidate_first=d["unparseable_reason_candidate_as_a"],
        unparseable_reason_candidate_second=d["unparseable_reason_candidate_as_b"],
    )


class PairwiseJudgeTask(Task):
    """The matrix's model vs a reference on judge categories, scored by an LLM judge."""

    family = "judge"

    def __init__(self, name: str, options: PairwiseJudgeOptions) -> None:
        super().__init__(name)
        self.options = options
        self._categories: list[JudgeCategory] | None = None
        self._session: JudgeSession | None = None
        # (prompt id, answer) -> prediction: the latency pass re-asks the same prompts and
        # must not judge (or count) the same pair again.
        self._judged: dict[tuple[str, str], Prediction] = {}

    @property
    def categories(self) -> list[JudgeCategory]:
        """The configured categories with their prompts and judge templates (loaded once)."""
        if self._categories is None:
            from benchlab.judge.pipeline import build_categories
            from benchlab.tasks.judge_prompts import prompts_from_task

            self._categories = build_categories(self.options, prompts_from_task)
        return self._categories

    def validate(self) -> None:
        """Prompt, answer, training and template files exist; task-sourced prompts validate."""
        from benchlab.judge.prompts import load_template
        from benchlab.tasks.registry import build_task

        files = [c.prompts.file for c in self.options.categories if c.prompts.file]
        if self.options.reference.answers is not None:
            files.append(self.options.reference.answers.file)
        if self.options.train is not None:
            files.append(self.options.train.file)
        for file in files:
            if not Path(file).is_file():
                raise DataError(f"file not found: {file}")
            read_records(file)  # read in full now: encoding and JSON errors, by line
        for template in (self.options.judge.template, self.options.judge.reference_template):
            if template is not None:
                load_template(template)
        for category in self.options.categories:
            spec = category.prompts.task
            if spec is not None:
                build_task(spec.task_type, spec.name, spec.options).validate()

    def load_split(self, split: Split) -> list[Example]:
        """Eval: every category's prompts. Train: the `train` file's prompt/response pairs."""
        if split == "eval":
            return [
                Example(p.id, {"question": p.question}, p.reference, group=c.name)
                for c in self.categories
                for p in c.prompts
            ]
        spec = self.options.train
        if spec is None:
            raise DataError(
                f"task {self.name!r} has no training data: set `train: {{file: ...}}` to a "
                "JSONL of prompt/response pairs to use a training or few-shot mode"
            )
        examples = []
        for position, (number, row) in enumerate(read_records(spec.file)[: spec.limit]):
            missing = [f for f in (spec.prompt_field, spec.response_field) if row.get(f) is None]
            if missing:
                raise DataError(f"{spec.file}:{number}: missing field(s) {missing}")
            example_id = str(row.get(spec.id_field, f"train-{position}"))
            examples.append(
                Example(
                    example_id,
                    {"question": str(row[spec.prompt_field])},
                    str(row[spec.response_field]),
                )
            )
        return examples

    def prompt(self, question: str) -> str:
        """The text the candidate model is given for one question."""
        return self.options.prompt_template.replace("{question}", question)

    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[GenerationRequest]:
        """One greedy generation; demonstrations are ignored (see the module docstring)."""
        return [
            GenerationRequest(
                prompt=self.prompt(example.data["question"]),
                max_new_tokens=self.options.max_new_tokens,
                seed=context.seed,
                chat=self.options.chat,
            )
        ]

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """Judge one answer (the runner scores in chunks through `score_batch`)."""
        return self.score_batch([example], [responses])[0]

    def _session_for_run(self) -> JudgeSession:
        if self._session is None:
            from benchlab.quickstart.resources import cache_dir

            path = Path(self.options.cache or cache_dir() / "judge" / "replies.sqlite")
            self._session = JudgeSession(self.options, self.options.reference, path)
        return self._session

    def score_batch(
        self, examples: Sequence[Example], responses: Sequence[Sequence[Any]]
    ) -> list[Prediction]:
        """Judge a chunk of answers against the reference, both orders, concurrently."""
        answers = {e.id: r[0].texts[0] for e, r in zip(examples, responses, strict=True)}
        todo = {e.id for e in examples if (e.id, answers[e.id]) not in self._judged}
        if todo:
            golds: dict[str, str | None] = {}
            chunk = []
            for category in self.categories:
                prompts = tuple(p for p in category.prompts if p.id in todo)
                golds.update((p.id, p.reference) for p in prompts)
                if prompts:
                    chunk.append(
                        JudgeCategory(category.name, prompts, category.template, category.weight)
                    )
            judged = self._session_for_run().judge_candidate(
                chunk, CANDIDATE, {i: answers[i] for i in todo}
            )
            for record in judged.records:
                key = (record.prompt_id, record.candidate_answer)
                self._judged[key] = _prediction(record, golds[record.prompt_id])
        return [self._judged[(e.id, answers[e.id])] for e in examples]

    def outcome(
        self,
        predictions: Sequence[Prediction],
        *,
        candidate: str = CANDIDATE,
        seed: int = 0,
        n_resamples: int = 1000,
    ) -> JudgeOutcome:
        """The judge summary (metrics per category, judge quality, cost) of scored predictions."""
        records = [_record(p, candidate) for p in predictions]
        session = self._session
        return summarize_judgement(
            JudgedPairs(records),
            self.categories,
            [candidate],
            judge_identity=session.judge.identity if session else self._judge_name(),
            reference_name=self.options.reference.name,
            cost=session.cost() if session else None,
            n_resamples=n_resamples,
            seed=seed,
        )

    def _judge_name(self) -> str:
        judge = self.options.judge
        if judge.endpoint is not None:
            return f"openai-compatible:{judge.endpoint.base_url}:{judge.endpoint.model}"
        assert judge.model is not None
        return f"model:{judge.model.name}"

    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """Score and win rate overall and per category, weighted score, position-flip rate.

        Undefined values (a win rate without decisive pairs) are left out.
        """
        outcome = self.outcome(predictions, seed=seed, n_resamples=n_resamples)
        summary = outcome.summaries[CANDIDATE]
        found: dict[str, MetricResult] = {
            "score": summary.overall.score,
            "win_rate": summary.overall.win_rate,
            "weighted_score": summary.weighted_score,
            "position_flip_rate": outcome.quality.position_flip_rate,
        }
        for category, m in summary.categories.items():
            found[f"score/{category}"] = m.score
            found[f"win_rate/{category}"] = m.win_rate
        return {name: m for name, m in found.items() if m.value == m.value}

    def write_artifacts(
        self,
        predictions: Sequence[Prediction],
        folder: Path,
        *,
        seed: int = 0,
        n_resamples: int = 1000,
    ) -> None:
        """judge_table.csv, judge_wlt.png and judge_results.json under `folder`/judge.

        The candidate is named after the experiment folder; the session is closed here.
        """
        from benchlab.judge.report import write_judge_report

        folder = Path(folder)
        outcome = self.outcome(
            predictions, candidate=folder.name, seed=seed, n_resamples=n_resamples
        )
        write_judge_report(outcome, folder / ARTIFACT_FOLDER, predictions=False)
        if self._session is not None:
            self._session.close()
            self._session = None

    def training_pairs(self, examples: Sequence[Example]) -> list[TrainingPair]:
        """The rendered prompt followed by the training response."""
        return [TrainingPair(self.prompt(e.data["question"]), str(e.gold)) for e in examples]

    def describe(self) -> Mapping[str, Any]:
        """Options (the API key never appears, only its variable's name), for provenance."""
        return {
            "name": self.name,
            "family": self.family,
            "demonstrations": "ignored",
            "options": self.options.model_dump(mode="json"),
        }


def build_pairwise_judge(name: str, options: Mapping[str, Any]) -> PairwiseJudgeTask:
    """Factory for the `pairwise_judge` task type."""
    return PairwiseJudgeTask(name, PairwiseJudgeOptions.model_validate(dict(options)))


register_task(
    TaskEntry(
        name="pairwise_judge",
        family="judge",
        description="answers to judge prompt sets compared with a reference by an LLM judge",
        build=build_pairwise_judge,
    )
)
