"""A document as data (sections of paragraphs, tables, figures, code), rendered to Markdown or HTML.

The technical report and the model card are written once as blocks; the Markdown (papers,
READMEs, the Hub card) and the HTML page are two renderings of the same blocks, so they cannot
disagree on a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchlab.report.html_page import esc, image, page, table

__all__ = [
    "Code",
    "Figure",
    "Paragraph",
    "Section",
    "Table",
    "fmt",
    "markdown_table",
    "render_html",
    "render_markdown",
]


def fmt(x: Any, digits: int = 4) -> str:
    """A number with fixed decimals ('-' when missing or not finite)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "-"
    return f"{x:.{digits}f}"


@dataclass(frozen=True)
class Paragraph:
    """Prose; `flag` marks a warning the reader must not miss."""

    text: str
    flag: bool = False


@dataclass(frozen=True)
class Table:
    """Rows of already formatted cells; columns default to the union of the rows' keys."""

    rows: list[dict[str, Any]]
    columns: list[str] | None = None
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    """A PNG: linked by file name in Markdown, inlined in HTML."""

    file_name: str
    png: bytes
    caption: str


@dataclass(frozen=True)
class Code:
    """A verbatim block (a config, a command)."""

    text: str
    language: str = ""


Block = Paragraph | Table | Figure | Code


@dataclass(frozen=True)
class Section:
    """A titled part of the document; level 2 for chapters, 3 for their parts."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 2

    @property
    def anchor(self) -> str:
        """An id derived from the title ('Results' -> 'results')."""
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("|", "\\|")


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table (pipes escaped, newlines folded)."""
    if not rows:
        return "_nothing to show_"
    columns = list(columns or dict.fromkeys(key for row in rows for key in row))
    lines = [
        "| " + " | ".join(_md_cell(c) for c in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    lines.extend("| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |" for row in rows)
    return "\n".join(lines)


def _markdown_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"> **Warning:** {block.text}" if block.flag else block.text
    if isinstance(block, Table):
        caption = f"*{block.caption}*\n\n" if block.caption else ""
        return caption + markdown_table(block.rows, block.columns)
    if isinstance(block, Figure):
        return f"![{block.caption}]({block.file_name})"
    fence = "````" if "```" in block.text else "```"
    return f"{fence}{block.language}\n{block.text.rstrip()}\n{fence}"


def render_markdown(title: str, sections: Sequence[Section], preamble: str = "") -> str:
    """The whole document as Markdown (one blank line between blocks)."""
    parts = [f"# {title}"] + ([preamble] if preamble else [])
    for section in sections:
        parts.append(f"{'#' * section.level} {section.title}")
        parts.extend(_markdown_block(block) for block in section.blocks)
    return "\n\n".join(parts) + "\n"


def _html_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return (
            f'<p class="flag">{esc(block.text)}</p>' if block.flag else f"<p>{esc(block.text)}</p>"
        )
    if isinstance(block, Table):
        caption = f'<p class="note">{esc(block.caption)}</p>' if block.caption else ""
        text_columns = list(block.columns or dict.fromkeys(k for row in block.rows for k in row))
        return caption + table(block.rows, block.columns, text_columns=text_columns)
    if isinstance(block, Figure):
        caption = f"<figcaption>{esc(block.caption)}</figcaption>"
        return f"<figure>{image(block.png, block.caption)}{caption}</figure>"
    return f"<pre><code>{esc(block.text)}</code></pre>"


def render_html(title: str, sections: Sequence[Section], preamble: str = "") -> str:
    """The whole document as one self-contained HTML page with a table of contents."""
    toc = "".join(f'<a href="#{s.anchor}">{esc(s.title)}</a>' for s in sections if s.level == 2)
    body = [
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(preamble)}</p>" if preamble else "",
        f"<nav>{toc}</nav>",
    ]
    for section in sections:
        level = min(max(section.level, 2), 4)
        body.append(f'<h{level} id="{section.anchor}">{esc(section.title)}</h{level}>')
        body.extend(_html_block(block) for block in section.blocks)
    return page(title, "".join(body))
