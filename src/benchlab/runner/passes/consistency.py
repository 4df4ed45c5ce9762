"""The consistency pass: M sampled answers per eval item, and how much they agree.

Runs after evaluate (whose greedy predictions are the greedy answers) when the mode has a
`consistency:` block. Each item's samples are seeded from the run seed and the item id, so a
rerun draws the same samples. Writes consistency.jsonl (one line per item: the extracted
answers, unique answers, majority and its share, entropy, greedy and per-sample correctness,
the sample texts and the item seed); the aggregates with CIs go to results.json under
`passes.consistency`. With `judge: {file: PREDICTIONS.jsonl}` (a judge run over the same
prompt ids) it adds the share of judge ties among low- vs high-agreement items. The report
draws the agreement histogram and maj@k curve from the file.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.config.schema import ConsistencySpec
from benchlab.errors import DataError
from benchlab.record.atomic import write_jsonl_atomic
from benchlab.runner.passes.base import PassContext
from benchlab.scoring.consistency import (
    INVALID,
    ItemConsistency,
    ItemSamples,
    item_consistency,
)
from benchlab.scoring.consistency_summary import (
    ConsistencySummary,
    JudgeTies,
    judge_ties_by_agreement,
    summarize_consistency,
)
from benchlab.tasks.base import Prediction, Sample
from benchlab.tasks.sampling import SamplingSettings, item_seed, sample_examples

__all__ = [
    "CONSISTENCY_FILE",
    "ConsistencyOutput",
    "ConsistencyPass",
    "consistency_items",
    "judge_outcomes",
]

CONSISTENCY_FILE = "consistency.jsonl"


@dataclass(frozen=True)
class ConsistencyOutput:
    """Per-item consistency, the aggregates, and the settings they were drawn with."""

    items: list[ItemConsistency]
    summary: ConsistencySummary
    settings: ConsistencySpec
    judge_ties: JudgeTies | None = None
    seconds: float = 0.0  # sampling and scoring wall time


def judge_outcomes(path: Path, candidate: str | None = None) -> dict[str, str]:
    """Prompt id -> outcome (win / loss / tie / unparseable) from a judge predictions.jsonl."""
    if not path.is_file():
        raise DataError(
            f"consistency.judge.file: not found: {path}; give a judge run's predictions.jsonl"
        )
    outcomes: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "id" not in row or "outcome" not in row:
            raise DataError(f"{path} line {number}: a judge line needs 'id' and 'outcome'")
        if candidate is None or row.get("candidate") == candidate:
            outcomes[str(row["id"])] = str(row["outcome"])
    return outcomes


def consistency_items(
    samples: list[list[Sample]], greedy: list[Prediction | None], *, seed: int
) -> list[ItemConsistency]:
    """Per-item statistics from scored samples and the evaluate pass's greedy predictions."""
    items = []
    for own, prediction in zip(samples, greedy, strict=True):
        assert prediction is not None
        answer = prediction.prediction
        items.append(
            item_consistency(
                ItemSamples(
                    item_id=prediction.example_id,
                    samples=[s.answer for s in own],
                    greedy=INVALID if answer is None else str(answer),
                    sample_correct=[bool(s.correct) for s in own],
                    greedy_correct=bool(prediction.correct),
                ),
                seed=seed,
            )
        )
    return items


class ConsistencyPass:
    """M samples per item at the mode's temperature and top-p, scored by the task."""

    name = "consistency"

    def summary(self, output: ConsistencyOutput) -> dict[str, Any]:
        """Settings and aggregates (agreement, maj@k, pass@k, correlations) with CIs, and the
        judge's tie shares by agreement when a judge run was given."""
        digest = {
            "settings": output.settings.model_dump(),
            "seconds": output.seconds,
            **output.summary.to_json(),
        }
        if output.judge_ties is not None:
            digest["judge_ties"] = output.judge_ties.to_json()
        return digest

    def run(self, context: PassContext) -> ConsistencyOutput:
        """Sample, score, write consistency.jsonl, summarise."""
        spec = context.spec
        settings = spec.mode.consistency
        if settings is None:
            raise ValueError(f"{spec.id}: the consistency pass needs the mode's `consistency:`")
        examples = list(context.examples[: settings.max_items])
        greedy = {p.example_id: p for p in context.outputs["evaluate"].predictions}
        sampling = SamplingSettings(
            settings.samples, settings.temperature, settings.top_p, spec.seed
        )
        eval_context = context.eval_context
        started = time.perf_counter()
        with context.progress.track(f"consistency  {spec.id}", len(examples)) as advance:
            samples = sample_examples(
                context.task,
                context.backend,
                examples,
                sampling,
                demonstrations=eval_context.demonstrations,
                chunk_size=eval_context.chunk_size,
                advance=advance,
                reasoning=eval_context.reasoning,
            )
        seconds = time.perf_counter() - started
        items = consistency_items(samples, [greedy.get(e.id) for e in examples], seed=spec.seed)
        lines = (
            {
                **item.to_json(),
                "seed": item_seed(spec.seed, example.id),
                "texts": [s.text for s in own],
            }
            for item, example, own in zip(items, examples, samples, strict=True)
        )
        write_jsonl_atomic(context.folder / CONSISTENCY_FILE, lines)
        profile = spec.profile
        summary = summarize_consistency(
            items, seed=spec.seed, n_resamples=profile.bootstrap_resamples
        )
        context.log(
            f"{spec.id}: consistency over {len(items)} items x {settings.samples} samples: "
            f"mean agreement {summary.mean_agreement.value:.3f}, "
            f"maj@{settings.samples} {summary.maj_at_k[-1].value:.3f}"
        )
        ties = None
        if settings.judge is not None:
            outcomes = judge_outcomes(Path(settings.judge.file), settings.judge.candidate)
            ties = judge_ties_by_agreement(items, outcomes, threshold=settings.judge.threshold)
        return ConsistencyOutput(items, summary, settings, ties, seconds)
