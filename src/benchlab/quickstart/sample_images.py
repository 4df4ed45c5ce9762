"""Real photographs that ship inside installed wheels, to show real images loading offline.

matplotlib (a dependency) ships one photograph; scikit-image (optional extra `images`) ships a
handful in `skimage/data`. Paths are found without importing either package's heavy modules.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BundledImage", "bundled_photographs"]

# file name inside the package folder -> what the photograph shows
_MATPLOTLIB = {"grace_hopper.jpg": "a portrait of Grace Hopper in uniform"}
_SKIMAGE = {
    "astronaut.png": "the astronaut Eileen Collins in a portrait",
    "chelsea.png": "a tabby cat named Chelsea",
    "coffee.png": "a cup of coffee on a saucer",
    "rocket.jpg": "a rocket on its launch pad",
    "motorcycle_left.png": "a motorcycle in a workshop",
    "hubble_deep_field.jpg": "galaxies in the Hubble deep field",
    "camera.png": "a man with a camera on a tripod, in grey",
}


@dataclass(frozen=True)
class BundledImage:
    """One photograph found inside an installed package."""

    name: str
    path: Path
    package: str
    description: str


def _package_dir(package: str) -> Path | None:
    """The folder of an installed top-level package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_photographs() -> list[BundledImage]:
    """Every known photograph present in this environment's matplotlib and scikit-image."""
    found = []
    sources = (
        ("matplotlib", Path("mpl-data") / "sample_data", _MATPLOTLIB),
        ("skimage", Path("data"), _SKIMAGE),
    )
    for package, subfolder, names in sources:
        root = _package_dir(package)
        if root is None:
            continue
        for name, description in names.items():
            path = root / subfolder / name
            if path.is_file():
                found.append(BundledImage(Path(name).stem, path, package, description))
    return found
