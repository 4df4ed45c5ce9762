"""Judge every candidate answer against the reference answer, in both orders, concurrently.

`run_pairwise_judgement` does not care where prompts and answers came from (a task, a JSONL
prompt set, a model, a file of precomputed answers); it only needs them keyed by prompt id.
It is `judge_pairs` (the calls) followed by `summarize_judgement` (the numbers); the matrix
task calls the first per chunk of examples and the second once on all pair records.
A budget stop or an endpoint that keeps failing stops the run cleanly: calls in flight finish,
pairs judged in both orders are kept and scored, the rest are counted as unjudged. Calls are
made round-robin over categories (the i-th prompt of every category before the (i+1)-th of any),
so a stop leaves a balanced sample of every category rather than empty later ones.

A second turn of a conversation is a prompt of its own (`JudgePrompt.turn` 2, its `context`
naming the earlier turns' prompt ids); it is judged with each side's earlier answers shown.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from benchlab.errors import BenchlabError, DataError
from benchlab.judge.budget import BudgetExhaustedError
from benchlab.judge.client import JudgeClient, JudgeReply
from benchlab.judge.pairwise import (
    OUTCOME_SCORE,
    Outcome,
    PairwiseMetrics,
    combine_orders,
    pairwise_metrics,
    weighted_overall_score,
)
from benchlab.judge.prompts import Exchange, JudgeTemplate
from benchlab.judge.quality import JudgeQuality, LengthCase, judge_quality
from benchlab.judge.verdict import UnparseableReason, VerdictLabel, parse_verdict
from benchlab.scoring.metric import MetricResult

__all__ = [
    "CandidateSummary",
    "JudgeCategory",
    "JudgeOutcome",
    "JudgePrompt",
    "JudgedPairs",
    "PairRecord",
    "StopKind",
    "judge_pairs",
    "run_pairwise_judgement",
    "summarize_judgement",
]


#: Why judging stopped early: the budget cap, or an endpoint that kept failing.
StopKind = Literal["budget", "error"]


@dataclass(frozen=True)
class JudgePrompt:
    """One question; `reference` is a gold answer shown to reference-guided templates.

    A later turn of a conversation has `turn` > 1 and names the earlier turns' prompt ids in
    `context`, in order; answers to those are shown to the judge as the conversation so far.
    """

    id: str
    question: str
    reference: str | None = None
    turn: int = 1
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class JudgeCategory:
    """A category (knowledge, math, ...) with its prompts, judge template and weight.

    `turn` says which turn of a conversation its prompts are (1 for single questions).
    """

    name: str
    prompts: tuple[JudgePrompt, ...]
    template: JudgeTemplate
    weight: float = 1.0
    turn: int = 1


@dataclass
class PairRecord:
    """One candidate-vs-reference pair: both verdicts, the judge's texts, the outcome."""

    candidate: str
    reference: str
    category: str
    prompt_id: str
    question: str
    candidate_answer: str
    reference_answer: str
    verdict_candidate_first: VerdictLabel | None
    verdict_candidate_second: VerdictLabel | None
    judge_text_candidate_first: str
    judge_text_candidate_second: str
    outcome: Outcome | None
    flipped: bool | None
    repeat_verdict: VerdictLabel | None = None
    repeat_text: str | None = None
    unparseable_reason_candidate_first: UnparseableReason | None = None
    unparseable_reason_candidate_second: UnparseableReason | None = None

    def to_json(self) -> dict[str, Any]:
        """One line of predictions.jsonl."""
        return {
            "id": self.prompt_id,
            "category": self.category,
            "candidate": self.candidate,
            "reference": self.reference,
            "input": self.question,
            "candidate_answer": self.candidate_answer,
            "reference_answer": self.reference_answer,
            "outcome": self.outcome if self.outcome is not None else "unparseable",
            "score": OUTCOME_SCORE[self.outcome] if self.outcome is not None else None,
            "position_flip": self.flipped,
            "verdict_candidate_as_a": self.verdict_candidate_first,
            "verdict_candidate_as_b": self.verdict_candidate_second,
            "judge_text_candidate_as_a": self.judge_text_candidate_first,
            "judge_text_candidate_as_b": self.judge_text_candidate_second,
            "unparseable_reason_candidate_as_a": self.unparseable_reason_candidate_first,
            "unparseable_reason_candidate_as_b": self.unparseable_reason_candidate_second,
            "repeat_verdict_candidate_as_a": self.repeat_verdict,
            "repeat_judge_text": self.repeat_text,
        }


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


