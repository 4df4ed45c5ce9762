"""A quantized copy of a model or of what its base mode produced, saved and reloaded as shipped.

`base_mode:` names the parent (zero-shot for the plain model, LoRA for the merged adapter...).
The parent's weights are quantized with a registered scheme at load time, saved, and the
saved folder is loaded again for evaluation, so what is measured is what would be shipped. The
variant is evaluated exactly as its parent (same eval context, same scoring path) and its
fingerprint carries the scheme and the quantized weights, so it never reads the parent's cached
answers. What quantization produced (layers, bytes on disk and in memory, load time) goes to
`quantization.json`; the report pairs the variant with its parent item by item.
"""

from __future__ import annotations

import gc
import shutil
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, model_validator

from benchlab.backends.base import Backend
from benchlab.backends.loading import model_location, torch_dtype
from benchlab.backends.quantization import (
    QuantChoice,
    folder_bytes,
    model_bytes,
    parse_choice,
    quantization_config,
    quantized_layers,
    scheme_table,
    unavailable_reason,
)
from benchlab.backends.registry import build_backend, load_model
from benchlab.backends.weights import with_part
from benchlab.errors import ConfigError
from benchlab.methods.base import Method, MethodContext, MethodOptions, Prepared
from benchlab.methods.registry import register_method
from benchlab.record.atomic import write_json_atomic
from benchlab.tasks.base import EvalContext

__all__ = ["QUANTIZATION_FILE", "Quantize", "QuantizeOptions", "scoring_path"]

#: The file in the experiment folder that records what quantization produced.
QUANTIZATION_FILE = "quantization.json"


class QuantizeOptions(MethodOptions):
    """The scheme (`benchlab list` shows them), its bit width, and calibration size."""

    scheme: str
    bits: int | None = Field(None, description="bit width for torchao-intx (2..8) and gptq")
    group_size: int = Field(32, ge=8, description="weights per scale (torchao-intx, gptq)")
    calibration_rows: int = Field(128, ge=1, description="train rows calibrating gptq")

    @model_validator(mode="after")
    def _scheme_runs_here(self) -> QuantizeOptions:
        """An unknown scheme, a wrong bit width, or a scheme this machine cannot run."""
        try:
            choice = self.choice()
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        reason = unavailable_reason(choice)
        if reason is not None:
            raise ValueError(reason)
        return self

    def choice(self) -> QuantChoice:
        """The scheme and bit width these options ask for."""
        return parse_choice(self.scheme, self.bits, self.group_size)


