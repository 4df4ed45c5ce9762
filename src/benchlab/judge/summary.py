"""From pair records to the numbers: metrics per candidate, category and turn, judge quality."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchlab.judge.pairwise import (
    OUTCOME_SCORE,
    Outcome,
    PairwiseMetrics,
    pairwise_metrics,
    weighted_overall_score,
)
from benchlab.judge.quality import JudgeQuality, LengthCase, judge_quality
from benchlab.judge.records import JudgeCategory, JudgedPairs, PairRecord, StopKind
from benchlab.scoring.metric import MetricResult

__all__ = ["CandidateSummary", "JudgeOutcome", "summarize_judgement"]


@dataclass(frozen=True)
class CandidateSummary:
    """One candidate's metrics per category, pooled over categories, and weighted."""

    candidate: str
    categories: dict[str, PairwiseMetrics]
    overall: PairwiseMetrics
    weighted_score: MetricResult
    weights_used: dict[str, float]
    position_flips: dict[str, int]
    turns: dict[int, PairwiseMetrics] = field(default_factory=dict)


@dataclass
class JudgeOutcome:
    """Everything a judging run produced: pair records, metrics, judge quality and cost."""

    judge: str
    reference: str
    records: list[PairRecord]
    summaries: dict[str, CandidateSummary]
    quality: JudgeQuality
    bradley_terry: dict[str, tuple[float, Any]] | None
    cost: dict[str, Any]
    unjudged_pairs: int = 0
    stopped_reason: str | None = None
    templates: dict[str, str] = field(default_factory=dict)
    stopped_by: StopKind | None = None
    category_turns: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every pair was judged in both orders."""
        return self.stopped_reason is None and self.unjudged_pairs == 0


def _summarize_candidate(
    candidate: str,
    records: Sequence[PairRecord],
    categories: Sequence[JudgeCategory],
    n_resamples: int,
    seed: int,
) -> CandidateSummary:
    per_category: dict[str, PairwiseMetrics] = {}
    outcomes_by_category: dict[str, list[Outcome]] = {}
    flips: dict[str, int] = {}
    for category in categories:
        mine = [r for r in records if r.candidate == candidate and r.category == category.name]
        outcomes = [r.outcome for r in mine if r.outcome is not None]
        outcomes_by_category[category.name] = outcomes
        flips[category.name] = sum(bool(r.flipped) for r in mine)
        per_category[category.name] = pairwise_metrics(
            outcomes,
            unparseable=sum(r.outcome is None for r in mine),
            n_resamples=n_resamples,
            seed=seed,
        )
    pooled = [o for outs in outcomes_by_category.values() for o in outs]
    overall = pairwise_metrics(
        pooled,
        unparseable=sum(m.unparseable for m in per_category.values()),
        n_resamples=n_resamples,
        seed=seed,
    )
    weighted, used = weighted_overall_score(
        outcomes_by_category,
        {c.name: c.weight for c in categories},
        n_resamples=n_resamples,
        seed=seed,
    )
    turns: dict[int, PairwiseMetrics] = {}
    if len({c.turn for c in categories}) > 1:  # a multi-turn study: each turn pooled too
        for turn in sorted({c.turn for c in categories}):
            names = [c.name for c in categories if c.turn == turn]
            turns[turn] = pairwise_metrics(
                [o for name in names for o in outcomes_by_category[name]],
                unparseable=sum(per_category[name].unparseable for name in names),
                n_resamples=n_resamples,
                seed=seed,
            )
    return CandidateSummary(candidate, per_category, overall, weighted, used, flips, turns)


def summarize_judgement(
    judged: JudgedPairs,
    categories: Sequence[JudgeCategory],
    candidates: Sequence[str],
    *,
    judge_identity: str,
    reference_name: str = "reference",
    cost: Mapping[str, Any] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> JudgeOutcome:
    """Metrics per candidate and category, judge quality and Bradley-Terry from pair records."""
    records = judged.records
    summaries = {
        name: _summarize_candidate(name, records, categories, n_resamples, seed)
        for name in candidates
    }
    quality = judge_quality(
        flips=[bool(r.flipped) for r in records if r.flipped is not None],
        repeat_matches=[
            r.verdict_candidate_first == r.repeat_verdict
            for r in records
            if r.verdict_candidate_first is not None and r.repeat_verdict is not None
        ],
        length_cases=[
            LengthCase(r.outcome == "win", len(r.candidate_answer), len(r.reference_answer))
            for r in records
            if r.outcome in ("win", "loss")
        ],
        unparseable=sum(r.outcome is None for r in records),
        judged_pairs=len(records),
        unparseable_reasons=[
            reason
            for r in records
            for reason in (
                r.unparseable_reason_candidate_first,
                r.unparseable_reason_candidate_second,
            )
            if reason is not None
        ],
    )
    bradley_terry = None
    if len(candidates) >= 2:  # more than two models: candidates plus the reference
        from benchlab.stats import bradley_terry_with_ci

        tournament = [
            (r.candidate, reference_name, OUTCOME_SCORE[r.outcome])
            for r in records
            if r.outcome is not None
        ]
        if tournament:
            bradley_terry = bradley_terry_with_ci(tournament, n_resamples=n_resamples, seed=seed)
    return JudgeOutcome(
        judge=judge_identity,
        reference=reference_name,
        records=records,
        summaries=summaries,
        quality=quality,
        bradley_terry=bradley_terry,
        cost=dict(cost or {}),
        unjudged_pairs=judged.unjudged,
        stopped_reason=judged.stopped_reason,
        templates={c.name: c.template.name for c in categories},
        stopped_by=judged.stopped_by,
        category_turns={c.name: c.turn for c in categories},
    )
