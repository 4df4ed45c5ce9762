"""Judge prompt templates: FastChat's pairwise prompts by default, editable as YAML files.

Placeholders are `{question}`, `{answer_a}`, `{answer_b}` and, for reference-guided grading
(math, code), `{reference}`. They are substituted in one pass by name, so answers containing
braces (code, JSON) or placeholder-like text are inserted verbatim and never re-expanded.

A later turn of a conversation (MT-Bench's second question) is judged with the earlier turns as
context, as FastChat's multi-turn pairwise prompt does: a multi-turn template shows each
assistant's whole conversation (`{conversation_a}`, `{conversation_b}`) and asks the judge to
decide on the last answer; `{reference}` then holds the gold answer to the last question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchlab.errors import ConfigError

__all__ = [
    "DEFAULT_MULTI_TURN",
    "DEFAULT_PAIRWISE",
    "DEFAULT_REFERENCE_GUIDED",
    "DEFAULT_REFERENCE_GUIDED_MULTI_TURN",
    "Exchange",
    "JudgeTemplate",
    "load_template",
]

_PLACEHOLDER = re.compile(
    r"\{(question|answer_a|answer_b|reference|conversation_a|conversation_b)\}"
)
_REQUIRED = ("question", "answer_a", "answer_b")
_REQUIRED_MULTI_TURN = ("conversation_a", "conversation_b")

#: An earlier turn of a conversation: (user question, assistant A's answer, assistant B's answer).
Exchange = tuple[str, str, str]

_VERDICT_FORMAT = (
    "After providing your explanation, output your final verdict by strictly following this "
    'format: "[[A]]" if assistant A is better, "[[B]]" if assistant B is better, and "[[C]]" '
    "for a tie."
)
_NO_BIAS = (
    "Avoid any position biases and ensure that the order in which the responses were presented "
    "does not influence your decision. Do not allow the length of the responses to influence "
    "your evaluation. Do not favor certain names of the assistants. Be as objective as possible."
)
_ANSWERS = (
    "[The Start of Assistant A's Answer]\n{answer_a}\n[The End of Assistant A's Answer]\n\n"
    "[The Start of Assistant B's Answer]\n{answer_b}\n[The End of Assistant B's Answer]"
)


@dataclass(frozen=True)
class JudgeTemplate:
    """A system prompt and a user prompt with placeholders; `name` is recorded in results."""

    name: str
    system: str
    user: str

    def __post_init__(self) -> None:
        present = set(_PLACEHOLDER.findall(self.system + self.user))
        required = _REQUIRED_MULTI_TURN if self.multi_turn else _REQUIRED
        missing = [p for p in required if p not in present]
        if missing:
            raise ConfigError(
                f"judge template {self.name!r} lacks placeholder(s) "
                + ", ".join("{" + p + "}" for p in missing)
            )

    @property
    def uses_reference(self) -> bool:
        """True when the template shows the judge a reference answer."""
        return "{reference}" in self.system + self.user

    @property
    def multi_turn(self) -> bool:
        """True when the template shows whole conversations (for second and later turns)."""
        return "{conversation_a}" in self.system + self.user

    def render(
        self,
        question: str,
        answer_a: str,
        answer_b: str,
        reference: str | None = None,
        *,
        history: Sequence[Exchange] = (),
    ) -> list[dict[str, str]]:
        """Chat messages for one judgment, placeholders filled in a single pass.

        `history` holds the earlier turns of the conversation; only a multi-turn template
        can show them, and it needs them.
        """
        if self.uses_reference and reference is None:
            raise ConfigError(
                f"judge template {self.name!r} needs a reference answer but the prompt has none; "
                "use a task with gold answers or a template without {reference}"
            )
        if bool(history) != self.multi_turn:
            need = "a multi-turn" if history else "a single-turn"
            raise ConfigError(
                f"judge template {self.name!r} cannot judge this turn: turn {len(history) + 1} "
                f"needs {need} template ({{conversation_a}} and {{conversation_b}} show earlier "
                "turns; {question}, {answer_a} and {answer_b} show one)"
            )
        turns = [*history, (question, answer_a, answer_b)]
        values = {
            "question": question,
            "answer_a": answer_a,
            "answer_b": answer_b,
            "reference": reference or "",
            "conversation_a": _conversation("A", [(q, a) for q, a, _ in turns]),
            "conversation_b": _conversation("B", [(q, b) for q, _, b in turns]),
        }

        def fill(text: str) -> str:
            return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)

        messages = [{"role": "system", "content": fill(self.system)}] if self.system else []
        messages.append({"role": "user", "content": fill(self.user)})
        return messages


def _conversation(assistant: str, turns: Sequence[tuple[str, str]]) -> str:
    """One assistant's side of a conversation, turn by turn, between start and end markers."""
    body = "\n\n".join(
        f"### User:\n{question}\n\n### Assistant {assistant}:\n{answer}"
        for question, answer in turns
    )
    return (
        f"[The Start of Assistant {assistant}'s Conversation with the User]\n\n{body}\n\n"
        f"[The End of Assistant {assistant}'s Conversation with the User]"
    )


