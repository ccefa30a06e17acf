"""The hours ledger: credits from confirmed attendance, corrections as reversal plus new entry,
the cached total, the hash chain that finds edits made behind the services' back, the take-over
of older attendance, and `qingshe check-ledgers`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from qingshe.core.errors import Conflict
from qingshe.credit import services
from qingshe.credit.models import EntryKind, HoursBalance, LedgerEntry
from qingshe.duty import services as duty
from qingshe.duty.models import Attendance, DutyMode


def _check(*args: str) -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("check-ledgers", *args, stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def test_confirmed_attendance_is_credited_once_with_its_source(city, serve) -> None:
    attendance = serve(city.student, minutes=107)  # 1 h 47 min → 2.0 h
    again = services.ledger_post_attendance(attendance=attendance, actor=city.staff)
    entries = list(LedgerEntry.objects.filter(user=city.student))
    assert len(entries) == 1 and entries[0].pk == again.pk
    entry = entries[0]
    assert entry.kind == EntryKind.SERVICE and entry.hours == Decimal("2.0") and entry.seq == 1
    assert entry.attendance_id == attendance.pk
    assert entry.activity_title == "敬老院陪伴" and entry.place == "白沙社区服务站"
    assert entry.content == "陪老人聊天、读报、打扫房间。"
    assert entry.organiser_id == city.community.pk and entry.organiser_name == "白沙社区"
    assert entry.person_in_charge == "团支书" and entry.confirmer_name == "社区工作者"
    assert entry.recipient == "白沙社区" and entry.prev_hash == "" and len(entry.hash) == 64
    assert HoursBalance.objects.get(user=city.student).total == Decimal("2.0")


def test_the_database_refuses_a_second_credit_for_one_attendance(city, serve) -> None:
    attendance = serve(city.student)
    entry = LedgerEntry.objects.get(attendance=attendance)
    entry.pk, entry.seq, entry.hash = None, 2, "x" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save(force_insert=True)


def test_pending_attendance_is_not_credited(city, serve) -> None:
    attendance = serve(city.student)
    Attendance.objects.filter(pk=attendance.pk).update(state=Attendance.State.PENDING)
    LedgerEntry.objects.filter(attendance=attendance).delete()
    with pytest.raises(Conflict):
        services.ledger_post_attendance(attendance=attendance, actor=city.staff)


def test_a_correction_is_a_reversal_plus_a_new_entry_with_actor_and_reason(city, serve) -> None:
    attendance = serve(city.student, minutes=120)
    correction = duty.correction_request(
        actor=city.student,
        attendance=attendance,
        new_start=attendance.confirmed_start,
        new_end=attendance.confirmed_end + timedelta(minutes=30),
        reason="留下收拾场地",
    )
    correction = duty.correction_decide(actor=city.staff, correction=correction, approve=True)
    posted = services.ledger_post_correction(correction=correction, actor=city.staff)
    assert (
        services.ledger_post_correction(correction=correction, actor=city.staff) == posted
    )  # idempotent
    entries = list(LedgerEntry.objects.filter(user=city.student).order_by("seq"))
    assert [e.kind for e in entries] == [
        EntryKind.SERVICE,
        EntryKind.REVERSAL,
        EntryKind.CORRECTION,
    ]
    assert [e.hours for e in entries] == [Decimal("2.0"), Decimal("-2.0"), Decimal("2.5")]
    assert entries[1].reverses_id == entries[0].pk
    assert entries[1].actor_name == "社区工作者" and "留下收拾场地" in entries[1].reason
    assert entries[2].correction_id == correction.pk and entries[2].actor_id == city.staff.pk
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert services.hours_total(city.student) == Decimal("2.5")
    assert HoursBalance.objects.get(user=city.student).total == Decimal("2.5")
    assert services.live_entry(attendance.pk).hours == Decimal("2.5")
    ok, out = _check()
    assert ok, out


def test_entries_are_numbered_and_chained_per_person(city, serve) -> None:
    serve(city.student, days_ago=3)
    serve(city.student2, days_ago=3)
    serve(city.student, days_ago=2)
    mine = list(LedgerEntry.objects.filter(user=city.student).order_by("seq"))
    assert [e.seq for e in mine] == [1, 2] and mine[1].prev_hash == mine[0].hash
    assert LedgerEntry.objects.get(user=city.student2).seq == 1


def test_check_finds_a_row_edited_with_raw_sql(city, serve) -> None:
    serve(city.student, days_ago=3)
    serve(city.student, days_ago=2)
    ok, out = _check()
    assert ok, out
    first = LedgerEntry.objects.get(user=city.student, seq=1)
    entries, balances = LedgerEntry._meta.db_table, HoursBalance._meta.db_table
    hours_sql = f"UPDATE {entries} SET hours = %s WHERE id = %s"  # noqa: S608
    total_sql = f"UPDATE {balances} SET total = total + 6 WHERE user_id = %s"  # noqa: S608
    with connection.cursor() as cursor:  # behind the services' back: hours and the cached total
        cursor.execute(hours_sql, [Decimal("8.0"), first.pk])
        cursor.execute(total_sql, [city.student.pk])
    ok, out = _check()
    assert not ok
    assert f"person {city.student.pk} entry #1: hash_mismatch" in out
    assert "attendance_mismatch" in out  # the attendance still credits 2.0 h


def test_check_finds_an_edited_text_a_deleted_row_and_a_wrong_cached_total(city, serve) -> None:
    serve(city.student, days_ago=4)
    serve(city.student, days_ago=3)
    serve(city.student, days_ago=2)
    LedgerEntry.objects.filter(user=city.student, seq=3).update(activity_title="伪造的活动")
    ok, out = _check()
    assert not ok and "entry #3: hash_mismatch" in out
    LedgerEntry.objects.filter(user=city.student, seq=3).delete()
    ok, out = _check()
    assert "balance_mismatch" in out and "not_in_ledger" in out
    second = LedgerEntry.objects.get(user=city.student, seq=2)
    LedgerEntry.objects.filter(pk=second.pk).update(prev_hash="0" * 64)
    ok, out = _check("--user", str(city.student.pk))
    assert not ok and "entry #2: broken_link" in out


def test_backfill_takes_over_older_attendance_once_with_its_corrections(city, serve) -> None:
    plain = serve(city.student, days_ago=4)
    corrected = serve(city.student, days_ago=2)
    correction = duty.correction_request(
        actor=city.student,
        attendance=corrected,
        new_start=corrected.confirmed_start - timedelta(minutes=60),
        new_end=corrected.confirmed_end,
        reason="提前一小时到岗布置",
    )
    duty.correction_decide(actor=city.staff, correction=correction, approve=True)
    # As if stored before the ledger existed.
    LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).delete()
    LedgerEntry.objects.all().delete()
    HoursBalance.objects.all().delete()
    ok, out = _check()
    assert not ok and out.count("not_in_ledger") == 2
    ok, out = _check("--backfill")
    assert ok, out
    assert "taken over: 2" in out
    entries = list(LedgerEntry.objects.filter(user=city.student).order_by("seq"))
    assert [(e.attendance_id, e.kind, e.hours) for e in entries] == [
        (plain.pk, EntryKind.SERVICE, Decimal("2.0")),
        (corrected.pk, EntryKind.SERVICE, Decimal("2.0")),
        (corrected.pk, EntryKind.REVERSAL, Decimal("-2.0")),
        (corrected.pk, EntryKind.CORRECTION, Decimal("3.0")),
    ]
    assert services.ledger_backfill() == 0
    assert LedgerEntry.objects.count() == 4


def test_concentrated_duty_keeps_its_mode_for_the_transcript(city, serve) -> None:
    serve(city.student, mode=DutyMode.CONCENTRATED, minutes=480)
    entry = LedgerEntry.objects.get(user=city.student)
    assert entry.duty_mode == DutyMode.CONCENTRATED and entry.hours == Decimal("8.0")
    assert entry.organiser_name == "共青团青州学院委员会" and entry.recipient == ""
