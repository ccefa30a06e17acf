"""Demo step "credit" (after "duty"): the demo city's volunteer records.

- The hours ledger holds every confirmed attendance of the duty step, corrections as a reversal
  plus a new entry: posted by duty's confirmation itself, and by the take-over
  (services.ledger_backfill) for anything confirmed without it. Either way the result is the
  same, and `qingshe check-ledgers` finds no difference in a fresh demo.
- The `student` login has an award (优秀志愿者, from the department committee), an evaluation
  (优秀, four stars) and a certificate of volunteer service for this academic year; a second
  student of the same branch has one issued by `department_admin`.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from qingshe.core.errors import ServiceError
from qingshe.credit import services
from qingshe.credit.models import (
    Award,
    Certificate,
    EntryKind,
    Evaluation,
    ExportJob,
    HoursBalance,
    LedgerEntry,
    Rating,
)
from qingshe.demo.context import DemoContext
from qingshe.duty.demo import _on_day


def build(ctx: DemoContext) -> None:
    posted = services.ledger_backfill()
    if posted:
        ctx.log(f"credit: {posted} attendances taken over into the ledger")
    student = ctx.logins["student"]
    dept_admin = ctx.logins["department_admin"]
    department = ctx.extra["login_branch"].parent
    today = ctx.today
    year_start = date(ctx.academic_year, 9, 1)
    with _on_day(today):  # the services' "not in the future" checks on the demo's calendar
        _record(ctx, student, dept_admin, department, year_start)
    for person, actor, start in (
        (student, student, year_start),
        (_classmate(ctx), dept_admin, today - timedelta(days=365)),
    ):
        if person is None:
            continue
        try:
            with _on_day(today):
                services.certificate_issue(
                    actor=actor, user=person, period_start=start, period_end=today
                )
        except ServiceError:
            continue  # no confirmed hours in that period


def _record(ctx: DemoContext, student, dept_admin, department, year_start: date) -> None:  # type: ignore[no-untyped-def]
    today = ctx.today
    services.award_record(
        actor=dept_admin,
        user=student,
        org=department,
        name="优秀青年志愿者",
        granted_on=min(today, year_start + timedelta(days=75)),
        granting_body=department.name,
    )
    services.evaluation_record(
        actor=dept_admin,
        user=student,
        org=department,
        rating=Rating.EXCELLENT,
        evaluated_on=today - timedelta(days=3),
        star_level=4,
        note="服务认真，居民评价好。",
    )


def _classmate(ctx: DemoContext):  # type: ignore[no-untyped-def]
    """The first student of the logins' branch with hours in the ledger (not the login)."""
    branch = ctx.extra["login_branch"]
    mates = [u for u in ctx.people["students"] if ctx.extra["student_branch"].get(u.pk) == branch]
    with_hours = set(
        LedgerEntry.objects.filter(user__in=mates).values_list("user_id", flat=True).distinct()
    )
    return next((u for u in mates if u.pk in with_hours), None)


def reset() -> None:
    """The ledger PROTECTs the demo's people and attendance: remove the demo city's records first
    (before duty's reset removes the attendance)."""
    from qingshe.demo.builder import demo_city, demo_users_q

    city = demo_city()
    people = Q(user__in=_people(demo_users_q()))
    ExportJob.objects.filter(org__path__startswith=city.path if city else "/none/").delete()
    Certificate.objects.filter(people).delete()
    Award.objects.filter(people).delete()
    Evaluation.objects.filter(people).delete()
    LedgerEntry.objects.filter(people, kind=EntryKind.REVERSAL).delete()
    LedgerEntry.objects.filter(people).delete()
    HoursBalance.objects.filter(people).delete()


def _people(q: Q):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(q).values("pk")
