"""Two toy modes, added as a new mode is: this one module and one `register_method` line each.

`toy-train` "trains" through the shared toolkit (an artifact file, trained once per run when
another mode builds on it); `toy-probe` builds on its base mode's prepared model. Both record
what they did in `CALLS`, so a test can check order and how often training ran.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from benchlab.backends.registry import build_backend, load_model
from benchlab.backends.weights import LoadedModel, with_part
from benchlab.methods.base import Method, MethodContext, Prepared, TrainingRecord
from benchlab.methods.registry import register_method
from benchlab.methods.training import artifact_digest, shared_folder, train_once
from benchlab.tasks.base import EvalContext

__all__ = ["CALLS", "ToyProbe", "ToyTrain"]

#: (event, experiment id) in the order they happened.
CALLS: list[tuple[str, str]] = []


@register_method("toy_train")
class ToyTrain(Method):
    """Writes a one-tensor safetensors 'artifact'; shares it when another mode builds on it."""

    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal"})
    description = "test mode: toy training through the shared toolkit"

    def prepare(self, context: MethodContext) -> Prepared:
        """Train once (or reuse the run's artifact) and evaluate the toy model."""
        CALLS.append(("prepare", context.spec.id))

        def train(target: Path) -> tuple[LoadedModel, TrainingRecord]:
            import torch
            from safetensors.torch import save_file

            CALLS.append(("train", context.spec.id))
            (target / "artifact").mkdir(parents=True, exist_ok=True)
            save_file(
                {"w": torch.tensor([float(context.spec.seed)])}, target / "artifact/w.safetensors"
            )
            return reload(target / "artifact"), TrainingRecord(0.0, 1, 1, {}, "artifact")

        def reload(folder: Path) -> LoadedModel:
            return with_part(load_model(context.spec.model), f"toy:{artifact_digest(folder)}")

        loaded, record, path = train_once(
            context, shared_folder(context, "toy"), "artifact", train, reload, label="toy"
        )
        backend = build_backend(context.spec.model, loaded=loaded)
        return Prepared(backend, EvalContext(seed=context.spec.seed), record, loaded, path)


@register_method("toy_probe")
class ToyProbe(Method):
    """Evaluates its base mode's model, as few-shot prompting of an SFT model would."""

    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal"})
    description = "test mode: evaluate the base mode's prepared model"

    def prepare(self, context: MethodContext) -> Prepared:
        """The base's weights, tagged as probed."""
        CALLS.append(("prepare", context.spec.id))
        base = context.prepare_base()
        loaded = context.starting_model(base)
        backend = build_backend(context.spec.model, loaded=loaded, tag=("probe",))
        return Prepared(backend, EvalContext(seed=context.spec.seed), None, loaded)