@dataclass
class JudgedPairs:
    """The pair records of one batch of judgments, and why judging stopped early, if it did."""

    records: list[PairRecord]
    unjudged: int = 0
    stopped_reason: str | None = None
    stopped_by: StopKind | None = None


@dataclass(frozen=True)
class _Job:
    pair: tuple[str, str, str]  # (candidate, category, prompt id)
    slot: str  # "first", "second" or "repeat"
    messages: list[dict[str, str]]
    salt: str = ""


def _repeat_selected(pair: tuple[str, str, str], fraction: float, seed: int) -> bool:
    """Whether a pair is judged twice: a seeded hash of the pair, so chunking cannot change it."""
    digest = hashlib.sha256(f"{seed}\x00{chr(0).join(pair)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def _check_covered(
    category: JudgeCategory,
    candidate: str,
    answers: Mapping[str, str],
    reference_answers: Mapping[str, str],
    known: Mapping[str, JudgePrompt],
) -> None:
    """Both sides answer every prompt of the category and every earlier turn it builds on."""
    needed = [i for p in category.prompts for i in (*p.context, p.id)]
    unknown = sorted({i for i in needed if i not in known})
    if unknown:
        raise DataError(
            f"category {category.name!r}: a later turn builds on prompt id(s) {unknown[:5]} "
            "that no category holds; judge the earlier turns in the same run"
        )
    missing = [i for i in dict.fromkeys(needed) if i not in answers]
    missing_ref = [i for i in dict.fromkeys(needed) if i not in reference_answers]
    if missing or missing_ref:
        who = f"candidate {candidate!r}" if missing else "the reference"
        ids = (missing or missing_ref)[:5]
        raise DataError(
            f"category {category.name!r}: {who} has no answer for prompt id(s) {ids}"
            f"{' and more' if len(missing or missing_ref) > 5 else ''}; "
            "answer files must cover every prompt"
        )


def _round_robin(groups: Sequence[Sequence[_Job]]) -> list[_Job]:
    """The first job group of every category, then the second of every category, and so on."""
    return [
        job
        for layer in itertools.zip_longest(*groups)
        for group in layer
        if group is not None
        for job in group
    ]


def _build_jobs(
    categories: Sequence[JudgeCategory],
    candidate_answers: Mapping[str, Mapping[str, str]],
    reference_answers: Mapping[str, str],
    repeat_fraction: float,
    seed: int,
) -> tuple[list[_Job], dict[tuple[str, str, str], tuple[JudgePrompt, str, str]]]:
    """The calls to make, interleaved over categories, and the pairs in report order."""
    known = {p.id: p for c in categories for p in c.prompts}
    pairs: dict[tuple[str, str, str], tuple[JudgePrompt, str, str]] = {}
    per_category: list[list[list[_Job]]] = []  # one list of job groups (one per pair) each
    for candidate, answers in candidate_answers.items():
        for category in categories:
            _check_covered(category, candidate, answers, reference_answers, known)
            groups = []
            for prompt in category.prompts:
                key = (candidate, category.name, prompt.id)
                ours, theirs = answers[prompt.id], reference_answers[prompt.id]
                pairs[key] = (prompt, ours, theirs)
                history: list[Exchange] = [
                    (known[i].question, answers[i], reference_answers[i]) for i in prompt.context
                ]
                swapped: list[Exchange] = [(q, b, a) for q, a, b in history]
                render, question, gold = category.template.render, prompt.question, prompt.reference
                group = [
                    _Job(key, "first", render(question, ours, theirs, gold, history=history)),
                    _Job(key, "second", render(question, theirs, ours, gold, history=swapped)),
                ]
                if _repeat_selected(key, repeat_fraction, seed):
                    group.append(_Job(key, "repeat", group[0].messages, salt="repeat-1"))
                groups.append(group)
            per_category.append(groups)
    return _round_robin(per_category), pairs


