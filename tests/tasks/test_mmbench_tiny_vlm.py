"""The pieces fit: shapes MCQ rows, lazily decoded images, the tiny VLM's likelihoods, scoring."""

from __future__ import annotations

from typing import Any

import pytest

from benchlab.quickstart.resources import resolve_builtin_data, resolve_builtin_model
from benchlab.tasks.mmbench import (
    ChoiceQuestion,
    accuracy_breakdown,
    choice_from_loglikelihoods,
    expand_circular,
    mmbench_prompt,
    read_mmbench_tsv,
    rule_counts,
    score_circular,
    score_vanilla,
)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Any:
    """Tiny models run faster on one thread than on oversubscribed shared cores."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _letter_loglikelihoods(model: Any, processor: Any, question: ChoiceQuestion) -> dict:
    import torch

    messages = [
        {
            "role": "user",
            "content": [{"type": "image"}, {"type": "text", "text": mmbench_prompt(question)}],
        }
    ]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    image = question.image.open()
    texts = [f"{prompt} {letter}" for letter in question.options]
    batch = processor(images=[image] * len(texts), text=texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        logits = model(**batch).logits
    logprobs = torch.log_softmax(logits[:, -2].float(), dim=-1)  # predicts the last token
    last = batch["input_ids"][:, -1]
    return {letter: float(logprobs[i, last[i]]) for i, letter in enumerate(question.options)}


@pytest.mark.slow
def test_tiny_vlm_answers_shapes_questions_by_likelihood() -> None:
    from transformers import AutoModelForImageTextToText, AutoProcessor

    folder = resolve_builtin_model("builtin:tiny-vlm")
    model = AutoModelForImageTextToText.from_pretrained(folder).eval()
    processor = AutoProcessor.from_pretrained(folder)
    questions = read_mmbench_tsv(resolve_builtin_data("builtin:shapes-mcq/eval.tsv"))[:8]
    copies = expand_circular(questions)
    answers = {
        q.index: choice_from_loglikelihoods(_letter_loglikelihoods(model, processor, q))
        for q in copies
    }
    circular = score_circular(copies, answers)
    vanilla = score_vanilla(copies, answers)
    assert len(circular) == len(vanilla) == 8
    assert set(rule_counts(circular)) <= {"loglikelihood", "loglikelihood_tie"}
    # a question right under every rotation is right in its original order
    assert all(v.correct for c, v in zip(circular, vanilla, strict=True) if c.correct)
    report = accuracy_breakdown(circular)
    assert report.overall.n == 8
    assert report.overall.correct <= sum(v.correct for v in vanilla)
