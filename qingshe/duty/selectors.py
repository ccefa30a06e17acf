"""Every read of duty that depends on who asks.

Who sees an activity (the rule, one place):
  * a published activity is visible to a person when its organiser is an organisation the person
    may see through `access.orgs_visible_q` (the subtrees of their memberships and the ancestors
    of those: a student sees the activities of their branch, department, university and city
    committee), or when its organiser is a community paired with one of the person's
    organisations or their ancestors (a branch, or its department) by a `programmes.Pairing` in
    the approved or active state, or when the activity is linked to such a pairing;
  * an activity of any state is visible to whoever may manage activities of its organiser
    (`activity.manage`) or confirm its attendance (`attendance.confirm`);
  * an activity stays visible to the people signed up for one of its shifts and to its leaders.
Everyone else gets NotFound, the same as for a missing activity.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access, sql
from qingshe.core.errors import NotFound
from qingshe.duty.models import (
    Activity,
    Attendance,
    Correction,
    InsurancePolicy,
    Shift,
    SignUp,
    TrainingCourse,
    TrainingRecord,
)
from qingshe.orgs.models import Organisation

PAIRING_STATES = ("approved", "active")


def _chain_ids(user: Any) -> set[int]:
    """The organisations of `user`'s memberships and their ancestors."""
    ids: set[int] = set()
    for g in access.grants(user):
        ids.update(int(part) for part in g.path.strip("/").split("/") if part)
    return ids


def _paired_community_ids(user: Any) -> QuerySet[Any]:
    from qingshe.programmes.models import Pairing

    return Pairing.objects.filter(unit_id__in=_chain_ids(user), state__in=PAIRING_STATES).values(
        "community_id"
    )


def activities_visible_q(user: Any) -> Q:
    """The rule of the module docstring as a filter on Activity."""
    if access.is_platform_staff(user):
        return Q()
    from qingshe.programmes.models import Pairing

    visible_orgs = Organisation.objects.filter(access.orgs_visible_q(user)).values("pk")
    chain = _chain_ids(user)
    published = Q(state=Activity.State.PUBLISHED) & (
        Q(organiser_id__in=visible_orgs)
        | Q(organiser_id__in=_paired_community_ids(user))
        | Q(
            pairing__in=Pairing.objects.filter(unit_id__in=chain, state__in=PAIRING_STATES).values(
                "pk"
            )
        )
    )
    stewards = access.subtree_q(
        user,
        access.ORG_ACTIONS["activity.manage"] | access.ORG_ACTIONS["attendance.confirm"],
        prefix="organiser__",
    )
    mine = Q(pk__in=SignUp.objects.filter(user_id=user.pk).values("shift__activity_id")) | Q(
        pk__in=Shift.objects.filter(leader_id=user.pk).values("activity_id")
    )
    return published | stewards | mine


def activity_list_for_user(
    *, user: Any, mode: str = "", upcoming_only: bool = True
) -> QuerySet[Activity]:
    """Visible activities, those with a shift still to come first (soonest first)."""
    qs = Activity.objects.filter(activities_visible_q(user)).select_related("organiser")
    if mode:
        qs = qs.filter(mode=mode)
    now = timezone.now()
    qs = qs.annotate(
        next_start=_min_upcoming(now),
        shift_count=Count("shifts", filter=Q(shifts__ends_at__gte=now), distinct=True),
    )
    if upcoming_only:
        qs = qs.filter(shifts__ends_at__gte=now).distinct()
    return qs.order_by("next_start", "-created_at")


def _min_upcoming(now: datetime) -> Any:
    from django.db.models import Min

    return Min("shifts__starts_at", filter=Q(shifts__ends_at__gte=now))


def activity_get_for_user(*, user: Any, activity_id: int) -> Activity:
    activity = (
        Activity.objects.filter(activities_visible_q(user), pk=activity_id)
        .select_related("organiser", "pairing__unit", "pairing__community")
        .prefetch_related("required_courses")
        .first()
    )
    if activity is None:
        raise NotFound("not_found", _("No such activity."))
    return activity


def activity_can_manage(*, user: Any, activity: Activity) -> bool:
    return access.can(user, "activity.manage", activity.organiser)


