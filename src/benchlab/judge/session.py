"""An open judge for callers that judge in pieces (the matrix task judges chunk by chunk).

It holds the reply cache, the judge with its cost ledger, and the reference side (a file, an
endpoint or a loaded local model), so none of them is reopened per chunk. A stopped judgment
(budget cap, endpoint down) raises: a matrix experiment is either complete or failed, and a
rerun pays only for what the cache does not already hold. The cap is the study's, not the
session's: every experiment of the task and every rerun draw on the spend recorded in the
cache (`benchlab.judge.budget`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchlab.backends.base import Backend
from benchlab.errors import BenchlabError
from benchlab.judge.cache import ReplyStore
from benchlab.judge.config import AnswerSource, JudgeSettings
from benchlab.judge.pipeline import (
    answer_backend,
    answers_from,
    build_judge,
    build_ledger,
    check_endpoint_keys,
    close_judge,
)
from benchlab.judge.run import JudgeCategory, JudgedPairs, JudgePrompt, judge_pairs

__all__ = ["JudgeIncompleteError", "JudgeSession"]


class JudgeIncompleteError(BenchlabError):
    """Judging stopped before every pair was judged (budget cap reached, endpoint failing)."""


class JudgeSession:
    """A judge, its SQLite reply cache and the reference answers, opened once; `close()` it."""

    def __init__(self, settings: JudgeSettings, reference: AnswerSource, cache_path: Path) -> None:
        self.settings = settings
        self.reference = reference
        check_endpoint_keys(settings, reference)
        self.cache = ReplyStore(cache_path)
        try:
            self.ledger = build_ledger(settings, self.cache)
            self.judge = build_judge(settings, self.cache, self.ledger)
        except BaseException:
            self.cache.close()
            raise
        self._reference_backend: Backend | None = None

    def reference_answers(self, prompts: Sequence[JudgePrompt]) -> dict[str, str]:
        """The reference's answers to `prompts` by prompt id (generated ones are cached)."""
        source = self.reference
        if source.answers is None and self._reference_backend is None:
            self._reference_backend = answer_backend(self.settings, source, self.cache, self.ledger)
        return answers_from(
            self.settings, source, prompts, self.cache, self.ledger, self._reference_backend
        )

    def judge_candidate(
        self, categories: Sequence[JudgeCategory], candidate: str, answers: Mapping[str, str]
    ) -> JudgedPairs:
        """Judge one candidate's answers against the reference; raises if judging stopped."""
        prompts = [p for c in categories for p in c.prompts]
        settings = self.settings
        judged = judge_pairs(
            categories,
            {candidate: answers},
            self.reference_answers(prompts),
            self.judge,
            reference_name=self.reference.name,
            concurrency=settings.concurrency,
            repeat_fraction=settings.repeat_fraction,
            seed=settings.seed,
        )
        if judged.stopped_reason is not None:
            raise JudgeIncompleteError(
                f"judging stopped after {len(judged.records)} of "
                f"{len(judged.records) + judged.unjudged} pairs in this chunk: "
                f"{judged.stopped_reason}. Every reply so far is cached in {self.cache.path}; "
                "rerun to continue without paying for them again"
            )
        return judged

    def cost(self) -> dict[str, Any]:
        """Calls, tokens and dollars of this session (judge and answers), and the study's total."""
        return self.ledger.summary()

    def close(self) -> None:
        """Close HTTP connections and the cache (everything is already committed)."""
        close_judge(self.judge)
        if self._reference_backend is not None:
            client = getattr(self._reference_backend, "client", None)
            if client is not None:
                client.close()
        self.cache.close()
