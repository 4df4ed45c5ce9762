"""Render report.html in headless Chromium with the network off, to prove it is self-contained.

Networking is cut twice: the browser runs in a fresh network namespace when `unshare -rn`
works here, and it is always pointed at a dead proxy, so any http(s) fetch the page tried
would fail instead of silently succeeding.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "non_background_share", "screenshot_html"]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome executable on PATH, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _offline_prefix() -> list[str]:
    """`unshare -rn` when it can create a network namespace here, else nothing."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False)
    return [unshare, "-rn"] if probe.returncode == 0 else []


def screenshot_html(
    html_path: Path, png_path: Path, *, size: tuple[int, int] = (1400, 2000), timeout: float = 120
) -> Path:
    """Screenshot `html_path` into `png_path`; RuntimeError if Chromium is missing or fails."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("no chromium on PATH (Debian: apt-get install -y chromium)")
    png_path = Path(png_path).resolve()
    png_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="benchlab-chromium-") as profile:
        command = [
            *_offline_prefix(),
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={png_path}",
            f"--window-size={size[0]},{size[1]}",
            Path(html_path).resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if not png_path.is_file():
        raise RuntimeError(
            f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-800:]}"
        )
    return png_path


def non_background_share(png_path: Path) -> float:
    """Share of pixels that differ from the top-left (background) colour: ~0 for a blank page."""
    import matplotlib.image

    pixels = matplotlib.image.imread(str(png_path))[..., :3]
    background = pixels[0, 0]
    return float((abs(pixels - background).sum(axis=-1) > 0.05).mean())
