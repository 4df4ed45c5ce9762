"""Images of a request, decoded only when a batch needs them: from a path, bytes or base64 text.

A request carries `Media` (a path or bytes with a content hash); the pixels are decoded here, a
batch at a time, so a benchmark's images are never all held in memory.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import TYPE_CHECKING

from benchlab.errors import DataError
from benchlab.requests import Media

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["image_bytes", "open_image"]

# The first bytes of the encoded image formats Pillow reads most often.
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"BM", b"II*\x00", b"MM\x00*")


def image_bytes(media: Media) -> bytes:
    """The encoded image file; base64 text (as in MMBench TSV cells) is decoded first."""
    raw = media.read_bytes()
    if raw.startswith(_MAGIC):
        return raw
    try:
        return base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        return raw  # not base64: let Pillow say what it is


def open_image(media: Media) -> Image.Image:
    """The medium as an RGB Pillow image, or a DataError naming where it came from."""
    from PIL import Image, UnidentifiedImageError

    where = media.path or f"{len(media.read_bytes())} bytes of image data"
    if media.kind != "image":
        raise DataError(f"{where}: a {media.kind!r} medium is not an image")
    try:
        with Image.open(io.BytesIO(image_bytes(media))) as image:
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise DataError(f"{where}: cannot read the image ({exc})") from exc
