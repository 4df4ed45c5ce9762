"""The hf_vlm backend equals direct transformers calls on the tiny VLM; media hash into keys."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from benchlab.backends.cache import ResponseCache, response_key
from benchlab.backends.images import open_image
from benchlab.backends.registry import build_backend
from benchlab.config.schema import ModelSpec
from benchlab.errors import DataError
from benchlab.requests import GenerationRequest, LoglikelihoodRequest, Media


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Any:
    """Tiny models run faster on one thread than on oversubscribed shared cores."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def spec(benchlab_cache: Path) -> ModelSpec:
    return ModelSpec(name="tiny-vlm", path="builtin:tiny-vlm", kind="vlm", batch_size=2)


@pytest.fixture(scope="module")
def backend(spec: ModelSpec) -> Any:
    return build_backend(spec)


@pytest.fixture(scope="module")
def images(benchlab_cache: Path) -> list[Path]:
    from benchlab.quickstart.resources import resolve_builtin_data

    return sorted(resolve_builtin_data("builtin:shapes-images/eval").iterdir())[:3]


def _prompt(processor: Any, text: str) -> str:
    content = [{"type": "image"}, {"type": "text", "text": text}]
    return processor.apply_chat_template(
        [{"role": "user", "content": content}], add_generation_prompt=True, tokenize=False
    )


def test_the_registry_builds_hf_vlm_for_a_vlm_model(backend: Any) -> None:
    assert backend.name == "hf_vlm"
    assert backend.parameter_count() == sum(p.numel() for p in backend.model.parameters())


def test_greedy_generation_equals_a_direct_generate_call(backend: Any, images: list[Path]) -> None:
    import torch
    from PIL import Image

    processor, model = backend.processor, backend.model
    texts = ["Describe the image.", "What shape is it?", "Colour?"]
    requests = [
        GenerationRequest(text, max_new_tokens=6, media=(Media(path=str(path)),))
        for text, path in zip(texts, images, strict=True)
    ]
    answers = [r.texts[0] for r in backend.generate(requests)]
    expected = []
    for text, path in zip(texts, images, strict=True):  # one by one: no padding at all
        inputs = processor(
            text=[_prompt(processor, text)],
            images=[Image.open(path).convert("RGB")],
            return_tensors="pt",
        )
        with torch.no_grad():
            output = model.generate(**inputs, max_new_tokens=6, do_sample=False)
        new = output[0, inputs["input_ids"].shape[1] :]
        expected.append(processor.tokenizer.decode(new, skip_special_tokens=True))
    assert answers == expected
    assert any(answers)


def test_stop_sequences_cut_the_generation(backend: Any, images: list[Path]) -> None:
    request = GenerationRequest("Describe.", max_new_tokens=8, media=(Media(path=str(images[0])),))
    full = backend.generate([request])[0].texts[0]
    stop = full.strip()[1:3]
    assert stop and stop in full
    cut = backend.generate([GenerationRequest(**{**request.__dict__, "stop": (stop,)})])[0]
    assert cut.texts[0] == full[: full.find(stop)]


def test_loglikelihood_equals_log_softmax_of_a_direct_forward(
    backend: Any, images: list[Path]
) -> None:
    import torch
    from PIL import Image

    processor, model = backend.processor, backend.model
    cases = [("Which shape? ", "A"), ("Which colour is the shape?", " B red"), ("Hi", " C")]
    requests = [
        LoglikelihoodRequest(context, continuation, (Media(path=str(path)),))
        for (context, continuation), path in zip(cases, images, strict=True)
    ]
    results = backend.loglikelihood(requests)
    for (context, continuation), path, result in zip(cases, images, results, strict=True):
        prompt = _prompt(processor, context)
        whole = prompt + continuation
        n = len(processor.tokenizer(whole)["input_ids"]) - len(
            processor.tokenizer(prompt)["input_ids"]
        )
        inputs = processor(
            text=[whole], images=[Image.open(path).convert("RGB")], return_tensors="pt"
        )
        with torch.no_grad():
            logits = model(**inputs).logits[0].float()
        targets = inputs["input_ids"][0, -n:]
        scores = torch.log_softmax(logits[-n - 1 : -1], dim=-1)
        expected = float(scores.gather(1, targets[:, None]).sum())
        assert result.num_tokens == n
        assert result.logprob == pytest.approx(expected, abs=1e-4)
        assert result.is_greedy == bool((scores.argmax(-1) == targets).all())


