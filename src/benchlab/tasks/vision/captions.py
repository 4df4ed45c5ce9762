"""Caption tasks: `coco_caption` (Karpathy test), `textcaps` and `caption` (any local folder).

The model gets each image with lmms-eval's prompt ("Provide a one-sentence caption for the
provided image.", configurable) and generates greedily; captions are scored against the
references with pycocoevalcap's metrics in pure Python (image-resampled CIs), the semantic
similarity of caption and references by a sentence encoder (the `scoring_model` pass, MiniLM by
default: max and mean cosine), and the caption/reference length ratio, with a note when captions
run far longer than the references (CIDEr's length penalty then pulls scores towards 0).

A train split (`train_references` + `train_images`, or the hub's `train_split`) gives training
modes (LoRA, SFT on a VLM) one row per image: the image and the prompt -> its first reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from benchlab.config.schema import ModelSpec
from benchlab.errors import ConfigError, DataError
from benchlab.record.atomic import write_json_atomic
from benchlab.requests import EmbeddingRequest, GenerationRequest, Media
from benchlab.scoring.metric import MetricResult
from benchlab.tasks.base import EvalContext, Example, Prediction, Split, Task, TrainingPair
from benchlab.tasks.registry import TaskEntry, register_task
from benchlab.tasks.vision.caption_data import (
    CaptionItem,
    HubImage,
    read_caption_file,
    read_hub_captions,
)
from benchlab.tasks.vision.caption_metrics import (
    LENGTH_RATIO,
    SEMANTIC_FIELDS,
    caption_metrics,
    length_ratios,
)

__all__ = ["DEFAULT_CAPTION_PROMPT", "CaptionOptions", "CaptionTask"]

#: lmms-eval's COCO / TextCaps caption prompt.
DEFAULT_CAPTION_PROMPT = "Provide a one-sentence caption for the provided image."


class CaptionOptions(BaseModel):
    """Where the images and references come from, how to ask, and what scores them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    references: str | None = Field(
        None, description="local references: COCO annotation JSON, JSONL or CSV"
    )
    images: str | None = Field(None, description="local image folder")
    hub: str | None = Field(None, description="hub dataset id (used when `references` is unset)")
    hub_config: str | None = None
    split: str = "test"
    train_references: str | None = Field(
        None, description="local train references (same formats), with `train_images`"
    )
    train_images: str | None = Field(None, description="image folder of the train references")
    train_split: str | None = Field(None, description="hub split to train on (e.g. train)")
    revision: str | None = None
    id_column: str = "image_id"
    references_column: str = "references"
    image_column: str | None = "image"
    prompt: str = DEFAULT_CAPTION_PROMPT
    max_new_tokens: int = Field(64, ge=1)
    stop: list[str] = ["\n"]
    similarity_model: str | None = Field(
        "builtin:minilm", description="sentence encoder for semantic similarity (null: skip)"
    )
    meteor: bool = Field(True, description="METEOR through the official jar when Java is present")
    length_note_ratio: float = Field(
        2.0, gt=0, description="note when captions are this many times longer than references"
    )


