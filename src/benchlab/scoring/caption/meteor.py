"""METEOR through the official Meteor 1.5 jar, exactly as pycocoevalcap calls it, or not at all.

METEOR's paraphrase tables and stemmer live in the jar; there is no faithful pure-Python port,
so benchlab reports METEOR only when Java and the jar are both present (never an
approximation under the same name). The jar is found from an explicit path, the
`BENCHLAB_METEOR_JAR` environment variable, or an installed pycocoevalcap package.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from benchlab.errors import BackendUnavailableError

__all__ = ["METEOR_JAR_ENV", "find_meteor_jar", "meteor_scores"]

METEOR_JAR_ENV = "BENCHLAB_METEOR_JAR"


def find_meteor_jar(explicit: str | Path | None = None) -> Path | None:
    """The Meteor 1.5 jar to use, or None when it or Java is missing (an explicit jar must run)."""
    has_java = shutil.which("java") is not None
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise BackendUnavailableError(
                f"METEOR jar {path} does not exist; pass the path of meteor-1.5.jar "
                "(it ships inside the pycocoevalcap package) or leave the option out"
            )
        if not has_java:
            raise BackendUnavailableError(
                f"METEOR jar {path} needs Java, and `java` is not on PATH; install a JRE "
                "(e.g. apt-get install default-jre-headless) or leave the option out"
            )
        return path
    if not has_java:
        return None
    from_env = os.environ.get(METEOR_JAR_ENV)
    if from_env and Path(from_env).is_file():
        return Path(from_env)
    spec = importlib.util.find_spec("pycocoevalcap")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        bundled = Path(folder) / "meteor" / "meteor-1.5.jar"
        if bundled.is_file():
            return bundled
    return None


def _clean(text: str) -> str:
    """The hypothesis clean-up pycocoevalcap applies before sending a line to Meteor."""
    return text.replace("|||", "").replace("  ", " ")


def _noop(_: int = 1) -> None:
    """Progress callback that reports nothing."""


def meteor_scores(
    jar: Path,
    candidates: Sequence[str],
    references: Sequence[Sequence[str]],
    advance: Callable[[int], None] = _noop,
) -> tuple[float, list[float]]:
    """Corpus METEOR and per-image scores from the jar (`-l en -norm`, pycocoevalcap's flags).

    `advance(1)` is called after each image's statistics come back (the slow part)."""
    score_lines = [
        " ||| ".join(("SCORE", " ||| ".join(refs), _clean(candidate)))
        for candidate, refs in zip(candidates, references, strict=True)
    ]
    command = ["java", "-jar", "-Xmx2G", jar.name, "-", "-", "-stdio", "-l", "en", "-norm"]
    process = subprocess.Popen(
        command,
        cwd=jar.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        stats = []
        for line in score_lines:
            process.stdin.write(f"{line}\n".encode())
            process.stdin.flush()
            stats.append(process.stdout.readline().decode().strip())
            advance(1)
        process.stdin.write(("EVAL ||| " + " ||| ".join(stats) + "\n").encode())
        process.stdin.flush()
        per_image = [float(process.stdout.readline().strip()) for _ in stats]
        corpus = float(process.stdout.readline().strip())
    finally:
        process.stdin.close()
        process.kill()
        process.wait()
    return corpus, per_image
