"""A model's module names from its config alone, so LoRA targets are checked before a run.

The model is built on the meta device (accelerate's `init_empty_weights`): no weight is loaded
or allocated, and a 7B model's names come back in about a second.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from benchlab.config.schema import ModelSpec

__all__ = ["ModelModules", "missing_targets", "model_modules"]


@dataclass(frozen=True)
class ModelModules:
    """Every submodule's dotted name, and the last name part of each linear layer."""

    names: frozenset[str]
    linear: frozenset[str]


def _config_source(spec: ModelSpec) -> str | None:
    """The folder or hub id to read the config from (None: an adapter-only folder)."""
    if spec.path.startswith("builtin:"):
        from benchlab.quickstart.resources import resolve_builtin_model
        from benchlab.runner.quiet import quiet_libraries

        quiet_libraries()  # building the tiny model once must not print progress bars
        return str(resolve_builtin_model(spec.path))
    local = Path(spec.path).expanduser()
    if local.is_dir():
        return str(local) if (local / "config.json").is_file() else None
    return spec.path


def model_modules(spec: ModelSpec) -> ModelModules | None:
    """The model's module names, or None when its config is not available here."""
    # torchao, imported along with transformers' quantizers, warns through torch's pytree
    # logger on import; validation prints one line, so that notice is kept out
    logging.getLogger("torch.utils._pytree").setLevel(logging.ERROR)
    source = _config_source(spec)
    if source is None:
        return None
    import transformers
    from accelerate import init_empty_weights
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    transformers.logging.set_verbosity_error()  # no config notices around the one-line answer

    try:
        config = AutoConfig.from_pretrained(  # a hub id: only a cached config, no network wait
            source,
            revision=spec.revision,
            trust_remote_code=spec.trust_remote_code,
            local_files_only=True,
        )
        factory = AutoModelForCausalLM if spec.kind == "causal" else AutoModel
        with init_empty_weights():
            model = factory.from_config(config, trust_remote_code=spec.trust_remote_code)
    except (OSError, ValueError, KeyError, ImportError):
        return None  # not cached, or an architecture this transformers does not know
    names, linear = set(), set()
    for name, module in model.named_modules():
        if not name:
            continue
        names.add(name)
        if type(module).__name__ in ("Linear", "Conv1D") and not name.endswith("lm_head"):
            linear.add(name.rsplit(".", 1)[-1])
    return ModelModules(frozenset(names), frozenset(linear))


def missing_targets(targets: list[str], modules: ModelModules) -> list[str]:
    """Targets no module matches, by peft's rule: the full name or its last dotted parts."""
    return [
        target
        for target in targets
        if not any(name == target or name.endswith(f".{target}") for name in modules.names)
    ]