class CaptionTask(Task):
    """Describe each image; score captions against its references."""

    family: ClassVar[str] = "caption"
    train_options: ClassVar[tuple[str, ...]] = ("train_references", "train_split")

    def __init__(self, name: str, options: CaptionOptions) -> None:
        super().__init__(name)
        self.options = options
        self._items: dict[Split, list[CaptionItem]] = {}

    def validate(self) -> None:
        """Local files exist; a hub source is checked when it loads."""
        options = self.options
        if options.references is None and options.hub is None:
            raise ConfigError(f"task {self.name!r}: set `references` + `images`, or `hub`")
        if options.references is not None:
            if options.images is None:
                raise ConfigError(f"task {self.name!r}: `references` needs `images` (a folder)")
            for field in ("references", "images"):
                if not Path(getattr(options, field)).exists():
                    raise DataError(
                        f"task {self.name!r}: {field} {getattr(options, field)} not found"
                    )
        if (options.train_references is None) != (options.train_images is None):
            raise ConfigError(
                f"task {self.name!r}: `train_references` and `train_images` go together"
            )
        for field in ("train_references", "train_images"):
            value = getattr(options, field)
            if value is not None and not Path(value).exists():
                raise DataError(f"task {self.name!r}: {field} {value} not found")

    def _load_items(self, split: Split = "eval") -> list[CaptionItem]:
        if split not in self._items:
            options = self.options
            if split == "train" and options.train_references is not None:
                items = read_caption_file(options.train_references, options.train_images or ".")
            elif split == "train":
                if options.train_split is None or options.hub is None:
                    raise DataError(f"task {self.name!r} has no train split")
                items = self._hub_items(options.train_split)
            elif options.references is not None:
                items = read_caption_file(options.references, options.images or ".")
            else:
                items = self._hub_items(options.split)
            if not items:
                raise DataError(f"task {self.name!r}: no captioned images found ({split})")
            self._items[split] = items
        return self._items[split]

    def _hub_items(self, split: str) -> list[CaptionItem]:
        import datasets

        options = self.options
        try:
            dataset = datasets.load_dataset(
                options.hub, options.hub_config, split=split, revision=options.revision
            )
        except (FileNotFoundError, ValueError, ConnectionError, OSError) as exc:
            raise DataError(
                f"task {self.name!r}: cannot load hub dataset {options.hub} split {split!r}: {exc}"
            ) from exc
        return read_hub_captions(
            dataset,
            id_column=options.id_column,
            references_column=options.references_column,
            image_column=options.image_column,
            images=options.images,
        )

    def load_split(self, split: Split) -> list[Example]:
        """The captioned images of a split, in file order."""
        return [
            Example(id=item.image_id, data={"image": item.image}, gold=list(item.references))
            for item in self._load_items(split)
        ]

    def training_pairs(self, examples: Sequence[Example]) -> list[TrainingPair]:
        """Per image: the caption prompt with the image -> its first reference caption."""
        return [
            TrainingPair(self.options.prompt, e.gold[0], (_media(e.data["image"]),))
            for e in examples
        ]

    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[GenerationRequest]:
        """One greedy generation with the image (read now, for this chunk only)."""
        media = _media(example.data["image"])
        return [
            GenerationRequest(
                prompt=self.options.prompt,
                max_new_tokens=self.options.max_new_tokens,
                stop=tuple(self.options.stop),
                chat=True,
                media=(media,),
            )
        ]

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """The caption as generated (whitespace trimmed); correctness is not defined."""
        caption = responses[0].texts[0].strip()
        image = example.data["image"]
        source = Path(image.path).name if isinstance(image, Media) and image.path else None
        details = {"image": source} if source else {}
        return Prediction(example.id, self.options.prompt, example.gold, caption, None, details)

    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """Corpus caption metrics with CIs, semantic similarity, length ratio."""
        return caption_metrics(
            predictions, meteor=self.options.meteor, seed=seed, n_resamples=n_resamples
        )

    def scoring_model_spec(self) -> ModelSpec | None:
        """The sentence encoder for semantic similarity (None when switched off)."""
        if self.options.similarity_model is None:
            return None
        return ModelSpec(
            name="similarity",
            path=self.options.similarity_model,
            kind="encoder",
            backend="hf_embedding",
            batch_size=64,
            max_length=128,
        )

    def scoring_requests(self, predictions: Sequence[Prediction]) -> list[EmbeddingRequest]:
        """Each caption, then its references, as embedding requests."""
        return [
            EmbeddingRequest(text) for p in predictions for text in (str(p.prediction), *p.gold)
        ]

    def apply_scoring(self, predictions: Sequence[Prediction], answers: Sequence[Any]) -> None:
        """Max and mean cosine between each caption and its references."""
        offset = 0
        for prediction in predictions:
            size = 1 + len(prediction.gold)
            vectors = np.array([a.vector for a in answers[offset : offset + size]])
            offset += size
            cosines = vectors[1:] @ vectors[0]
            prediction.details["semantic_max"] = float(cosines.max())
            prediction.details["semantic_mean"] = float(cosines.mean())

    def write_artifacts(
        self,
        predictions: Sequence[Prediction],
        folder: Path,
        *,
        seed: int = 0,
        n_resamples: int = 1000,
    ) -> None:
        """caption_notes.json: the length ratio and, when far above 1, a note saying so."""
        if not predictions:
            return
        captions, references = length_ratios(predictions)
        ratio = float(captions.sum() / max(references.sum(), 1e-9))
        note = None
        if ratio >= self.options.length_note_ratio:
            note = (
                f"captions are {ratio:.1f}x as long as the references (PTB tokens); CIDEr's "
                "length penalty pulls long captions towards 0, so ask for one short sentence "
                "or lower max_new_tokens"
            )
        write_json_atomic(
            folder / "caption_notes.json",
            {
                LENGTH_RATIO: ratio,
                "length_note": note,
                "similarity_model": self.options.similarity_model,
                "similarity_fields": list(SEMANTIC_FIELDS),
            },
        )

    def describe(self) -> Mapping[str, Any]:
        """Source, prompt and scoring settings for provenance."""
        source = self.options.references or self.options.hub
        described = {
            "name": self.name,
            "family": self.family,
            "source": source,
            "split": None if self.options.references else self.options.split,
            "prompt": self.options.prompt,
            "max_new_tokens": self.options.max_new_tokens,
            "similarity_model": self.options.similarity_model,
            "latency_target_ms": 500,
        }
        train = self.options.train_references or self.options.train_split
        if train is not None:  # only when set: provenance of eval-only tasks stays as it was
            described["train_source"] = train
        return described


def _media(image: Media | HubImage) -> Media:
    """A local image as it is; a hub image cell read into bytes (only when asked)."""
    return image if isinstance(image, Media) else Media(data=image.read_bytes())


#: Per task type: defaults a user's options override (the hub source of each benchmark).
_DEFAULTS: dict[str, dict[str, Any]] = {
    "coco_caption": {
        "hub": "yerevann/coco-karpathy",
        "split": "test",
        "id_column": "cocoid",
        "references_column": "sentences",
        "image_column": "image",
    },
    "textcaps": {
        "hub": "lmms-lab/TextCaps",
        "split": "val",
        "id_column": "image_id",
        "references_column": "reference_strs",
        "image_column": "image",
    },
    "caption": {},
}


def _build(task_type: str, name: str, options: Mapping[str, Any]) -> CaptionTask:
    try:
        parsed = CaptionOptions.model_validate({**_DEFAULTS[task_type], **dict(options)})
    except ValidationError as exc:
        raise ConfigError(f"task {name!r} ({task_type}): {exc}") from exc
    return CaptionTask(name, parsed)


for _type, _text in (
    ("coco_caption", "COCO captions (Karpathy test from the hub, or a local COCO annotation file)"),
    ("textcaps", "TextCaps captions (hub lmms-lab/TextCaps val, or local files)"),
    ("caption", "captions of any local image folder with a COCO JSON / JSONL / CSV of references"),
):
    register_task(
        TaskEntry(_type, "caption", _text, partial(_build, _type), passes=("scoring_model",))
    )
