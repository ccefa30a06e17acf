"""lib/images.thumbnail: the small JPEG of an accepted photo that pages show."""

from __future__ import annotations

import io

from PIL import Image

from qingshe.lib import images

LIMIT = 10 * 1024 * 1024


def _png(size: tuple[int, int], colour: tuple[int, ...]) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if len(colour) == 4 else "RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_thumbnail_keeps_the_shape_within_the_side() -> None:
    wide = images.thumbnail(
        images.check_image(_png((1600, 1200), (40, 90, 160)), max_bytes=LIMIT).content
    )
    tall = images.thumbnail(
        images.check_image(_png((900, 1800), (40, 90, 160)), max_bytes=LIMIT).content
    )
    assert (wide.width, wide.height, wide.extension, wide.content_type) == (
        480,
        360,
        "jpg",
        "image/jpeg",
    )
    assert (tall.width, tall.height) == (240, 480)
    small = images.thumbnail(
        images.check_image(_png((200, 100), (40, 90, 160)), max_bytes=LIMIT).content
    )
    assert (small.width, small.height) == (200, 100)  # never enlarged
    with Image.open(io.BytesIO(wide.content)) as img:
        assert img.format == "JPEG" and img.size == (480, 360)


def test_transparency_is_laid_on_white() -> None:
    checked = images.check_image(_png((600, 400), (255, 0, 0, 0)), max_bytes=LIMIT)
    thumb = images.thumbnail(checked.content)
    with Image.open(io.BytesIO(thumb.content)) as img:
        r, g, b = img.convert("RGB").getpixel((10, 10))  # type: ignore[misc]
        assert min(r, g, b) > 245


def test_a_photo_still_carrying_its_orientation_is_turned_upright() -> None:
    raw = Image.new("RGB", (400, 200), "#336699")
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    raw.save(out, "JPEG", exif=exif)
    thumb = images.thumbnail(out.getvalue(), side=100)
    assert (thumb.width, thumb.height) == (50, 100)