def scoring_path(backend: Backend) -> str:
    """How a causal backend scores choices: `packed` rows behind a branch mask, or `per-row`."""
    packs = getattr(backend, "share_prefix", False) and getattr(backend, "_masks_allowed", False)
    return "packed" if packs else "per-row"


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@register_method("quantize")
class Quantize(Method):
    """The base mode's model (or the plain model) quantized, saved and reloaded."""

    options_model = QuantizeOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal"})
    description = "quantized copy of the base_mode's model (scheme, bits, group_size)"

    def needs_train_split(self) -> bool:
        """Only calibrated schemes (gptq) read the task's train split."""
        options: QuantizeOptions = self.options  # type: ignore[assignment]
        return scheme_table()[options.choice().scheme].calibrated

    def prepare(self, context: MethodContext) -> Prepared:
        """Quantize the parent's weights, save them, reload them and evaluate like the parent."""
        options: QuantizeOptions = self.options  # type: ignore[assignment]
        choice = options.choice()
        spec = context.spec.model
        if spec.adapter is not None:
            raise ConfigError(
                f"model {spec.name!r}: a quantize mode quantizes whole weights, not a model entry "
                "with `adapter:`; train the adapter as a base mode (base_mode: lora) or merge it"
            )
        base = context.prepare_base()
        parent = _parent_facts(base)
        source, parent_disk, merged_bytes = self._parent_weights(context, base)
        if merged_bytes is not None:  # the parent as it would ship: adapter merged
            parent["memory_bytes"] = merged_bytes
        evaluation = base.eval_context if base is not None else EvalContext(seed=context.spec.seed)
        del base
        gc.collect()

        target = context.out_dir / "quantized"
        started = time.perf_counter()
        self._quantize(context, choice, source, target)
        quantize_seconds = time.perf_counter() - started
        if source is not None:
            shutil.rmtree(source, ignore_errors=True)
        gc.collect()

        rss_before, started = _rss_mb(), time.perf_counter()
        loaded = load_model(spec.model_copy(update={"quantization": choice.label}), weights=target)
        load_seconds = time.perf_counter() - started
        rss_after = _rss_mb()
        if parent["fingerprint"] is not None:
            loaded = with_part(loaded, f"quantized-from:{parent['fingerprint']}")
        backend = build_backend(spec, loaded=loaded)
        facts = {
            "scheme": choice.scheme,
            "label": choice.label,
            "family": scheme_table()[choice.scheme].family,
            "bits": choice.bits,
            "group_size": choice.group_size,
            "parent_experiment": context.spec.base.id if context.spec.base else None,
            "parent_fingerprint": parent["fingerprint"],
            "fingerprint": backend.fingerprint,
            "layers": quantized_layers(loaded.model).to_json(),
            "size_on_disk_bytes": folder_bytes(target),
            "parent_size_on_disk_bytes": parent_disk,
            "memory_bytes": model_bytes(loaded.model),
            "parent_memory_bytes": parent["memory_bytes"],
            "rss_increase_mb": round(rss_after - rss_before, 1),
            "load_seconds": round(load_seconds, 3),
            "quantize_seconds": round(quantize_seconds, 3),
            "scoring_path": scoring_path(backend),
            "parent_scoring_path": parent["scoring_path"],
        }
        if facts["parent_scoring_path"] not in (None, facts["scoring_path"]):
            context.log(
                f"{context.spec.id}: scoring path {facts['scoring_path']} differs from the "
                f"parent's {facts['parent_scoring_path']} (model dtype changed)"
            )
        write_json_atomic(context.out_dir / QUANTIZATION_FILE, facts)
        context.log(
            f"{context.spec.id}: {choice.label}: {facts['layers']['quantized']}/"
            f"{facts['layers']['linear']} linear layers quantized, "
            f"{facts['size_on_disk_bytes'] / 2**20:.2f} MiB on disk"
        )
        return Prepared(backend, evaluation, model=loaded, artifact_dir=target)

    def _parent_weights(
        self, context: MethodContext, base: Prepared | None
    ) -> tuple[Path | None, int | None, int | None]:
        """The float weights to quantize (None: the spec's own), their size on disk and, when
        merged here, in memory.

        A base mode that changed the weights (an adapter, fine-tuning) has them merged and saved
        to a scratch folder first: quantization happens at load time, from a folder.
        """
        if base is None or base.model is None:
            location = Path(model_location(context.spec.model))
            return None, folder_bytes(location) if location.is_dir() else None, None
        merged = context.starting_model(base)
        folder = context.out_dir / "parent-weights"
        merged.model.save_pretrained(folder)
        return folder, folder_bytes(folder), model_bytes(merged.model)

    def _quantize(
        self, context: MethodContext, choice: QuantChoice, source: Path | None, target: Path
    ) -> None:
        """Load the parent's weights through the scheme's config and save the result."""
        options: QuantizeOptions = self.options  # type: ignore[assignment]
        spec = context.spec.model
        calibration = None
        if scheme_table()[choice.scheme].calibrated:
            pairs = context.task.training_pairs(context.train_examples())
            calibration = [p.prompt + p.target for p in pairs][: options.calibration_rows]
        tokenizer = load_model_tokenizer(context)
        config = quantization_config(
            choice,
            compute_dtype=torch_dtype(spec.dtype),
            calibration=calibration,
            tokenizer=tokenizer,
        )
        quantizing = load_model(spec, weights=source, quantization_config=config)
        quantizing.model.save_pretrained(target)
        del quantizing


def load_model_tokenizer(context: MethodContext) -> Any:
    """The model's tokenizer (calibration rows are tokenized as evaluation tokenizes them)."""
    from benchlab.backends.loading import load_tokenizer

    return load_tokenizer(context.spec.model)


def _parent_facts(base: Prepared | None) -> dict[str, Any]:
    """The parent's fingerprint, memory and scoring path (None without a base mode)."""
    if base is None:
        return {"fingerprint": None, "memory_bytes": None, "scoring_path": None}
    model = getattr(base.backend, "model", None)
    return {
        "fingerprint": base.backend.fingerprint,
        "memory_bytes": model_bytes(model) if model is not None else None,
        "scoring_path": scoring_path(base.backend),
    }
