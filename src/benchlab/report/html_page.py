"""Self-contained HTML building blocks: escaped tables, base64 images, the page shell.

Everything a page needs is inline (CSS, a few lines of JS to sort tables, images as data
URIs), so report.html works offline, from an email attachment or a CI artifact.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["details", "esc", "image", "page", "paragraphs", "table"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;
max-width:1320px;padding:0 24px 48px;color:#1d2330;line-height:1.45}
h1{margin:20px 0 4px}h2{border-bottom:2px solid #e3e7ee;padding-bottom:4px;margin-top:36px}
h3{margin:22px 0 6px}nav a{margin-right:14px}
table{border-collapse:collapse;font-size:13px;margin:8px 0 14px;display:block;overflow-x:auto}
th,td{border:1px solid #d9dee7;padding:3px 7px;text-align:right;white-space:nowrap}
td.text,th.text{text-align:left;white-space:normal;min-width:320px;max-width:560px}
th{background:#f2f4f8;position:sticky;top:0}
table.sortable th{cursor:pointer}table.sortable th:after{content:" \\21C5";color:#9aa3b2}
tr.failed td{background:#fdecec}tr.pending td,tr.running td,tr.stale td{background:#fff8e1}
.warn{color:#a35200}.sig{color:#1b7a2f;font-weight:600}.ns{color:#555}
.note{background:#f5f7fb;border-left:4px solid #9aa3b2;padding:6px 10px;margin:8px 0}
.flag{background:#fff4e5;border-left:4px solid #f0a030;padding:6px 10px;margin:8px 0}
img{max-width:100%;border:1px solid #e3e7ee;margin:6px 0}
details{margin:8px 0;border:1px solid #e3e7ee;border-radius:6px;padding:4px 10px}
summary{cursor:pointer;font-weight:600}code{font-size:12px}
.grid{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
"""

SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th){
  th.addEventListener('click',function(){
    var table=th.closest('table'),body=table.tBodies[0],i=th.cellIndex,
        asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';
    var key=function(r){var t=r.cells[i]?r.cells[i].textContent.trim():'';
      var x=parseFloat(t);return isNaN(x)?t.toLowerCase():x;};
    Array.from(body.rows).sort(function(a,b){var x=key(a),y=key(b);
      if(typeof x!==typeof y){x=String(x);y=String(y);}
      return (x<y?-1:x>y?1:0)*(asc?1:-1);}).forEach(function(r){body.appendChild(r);});
  });
});
"""


def esc(value: Any) -> str:
    """HTML-escaped text of any value ('' for None)."""
    return "" if value is None else html.escape(str(value), quote=True)


def image(png: bytes, alt: str) -> str:
    """An <img> with the PNG inlined as a base64 data URI."""
    encoded = base64.b64encode(png).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{encoded}">'


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return esc(value)


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    text_columns: Iterable[str] = (),
    row_class: str | None = None,
    sortable: bool = True,
    table_id: str | None = None,
) -> str:
    """A table of rows (values escaped); `row_class` names the key holding a CSS class per row."""
    if not rows:
        return '<p class="note">nothing to show yet</p>'
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row if key != row_class))
    text = set(text_columns)
    head = "".join(f'<th class="{"text" if c in text else ""}">{esc(c)}</th>' for c in columns)
    body = []
    for row in rows:
        css = f' class="{esc(row.get(row_class))}"' if row_class else ""
        cells = "".join(
            f'<td class="{"text" if c in text else ""}">{_cell(row.get(c))}</td>' for c in columns
        )
        body.append(f"<tr{css}>{cells}</tr>")
    attrs = ' class="sortable"' if sortable else ""
    attrs += f' id="{esc(table_id)}"' if table_id else ""
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def paragraphs(texts: Iterable[str], css: str = "") -> str:
    """Escaped <p> elements."""
    attr = f' class="{css}"' if css else ""
    return "".join(f"<p{attr}>{esc(t)}</p>" for t in texts)


def details(summary: str, body: str, *, open_: bool = False) -> str:
    """A collapsible block (summary escaped, body is HTML)."""
    return f"<details{' open' if open_ else ''}><summary>{esc(summary)}</summary>{body}</details>"


def page(title: str, body: str) -> str:
    """The whole document: inline CSS, body, inline table-sorting script."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}"
        f"<script>{SORT_JS}</script></body></html>\n"
    )
