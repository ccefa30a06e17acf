"""Reads of duty for the API (duty/api.py) that the pages do not need.

Who sees what is decided in one place, duty/selectors.py (`activities_visible_q`, used here
for activities and shifts); these helpers only shape the API's lists. Anything outside the
caller's view answers 404 `not_found`, exactly as something that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.duty.models import Activity, Attendance, Correction, Shift, SignUp
from qingshe.duty.selectors import activities_visible_q


def activity_list_for_user(
    *, user: Any, mode: str = "", organiser_id: int | None = None, q: str = ""
) -> QuerySet[Activity]:
    """Every activity visible to `user` (past ones too), newest first."""
    qs = Activity.objects.filter(activities_visible_q(user)).select_related("organiser")
    if mode:
        qs = qs.filter(mode=mode)
    if organiser_id is not None:
        qs = qs.filter(organiser_id=organiser_id)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(place__icontains=q))
    return qs.order_by("-created_at", "-pk")


def shifts_with_counts(qs: QuerySet[Shift]) -> QuerySet[Shift]:
    """Shifts annotated with `signed_up` (confirmed) and `waitlisted` counts, in one query."""
    return qs.annotate(
        signed_up=Count("signups", filter=Q(signups__state=SignUp.State.CONFIRMED), distinct=True),
        waitlisted=Count(
            "signups", filter=Q(signups__state=SignUp.State.WAITLISTED), distinct=True
        ),
    )


def shift_list_for_user(*, user: Any, activity: Activity) -> QuerySet[Shift]:
    """The shifts of an activity the caller already sees, with counts and the caller's sign-up."""
    mine = SignUp.objects.filter(
        shift=OuterRef("pk"), user_id=user.pk, state__in=SignUp.LIVE_STATES
    )
    return (
        shifts_with_counts(Shift.objects.filter(activity=activity))
        .annotate(mine=Exists(mine))
        .select_related("leader")
        .order_by("starts_at", "pk")
    )


def shift_visible(*, user: Any, shift_id: int) -> Shift:
    shift = (
        Shift.objects.filter(
            activity__in=Activity.objects.filter(activities_visible_q(user)), pk=shift_id
        )
        .select_related("activity__organiser", "leader")
        .first()
    )
    if shift is None:
        raise NotFound("not_found", _("No such shift."))
    return shift


def my_signups(*, user: Any) -> QuerySet[SignUp]:
    """The caller's sign-ups (all states), latest shift first, with their attendance and, on the
    waitlist, their place in line; one query."""
    attendance = Attendance.objects.filter(shift=OuterRef("shift_id"), user_id=user.pk)
    ahead = (
        SignUp.objects.filter(
            shift=OuterRef("shift_id"),
            state=SignUp.State.WAITLISTED,
            queue_no__lte=OuterRef("queue_no"),
        )
        .order_by()
        .values("shift")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        SignUp.objects.filter(user_id=user.pk)
        .select_related("shift__activity")
        .annotate(
            attendance_id=Subquery(attendance.values("pk")[:1]),
            attendance_state=Subquery(attendance.values("state")[:1]),
            attendance_hours=Subquery(attendance.values("credited_hours")[:1]),
            position=Case(
                When(state=SignUp.State.WAITLISTED, then=Subquery(ahead[:1])),
                default=None,
                output_field=IntegerField(),
            ),
        )
        .order_by("-shift__starts_at", "-pk")
    )


def signups_for_feed(*, user: Any) -> QuerySet[SignUp]:
    """Live sign-ups (signed up or waiting) for the calendar feed."""
    return (
        SignUp.objects.filter(user_id=user.pk, state__in=SignUp.LIVE_STATES)
        .select_related("shift__activity__organiser")
        .order_by("shift__starts_at", "pk")
    )


def _confirmer_q(user: Any) -> Q:
    roles = (
        access.ORG_ACTIONS["attendance.confirm"] | access.ORG_ACTIONS["attendance.confirm_overdue"]
    )
    return access.subtree_q(user, roles, prefix="shift__activity__organiser__")


def attendance_list_for_confirmer(
    *, user: Any, state: str = "", shift_id: int | None = None
) -> QuerySet[Attendance]:
    """Attendance of the shifts whose organiser the caller confirms for; oldest shift first (the
    nearest deadline first)."""
    qs = Attendance.objects.filter(_confirmer_q(user)).select_related(
        "user", "shift__activity__organiser"
    )
    if state:
        qs = qs.filter(state=state)
    if shift_id is not None:
        qs = qs.filter(shift_id=shift_id)
    return qs.order_by("shift__starts_at", "pk")


def attendance_get(*, attendance_id: int) -> Attendance:
    """One attendance by id; the service decides whether the caller may act on it (and answers
    404 to an outsider)."""
    attendance = (
        Attendance.objects.select_related("user", "shift__activity__organiser")
        .filter(pk=attendance_id)
        .first()
    )
    if attendance is None:
        raise NotFound("not_found", _("No such attendance."))
    return attendance


def correction_get(*, correction_id: int) -> Correction:
    correction = (
        Correction.objects.select_related("attendance__shift__activity__organiser")
        .filter(pk=correction_id)
        .first()
    )
    if correction is None:
        raise NotFound("not_found", _("No such correction request."))
    return correction
