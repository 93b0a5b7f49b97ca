"""Pictures of attachments: whether bytes are an image, and a small thumbnail of one (Pillow)."""

from __future__ import annotations

import io
import mimetypes
import warnings

from PIL import Image, UnidentifiedImageError

THUMBNAIL_PX = 160
#: Pictures larger than this many pixels are refused (a decompression bomb, not a photo).
MAX_PIXELS = 80_000_000


def media_type(file_name: str, data: bytes) -> str:
    """The media type of a file: from its content when it is an image, else from its name."""
    kind = image_format(data)
    if kind is not None:
        return f"image/{kind.lower()}"
    guessed, _ = mimetypes.guess_type(file_name)
    return guessed or "application/octet-stream"


def image_format(data: bytes) -> str | None:
    """'JPEG', 'PNG'... when the bytes are a picture Pillow reads, else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:
                return str(picture.format) if picture.format else None
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning):
        return None


def thumbnail(data: bytes, size: int = THUMBNAIL_PX) -> bytes | None:
    """A PNG of the picture at most ``size`` pixels on its longer side (turned as the camera said), or
    None when the bytes are not a picture."""
    from PIL import ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:
                if picture.width * picture.height > MAX_PIXELS:
                    return None
                picture.draft("RGB", (size * 2, size * 2))  # JPEG: decode at a reduced scale, fast
                small = ImageOps.exif_transpose(picture)
                small.thumbnail((size, size))
                if small.mode not in ("RGB", "RGBA", "L", "LA"):
                    small = small.convert("RGBA")
                out = io.BytesIO()
                small.save(out, "PNG", optimize=False)
                return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning):
        return None