def test_an_image_enters_the_cache_key_by_content_hash_not_pixels(
    images: list[Path], tmp_path: Path
) -> None:
    data = images[0].read_bytes()
    copy = tmp_path / "renamed.png"
    copy.write_bytes(data)
    by_path = GenerationRequest("Describe.", media=(Media(path=str(images[0])),))
    by_copy = GenerationRequest("Describe.", media=(Media(path=str(copy)),))
    by_bytes = GenerationRequest("Describe.", media=(Media(data=data),))
    other = GenerationRequest("Describe.", media=(Media(path=str(images[1])),))
    text_only = GenerationRequest("Describe.")
    key = response_key("fp", by_path)
    assert key == response_key("fp", by_copy) == response_key("fp", by_bytes)
    assert key != response_key("fp", other)
    assert key != response_key("fp", text_only)
    from benchlab.requests import request_fields

    fields = json.dumps(request_fields(by_bytes))
    assert base64.b64encode(data).decode()[:40] not in fields
    assert len(fields) < 400  # a hash, never the image


def test_cached_answers_are_found_again_for_the_same_image(
    spec: ModelSpec, backend: Any, images: list[Path], tmp_path: Path
) -> None:
    cache = ResponseCache(tmp_path / "cache.sqlite")
    backend.cache = cache
    try:
        request = GenerationRequest("Hi", max_new_tokens=4, media=(Media(path=str(images[2])),))
        first = backend.generate([request])
        model, backend.model = backend.model, None  # a cache miss would now fail
        try:
            again = backend.generate(
                [
                    GenerationRequest(
                        "Hi", max_new_tokens=4, media=(Media(data=images[2].read_bytes()),)
                    )
                ]
            )
        finally:
            backend.model = model
        assert again == first
    finally:
        backend.cache = None
        cache.close()


def test_base64_bytes_and_paths_open_the_same_pixels(images: list[Path]) -> None:
    data = images[1].read_bytes()
    from_path = open_image(Media(path=str(images[1])))
    from_b64 = open_image(Media(data=base64.b64encode(data)))
    assert from_path.tobytes() == from_b64.tobytes()
    with pytest.raises(DataError, match="cannot read the image"):
        open_image(Media(data=b"not an image"))


def test_a_real_bundled_photograph_is_described(backend: Any) -> None:
    from benchlab.quickstart.sample_images import bundled_photographs

    photographs = bundled_photographs()
    if not photographs:
        pytest.skip("no bundled photographs (matplotlib / scikit-image data) installed")
    photo = photographs[0]
    image = open_image(Media(path=str(photo.path)))
    assert image.mode == "RGB" and min(image.size) >= 64
    answer = backend.generate(
        [GenerationRequest("Describe.", max_new_tokens=4, media=(Media(path=str(photo.path)),))]
    )
    assert isinstance(answer[0].texts[0], str)


def test_the_loaded_model_and_processor_stay_reachable_for_training(spec: ModelSpec) -> None:
    from benchlab.backends.registry import load_model

    loaded = load_model(spec)
    assert hasattr(loaded.tokenizer, "image_processor")  # the processor travels with the weights
    rebuilt = build_backend(spec, loaded=loaded, tag=("trained",))
    assert rebuilt.model is loaded.model and rebuilt.processor is loaded.tokenizer
    assert rebuilt.fingerprint != build_backend(spec, loaded=loaded).fingerprint
