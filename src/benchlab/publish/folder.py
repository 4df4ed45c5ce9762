"""Assembles the folder to upload: weights, tokenizer, README.md card and `.eval_results/`.

The folder is built next to its destination and moved into place in one rename, so a failed
assembly never leaves a half-written folder where a previous good one was.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchlab.publish.card import render_card
from benchlab.publish.errors import PublishError
from benchlab.publish.model_index import eval_result_files
from benchlab.publish.source import TOKENIZER_FILES, PublishSource, base_model_id, locate

__all__ = ["AssembledFolder", "assemble", "default_out"]

_SKIPPED = frozenset({"README.md", "training_args.bin"})


@dataclass(frozen=True)
class AssembledFolder:
    """The upload folder and what went into it."""

    path: Path
    source: PublishSource
    files: tuple[str, ...]


def default_out(run_dir: Path, experiment_id: str) -> Path:
    """runs/<run>/publish/<experiment id>."""
    return Path(run_dir) / "publish" / experiment_id


def _copy_weights(source: PublishSource, target: Path) -> None:
    for item in sorted(source.artifact.iterdir()):
        if item.name in _SKIPPED or item.name.startswith("."):
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)
    tokenizer = source.tokenizer_dir
    if tokenizer is not None and tokenizer != source.artifact:
        for name in TOKENIZER_FILES:
            if (tokenizer / name).is_file() and not (target / name).exists():
                shutil.copy2(tokenizer / name, target / name)


def _point_adapter_at_hub(source: PublishSource, target: Path) -> None:
    """An adapter names its base by local path; on the Hub it must name the hub id."""
    config_file = target / "adapter_config.json"
    base = base_model_id(source.model_path)
    if not config_file.is_file() or base is None:
        return
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = base
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def assemble(
    run_dir: Path,
    experiment_id: str,
    repo_id: str,
    *,
    out: Path | None = None,
    license_id: str = "other",
    endpoint: str = "https://huggingface.co",
) -> AssembledFolder:
    """Write the upload folder for one experiment; return where it is and what it holds."""
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise PublishError(f"--repo-id {repo_id!r}: expected OWNER/NAME, e.g. my-user/qwen2-lora")
    source = locate(Path(run_dir), experiment_id)
    out = Path(out) if out is not None else default_out(Path(run_dir), experiment_id)
    if (
        out.resolve() == source.artifact.resolve()
        or source.artifact.resolve() in out.resolve().parents
    ):
        raise PublishError(f"--out {out}: must not be inside the experiment's artifact folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _copy_weights(source, staging)
        _point_adapter_at_hub(source, staging)
        (staging / "README.md").write_text(
            render_card(source, repo_id, license_id), encoding="utf-8"
        )
        results = eval_result_files(source.evaluated, f"{endpoint.rstrip('/')}/{repo_id}")
        if results:
            (staging / ".eval_results").mkdir()
            for name, entries in results.items():
                text = yaml.safe_dump(entries, sort_keys=False)
                (staging / ".eval_results" / name).write_text(text, encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = tuple(sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()))
    return AssembledFolder(out, source, files)
