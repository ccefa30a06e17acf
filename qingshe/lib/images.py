"""Checking uploaded photos by their content (Django-free).

A file's name and the browser's content type say nothing trustworthy; Pillow reads the bytes.
Only JPEG, PNG and WebP are accepted, fully decoded, within a size limit. The accepted photo is
re-encoded without its metadata: phones write the place a photo was taken (EXIF GPS) into it,
and a resident's photo is often taken at home. Re-encoding also drops anything smuggled after
the image data (a file that is both a JPEG and an HTML page, say). The photo is turned upright
first (ImageOps.exif_transpose), since the orientation lives in the EXIF that is dropped.
`thumbnail()` makes the small JPEG that lists and pages show of an accepted photo.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format name → the extension the file is stored under and the type it is served as.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = dict(FORMATS.values())
# A photo wider or taller than this is scaled down when re-encoded (a phone's 12 MP photo stays
# readable; a 100 MP one does not fill the disk).
MAX_SIDE = 4096
# The longer side of a thumbnail (a list of photos on a phone, two or three to a row).
THUMB_SIDE = 480
# Pillow refuses images of more than 2 × MAX_IMAGE_PIXELS outright and warns above it; a warning
# is treated as a refusal (a "decompression bomb": a few KB that decode to gigabytes).
MAX_PIXELS = 50_000_000


class ImageError(ValueError):
    """The upload is not an acceptable photo; `code` is stable and callers word the message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    extension: str  # "jpg", "png" or "webp"
    content_type: str
    width: int
    height: int


def read_limited(stream: BinaryIO | bytes, max_bytes: int) -> bytes:
    """The upload's bytes, or ImageError("too_large") past `max_bytes` (read no further)."""
    if isinstance(stream, bytes | bytearray):
        data = bytes(stream)
    else:
        if hasattr(stream, "seek"):
            stream.seek(0)
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageError("too_large")
    if not data:
        raise ImageError("empty")
    return data


def check_image(stream: BinaryIO | bytes, *, max_bytes: int) -> CheckedImage:
    """Check an upload by content and return it re-encoded without metadata.

    Raises ImageError with code "empty", "too_large", "not_an_image" (anything Pillow cannot
    identify or fully decode, including truncated files) or "unsupported_format" (an image, but
    not JPEG, PNG or WebP)."""
    data = read_limited(stream, max_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                if fmt not in FORMATS:
                    raise ImageError("unsupported_format")
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageError("too_large")
                probe.verify()  # structure and checksums, without decoding the pixels
            # verify() leaves the image unusable: open again and decode every pixel.
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                return _reencode(img, fmt)
        except ImageError:
            raise
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
        ) as exc:
            raise ImageError("not_an_image") from exc


def _reencode(img: Image.Image, fmt: str) -> CheckedImage:
    # Turn the photo upright as the phone meant it (the orientation lives in the EXIF we drop).
    upright = ImageOps.exif_transpose(img) or img
    if max(upright.size) > MAX_SIDE:
        upright = upright.copy()
        upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG":
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        upright.save(out, "PNG", optimize=True)
    else:
        upright.save(out, "WEBP", quality=85)
    extension, content_type = FORMATS[fmt]
    return CheckedImage(
        content=out.getvalue(),
        extension=extension,
        content_type=content_type,
        width=upright.width,
        height=upright.height,
    )


def thumbnail(content: bytes, *, side: int = THUMB_SIDE) -> CheckedImage:
    """A JPEG thumbnail, at most `side` pixels on its longer side, of a photo that check_image
    accepted (its `content`). It is turned upright as well, in case it was given a photo that still
    carries its orientation; transparency is laid on white (JPEG has none)."""
    with Image.open(io.BytesIO(content)) as img:
        img.load()
        small = ImageOps.exif_transpose(img) or img
        small = small.copy()
    small.thumbnail((side, side))
    if small.mode in ("RGBA", "LA", "P"):
        rgba = small.convert("RGBA")
        small = Image.new("RGB", rgba.size, "white")
        small.paste(rgba, mask=rgba.getchannel("A"))
    elif small.mode not in ("RGB", "L"):
        small = small.convert("RGB")
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, optimize=True)
    extension, content_type = FORMATS["JPEG"]
    return CheckedImage(
        content=out.getvalue(),
        extension=extension,
        content_type=content_type,
        width=small.width,
        height=small.height,
    )
