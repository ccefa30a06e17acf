"""The records behind each number of a dashboard: the raw rows that naive.py counts, listed.

Each figure names its query (the same as the naive aggregate's, so the list and the number agree
with the records) and how one row reads; a row links to the record's own page where it has one.
People are shown by name only (no phone, no ID number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qingshe.orgs.models import Organisation
from qingshe.reports.dashboard import naive
from qingshe.reports.dashboard.periods import Period
from qingshe.reports.dashboard.refresh import SKILLED_KINDS

Row = tuple[list[Any], str | None]


@dataclass(frozen=True)
class RecordList:
    title: str | Promise
    columns: tuple[str | Promise, ...]
    queryset: Callable[[Organisation, Period, date], QuerySet[Any]]
    row: Callable[[Any], Row]


def _person(user: Any) -> str:
    return str(user)


def _ledger(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    return naive.ledger_qs(org, period).select_related("user").order_by("-service_date", "-pk")


def _ledger_row(e: Any) -> Row:
    return [
        e.service_date,
        _person(e.user),
        e.activity_title,
        e.organiser_name,
        e.get_kind_display(),
        e.hours,
    ], None


def _volunteers(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    from qingshe.accounts.models import User

    ids = naive.ledger_qs(org, period).exclude(kind="reversal").values("user_id")
    return User.objects.filter(pk__in=ids).select_related("student__branch").order_by("pk")


def _volunteer_row(u: Any) -> Row:
    student = getattr(u, "student", None)
    return [
        _person(u),
        student.major if student else "",
        student.branch.display_name if student else "",
    ], None


def _teams(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    ids = (
        naive.ledger_qs(org, period)
        .exclude(kind="reversal")
        .filter(user__student__isnull=False)
        .values("user__student__branch_id")
    )
    return Organisation.objects.filter(pk__in=ids).select_related("parent").order_by("path")


def _team_row(o: Any) -> Row:
    return [o.display_name, o.parent.display_name if o.parent else ""], None


def _events(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    from qingshe.duty.models import Shift

    ids = (
        naive.ledger_qs(org, period)
        .exclude(kind="reversal")
        .filter(attendance__isnull=False)
        .values("attendance__shift_id")
    )
    return (
        Shift.objects.filter(pk__in=ids)
        .select_related("activity__organiser")
        .order_by("-starts_at")
    )


def _event_row(s: Any) -> Row:
    from django.utils import timezone

    return (
        [
            timezone.localtime(s.starts_at).strftime("%Y-%m-%d %H:%M"),
            s.activity.title,
            s.activity.organiser.display_name,
        ],
        reverse("duty:shift", args=[s.pk]),
    )


def _records(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    return (
        naive.service_records_qs(org, period)
        .select_related("pairing__unit", "pairing__community")
        .order_by("-held_on")
    )


def _record_row(r: Any) -> Row:
    return (
        [
            r.held_on,
            r.title,
            f"{r.pairing.unit.display_name} ⇄ {r.pairing.community.display_name}",
            r.participants,
        ],
        reverse("programmes:pairing", args=[r.pairing_id]),
    )


def _need_row(n: Any) -> Row:
    from django.utils import timezone

    return (
        [
            timezone.localtime(n.created_at).strftime("%Y-%m-%d"),
            n.title,
            n.community.display_name,
            n.get_work_kind_display(),
            n.get_state_display(),
        ],
        reverse("needs:detail", args=[n.pk]),
    )


def _needs(
    qs: Callable[[Organisation, Period, date], QuerySet[Any]],
) -> Callable[[Organisation, Period, date], QuerySet[Any]]:
    def query(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
        return qs(org, period, today).select_related("community").order_by("-created_at", "-pk")

    return query


def _open(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    from qingshe.needs.models import Need

    return naive.needs_qs(org).filter(state__in=Need.OPEN_STATES)


def _transfers(kinds: tuple[str, ...]) -> Callable[[Organisation, Period, date], QuerySet[Any]]:
    def query(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
        return naive.transfers_qs(org, period).filter(kind__in=kinds).order_by("-created_at", "-pk")

    return query


def _transfer_row(t: Any) -> Row:
    from django.utils import timezone

    sign = -1 if t.kind in ("reversal", "cancellation") else 1
    return [
        timezone.localtime(t.created_at).strftime("%Y-%m-%d"),
        t.get_kind_display(),
        t.reason,
        sign * t.amount,
    ], None


def _pairings(idle: bool) -> Callable[[Organisation, Period, date], QuerySet[Any]]:
    def query(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
        qs = naive.pairings_active_qs(org).select_related("unit", "community", "programme")
        if idle:
            qs = qs.exclude(pk__in=naive.busy_pairing_ids(period))
        return qs.order_by("pk")

    return query


def _pairing_row(p: Any) -> Row:
    return (
        [p.programme.name, p.unit.display_name, p.community.display_name, p.term_start, p.term_end],
        reverse("programmes:pairing", args=[p.pk]),
    )


def _featured(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    from qingshe.reports.models import TypicalCase

    return (
        TypicalCase.objects.filter(
            department__path__startswith=org.path,
            state=TypicalCase.State.FEATURED,
            reviewed_at__gte=period.start,
            reviewed_at__lt=period.end,
        )
        .select_related("department", "project")
        .order_by("-reviewed_at", "-pk")
    )


def _featured_row(case: Any) -> Row:
    from django.utils import timezone

    return (
        [
            timezone.localtime(case.reviewed_at).strftime("%Y-%m-%d"),
            case.title,
            case.department.display_name,
            case.project.name if case.project else "",
        ],
        reverse("reports:featured_detail", args=[case.pk]),
    )


def _models(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    from qingshe.credit.models import Commendation
    from qingshe.orgs.models import OrgKind

    return (
        Commendation.objects.filter(
            team__kind=OrgKind.COMMUNITY,
            team__path__startswith=org.path,
            period_end__gte=period.first,
            period_start__lt=period.end_day,
        )
        .select_related("team", "org")
        .order_by("-period_end", "-pk")
    )


def _model_row(c: Any) -> Row:
    return [
        c.team.display_name,
        c.title,
        c.org.display_name,
        f"{c.period_start} – {c.period_end}",
    ], None


def _council(org: Organisation, period: Period, today: date) -> QuerySet[Any]:
    """The council's resolutions, the same rows as selectors.council_resolved counts; none while
    the council app has no models (it is built alongside)."""
    try:
        from qingshe.council.models import Resolution
    except ImportError:
        return Organisation.objects.none()
    return (
        Resolution.objects.filter(
            meeting__community__path__startswith=org.path,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .select_related("meeting__community", "item__need")
        .order_by("-created_at", "-pk")
    )


def _council_row(r: Any) -> Row:
    return (
        [
            r.meeting.held_on,
            r.meeting.community.display_name,
            r.item.need.title,
            r.get_kind_display(),
        ],
        reverse("council:meeting", args=[r.meeting_id]),
    )


NEED_COLUMNS = (_("received"), _("need"), _("community"), _("kind of work"), _("state"))
RECORDS: dict[str, RecordList] = {
    "hours": RecordList(
        _("Hours ledger entries"),
        (_("date"), _("person"), _("activity"), _("organiser"), _("kind"), _("hours")),
        _ledger,
        _ledger_row,
    ),
    "volunteers": RecordList(
        _("Volunteers involved"),
        (_("person"), _("major"), _("class branch")),
        _volunteers,
        _volunteer_row,
    ),
    "teams": RecordList(
        _("Teams involved"), (_("class branch"), _("department")), _teams, _team_row
    ),
    "events": RecordList(
        _("Shifts held"), (_("starts at"), _("activity"), _("organiser")), _events, _event_row
    ),
    "service_records": RecordList(
        _("Services recorded under pairings"),
        (_("held on"), _("what was done"), _("pairing"), _("participants")),
        _records,
        _record_row,
    ),
    "needs_received": RecordList(
        _("Needs received"),
        NEED_COLUMNS,
        _needs(lambda o, p, t: naive.needs_received_qs(o, p)),
        _need_row,
    ),
    "needs_labour": RecordList(
        _("Labour needs received"),
        NEED_COLUMNS,
        _needs(lambda o, p, t: naive.needs_received_qs(o, p).exclude(work_kind__in=SKILLED_KINDS)),
        _need_row,
    ),
    "needs_skilled": RecordList(
        _("Skilled needs received"),
        NEED_COLUMNS,
        _needs(lambda o, p, t: naive.needs_received_qs(o, p).filter(work_kind__in=SKILLED_KINDS)),
        _need_row,
    ),
    "needs_solved": RecordList(
        _("Needs solved (verified)"),
        NEED_COLUMNS,
        _needs(lambda o, p, t: naive.needs_solved_qs(o, p)),
        _need_row,
    ),
    "resident_visits": RecordList(
        _("Residents served (verified orders of residents)"),
        NEED_COLUMNS,
        _needs(lambda o, p, t: naive.needs_solved_qs(o, p).filter(reporter__isnull=False)),
        _need_row,
    ),
    "needs_open": RecordList(_("Open needs"), NEED_COLUMNS, _needs(_open), _need_row),
    "points_issued": RecordList(
        _("Points issued"),
        (_("date"), _("kind"), _("reason"), _("points")),
        _transfers(("award_hours", "award_need", "award_commendation", "reversal")),
        _transfer_row,
    ),
    "points_redeemed": RecordList(
        _("Points redeemed"),
        (_("date"), _("kind"), _("reason"), _("points")),
        _transfers(("redemption", "cancellation")),
        _transfer_row,
    ),
    "featured_cases": RecordList(
        _("Featured cases"),
        (_("featured on"), _("title"), _("department"), _("project")),
        _featured,
        _featured_row,
    ),
    "featured_projects": RecordList(
        _("Featured cases"),
        (_("featured on"), _("title"), _("department"), _("project")),
        _featured,
        _featured_row,
    ),
    "model_communities": RecordList(
        _("Model communities (commended)"),
        (_("community"), _("honour"), _("commended by"), _("period")),
        _models,
        _model_row,
    ),
    "council": RecordList(
        _("Council items resolved"),
        (_("meeting"), _("community"), _("need"), _("decision")),
        _council,
        _council_row,
    ),
    "pairings_active": RecordList(
        _("Active pairings"),
        (
            _("programme"),
            _("university side"),
            _("community side"),
            _("term from"),
            _("term until"),
        ),
        _pairings(False),
        _pairing_row,
    ),
    "pairings_idle": RecordList(
        _("Idle pairings (no event in the last two months of the period)"),
        (
            _("programme"),
            _("university side"),
            _("community side"),
            _("term from"),
            _("term until"),
        ),
        _pairings(True),
        _pairing_row,
    ),
}
