"""青年议事会: a meeting takes a finalised monthly list as its agenda; for each item it records a
resolution (assign to a volunteer team, project group or pairing; refer to another body; decline
with a reason), which moves the item's need through needs' lifecycle so that it is tracked to
the end; closing records the minutes and who attended."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.council.models import ListItem, Meeting, MonthlyList, Resolution
from qingshe.council.services.common import require, text
from qingshe.needs.models import Need, NeedFollower, ProjectGroup
from qingshe.needs.services.lifecycle import need_lock, need_move
from qingshe.needs.services.needs import need_url
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.programmes.models import Pairing

__all__ = ["meeting_close", "meeting_create", "meeting_resolve"]

S = Need.State
# Where a need may be before the council decides what happens to it.
UNDECIDED = (S.SUBMITTED, S.ACCEPTED)


def _meet_denied() -> str:
    return _("Only the community's youth council can record its meetings.")


@transaction.atomic
def meeting_create(
    *, actor: Any, monthly_list: MonthlyList, held_on: date, title: str, place: str = ""
) -> Meeting:
    """Call a meeting with a finalised monthly list as its agenda."""
    mlist = MonthlyList.objects.select_related("community").get(pk=monthly_list.pk)
    require(actor, "council.meet", mlist.community, _meet_denied())
    if mlist.state != MonthlyList.State.FINAL:
        raise ValidationFailed(
            "list_not_final",
            _("The monthly list must be sent to the council first."),
            field="monthly_list",
        )
    if not isinstance(held_on, date):
        raise ValidationFailed("invalid_date", _("Give the meeting's date."), field="held_on")
    title = text(
        title, field="title", required=True, limit=120, message=_("Give the meeting a title.")
    )
    meeting = Meeting.objects.create(
        community=mlist.community,
        agenda=mlist,
        held_on=held_on,
        title=title,
        place=text(place, field="place", limit=120),
        created_by=actor,
    )
    audit(actor=actor, action="council.meeting_create", obj=meeting, org=mlist.community)
    return meeting


def _residents(need: Need) -> list[Any]:
    from qingshe.accounts.models import User

    ids = set(NeedFollower.objects.filter(need=need).values_list("user_id", flat=True))
    if need.reporter_id:
        ids.add(need.reporter_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _assignee(community: Any, team: Any, project_group: Any, pairing: Any) -> tuple[Any, Any, Any]:
    given = [x for x in (team, project_group, pairing) if x is not None]
    if len(given) != 1:
        raise ValidationFailed(
            "assignee_required",
            _("Choose one volunteer team, project group or pairing to assign it to."),
            field="assignee",
        )
    city = f"/{community.city_id}/"
    if team is not None and (
        not isinstance(team, Organisation)
        or team.kind != OrgKind.VOLUNTEER_TEAM
        or not team.is_active
        or not team.path.startswith(city)
    ):
        raise ValidationFailed("invalid_team", _("Choose an active volunteer team."), field="team")
    if project_group is not None and (
        not isinstance(project_group, ProjectGroup)
        or project_group.state != ProjectGroup.State.OPEN
        or not project_group.owner.path.startswith(city)
    ):
        raise ValidationFailed(
            "invalid_project_group", _("Choose an open project group."), field="project_group"
        )
    if pairing is not None and (
        not isinstance(pairing, Pairing)
        or pairing.state not in (Pairing.State.APPROVED, Pairing.State.ACTIVE)
        or not community.path.startswith(pairing.community.path)
    ):
        raise ValidationFailed(
            "invalid_pairing", _("Choose an approved pairing with this community."), field="pairing"
        )
    return team, project_group, pairing


def _doers_of(team: Any, project_group: Any, pairing: Any) -> list[Any]:
    """Whom to tell of an assignment: the people who lead the team, group or paired unit."""
    lead_roles = [*access.ADMIN_ROLES, Role.BRANCH_SECRETARY]
    org = (
        team
        or (project_group.owner if project_group is not None else None)
        or (pairing.unit if pairing else None)
    )
    return list(access.holders_over(org, lead_roles)) if org is not None else []


@transaction.atomic
def meeting_resolve(
    *,
    actor: Any,
    meeting: Meeting,
    item: ListItem,
    kind: str,
    team: Any = None,
    project_group: Any = None,
    pairing: Any = None,
    refer_to: str = "",
    reason: str = "",
) -> Resolution:
    """Record the council's decision on one agenda item and move its need accordingly."""
    meeting = Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)
    require(actor, "council.meet", meeting.community, _meet_denied())
    if meeting.state != Meeting.State.OPEN:
        raise Conflict("meeting_closed", _("This meeting is closed."))
    if item.monthly_list_id != meeting.agenda_id:
        raise ValidationFailed(
            "invalid_item", _("This item is not on this meeting's agenda."), field="item"
        )
    if not item.included:
        raise ValidationFailed(
            "invalid_item", _("This item was taken off the agenda."), field="item"
        )
    if kind not in Resolution.Kind.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="kind"
        )
    if Resolution.objects.filter(item=item).exists():
        raise Conflict("already_resolved", _("The council has already decided on this item."))
    reason = text(reason, field="reason")
    refer_to = text(refer_to, field="refer_to", limit=120)
    need = need_lock(item.need_id)
    if kind == Resolution.Kind.ASSIGN:
        team, project_group, pairing = _assignee(meeting.community, team, project_group, pairing)
        if need.state == S.SUBMITTED:
            need_move(
                need=need,
                to=S.ACCEPTED,
                actor=actor,
                reason=reason or _("Decided by the youth council."),
                data={"council_meeting": meeting.pk},
            )
        elif need.state not in Need.STAFFABLE_STATES:
            raise Conflict("invalid_state", _("This need can no longer be assigned."))
        if project_group is not None and need.project_group_id != project_group.pk:
            need.project_group = project_group
            need.save(update_fields=["project_group", "updated_at"])
    else:
        team = project_group = pairing = None
        if kind == Resolution.Kind.REFER and not refer_to:
            raise ValidationFailed(
                "refer_to_required", _("Say whom it is referred to."), field="refer_to"
            )
        if kind == Resolution.Kind.DECLINE and not reason:
            raise ValidationFailed(
                "reason_required", _("Please give the reason for declining."), field="reason"
            )
        if need.state not in UNDECIDED:
            raise Conflict(
                "invalid_state", _("This need is already being handled; it can only be assigned.")
            )
        to = S.NOT_RESPONSIBLE if kind == Resolution.Kind.REFER else S.REJECTED
        need_move(
            need=need,
            to=to,
            actor=actor,
            reason=reason or refer_to,
            data={"council_meeting": meeting.pk, **({"refer_to": refer_to} if refer_to else {})},
        )
    item.need = need  # the locked row, as moved: what callers read back
    resolution = Resolution.objects.create(
        meeting=meeting,
        item=item,
        kind=kind,
        team=team,
        project_group=project_group,
        pairing=pairing,
        refer_to=refer_to,
        reason=reason,
        decided_by=actor,
    )
    audit(
        actor=actor,
        action=f"council.resolve_{kind}",
        obj=resolution,
        org=meeting.community,
        data={"need": need.pk},
    )
    title = need.title
    notify(
        users=[u for u in _residents(need) if u.pk != actor.pk],
        kind="council.resolution",
        title=lambda: _("The youth council decided on your need: %(title)s") % {"title": title},
        url=need_url(need),
    )
    if kind == Resolution.Kind.ASSIGN:
        notify(
            users=[u for u in _doers_of(team, project_group, pairing) if u.pk != actor.pk],
            kind="council.assigned",
            title=lambda: _("The youth council assigned you a need: %(title)s") % {"title": title},
            url=need_url(need),
        )
    return resolution


