"""Prove report.html renders offline: build the report, screenshot it in headless Chromium.

usage: python bench/report_screenshot.py RUN_DIR [--out PNG] [--baseline X]

Chromium runs with the network cut (own network namespace when possible, dead proxy always).
Prints the screenshot path, the share of non-background pixels and whether the plot bars'
colour appears in the screenshot (proof that the inline images decoded); exits 1 if not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib.image
import numpy as np

from benchlab.report.build import build_report
from benchlab.report.plots import COLOURS
from benchlab.report.screenshot import non_background_share, screenshot_html


def colour_share(png: Path, hex_colour: str) -> float:
    """Share of pixels within a small distance of `hex_colour`."""
    pixels = matplotlib.image.imread(str(png))[..., :3]
    target = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return float((np.abs(pixels - target).sum(axis=-1) < 0.06).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="screenshot path")
    parser.add_argument("--baseline", default=None)
    args = parser.parse_args()
    analysis = build_report(args.run_dir, baseline=args.baseline)
    out = args.out or analysis / "report_screenshot.png"
    png = screenshot_html(analysis / "report.html", out)
    drawn = non_background_share(png)
    bars = colour_share(png, COLOURS[0])
    print(f"screenshot: {png}")
    print(f"non-background pixels: {drawn:.1%}; plot-bar colour pixels: {bars:.2%}")
    ok = drawn > 0.05 and bars > 0.001
    print("renders: yes" if ok else "renders: NO (blank page or images missing)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
