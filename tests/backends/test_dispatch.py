"""Requests are dispatched by type to the backend's declared handlers, answers matched by id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from benchlab.errors import UnsupportedRequestError
from benchlab.requests import GenerationRequest, LoglikelihoodRequest, LoglikelihoodResult
from benchlab.tasks.evaluation import answer_requests
from tests.backends.toy_backend import ToyBackend, toy_logprob


@dataclass(frozen=True)
class CaptionRequest:
    """A request type no backend here serves."""

    image: str


def test_unserved_request_type_names_backend_and_type() -> None:
    backend = ToyBackend("fp")
    requests = [LoglikelihoodRequest("a", " b"), GenerationRequest("Q:")]
    with pytest.raises(
        UnsupportedRequestError,
        match=r"backend 'toy-chars' cannot answer GenerationRequest; it serves: "
        r"LoglikelihoodRequest",
    ):
        answer_requests(backend, requests)
    assert backend.batches == []  # refused before any work
    with pytest.raises(UnsupportedRequestError, match="cannot answer CaptionRequest"):
        answer_requests(backend, [CaptionRequest("cat.png")])


def test_mixed_requests_are_batched_by_type_and_matched_by_id() -> None:
    class Both(ToyBackend):
        serves: ClassVar = {LoglikelihoodRequest: "loglikelihood", GenerationRequest: "generate"}

        def generate(self, requests):
            return [f"gen:{r.prompt}" for r in requests]

    requests = [
        GenerationRequest("p1"),
        LoglikelihoodRequest("c", " xy"),
        GenerationRequest("p2"),
        LoglikelihoodRequest("c", " z"),
    ]
    backend = Both("fp")
    answers = answer_requests(backend, requests)
    assert answers[0] == "gen:p1" and answers[2] == "gen:p2"
    assert answers[1] == LoglikelihoodResult(toy_logprob(" xy"), False, 3)
    assert answers[3] == LoglikelihoodResult(toy_logprob(" z"), False, 2)
    assert backend.batches == [2]


def test_served_types_are_inferred_for_backends_that_only_override() -> None:
    from benchlab.backends.base import Backend

    class OnlyGenerates(Backend):
        fingerprint = "x"

        def generate(self, requests):
            return ["ok"] * len(requests)

    assert OnlyGenerates.served_types() == {GenerationRequest: "generate"}
    with pytest.raises(UnsupportedRequestError, match="cannot answer LoglikelihoodRequest"):
        OnlyGenerates().loglikelihood([LoglikelihoodRequest("a", "b")])


def test_a_backend_returning_too_few_answers_fails_loudly() -> None:
    class Short(ToyBackend):
        def loglikelihood(self, requests):
            return super().loglikelihood(requests)[:-1]

    with pytest.raises(RuntimeError, match="returned 1 answers for 2 LoglikelihoodRequests"):
        Short("fp").answer([LoglikelihoodRequest("a", "b"), LoglikelihoodRequest("a", "c")])