@transaction.atomic
def meeting_close(
    *, actor: Any, meeting: Meeting, minutes: str, attendee_ids: list[Any], guests: Any = 0
) -> Meeting:
    """Close the meeting with its minutes and attendance; its resolutions stay linked to it."""
    meeting = Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)
    require(actor, "council.meet", meeting.community, _meet_denied())
    if meeting.state != Meeting.State.OPEN:
        raise Conflict("meeting_closed", _("This meeting is closed."))
    minutes = text(
        minutes,
        field="minutes",
        required=True,
        limit=20000,
        message=_("Please write the minutes of the meeting."),
    )
    try:
        ids = {int(x) for x in attendee_ids or []}
        guests = int(guests or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(
            "invalid_attendees", _("Choose the attendees from the list."), field="attendees"
        ) from None
    if not ids:
        raise ValidationFailed("attendees_required", _("Record who attended."), field="attendees")
    if not 0 <= guests <= 500:
        raise ValidationFailed(
            "invalid_guests", _("Give a number between 0 and 500."), field="guests"
        )
    people = list(access.holders_over(meeting.community, Role.values).filter(pk__in=ids))
    if len(people) != len(ids):
        raise ValidationFailed(
            "invalid_attendees",
            _("Attendees must be members of this community or its council."),
            field="attendees",
        )
    meeting.minutes = minutes
    meeting.guests = guests
    meeting.state = Meeting.State.CLOSED
    meeting.closed_by = actor
    meeting.closed_at = timezone.now()
    meeting.save(
        update_fields=["minutes", "guests", "state", "closed_by", "closed_at", "updated_at"]
    )
    meeting.attendees.set(people)
    audit(
        actor=actor,
        action="council.meeting_close",
        obj=meeting,
        org=meeting.community,
        data={
            "attendees": len(people),
            "guests": guests,
            "resolutions": meeting.resolutions.count(),
        },
    )
    title = meeting.title
    notify(
        users=[u for u in people if u.pk != actor.pk],
        kind="council.meeting_closed",
        title=lambda: _("Minutes of the council meeting: %(title)s") % {"title": title},
        url=reverse("council:meeting", args=[meeting.pk]),
    )
    return meeting
