"""Records for the dashboard tests, written straight to the tables (the services that write them
are other apps' and tested there): a student of the city fixture's branch serves 3 hours at the
community in October 2026, another 2 hours in a shift of a pairing; the community receives a
skilled need (verified) and a labour need (still open)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from qingshe.reports.dashboard.refresh import refresh_rollups

TODAY = date(2026, 11, 22)
_seq = count(1)


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def serve(c: Any, user: Any, day: date, hours: str, *, pairing: Any = None) -> Any:
    from qingshe.credit.models import LedgerEntry
    from qingshe.duty.models import Activity, Attendance, Shift

    activity = Activity.objects.create(
        title=f"社区服务{day}", organiser=c.community, pairing=pairing
    )
    shift = Shift.objects.create(
        activity=activity, starts_at=at(day), ends_at=at(day, 12), capacity=5, qr_secret="x"
    )
    attendance = Attendance.objects.create(
        shift=shift,
        user=user,
        state=Attendance.State.CONFIRMED,
        checkin_at=at(day),
        checkin_method="qr",
        credited_hours=Decimal(hours),
    )
    n = next(_seq)
    return LedgerEntry.objects.create(
        user=user,
        seq=n,
        kind="service",
        hours=Decimal(hours),
        attendance=attendance,
        service_date=day,
        activity_title=activity.title,
        organiser=c.community,
        organiser_name=c.community.name,
        recorded_at=at(day, 13),
        hash=f"{n:064d}",
    )


def build(c: Any) -> Any:
    from qingshe.accounts.models import StudentProfile
    from qingshe.needs.models import Need, NeedEvent

    StudentProfile.objects.create(
        user=c.student,
        university=c.university,
        department=c.department,
        branch=c.branch,
        major="社会工作",
        grade=2024,
    )
    serve(c, c.student, date(2026, 10, 10), "3.0")
    serve(c, c.student, date(2026, 9, 12), "2.0")
    skilled = Need.objects.create(
        community=c.community,
        reporter=c.resident,
        title="老人智能手机教学",
        project_type="governance",
        service_field="technology",
        work_kind="skilled",
        majors=["计算机", "社会工作"],
        state="verified",
    )
    Need.objects.filter(pk=skilled.pk).update(created_at=at(date(2026, 10, 3)))
    NeedEvent.objects.create(
        need=skilled, from_state="claimed_done", to_state="verified", at=at(date(2026, 10, 20))
    )
    labour = Need.objects.create(
        community=c.community,
        title="楼道清扫",
        project_type="governance",
        service_field="ecology",
        work_kind="labour",
        state="submitted",
    )
    Need.objects.filter(pk=labour.pk).update(created_at=at(date(2026, 11, 1)))
    _council(c, labour)
    refresh_rollups(full=True)
    return c


def _council(c: Any, need: Any) -> None:
    """The youth council decides on the labour need in October (read only when its app exists)."""
    try:
        from qingshe.council.models import ListItem, Meeting, MonthlyList, Resolution
    except ImportError:
        return
    agenda = MonthlyList.objects.create(
        community=c.community, month=date(2026, 10, 1), state="final"
    )
    item = ListItem.objects.create(monthly_list=agenda, need=need, rank=1)
    meeting = Meeting.objects.create(
        community=c.community, agenda=agenda, title="十月议事会", held_on=date(2026, 10, 28)
    )
    resolution = Resolution.objects.create(
        meeting=meeting, item=item, kind="refer", refer_to="街道城管科"
    )
    Resolution.objects.filter(pk=resolution.pk).update(created_at=at(date(2026, 10, 28), 20))
