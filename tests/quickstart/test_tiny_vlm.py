"""The tiny VLM loads through the Auto classes, generates for a batch, and scores continuations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.quickstart.sample_images import bundled_photographs
from benchlab.quickstart.shapes_data import CAPTION_PROMPT
from benchlab.quickstart.tiny_vlm import IMAGE_TOKEN


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Any:
    """Tiny models run faster on one thread than on oversubscribed shared cores."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def loaded(tiny_vlm_dir: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForImageTextToText, AutoProcessor

    model = AutoModelForImageTextToText.from_pretrained(tiny_vlm_dir).eval()
    return model, AutoProcessor.from_pretrained(tiny_vlm_dir)


@pytest.fixture(scope="module")
def shape_images() -> list[Any]:
    from PIL import Image

    folder = resolve_builtin_data("builtin:shapes-images/eval")
    return [Image.open(path).convert("RGB") for path in sorted(folder.iterdir())[:2]]


def _prompt(processor: Any, text: str = CAPTION_PROMPT) -> str:
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
    return processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def test_chat_template_places_the_image_before_the_question(loaded: tuple[Any, Any]) -> None:
    _, processor = loaded
    assert _prompt(processor) == f"USER: {IMAGE_TOKEN}\n{CAPTION_PROMPT}\nASSISTANT:"
    assert len(processor.tokenizer.encode(IMAGE_TOKEN, add_special_tokens=False)) == 1


def test_generates_text_for_a_batch_of_two_images(
    loaded: tuple[Any, Any], shape_images: list[Any]
) -> None:
    import torch

    model, processor = loaded
    texts = [_prompt(processor), _prompt(processor, "What shape is in the image?")]
    batch = processor(images=shape_images, text=texts, return_tensors="pt", padding=True)
    image_tokens = (batch["input_ids"] == model.config.image_token_id).sum(dim=1)
    assert image_tokens.tolist() == [model.config.image_seq_length] * 2 == [64, 64]
    with torch.no_grad():
        out = model.generate(**batch, max_new_tokens=6, do_sample=False)
    new = out[:, batch["input_ids"].shape[1] :]
    assert new.shape[0] == 2 and new.shape[1] >= 1
    decoded = processor.batch_decode(new, skip_special_tokens=True)
    assert all(isinstance(text, str) and text for text in decoded)
    # batched greedy decoding (left padding) equals one-at-a-time decoding
    with torch.no_grad():
        alone = processor(images=shape_images[1:], text=texts[1:], return_tensors="pt")
        single = model.generate(**alone, max_new_tokens=6, do_sample=False)
    single_new = single[0, alone["input_ids"].shape[1] :].tolist()
    assert new[1, : len(single_new)].tolist() == single_new


def test_class_token_pitfall_a_wrong_count_fails(
    loaded: tuple[Any, Any], shape_images: list[Any]
) -> None:
    """With num_additional_image_tokens=0 the text holds 63 image tokens for 64 features."""
    import torch
    from transformers import LlavaProcessor

    model, processor = loaded
    wrong = LlavaProcessor(
        image_processor=processor.image_processor,
        tokenizer=processor.tokenizer,
        patch_size=processor.patch_size,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=0,
        chat_template=processor.chat_template,
    )
    batch = wrong(images=shape_images[:1], text=[_prompt(processor)], return_tensors="pt")
    with pytest.raises(ValueError, match=r"[Ii]mage"), torch.no_grad():
        model(**batch)


def _continuation_logprob(model: Any, processor: Any, image: Any, continuation: str) -> float:
    """log p(continuation | image, prompt) from the model's loss with the prompt masked."""
    import torch

    prompt = _prompt(processor)
    full = processor(images=[image], text=[prompt + continuation], return_tensors="pt")
    prompt_len = processor(images=[image], text=[prompt], return_tensors="pt")["input_ids"].shape[1]
    labels = full["input_ids"].clone()
    labels[:, :prompt_len] = -100
    with torch.no_grad():
        out = model(**full, labels=labels)
    n_scored = int((labels[:, 1:] != -100).sum())
    # independent reference: gather the log-softmax of the next-token logits by hand
    logprobs = torch.log_softmax(out.logits[0, :-1].float(), dim=-1)
    targets = full["input_ids"][0, 1:]
    by_hand = logprobs[torch.arange(targets.shape[0]), targets][prompt_len - 1 :].sum()
    assert n_scored == targets.shape[0] - (prompt_len - 1)
    assert float(-out.loss * n_scored) == pytest.approx(float(by_hand), abs=1e-4)
    return float(by_hand)


def test_loglikelihood_of_a_continuation_given_an_image(
    loaded: tuple[Any, Any], shape_images: list[Any]
) -> None:
    model, processor = loaded
    first = _continuation_logprob(model, processor, shape_images[0], " a red circle</s>")
    other_image = _continuation_logprob(model, processor, shape_images[1], " a red circle</s>")
    other_text = _continuation_logprob(model, processor, shape_images[0], " a blue square</s>")
    assert first < 0 and other_image < 0
    assert first != pytest.approx(other_image, abs=1e-6)  # the image reaches the text model
    assert first != pytest.approx(other_text, abs=1e-6)


def test_real_photographs_run_through_the_processor(loaded: tuple[Any, Any]) -> None:
    import torch
    from PIL import Image

    model, processor = loaded
    photo = bundled_photographs()[0]
    with Image.open(photo.path) as image:
        batch = processor(
            images=[image.convert("RGB")], text=[_prompt(processor)], return_tensors="pt"
        )
    assert tuple(batch["pixel_values"].shape) == (1, 3, 64, 64)
    with torch.no_grad():
        out = model.generate(**batch, max_new_tokens=3, do_sample=False)
    assert out.shape[1] > batch["input_ids"].shape[1]
