"""Background work of programmes: the daily deadline reminders.

`send_deadline_reminders` runs once a day (`qingshe remind`, from cron or a systemd timer). For
each open programme it looks at the three deadlines (pairing, start, typical cases); `reminder_days`
before a deadline, and again on the day itself, it tells each responsible admin what is still
missing. Dates are local (Asia/Shanghai). Running it again on the same day sends nothing new: every
reminder carries a kind keyed by deadline, programme and date, and a person who already holds that
kind is skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import npgettext, pgettext
from django_tasks import task

from qingshe.core import access
from qingshe.core.models import Notification
from qingshe.core.notify import notify
from qingshe.core.timeutil import local_date
from qingshe.orgs.models import Role
from qingshe.programmes.documents import agreement_number
from qingshe.programmes.models import Pairing, Programme
from qingshe.programmes.selectors import DepartmentCompliance, compliance_for_user

REMINDER_KIND = "programme.reminder"
PAIRING, START, CASES = "pairing", "start", "cases"
UNIT_CONFIRMERS = (Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN)
COMMUNITY_CONFIRMERS = (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY)

Line = Callable[[], str]


class _Platform:
    """The reader the task uses for compliance: the platform itself, which sees every
    department of the programme (access.is_platform_staff). It is not a person and holds no
    membership."""

    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = True


def reminder_kind(deadline: str, programme: Programme, day: date) -> str:
    """The idempotency key, e.g. "programme.reminder.pairing.12.20261108" (fits kind's 64)."""
    return f"{REMINDER_KIND}.{deadline}.{programme.pk}.{day:%Y%m%d}"


def _deadlines(programme: Programme) -> list[tuple[str, date]]:
    return [
        (PAIRING, programme.pairing_deadline),
        (START, programme.start_deadline),
        (CASES, programme.case_deadline),
    ]


def _deadline_label(deadline: str) -> str:
    return {
        PAIRING: pgettext("deadline reminder", "the pairing deadline"),
        START: pgettext("deadline reminder", "the deadline for starting the pairings"),
        CASES: pgettext("deadline reminder", "the deadline for typical cases"),
    }[deadline]


def _local(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


# --- what each reminder says (evaluated in the recipient's language) ----------------------------
def _title(programme: Programme, deadline: str, day: date, days_left: int) -> str:
    values = {
        "programme": programme.name,
        "deadline": _deadline_label(deadline),
        "date": _local(day),
    }
    if days_left == 0:
        return (
            pgettext("deadline reminder", "Today is %(deadline)s of %(programme)s (%(date)s)")
            % values
        )
    return npgettext(
        "deadline reminder",
        "%(days)d day to %(deadline)s of %(programme)s (%(date)s)",
        "%(days)d days to %(deadline)s of %(programme)s (%(date)s)",
        days_left,
    ) % {**values, "days": days_left}


def _needed(row: DepartmentCompliance, field: str, met: str, total: int) -> int:
    """How many more branches (or students) bring the department to its quota, by the same rule
    that judges it."""
    have = getattr(row, field)
    for extra in range(0, total - have + 1):
        if getattr(dataclasses.replace(row, **{field: have + extra}), met):
            return extra
    return total - have


def _quota_line(row: DepartmentCompliance) -> str:
    text = pgettext(
        "deadline reminder",
        "%(department)s: branches taking part %(branches)d of %(branches_total)d (%(branch_pct)s%%, "
        "quota %(branch_quota)s%%); students %(students)d of %(students_total)d (%(student_pct)s%%, "
        "quota %(student_quota)s%%).",
    ) % {
        "department": row.department.name,
        "branches": row.branches_taking_part,
        "branches_total": row.branches_total,
        "branch_pct": row.branch_pct,
        "branch_quota": row.branch_quota_pct.normalize(),
        "students": row.students_taking_part,
        "students_total": row.students_total,
        "student_pct": row.student_pct,
        "student_quota": row.student_quota_pct.normalize(),
    }
    missing = []
    if not row.branches_met:
        n = _needed(row, "branches_taking_part", "branches_met", row.branches_total)
        missing.append(
            npgettext("deadline reminder", "%(n)d more branch", "%(n)d more branches", n) % {"n": n}
        )
    if not row.students_met:
        n = _needed(row, "students_taking_part", "students_met", row.students_total)
        missing.append(
            npgettext("deadline reminder", "%(n)d more student", "%(n)d more students", n)
            % {"n": n}
        )
    if len(missing) == 2:
        missing = [
            pgettext("deadline reminder", "%(branches)s and %(students)s")
            % {"branches": missing[0], "students": missing[1]}
        ]
    return pgettext("deadline reminder", "%(figures)s Missing: %(missing)s.") % {
        "figures": text,
        "missing": missing[0],
    }


def _quota_intro(programme: Programme) -> str:
    return pgettext(
        "deadline reminder",
        "These departments are below the quota: by the pairing deadline at least "
        "%(branch_quota)s%% of each department's branches and %(student_quota)s%% of its students "
        "take part.",
    ) % {
        "branch_quota": programme.branch_quota_pct.normalize(),
        "student_quota": programme.student_quota_pct.normalize(),
    }


def _confirm_intro(programme: Programme, day: date) -> str:
    return pgettext(
        "deadline reminder",
        "These pairings are approved but your side has not confirmed the agreement on Qingshe; "
        "they must start by %(date)s:",
    ) % {"date": _local(day)}


def _pairing_line(pairing: Pairing) -> str:
    return pgettext("deadline reminder", "%(unit)s with %(community)s (agreement %(number)s)") % {
        "unit": pairing.unit.name,
        "community": pairing.community.name,
        "number": agreement_number(pairing),
    }


def _cases_intro(programme: Programme, day: date) -> str:
    return npgettext(
        "deadline reminder",
        "Reminder of the requirement: each department submits %(n)d typical case by %(date)s "
        "(a text of about 1,000 characters and 5 photos of at least 1 MB each). This is the "
        "number required, not a count of cases already submitted.",
        "Reminder of the requirement: each department submits %(n)d typical cases by %(date)s "
        "(each a text of about 1,000 characters and 5 photos of at least 1 MB each). This is the "
        "number required, not a count of cases already submitted.",
        programme.cases_per_department,
    ) % {"n": programme.cases_per_department, "date": _local(day)}


def _department_line(row: DepartmentCompliance) -> str:
    return pgettext("deadline reminder", "Department: %(department)s") % {
        "department": row.department.name
    }


# --- who is told what ---------------------------------------------------------------------------
class _Letters:
    """Per recipient, an intro and the lines that concern them (one message each)."""

    def __init__(self, url: str) -> None:
        self.default_url = url
        self.users: dict[int, Any] = {}
        self.lines: dict[int, list[Line]] = {}
        self.links: dict[int, list[str]] = {}

    def add(self, users: Iterable[Any], line: Line, link: str = "") -> None:
        for user in users:
            self.users.setdefault(user.pk, user)
            self.lines.setdefault(user.pk, []).append(line)
            self.links.setdefault(user.pk, []).append(link)

    def url(self, pk: int) -> str:
        """The one page to act on when the message is about one thing, else the overview."""
        links = self.links[pk]
        return links[0] if len(links) == 1 and links[0] else self.default_url


def _collect(programme: Programme, deadline: str, day: date) -> tuple[_Letters, Line]:
    if deadline == START:
        letters = _Letters(f"/programmes/pairings/?programme={programme.pk}&state=approved")
        approved = programme.pairings.filter(state=Pairing.State.APPROVED).select_related(
            "programme", "unit", "community"
        )
        for pairing in approved.order_by("pk"):
            line, link = partial(_pairing_line, pairing), f"/programmes/pairings/{pairing.pk}/"
            if pairing.unit_confirmed_at is None:
                letters.add(access.holders_over(pairing.unit, UNIT_CONFIRMERS), line, link)
            if pairing.community_confirmed_at is None:
                letters.add(
                    access.holders_over(pairing.community, COMMUNITY_CONFIRMERS), line, link
                )
        return letters, partial(_confirm_intro, programme, day)

    letters = _Letters(f"/programmes/{programme.pk}/compliance/")
    compliance = compliance_for_user(user=_Platform(), programme=programme)
    if deadline == PAIRING:
        for row in compliance.departments:
            if not row.met:
                line = partial(_quota_line, row)
                letters.add(access.holders_over(row.department, [Role.DEPARTMENT_ADMIN]), line)
                letters.add(access.holders_over(row.department, [Role.UNIVERSITY_ADMIN]), line)
        return letters, partial(_quota_intro, programme)

    if programme.cases_per_department:
        for row in compliance.departments:
            letters.add(
                access.holders_over(row.department, [Role.DEPARTMENT_ADMIN]),
                partial(_department_line, row),
            )
    return letters, partial(_cases_intro, programme, day)


def _body(intro: Line, lines: list[Line]) -> Callable[[], str]:
    return lambda: "\n".join([intro(), *(f"· {line()}" for line in lines)])


@transaction.atomic
def _remind(programme: Programme, deadline: str, day: date, today: date) -> int:
    kind = reminder_kind(deadline, programme, today)
    letters, intro = _collect(programme, deadline, day)
    already = set(
        Notification.objects.filter(kind=kind, user_id__in=list(letters.users)).values_list(
            "user_id", flat=True
        )
    )
    days_left = (day - today).days
    sent = 0
    for pk, user in letters.users.items():
        if pk in already:
            continue
        notify(
            users=[user],
            kind=kind,
            title=partial(_title, programme, deadline, day, days_left),
            body=_body(intro, letters.lines[pk]),
            url=letters.url(pk),
        )
        sent += 1
    return sent


@task()
def send_deadline_reminders(today_iso: str | None = None) -> dict[str, Any]:
    """Send the reminders due on `today_iso` (default: today in local time). Returns what was
    sent: {"date": "2026-11-08", "notifications": 3, "reminders": ["pairing.12", …]}."""
    today = date.fromisoformat(today_iso) if today_iso else local_date(timezone.now())
    sent, due = 0, []
    for programme in (
        Programme.objects.filter(state=Programme.State.OPEN).select_related("owner").order_by("pk")
    ):
        for deadline, day in _deadlines(programme):
            if (day - today).days not in {programme.reminder_days, 0}:
                continue
            due.append(f"{deadline}.{programme.pk}")
            sent += _remind(programme, deadline, day, today)
    return {"date": today.isoformat(), "notifications": sent, "reminders": due}