def _execute(
    jobs: Sequence[_Job],
    judge: JudgeClient,
    concurrency: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[dict[tuple[tuple[str, str, str], str], JudgeReply], tuple[str, StopKind] | None]:
    replies: dict[tuple[tuple[str, str, str], str], JudgeReply] = {}
    stop = threading.Event()
    lock = threading.Lock()
    reasons: list[tuple[str, StopKind]] = []
    done = [0]

    def work(job: _Job) -> None:
        if stop.is_set():
            return
        try:
            reply = judge.judge(job.messages, salt=job.salt)
        except BenchlabError as exc:  # budget reached, endpoint failing
            stop.set()
            kind: StopKind = "budget" if isinstance(exc, BudgetExhaustedError) else "error"
            with lock:
                reasons.append((str(exc), kind))
            return
        except BaseException:
            stop.set()
            raise
        with lock:
            replies[(job.pair, job.slot)] = reply
            done[0] += 1
            if progress is not None:
                progress(done[0], len(jobs))

    workers = max(1, min(concurrency, judge.max_concurrency or concurrency))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="judge") as pool:
        futures = [pool.submit(work, job) for job in jobs]
        for future in futures:
            future.result()  # re-raises bugs; BenchlabErrors were turned into a stop reason
    return replies, (reasons[0] if reasons else None)


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


def judge_pairs(
    categories: Sequence[JudgeCategory],
    candidate_answers: Mapping[str, Mapping[str, str]],
    reference_answers: Mapping[str, str],
    judge: JudgeClient,
    *,
    reference_name: str = "reference",
    concurrency: int = 4,
    repeat_fraction: float = 0.1,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> JudgedPairs:
    """Judge each candidate against the reference on every prompt, in both orders.

    `candidate_answers` maps a candidate name to its answers by prompt id; `reference_answers`
    holds the reference's answers by prompt id. A seeded `repeat_fraction` of pairs is judged a
    second time (candidate first) to measure the judge's self-agreement.
    """
    if reference_name in candidate_answers:
        raise DataError(f"candidate name {reference_name!r} is also the reference's name")
    jobs, pairs = _build_jobs(
        categories, candidate_answers, reference_answers, repeat_fraction, seed
    )
    replies, stop = _execute(jobs, judge, concurrency, progress)

    records: list[PairRecord] = []
    unjudged = 0
    for key, (prompt, ours, theirs) in pairs.items():
        first, second = replies.get((key, "first")), replies.get((key, "second"))
        if first is None or second is None:
            unjudged += 1
            continue
        v_first = parse_verdict(first.text, first.finish_reason)
        v_second = parse_verdict(second.text, second.finish_reason)
        outcome, flipped = combine_orders(v_first.label, v_second.label)
        record = PairRecord(
            candidate=key[0],
            reference=reference_name,
            category=key[1],
            prompt_id=prompt.id,
            question=prompt.question,
            candidate_answer=ours,
            reference_answer=theirs,
            verdict_candidate_first=v_first.label,
            verdict_candidate_second=v_second.label,
            judge_text_candidate_first=first.text,
            judge_text_candidate_second=second.text,
            outcome=outcome,
            flipped=flipped,
            unparseable_reason_candidate_first=v_first.reason,
            unparseable_reason_candidate_second=v_second.reason,
        )
        if (repeat := replies.get((key, "repeat"))) is not None:
            record.repeat_verdict = parse_verdict(repeat.text, repeat.finish_reason).label
            record.repeat_text = repeat.text
        records.append(record)
    if stop is None:
        return JudgedPairs(records, unjudged)
    return JudgedPairs(records, unjudged, stop[0], stop[1])


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


def run_pairwise_judgement(
    categories: Sequence[JudgeCategory],
    candidate_answers: Mapping[str, Mapping[str, str]],
    reference_answers: Mapping[str, str],
    judge: JudgeClient,
    *,
    reference_name: str = "reference",
    concurrency: int = 4,
    repeat_fraction: float = 0.1,
    n_resamples: int = 1000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> JudgeOutcome:
    """Judge every pair in both orders (see `judge_pairs`) and summarize the outcomes."""
    judged = judge_pairs(
        categories,
        candidate_answers,
        reference_answers,
        judge,
        reference_name=reference_name,
        concurrency=concurrency,
        repeat_fraction=repeat_fraction,
        seed=seed,
        progress=progress,
    )
    ledger = getattr(judge, "ledger", None)
    return summarize_judgement(
        judged,
        categories,
        list(candidate_answers),
        judge_identity=judge.identity,
        reference_name=reference_name,
        cost=ledger.summary() if ledger is not None else None,
        n_resamples=n_resamples,
        seed=seed,
    )
