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
from dataclasses import dataclass

from benchlab.errors import BenchlabError, DataError
from benchlab.judge.budget import BudgetExhaustedError
from benchlab.judge.client import JudgeClient, JudgeReply
from benchlab.judge.pairwise import combine_orders
from benchlab.judge.prompts import Exchange
from benchlab.judge.records import JudgeCategory, JudgedPairs, JudgePrompt, PairRecord, StopKind
from benchlab.judge.summary import CandidateSummary, JudgeOutcome, summarize_judgement
from benchlab.judge.verdict import parse_verdict

# The record and summary types are re-exported: callers import the judging API from here.
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


def _round_robin(categories: Sequence[Sequence[Sequence[_Job]]]) -> list[_Job]:
    """Each category's first pair (its job group), then each one's second pair, and so on."""
    return [
        job
        for layer in itertools.zip_longest(*categories)
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