def shifts_of_activity(*, activity: Activity, user: Any) -> list[Shift]:
    """The activity's shifts with their counts and the viewer's own sign-up (`my_signup`) and
    attendance (`my_attendance`): a constant number of queries."""
    shifts = list(
        activity.shifts.annotate(
            confirmed_n=Count(
                "signups", filter=Q(signups__state=SignUp.State.CONFIRMED), distinct=True
            ),
            waitlist_n=Count(
                "signups", filter=Q(signups__state=SignUp.State.WAITLISTED), distinct=True
            ),
        )
        .select_related("leader")
        .order_by("starts_at")
    )
    _attach_mine(shifts, user)
    return shifts


def _attach_mine(shifts: list[Shift], user: Any) -> None:
    ids = [s.pk for s in shifts]
    signups = {
        s.shift_id: s
        for s in SignUp.objects.filter(
            shift_id__in=ids, user_id=user.pk, state__in=SignUp.LIVE_STATES
        )
    }
    attendances = {
        a.shift_id: a for a in Attendance.objects.filter(shift_id__in=ids, user_id=user.pk)
    }
    for shift in shifts:
        shift.my_signup = signups.get(shift.pk)  # type: ignore[attr-defined]
        shift.my_attendance = attendances.get(shift.pk)  # type: ignore[attr-defined]
        if shift.my_signup and shift.my_signup.state == SignUp.State.WAITLISTED:  # type: ignore[attr-defined]
            shift.my_place_in_line = SignUp.objects.filter(  # type: ignore[attr-defined]
                shift_id=shift.pk,
                state=SignUp.State.WAITLISTED,
                queue_no__lte=shift.my_signup.queue_no,  # type: ignore[attr-defined]
            ).count()


def shift_get_for_user(*, user: Any, shift_id: int) -> Shift:
    """A shift of an activity visible to `user`, with its counts and the viewer's own records."""
    shift = (
        Shift.objects.filter(
            pk=shift_id, activity__in=Activity.objects.filter(activities_visible_q(user))
        )
        .annotate(
            confirmed_n=Count(
                "signups", filter=Q(signups__state=SignUp.State.CONFIRMED), distinct=True
            ),
            waitlist_n=Count(
                "signups", filter=Q(signups__state=SignUp.State.WAITLISTED), distinct=True
            ),
        )
        .select_related("activity__organiser", "leader")
        .first()
    )
    if shift is None:
        raise NotFound("not_found", _("No such shift."))
    _attach_mine([shift], user)
    return shift


def shift_can_lead(*, user: Any, shift: Shift) -> bool:
    return user.pk == shift.leader_id or access.can(
        user, "activity.manage", shift.activity.organiser
    )


def shift_get_for_leader(*, user: Any, shift_id: int) -> Shift:
    """The leader's view of a shift: its leader and the organiser's stewards, else NotFound."""
    shift = (
        Shift.objects.filter(pk=shift_id).select_related("activity__organiser", "leader").first()
    )
    if shift is None or not shift_can_lead(user=user, shift=shift):
        raise NotFound("not_found", _("No such shift."))
    return shift


def shift_roster(*, shift: Shift) -> list[dict[str, Any]]:
    """Everyone signed up or waitlisted, with their attendance: a row per person, in line order."""
    signups = list(
        SignUp.objects.filter(shift=shift, state__in=SignUp.LIVE_STATES)
        .select_related("user")
        .order_by("state", "queue_no")
    )
    attendances = {
        a.user_id: a for a in Attendance.objects.filter(shift=shift).select_related("user")
    }
    rows = [
        {"signup": s, "user": s.user, "attendance": attendances.pop(s.user_id, None)}
        for s in signups
    ]
    # Attendance of someone whose sign-up was cancelled afterwards still shows.
    rows += [{"signup": None, "user": a.user, "attendance": a} for a in attendances.values()]
    return rows


