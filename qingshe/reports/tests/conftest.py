"""Fixtures of the typical-case tests: the programme, photos made with Pillow (a little over 1 MB
each, so they meet the default minimum), and a temporary media directory."""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from qingshe.programmes.models import Programme
from qingshe.programmes.services import programme_create
from qingshe.reports.demo import noise_photo

TEXT = "社区青春行动" * 170  # 1,020 characters
MB = 1024 * 1024


@lru_cache(maxsize=16)
def photo_bytes(seed: int = 1) -> bytes:
    data = noise_photo(seed)
    assert len(data) >= MB
    return data


def photo(
    name: str = "活动照片.jpg", *, seed: int = 1, data: bytes | None = None
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data if data is not None else photo_bytes(seed), content_type="image/jpeg"
    )


def photos(n: int = 5) -> list[SimpleUploadedFile]:
    return [photo(f"活动照片{i}.jpg", seed=i) for i in range(1, n + 1)]


def padded_jpeg(size: int) -> bytes:
    """A real (small) JPEG followed by padding up to exactly `size` bytes: the size is what the
    programme's minimum looks at."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "#2a6f97").save(out, "JPEG")
    data = out.getvalue()
    return data + b"\0" * (size - len(data))


def fake_pdf(size: int = 2 * MB) -> bytes:
    head = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
    return head + b"0" * (size - len(head))


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded photos go to a temporary directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def programme(city: SimpleNamespace) -> Programme:
    return programme_create(
        actor=city.league_admin,
        owner=city.city,
        name="社区青春行动",
        year=2026,
        scope=[city.university],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )


@pytest.fixture
def submit(city: SimpleNamespace, programme: Programme, media_root: Path) -> Any:
    """Submit a case of the test city's department through the service."""
    from qingshe.reports.services import case_submit

    def _submit(title: str = "周末课堂", **kw: Any) -> Any:
        args = {
            "actor": city.department_admin,
            "programme": programme,
            "department": city.department,
            "title": title,
            "text": TEXT,
            "photos": photos(5),
            **kw,
        }
        return case_submit(**args)

    return _submit
