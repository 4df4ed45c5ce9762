"""What judging works on and produces: prompts, categories and the record of each pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from benchlab.judge.pairwise import OUTCOME_SCORE, Outcome
from benchlab.judge.prompts import JudgeTemplate
from benchlab.judge.verdict import UnparseableReason, VerdictLabel

__all__ = ["JudgeCategory", "JudgePrompt", "JudgedPairs", "PairRecord", "StopKind"]


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


@dataclass
class JudgedPairs:
    """The pair records of one batch of judgments, and why judging stopped early, if it did."""

    records: list[PairRecord]
    unjudged: int = 0
    stopped_reason: str | None = None
    stopped_by: StopKind | None = None
