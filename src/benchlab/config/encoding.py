"""The one UTF-8 reader for data files a user gives (task data, prompts, answers).

Anything that is not UTF-8 text is refused with what it looks like (UTF-16, UTF-32, latin-1,
binary), the line where it shows, and the fix.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from benchlab.errors import DataError

__all__ = ["read_utf8"]

_SAVE = "save it as UTF-8"


def _line_of(raw: bytes, offset: int) -> int:
    return raw[:offset].count(b"\n") + 1


def _looks_utf16(raw: bytes) -> bool:
    """Mostly NUL bytes on one parity and printable text on the other: UTF-16 without a BOM."""
    head = raw[:2000]
    if len(head) < 4:
        return False
    for zeros, text in ((head[1::2], head[0::2]), (head[0::2], head[1::2])):
        printable = sum(1 for b in text if 32 <= b < 127 or b in (9, 10, 13))
        if zeros.count(0) >= 0.7 * len(zeros) and printable >= 0.9 * len(text):
            return True
    return False


def read_utf8(path: Path) -> str:
    """The file's text; anything that is not UTF-8 text is refused with what it looks like."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise DataError(f"{path}: not UTF-8 (UTF-32, byte-order mark at line 1); {_SAVE}")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{path}: not UTF-8 (UTF-16, byte-order mark at line 1); {_SAVE}")
    if b"\x00" in raw:
        line = _line_of(raw, raw.index(b"\x00"))
        if _looks_utf16(raw):
            raise DataError(f"{path}: not UTF-8 (looks like UTF-16 at line {line}); {_SAVE}")
        raise DataError(
            f"{path}: not UTF-8 text (binary data: a NUL byte at line {line}); give a "
            ".csv, .tsv, .jsonl or .json text file saved as UTF-8"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, byte = _line_of(raw, exc.start), raw[exc.start]
        sample = raw[max(0, exc.start - 200) : exc.start + 200].decode("latin-1")
        controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\r\n")
        if controls > len(sample) // 20:
            raise DataError(
                f"{path}: not UTF-8 text (binary data at line {line}, byte 0x{byte:02x}); give "
                "a .csv, .tsv, .jsonl or .json text file saved as UTF-8"
            ) from None
        raise DataError(
            f"{path}: not UTF-8 (looks like latin-1 / Windows-1252 at line {line}: byte "
            f"0x{byte:02x}); {_SAVE}"
        ) from None