def my_shifts(*, user: Any, since: datetime | None = None) -> QuerySet[SignUp]:
    """The person's live sign-ups for shifts not yet over, soonest first."""
    since = since or timezone.now()
    return (
        SignUp.objects.filter(user=user, state__in=SignUp.LIVE_STATES, shift__ends_at__gte=since)
        .select_related("shift__activity__organiser")
        .order_by("shift__starts_at")
    )


@functools.cache
def _my_shift_rows_sql() -> str:
    def col(model: Any, name: str) -> str:
        return sql.column(model, name, qualified=True)

    def join(model: Any, on: str) -> str:
        return f"INNER JOIN {sql.table(model)} ON ({on} = {col(model, 'id')}) "

    # Names from the models' meta; the values are parameters.
    states = ", ".join(["%s"] * len(SignUp.LIVE_STATES))
    fields = [(Shift, "id"), (Shift, "starts_at"), (Shift, "ends_at"), (Activity, "title"),
              (Activity, "place"), (Organisation, "short_name"), (Organisation, "name"), (SignUp, "state")]  # fmt: skip
    select = "SELECT " + ", ".join(col(m, f) for m, f in fields)
    tables = (
        f" FROM {sql.table(SignUp)} "  # noqa: S608
        + join(Shift, col(SignUp, "shift"))
        + join(Activity, col(Shift, "activity"))
        + join(Organisation, col(Activity, "organiser"))
    )
    where = (
        f"WHERE ({col(SignUp, 'user')} = %s AND {col(SignUp, 'state')} IN ({states}) "
        f"AND {col(Shift, 'ends_at')} >= %s) ORDER BY {col(Shift, 'starts_at')} ASC LIMIT %s"
    )
    return select + tables + where


def my_shift_rows(
    *, user: Any, since: datetime | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """`my_shifts` as plain rows with only what the agenda page shows: shift_id, starts_at,
    ends_at, title, place, organiser (its display name), state. One fixed statement (every
    student's page, issue 11: building the ORM query cost many times running it); the times
    come back as the ORM gives them (the backend's converters of DateTimeField)."""
    since = since or timezone.now()
    ops = connection.ops
    field = Shift._meta.get_field("starts_at")
    expression = field.get_col(Shift._meta.db_table)
    converters = [*ops.get_db_converters(expression), *field.get_db_converters(connection)]

    def moment(value: Any) -> Any:
        for convert in converters:
            value = convert(value, expression, connection)
        return value

    params = [
        user.pk,
        *(state.value for state in SignUp.LIVE_STATES),
        ops.adapt_datetimefield_value(since),
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_my_shift_rows_sql(), params)
        rows = cursor.fetchall()
    return [
        {"shift_id": shift_id, "starts_at": moment(starts), "ends_at": moment(ends), "title": title,
         "place": place, "organiser": short_name or name, "state": state}
        for shift_id, starts, ends, title, place, short_name, name, state in rows
    ]  # fmt: skip


def shifts_led_between(*, user: Any, start: datetime, end: datetime) -> QuerySet[Shift]:
    return (
        Shift.objects.filter(leader=user, starts_at__lt=end, ends_at__gt=start)
        .exclude(activity__state=Activity.State.CANCELLED)
        .select_related("activity")
        .order_by("starts_at")
    )


# --- hours --------------------------------------------------------------------------------------
def my_attendance(*, user: Any) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(user=user)
        .select_related("shift__activity__organiser")
        .prefetch_related(
            Prefetch("corrections", queryset=Correction.objects.order_by("-created_at"))
        )
        .order_by("-checkin_at")
    )


def my_hours_total(*, user: Any) -> Any:
    """Credited hours are the sum over confirmed attendance (never a stored balance)."""
    from decimal import Decimal

    total = Attendance.objects.filter(user=user, state=Attendance.State.CONFIRMED).aggregate(
        t=Sum("credited_hours")
    )["t"]
    return total or Decimal("0.0")


def my_attendance_get(*, user: Any, attendance_id: int) -> Attendance:
    attendance = (
        Attendance.objects.filter(pk=attendance_id, user=user)
        .select_related("shift__activity__organiser")
        .first()
    )
    if attendance is None:
        raise NotFound("not_found", _("No such attendance."))
    return attendance


