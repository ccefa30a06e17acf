"""Shared set-up of the need tests (test_need_*.py): photos made with Pillow, needs brought to a
state through the services. Their fixtures (media_root, panel, neighbour) are in conftest.py."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from qingshe.needs import services
from qingshe.needs.models import Need, NeedAssignment
from qingshe.needs.services.lifecycle import need_lock, need_move

BASE = {"title": "帮老人学用智能手机", "project_type": "governance", "service_field": "technology"}


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (48, 32), colour: str = "#b3261e"
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def photo(
    name: str = "楼道.jpg",
    fmt: str = "JPEG",
    data: bytes | None = None,
    content_type: str = "image/jpeg",
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data if data is not None else image_bytes(fmt), content_type=content_type
    )


def window(days: int = 3, start_hour: int = 9, hours: int = 2) -> tuple[datetime, datetime]:
    day = timezone.localdate() + timedelta(days=days)
    start = timezone.make_aware(
        datetime(day.year, day.month, day.day, start_hour), timezone.get_current_timezone()
    )
    return start, start + timedelta(hours=hours)


def submit(city: Any, actor: Any = None, **kw: Any) -> Need:
    return services.need_submit(
        actor=actor or city.resident, community=city.community, **{**BASE, **kw}
    )


def start_work(need: Need, volunteer: Any, actor: Any) -> Need:
    """Accepted → dispatched → in progress with one accepted assignment: what the dispatch part
    does through its own services, done here through the lifecycle functions."""
    with transaction.atomic():
        locked = need_lock(need.pk)
        start, end = window(days=2)
        NeedAssignment.objects.create(
            need=locked,
            volunteer=volunteer,
            source=NeedAssignment.Source.PLAN,
            starts_at=start,
            ends_at=end,
            state=NeedAssignment.State.ACCEPTED,
        )
        need_move(need=locked, to=Need.State.DISPATCHED, actor=actor, reason="派单")
        need_move(need=locked, to=Need.State.IN_PROGRESS, actor=volunteer, reason="接单")
    return Need.objects.get(pk=need.pk)


def in_progress(city: Any, **kw: Any) -> Need:
    need = submit(city, **kw)
    services.need_accept(actor=city.staff, need=need)
    return start_work(need, city.student, city.staff)


def reported_done(city: Any, **kw: Any) -> Need:
    need = in_progress(city, **kw)
    return services.need_report_done(
        actor=city.student, need=need, note="已上门教会老人使用健康码和挂号。"
    )


def verified(city: Any, **kw: Any) -> Need:
    need = reported_done(city, **kw)
    return services.need_verify(actor=city.staff, need=need, evidence="电话回访居民，确认已学会。")
