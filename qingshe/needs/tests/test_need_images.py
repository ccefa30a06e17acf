"""qingshe/lib/images.py: photos are checked by content, not by name or declared type, and
stored re-encoded without their metadata (the place a phone photo was taken)."""

import io

import pytest
from PIL import Image

from qingshe.lib import images
from qingshe.needs.tests.needs_support import image_bytes

LIMIT = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("fmt", "ext", "ctype"),
    [("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png"), ("WEBP", "webp", "image/webp")],
)
def test_accepted_formats(fmt: str, ext: str, ctype: str) -> None:
    checked = images.check_image(image_bytes(fmt, (64, 40)), max_bytes=LIMIT)
    assert (checked.extension, checked.content_type, checked.width, checked.height) == (
        ext,
        ctype,
        64,
        40,
    )
    with Image.open(io.BytesIO(checked.content)) as img:
        assert img.format == fmt


def test_metadata_is_dropped_and_the_photo_turned_upright() -> None:
    img = Image.new("RGB", (60, 20), "#336699")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (26.0, 15.0, 55.0)}  # GPS IFD: where the photo was taken
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    checked = images.check_image(out.getvalue(), max_bytes=LIMIT)
    with Image.open(io.BytesIO(checked.content)) as clean:
        assert clean.size == (20, 60)
        assert not clean.getexif()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"<html><script>alert(1)</script></html>", "not_an_image"),
        (b"%PDF-1.4 not a picture", "not_an_image"),
        (image_bytes("JPEG", (200, 200))[:300], "not_an_image"),  # truncated
        (image_bytes("GIF"), "unsupported_format"),
        (image_bytes("BMP"), "unsupported_format"),
    ],
)
def test_refused(data: bytes, code: str) -> None:
    with pytest.raises(images.ImageError) as err:
        images.check_image(data, max_bytes=LIMIT)
    assert err.value.code == code


def test_size_limit_reads_no_further_than_needed() -> None:
    class Stream(io.BytesIO):
        biggest = 0

        def read(self, n: int = -1) -> bytes:
            Stream.biggest = max(Stream.biggest, n)
            return super().read(n)

    stream = Stream(image_bytes("PNG") + b"\0" * (LIMIT + 10))
    with pytest.raises(images.ImageError) as err:
        images.check_image(stream, max_bytes=LIMIT)
    assert err.value.code == "too_large" and Stream.biggest == LIMIT + 1


def test_decompression_bomb_is_refused() -> None:
    # A tiny PNG that claims 20000 × 20000 pixels.
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(images.ImageError) as err:
        images.check_image(bomb.getvalue(), max_bytes=LIMIT)
    assert err.value.code in {"too_large", "not_an_image"}


def test_a_very_large_photo_is_scaled_down() -> None:
    checked = images.check_image(image_bytes("JPEG", (5000, 1000)), max_bytes=LIMIT)
    assert (checked.width, checked.height) == (4096, 819)