# --- confirmation -------------------------------------------------------------------------------
def _confirm_q(user: Any) -> Q:
    return access.subtree_q(
        user, access.ORG_ACTIONS["attendance.confirm"], prefix="shift__activity__organiser__"
    )


def attendance_to_confirm(*, user: Any) -> QuerySet[Attendance]:
    """Attendance awaiting confirmation at organisers where `user` confirms, oldest shift first."""
    if not access.is_platform_staff(user) and not access.has_role(
        user, access.ORG_ACTIONS["attendance.confirm"]
    ):
        return Attendance.objects.none()
    return (
        Attendance.objects.filter(_confirm_q(user), state=Attendance.State.PENDING)
        .select_related("shift__activity__organiser", "user")
        .order_by("shift__starts_at", "shift_id", "checkin_at")
    )


def attendance_get_for_confirmer(*, user: Any, attendance_id: int) -> Attendance:
    attendance = None
    if access.is_platform_staff(user) or access.has_role(
        user, access.ORG_ACTIONS["attendance.confirm"]
    ):
        attendance = (
            Attendance.objects.filter(_confirm_q(user), pk=attendance_id)
            .select_related("shift__activity__organiser", "user")
            .first()
        )
    if attendance is None:
        raise NotFound("not_found", _("No such attendance."))
    return attendance


def corrections_to_decide(*, user: Any) -> QuerySet[Correction]:
    if not access.is_platform_staff(user) and not access.has_role(
        user, access.ORG_ACTIONS["attendance.confirm"]
    ):
        return Correction.objects.none()
    return (
        Correction.objects.filter(
            access.subtree_q(
                user,
                access.ORG_ACTIONS["attendance.confirm"],
                prefix="attendance__shift__activity__organiser__",
            ),
            state=Correction.State.PENDING,
        )
        .select_related("attendance__shift__activity", "attendance__user", "requested_by")
        .order_by("created_at")
    )


def correction_get_for_confirmer(*, user: Any, correction_id: int) -> Correction:
    correction = corrections_to_decide(user=user).filter(pk=correction_id).first()
    if correction is None:
        raise NotFound("not_found", _("No such correction request."))
    return correction


# --- organisers, training and insurance ---------------------------------------------------------
def organisers_for_user(*, user: Any, action: str = "activity.manage") -> QuerySet[Organisation]:
    """Organisations where `user` may do `action` (their subtrees), by tree order."""
    if not access.is_platform_staff(user) and not access.has_role(user, access.ORG_ACTIONS[action]):
        return Organisation.objects.none()
    return Organisation.objects.filter(access.subtree_q(user, access.ORG_ACTIONS[action])).order_by(
        "path"
    )


def courses_for_user(*, user: Any) -> QuerySet[TrainingCourse]:
    """Courses the person may manage (record completions for)."""
    if not access.is_platform_staff(user) and not access.has_role(
        user, access.ORG_ACTIONS["training.manage"]
    ):
        return TrainingCourse.objects.none()
    return (
        TrainingCourse.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["training.manage"], prefix="org__")
        )
        .select_related("org")
        .annotate(record_n=Count("records"))
        .order_by("name")
    )


def course_get_for_manager(*, user: Any, course_id: int) -> TrainingCourse:
    course = courses_for_user(user=user).filter(pk=course_id).first()
    if course is None:
        raise NotFound("not_found", _("No such course."))
    return course


def courses_selectable_for(*, organiser: Organisation) -> QuerySet[TrainingCourse]:
    """Courses an activity of `organiser` may require: those of the organiser and its ancestors."""
    return TrainingCourse.objects.filter(
        org_id__in=[*organiser.ancestor_ids(), organiser.pk]
    ).order_by("name")


def person_in_scope(*, user: Any, identifier: str) -> Any:
    """A person by volunteer number or mobile number, among the people `user` looks after."""
    identifier = (identifier or "").strip().replace(" ", "")
    if not identifier:
        return None
    User = get_user_model()
    return (
        User.objects.filter(access.people_q(user, "person.view"), is_active=True)
        .filter(
            Q(volunteer_no=identifier)
            | Q(phone=identifier)
            | Q(phone=identifier.removeprefix("+86"))
        )
        .first()
    )