DEFAULT_PAIRWISE = JudgeTemplate(
    name="pairwise-v2",
    system=(
        "Please act as an impartial judge and evaluate the quality of the responses provided by "
        "two AI assistants to the user question displayed below. You should choose the "
        "assistant that follows the user's instructions and answers the user's question better. "
        "Your evaluation should consider factors such as the helpfulness, relevance, accuracy, "
        "depth, creativity, and level of detail of their responses. Begin your evaluation by "
        "comparing the two responses and provide a short explanation. "
        f"{_NO_BIAS} {_VERDICT_FORMAT}"
    ),
    user="[User Question]\n{question}\n\n" + _ANSWERS,
)

DEFAULT_REFERENCE_GUIDED = JudgeTemplate(
    name="pairwise-reference-v1",
    system=(
        "Please act as an impartial judge and evaluate the quality of the responses provided by "
        "two AI assistants to the user question displayed below. Your evaluation should "
        "consider correctness and helpfulness. You will be given a reference answer, assistant "
        "A's answer, and assistant B's answer. Your job is to evaluate which assistant's answer "
        "is better. Begin your evaluation by comparing both assistants' answers with the "
        "reference answer. Identify and correct any mistakes. "
        f"{_NO_BIAS} {_VERDICT_FORMAT}"
    ),
    user=(
        "[User Question]\n{question}\n\n"
        "[The Start of Reference Answer]\n{reference}\n[The End of Reference Answer]\n\n" + _ANSWERS
    ),
)


_LAST_TURN = (
    "Judge only the answers to the user's last question; the earlier turns are context, and an "
    "answer should build on what was said before in its own conversation."
)

DEFAULT_MULTI_TURN = JudgeTemplate(
    name="pairwise-multi-turn-v1",
    system=(
        "Please act as an impartial judge and compare two AI assistants, each of which held the "
        "conversation shown below with a user. Decide which assistant better follows the user's "
        f"instructions and answers the user's questions. {_LAST_TURN} Weigh helpfulness, "
        "relevance, accuracy, depth, creativity and level of detail. Begin with a short "
        f"explanation that compares the two. {_NO_BIAS} {_VERDICT_FORMAT}"
    ),
    user="{conversation_a}\n\n\n{conversation_b}",
)

DEFAULT_REFERENCE_GUIDED_MULTI_TURN = JudgeTemplate(
    name="pairwise-reference-multi-turn-v1",
    system=(
        "Please act as an impartial judge and compare two AI assistants, each of which held the "
        "conversation shown below with a user. Judge correctness and helpfulness. "
        f"{_LAST_TURN} A reference answer to the last question is given: compare both "
        "assistants' last answers with it, and identify and correct any mistakes. "
        f"{_NO_BIAS} {_VERDICT_FORMAT}"
    ),
    user=(
        "[The Start of Reference Answer to the Last Question]\n{reference}\n"
        "[The End of Reference Answer to the Last Question]\n\n\n"
        "{conversation_a}\n\n\n{conversation_b}"
    ),
)


def load_template(path: str | Path) -> JudgeTemplate:
    """A template from a YAML file with keys `user` and optionally `system` and `name`."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read judge template {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"judge template {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("user"), str):
        raise ConfigError(f"judge template {path} must be a mapping with a string field `user`")
    unknown = set(data) - {"name", "system", "user"}
    if unknown:
        raise ConfigError(f"judge template {path}: unknown field(s) {sorted(unknown)}")
    return JudgeTemplate(
        name=str(data.get("name") or path.stem),
        system=str(data.get("system") or ""),
        user=data["user"],
    )
