"""Write a checked LLaVA file in the chat format the trainers read (TRL's vision messages)."""

from __future__ import annotations

from pathlib import Path

from benchlab.data.llava import llava_chat_row, read_llava
from benchlab.data.llava_checks import check_llava_file
from benchlab.errors import DataError
from benchlab.record.atomic import write_jsonl_atomic

__all__ = ["convert_llava_file"]


def convert_llava_file(path: Path, *, images: Path | None, out: Path) -> int:
    """Check `path`, then atomically write one chat row per line to `out`; the row count.

    Image paths in `out` are absolute (resolved from the image folder), so the file can be
    read from any working directory. A file with any problem `data check` would report is
    refused with nothing written.
    """
    path, out = Path(path), Path(out)
    if out.resolve() == path.resolve():
        raise DataError(f"{out}: the output would overwrite the input; choose another --out")
    report = check_llava_file(path, images=images)
    if not report.ok:
        first = report.problems[0]
        raise DataError(
            f"{path}: {len(report.problems)} problem(s), first at {first.line()}; run "
            "`benchlab data check` for all of them and fix the file; nothing written"
        )
    root = (Path(images) if images is not None else path.parent).resolve()
    rows = read_llava(str(path), images=str(root))
    write_jsonl_atomic(out, (llava_chat_row(row) for row in rows))
    return len(rows)