def people_by_volunteer_no(*, user: Any, numbers: list[str]) -> tuple[list[Any], list[str]]:
    """The people of `numbers` that `user` looks after, and the numbers not found among them."""
    wanted = [n.strip() for n in numbers if n.strip()]
    User = get_user_model()
    found = {
        u.volunteer_no: u
        for u in User.objects.filter(
            access.people_q(user, "person.view"), volunteer_no__in=wanted, is_active=True
        )
    }
    return [found[n] for n in dict.fromkeys(wanted) if n in found], [
        n for n in dict.fromkeys(wanted) if n not in found
    ]


def policies_for_user(*, user: Any) -> QuerySet[InsurancePolicy]:
    roles = access.ORG_ACTIONS["org.manage"] | access.ORG_ACTIONS["activity.manage"]
    if not access.is_platform_staff(user) and not access.has_role(user, roles):
        return InsurancePolicy.objects.none()
    return (
        InsurancePolicy.objects.filter(access.subtree_q(user, roles, prefix="holder__"))
        .select_related("holder")
        .annotate(covered_n=Count("covered"))
        .order_by("-valid_to")
    )


def pairings_for_organiser_user(*, user: Any) -> QuerySet[Any]:
    """Approved or active pairings whose community side is an organisation `user` organises for."""
    from qingshe.programmes.models import Pairing

    orgs = organisers_for_user(user=user)
    return (
        Pairing.objects.filter(community__in=orgs.values("pk"), state__in=PAIRING_STATES)
        .select_related("unit", "community")
        .order_by("community__name")
    )


def leader_candidates(*, user: Any, activity: Any) -> QuerySet[Any]:
    """Who may lead a shift of `activity`: someone `user` looks after, a member of a university
    unit paired (approved or active) with the organiser — typically the paired branch's
    secretary — or someone already signed up for the activity. One rule for pages and API."""
    from qingshe.orgs.models import Membership
    from qingshe.programmes.models import Pairing

    allowed = access.people_q(user, "person.view") | Q(
        pk__in=SignUp.objects.filter(shift__activity=activity, state__in=SignUp.LIVE_STATES).values(
            "user_id"
        )
    )
    paths = list(
        Pairing.objects.filter(community=activity.organiser, state__in=PAIRING_STATES).values_list(
            "unit__path", flat=True
        )
    )
    if paths:
        in_units = Q()
        for path in paths:
            in_units |= Q(org__path__startswith=path)
        allowed |= Q(pk__in=Membership.objects.filter(in_units, is_active=True).values("user_id"))
    return get_user_model().objects.filter(allowed, is_active=True)


def leader_candidate(*, user: Any, activity: Any, identifier: str) -> Any:
    """A shift leader typed as a volunteer number or a mobile number (with or without +86)."""
    identifier = (identifier or "").strip().replace(" ", "")
    if not identifier:
        return None
    return (
        leader_candidates(user=user, activity=activity)
        .filter(
            Q(volunteer_no=identifier)
            | Q(phone=identifier)
            | Q(phone=identifier.removeprefix("+86"))
        )
        .first()
    )


def roll_call_people(*, shift: Any) -> QuerySet[Any]:
    """Whom the leader may check in: the people with a place on the shift."""
    return (
        get_user_model()
        .objects.filter(signups__shift=shift, signups__state=SignUp.State.CONFIRMED)
        .order_by("name")
    )


def courses_for_organisers(*, organisers: QuerySet[Organisation]) -> QuerySet[TrainingCourse]:
    """Courses an activity of these organisers may require: theirs and their ancestors'."""
    ancestors: set[int] = set()
    for org in organisers:
        ancestors.update(org.ancestor_ids())
    return (
        TrainingCourse.objects.filter(Q(org__in=organisers) | Q(org_id__in=ancestors))
        .select_related("org")
        .order_by("name")
    )


def course_records(*, course: TrainingCourse, limit: int = 200) -> list[TrainingRecord]:
    return list(
        TrainingRecord.objects.filter(course=course)
        .select_related("user")
        .order_by("-completed_on")[:limit]
    )
