"""Visits and tutoring sessions (logged by the assigned helper, confirmed by the supervisor,
then credited as duty) and concerns that alert the supervisor with priority."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.care import hours, sealing, visibility
from qingshe.care.models import Concern, HelpRelationship, Visit
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify

MIN_MINUTES, MAX_MINUTES = 15, 12 * 60
CLOCK_SKEW = timedelta(minutes=10)


def _supervisors(relationship: HelpRelationship) -> list[Any]:
    """Who hears about a visit or a concern: the supervisor, or without one the care role."""
    if relationship.supervisor is not None:
        return [relationship.supervisor]
    from qingshe.care.models import CareRole

    return [
        r.user
        for r in CareRole.objects.filter(
            community_id=relationship.beneficiary.community_id, is_active=True
        ).select_related("user")
        if r.user.is_active
    ]


def _care_staff(relationship: HelpRelationship) -> list[Any]:
    from qingshe.care.models import CareRole

    return [
        r.user
        for r in CareRole.objects.filter(
            community_id=relationship.beneficiary.community_id, is_active=True
        ).select_related("user")
        if r.user.is_active
    ]


def _raise_concern(
    *, actor: Any, relationship: HelpRelationship, visit: Visit | None, text: str, priority: str
) -> Concern:
    if priority not in Concern.Priority.values:
        raise ValidationFailed(
            "invalid_priority", _("Choose urgent or normal."), field="concern_priority"
        )
    concern = Concern.objects.create(
        relationship=relationship,
        visit=visit,
        raised_by=actor,
        priority=priority,
        sealed_text=sealing.seal_text(text, context=sealing.CONCERN_CONTEXT),
    )
    urgent = priority == Concern.Priority.URGENT
    people = {
        u.pk: u
        for u in [*_supervisors(relationship), *(_care_staff(relationship) if urgent else [])]
    }
    notify(
        users=list(people.values()),
        kind="care.concern.urgent" if urgent else "care.concern",
        title=(
            lambda: (
                _("URGENT: a concern was raised in help relationship #%(id)s")
                % {"id": relationship.pk}
            )
        )
        if urgent
        else (
            lambda: _("A concern was raised in help relationship #%(id)s") % {"id": relationship.pk}
        ),
        url=f"/care/relationships/{relationship.pk}/",
    )
    audit(
        actor=actor,
        action="care.concern.raise",
        obj=concern,
        org=relationship.beneficiary.community,
        data={"priority": priority},
    )
    return concern


@transaction.atomic
def visit_log(
    *,
    actor: Any,
    relationship: HelpRelationship,
    started_at: datetime,
    minutes: int,
    done: str,
    observations: str = "",
    concern: str = "",
    concern_priority: str = Concern.Priority.URGENT,
    now: datetime | None = None,
) -> Visit:
    """The assigned helper logs a visit or session; the supervisor is asked to confirm it."""
    relationship = (
        HelpRelationship.objects.select_for_update(of=("self",))
        .select_related("beneficiary", "supervisor")
        .get(pk=relationship.pk)
    )
    if not access.can(actor, "care.relationship.view", relationship):
        raise NotFound("not_found", _("No such help relationship."))
    if not visibility.is_current_helper(actor, relationship):
        raise AccessDenied(
            "not_assigned", _("Only a volunteer assigned to this relationship logs its visits.")
        )
    if relationship.status != HelpRelationship.Status.ACTIVE:
        raise Conflict(
            "relationship_not_active", _("Visits are logged only while the help is active.")
        )
    now = now or timezone.now()
    if started_at.tzinfo is None:
        raise ValidationFailed(
            "invalid_time", _("Give the time with its time zone."), field="started_at"
        )
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationFailed(
            "invalid_duration", _("A visit lasts 15 minutes to 12 hours."), field="minutes"
        )
    ended_at = started_at + timedelta(minutes=minutes)
    if ended_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            "visit_in_future", _("Log a visit after it took place."), field="started_at"
        )
    if timezone.localtime(started_at).date() < relationship.term_start:
        raise ValidationFailed(
            "before_term", _("The visit is before the relationship's term."), field="started_at"
        )
    done = (done or "").strip()
    if len(done) < 4:
        raise ValidationFailed(
            "done_required", _("Say what was done (at least 4 characters)."), field="done"
        )
    if (
        Visit.objects.filter(helper=actor, started_at__lt=ended_at, ended_at__gt=started_at)
        .exclude(state=Visit.State.REJECTED)
        .exists()
    ):
        raise Conflict("overlapping_visit", _("You already logged a visit at that time."))
    visit = Visit.objects.create(
        relationship=relationship,
        helper=actor,
        started_at=started_at,
        ended_at=ended_at,
        done=done[:2000],
        sealed_observations=sealing.seal_text(observations.strip(), context=sealing.VISIT_CONTEXT)
        if (observations or "").strip()
        else None,
    )
    audit(
        actor=actor,
        action="care.visit.log",
        obj=visit,
        org=relationship.beneficiary.community,
        data={"minutes": minutes},
    )
    if (concern or "").strip():
        _raise_concern(
            actor=actor,
            relationship=relationship,
            visit=visit,
            text=concern.strip()[:2000],
            priority=concern_priority,
        )
    notify(
        users=_supervisors(relationship),
        kind="care.visit",
        title=lambda: (
            _("A visit in help relationship #%(id)s waits for your confirmation")
            % {"id": relationship.pk}
        ),
        url=f"/care/relationships/{relationship.pk}/",
    )
    return visit


def _visit_for_supervisor(actor: Any, visit: Visit) -> Visit:
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related(
            "relationship__beneficiary", "relationship__supervisor", "relationship__duty_activity"
        )
        .get(pk=visit.pk)
    )
    if not access.can(actor, "care.relationship.view", visit.relationship):
        raise NotFound("not_found", _("No such visit."))
    if not access.can(actor, "care.visit.confirm", visit.relationship):
        raise AccessDenied(
            "not_supervisor", _("Only the relationship's supervisor confirms its visits.")
        )
    if visit.state != Visit.State.PENDING:
        raise Conflict("already_decided", _("This visit was already decided."))
    return visit


@transaction.atomic
def visit_confirm(*, actor: Any, visit: Visit) -> Visit:
    """The supervisor confirms: the visit counts as duty and its hours go to the ledger."""
    visit = _visit_for_supervisor(actor, visit)
    attendance = hours.credit_visit(visit=visit, actor=actor)
    visit.state, visit.decided_by, visit.decided_at = Visit.State.CONFIRMED, actor, timezone.now()
    visit.attendance = attendance
    visit.save(update_fields=["state", "decided_by", "decided_at", "attendance", "updated_at"])
    audit(
        actor=actor,
        action="care.visit.confirm",
        obj=visit,
        org=visit.relationship.beneficiary.community,
        data={"hours": str(attendance.credited_hours)},
    )
    notify(
        users=[visit.helper],
        kind="care.visit.confirmed",
        title=lambda: (
            _("Your visit was confirmed: %(hours)s hours") % {"hours": attendance.credited_hours}
        ),
        url=f"/care/relationships/{visit.relationship_id}/",
    )
    return visit


@transaction.atomic
def visit_reject(*, actor: Any, visit: Visit, reason: str) -> Visit:
    visit = _visit_for_supervisor(actor, visit)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationFailed(
            "reason_required", _("Say why the visit is not confirmed."), field="reason"
        )
    visit.state, visit.decided_by, visit.decided_at = Visit.State.REJECTED, actor, timezone.now()
    visit.decision_note = reason[:200]
    visit.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit(
        actor=actor,
        action="care.visit.reject",
        obj=visit,
        org=visit.relationship.beneficiary.community,
    )
    return visit


@transaction.atomic
def concern_handle(*, actor: Any, concern: Concern, note: str) -> Concern:
    concern = (
        Concern.objects.select_for_update(of=("self",))
        .select_related("relationship__beneficiary")
        .get(pk=concern.pk)
    )
    if not access.can(actor, "care.relationship.view", concern.relationship):
        raise NotFound("not_found", _("No such concern."))
    if not access.can(actor, "care.concern.handle", concern.relationship):
        raise AccessDenied("forbidden", _("Only the supervisor or the care role handles concerns."))
    if concern.handled_at is not None:
        raise Conflict("already_handled", _("This concern was already handled."))
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationFailed("note_required", _("Say what was done about it."), field="note")
    concern.handled_at, concern.handled_by, concern.handled_note = timezone.now(), actor, note[:200]
    concern.save(update_fields=["handled_at", "handled_by", "handled_note", "updated_at"])
    audit(
        actor=actor,
        action="care.concern.handle",
        obj=concern,
        org=concern.relationship.beneficiary.community,
    )
    return concern
