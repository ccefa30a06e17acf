"""Fixtures of the import tests: uploads under a temporary MEDIA_ROOT, rosters of the test city
(青州学院团委 → 经管系团委 → its two class branches), and a helper to upload and run."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qingshe.imports import samples, services
from qingshe.imports.models import ImportJob

UNIVERSITY = "青州学院团委"
DEPARTMENT = "经管系团委"
BRANCHES = ("2024级旅游管理班团支部", "2024级会计学班团支部")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def rows(count: int, start: int = 0, **kw: Any) -> list[list[Any]]:
    return list(
        samples.student_rows(
            count,
            university=UNIVERSITY,
            department=DEPARTMENT,
            branches=BRANCHES,
            start=start,
            **kw,
        )
    )


def workbook_bytes(
    *, students: Iterable[Sequence[Any]] = (), orgs: Iterable[Sequence[Any]] = (), **kw: Any
) -> bytes:
    buffer = io.BytesIO()
    samples.write_roster(buffer, students=students, orgs=orgs, **kw)
    return buffer.getvalue()


def upload(content: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


@pytest.fixture
def run_import(city: SimpleNamespace) -> Callable[..., ImportJob]:
    """Upload `content` as `actor` (the city's league admin by default) and run the job."""

    def _run(
        content: bytes, *, actor: Any = None, valid_only: bool = False, name: str = "名册.xlsx"
    ) -> ImportJob:
        job = services.import_start(
            actor=actor or city.league_admin,
            upload=upload(content, name),
            valid_only=valid_only,
            enqueue=False,
        )
        return services.import_run(job_id=job.pk)

    return _run
