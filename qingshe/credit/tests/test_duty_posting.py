"""Duty's own services post to the ledger inside their transactions: confirmation (one and bulk)
credits, an approved correction appends a reversal and a new entry, a refused one nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from qingshe.credit.models import EntryKind, HoursBalance, LedgerEntry
from qingshe.credit.tests.conftest import last_weekday
from qingshe.duty import services as duty


def _pending(city, user, days_ago: int, minutes: int = 120):  # type: ignore[no-untyped-def]
    activity = duty.activity_create(
        actor=city.staff, organiser=city.community, title="社区普法", requires_insurance=False
    )
    start = timezone.make_aware(
        datetime.combine(last_weekday(timezone.localdate(), days_ago), time(14))
    )
    shift = duty.shift_add(
        actor=city.staff,
        activity=activity,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=5,
        leader=city.secretary,
    )
    duty.shift_sign_up(actor=user, shift=shift, now=start - timedelta(days=1))
    return duty.roll_call(
        actor=city.secretary,
        shift=shift,
        user=user,
        checkin_at=start,
        checkout_at=start + timedelta(minutes=minutes),
    )


def test_confirmation_posts_to_the_ledger(city) -> None:
    attendance = duty.attendance_confirm(
        actor=city.staff, attendance=_pending(city, city.student, 2)
    )
    entry = LedgerEntry.objects.get(attendance=attendance)
    assert (
        entry.kind == EntryKind.SERVICE
        and entry.hours == Decimal("2.0")
        and entry.actor_id == city.staff.pk
    )
    assert HoursBalance.objects.get(user=city.student).total == Decimal("2.0")


def test_bulk_confirmation_posts_each(city) -> None:
    a, b = _pending(city, city.student, 2), _pending(city, city.student2, 2, minutes=60)
    duty.attendance_confirm_many(actor=city.staff, attendances=[a, b])
    assert sorted(LedgerEntry.objects.values_list("hours", flat=True)) == [
        Decimal("1.0"),
        Decimal("2.0"),
    ]


def test_corrections_post_reversal_and_new_entry_only_when_approved(city) -> None:
    attendance = duty.attendance_confirm(
        actor=city.staff, attendance=_pending(city, city.student, 3)
    )
    refused = duty.correction_request(
        actor=city.student,
        attendance=attendance,
        new_start=attendance.confirmed_start,
        new_end=attendance.confirmed_end + timedelta(minutes=60),
        reason="晚走一小时",
    )
    duty.correction_decide(
        actor=city.staff, correction=refused, approve=False, note="记录显示按时离开"
    )
    assert LedgerEntry.objects.count() == 1
    approved = duty.correction_request(
        actor=city.student,
        attendance=attendance,
        new_start=attendance.confirmed_start,
        new_end=attendance.confirmed_end + timedelta(minutes=30),
        reason="收拾场地",
    )
    duty.correction_decide(actor=city.staff, correction=approved, approve=True)
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [(e.kind, e.hours) for e in entries] == [
        (EntryKind.SERVICE, Decimal("2.0")),
        (EntryKind.REVERSAL, Decimal("-2.0")),
        (EntryKind.CORRECTION, Decimal("2.5")),
    ]
    assert entries[2].correction_id == approved.pk and entries[2].actor_name == "社区工作者"
    assert HoursBalance.objects.get(user=city.student).total == Decimal("2.5")
