"""A generating test backend whose answers are known: it adds the two numbers of the question.

Asked plainly it says "The answer is N."; asked for the reasoning stages (the prompt holds
"<CONCLUSION>") it writes a trace whose CONCLUSION says N and whose trailing text names another
number, so a test can tell the CONCLUSION was scored, not the last number of the whole text.
For odd sums it leaves out the CAPTION stage: a malformed trace with a usable CONCLUSION.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from benchlab.backends.base import Backend
from benchlab.backends.registry import register_backend
from benchlab.backends.weights import LoadedModel, fingerprint_of
from benchlab.requests import GenerationRequest, GenerationResult

__all__ = ["SEEN", "TraceBackend", "toy_answer"]

#: Every generation request answered, in order (tests clear it).
SEEN: list[GenerationRequest] = []

_QUESTION = re.compile(r"What is (\d+) plus (\d+)\?")


def toy_answer(prompt: str) -> str:
    """The toy model's output for a prompt (see the module docstring)."""
    a, b = map(int, _QUESTION.findall(prompt)[-1])
    total = a + b
    if "<CONCLUSION>" not in prompt:
        return f"The answer is {total}."
    caption = "" if total % 2 else f"<CAPTION>The numbers {a} and {b}.</CAPTION>"
    return (
        "<SUMMARY>Add them.</SUMMARY>"
        f"{caption}<REASONING>Misread, The answer is {total + 1}. {a} + {b} = {total}."
        "</REASONING>"
        f"<CONCLUSION>The answer is {total}.</CONCLUSION>\nQ: What is 1 plus 1? A: 2"
    )


@register_backend("toy-trace", description="test backend: adds the question's two numbers")
class TraceBackend(Backend):
    """Answers generation requests only, with `toy_answer`."""

    serves: ClassVar = {GenerationRequest: "generate"}

    def __init__(self, fingerprint: str) -> None:
        self._fingerprint = fingerprint

    @classmethod
    def load(cls, spec: Any, **options: Any) -> LoadedModel:
        """No weights."""
        return LoadedModel(toy_answer, None, "toy-revision")

    @classmethod
    def from_spec(
        cls, spec: Any, *, adapter: Any = None, loaded: Any = None, tag: tuple[str, ...] = ()
    ) -> TraceBackend:
        """A backend whose fingerprint follows the loaded model's parts and the tag."""
        loaded = loaded or cls.load(spec)
        return cls(fingerprint_of(spec, loaded.revision, *loaded.parts, *tag))

    @property
    def fingerprint(self) -> str:
        """Identity of the toy model and whatever a method did to it."""
        return self._fingerprint

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """One text per sample, the same for every sample."""
        SEEN.extend(requests)
        return [GenerationResult((toy_answer(r.prompt),) * r.num_samples) for r in requests]
