"""Help relationships: one-to-one (a volunteer) or many-to-one (a branch or team), their
supervisor, term and goals, status, and hand-over from one helper to the next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.accounts.services import has_guardian_consent, is_minor
from qingshe.care import visibility
from qingshe.care.models import Assignment, Beneficiary, HelpRelationship
from qingshe.care.services.beneficiaries import ADULT_AGE, age_of
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

MAX_TERM = timedelta(days=366 * 3)
TEAM_KINDS = (OrgKind.CLASS_BRANCH, OrgKind.VOLUNTEER_TEAM, OrgKind.DEPARTMENT_COMMITTEE)


def _require_manager(actor: Any, beneficiary: Beneficiary) -> None:
    if not access.can(actor, "care.beneficiary.view", beneficiary):
        raise NotFound("not_found", _("No such beneficiary."))
    if not access.can(actor, "care.relationship.manage", beneficiary):
        raise AccessDenied(
            "forbidden", _("Only the community's staff with the care role arrange help.")
        )


def _validate_supervisor(supervisor: Any, beneficiary: Beneficiary) -> None:
    if supervisor is None:
        return
    ok = Membership.objects.filter(
        user=supervisor, is_active=True, role=Role.INSTRUCTOR
    ).exists() or access.holds_over(
        supervisor, beneficiary.community, visibility.SUPERVISOR_COMMUNITY_ROLES
    )
    if not ok or not supervisor.is_active:
        raise ValidationFailed(
            "invalid_supervisor",
            _(
                "The supervisor must be a staff member of the beneficiary's community or an instructor."
            ),
            field="supervisor",
        )


def _validate_helpers(helpers: Sequence[Any], *, mode: str, team: Organisation | None) -> None:
    if mode == HelpRelationship.Mode.ONE_TO_ONE and len(helpers) != 1:
        raise ValidationFailed(
            "one_helper", _("A one-to-one relationship has exactly one volunteer."), field="helpers"
        )
    if mode == HelpRelationship.Mode.MANY_TO_ONE:
        if team is None or team.kind not in TEAM_KINDS:
            raise ValidationFailed(
                "team_required", _("Choose the branch or team that helps."), field="team"
            )
        if not helpers:
            raise ValidationFailed(
                "helpers_required", _("Name at least one volunteer of the team."), field="helpers"
            )
    if len({h.pk for h in helpers}) != len(helpers):
        raise ValidationFailed("helper_twice", _("A volunteer is named twice."), field="helpers")
    for helper in helpers:
        if not helper.is_active:
            raise ValidationFailed(
                "invalid_helper", _("This volunteer's account is not active."), field="helpers"
            )
        if (
            team is not None
            and not Membership.objects.filter(
                user=helper, is_active=True, org__path__startswith=team.path
            ).exists()
        ):
            raise ValidationFailed(
                "helper_not_in_team",
                _("Every volunteer must be a member of the branch or team."),
                field="helpers",
            )
        if is_minor(helper) and not has_guardian_consent(helper):
            raise ValidationFailed(
                "helper_guardian_consent",
                _("A volunteer under 18 needs the guardian's consent to volunteer."),
                field="helpers",
            )


def _validate_safeguards(helpers: Sequence[Any], beneficiary: Beneficiary, supervisor: Any) -> None:
    adult_alone = beneficiary.lives_alone and age_of(beneficiary.birth_date) >= ADULT_AGE
    if adult_alone and supervisor is None and any(is_minor(h) for h in helpers):
        raise ValidationFailed(
            "supervisor_required",
            _("A volunteer under 18 may help an adult who lives alone only with a supervisor."),
            field="supervisor",
        )


def _duplicate_tutor(beneficiary: Beneficiary, subject: str, exclude_pk: int | None = None) -> bool:
    return (
        HelpRelationship.objects.filter(
            beneficiary=beneficiary,
            subject=subject,
            mode=HelpRelationship.Mode.ONE_TO_ONE,
            status=HelpRelationship.Status.ACTIVE,
        )
        .exclude(pk=exclude_pk or 0)
        .exists()
    )


def _duplicate_error(subject: str) -> Conflict:
    if subject:
        return Conflict(
            "duplicate_tutor",
            _("This person already has an active one-to-one helper for %(subject)s.")
            % {"subject": subject},
        )
    return Conflict("duplicate_tutor", _("This person already has an active one-to-one helper."))


def _announce(relationship: HelpRelationship, people: Sequence[Any]) -> None:
    notify(
        users=people,
        kind="care.relationship",
        title=lambda: _("You are part of help relationship #%(id)s") % {"id": relationship.pk},
        url=f"/care/relationships/{relationship.pk}/",
    )


@transaction.atomic
def relationship_create(
    *,
    actor: Any,
    beneficiary: Beneficiary,
    mode: str,
    helpers: Sequence[Any],
    term_start: date,
    term_end: date,
    goals: str,
    supervisor: Any = None,
    team: Organisation | None = None,
    subject: str = "",
) -> HelpRelationship:
    _require_manager(actor, beneficiary)
    if beneficiary.state != Beneficiary.State.ACTIVE:
        raise Conflict("beneficiary_closed", _("This beneficiary's file is closed."))
    if mode not in HelpRelationship.Mode.values:
        raise ValidationFailed("invalid_mode", _("Choose one-to-one or many-to-one."), field="mode")
    if mode == HelpRelationship.Mode.ONE_TO_ONE:
        team = None
    helpers = list(helpers)
    _validate_helpers(helpers, mode=mode, team=team)
    goals = (goals or "").strip()
    if len(goals) < 4:
        raise ValidationFailed(
            "goals_required", _("Write down the goals of the help."), field="goals"
        )
    if term_end < term_start:
        raise ValidationFailed(
            "invalid_term", _("The term must end after it starts."), field="term_end"
        )
    if term_end - term_start > MAX_TERM:
        raise ValidationFailed(
            "term_too_long", _("A term lasts at most three years."), field="term_end"
        )
    _validate_supervisor(supervisor, beneficiary)
    if supervisor is not None and any(h.pk == supervisor.pk for h in helpers):
        raise ValidationFailed(
            "supervisor_is_helper",
            _("The supervisor cannot be one of the helpers."),
            field="supervisor",
        )
    _validate_safeguards(helpers, beneficiary, supervisor)
    subject = (subject or "").strip()[:40]
    if mode == HelpRelationship.Mode.ONE_TO_ONE and _duplicate_tutor(beneficiary, subject):
        raise _duplicate_error(subject)
    try:
        with transaction.atomic():
            relationship = HelpRelationship.objects.create(
                beneficiary=beneficiary,
                mode=mode,
                team=team,
                subject=subject,
                term_start=term_start,
                term_end=term_end,
                goals=goals,
                supervisor=supervisor,
                created_by=actor,
            )
    except IntegrityError:
        raise _duplicate_error(subject) from None
    Assignment.objects.bulk_create(
        [Assignment(relationship=relationship, helper=h, started_on=term_start) for h in helpers]
    )
    audit(
        actor=actor,
        action="care.relationship.create",
        obj=relationship,
        org=beneficiary.community,
        data={
            "mode": mode,
            "helpers": [h.pk for h in helpers],
            "supervisor": getattr(supervisor, "pk", None),
        },
    )
    _announce(relationship, [*helpers, *([supervisor] if supervisor else [])])
    return relationship


def _locked(relationship: HelpRelationship) -> HelpRelationship:
    return (
        HelpRelationship.objects.select_for_update(of=("self",))
        .select_related("beneficiary")
        .get(pk=relationship.pk)
    )


@transaction.atomic
def relationship_hand_over(
    *,
    actor: Any,
    relationship: HelpRelationship,
    new_helper: Any,
    reason: str,
    old_helper: Any = None,
    on: date | None = None,
) -> Assignment:
    """A helper graduates or leaves: their assignment ends (they no longer see anything), the
    next one's starts. Visits and concerns stay with the relationship."""
    relationship = _locked(relationship)
    _require_manager(actor, relationship.beneficiary)
    if relationship.status == HelpRelationship.Status.ENDED:
        raise Conflict("relationship_ended", _("This relationship has ended."))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationFailed(
            "reason_required", _("Say why the help is handed over."), field="reason"
        )
    current = list(relationship.assignments.filter(ended_on__isnull=True).select_related("helper"))
    if old_helper is not None:
        current = [a for a in current if a.helper_id == old_helper.pk]
        if not current:
            raise ValidationFailed(
                "not_assigned", _("This volunteer is not assigned here."), field="old_helper"
            )
    elif relationship.mode == HelpRelationship.Mode.MANY_TO_ONE:
        raise ValidationFailed(
            "old_helper_required", _("Say which volunteer hands over."), field="old_helper"
        )
    if any(
        a.helper_id == new_helper.pk for a in relationship.assignments.filter(ended_on__isnull=True)
    ):
        raise ValidationFailed(
            "already_assigned", _("This volunteer is already assigned here."), field="new_helper"
        )
    _validate_helpers([new_helper], mode=HelpRelationship.Mode.ONE_TO_ONE, team=relationship.team)
    if relationship.supervisor_id == new_helper.pk:
        raise ValidationFailed(
            "supervisor_is_helper",
            _("The supervisor cannot be one of the helpers."),
            field="new_helper",
        )
    _validate_safeguards([new_helper], relationship.beneficiary, relationship.supervisor)
    day = on or timezone.localdate()
    for assignment in current:
        assignment.ended_on = day
        assignment.end_reason = reason[:200]
        assignment.save(update_fields=["ended_on", "end_reason"])
    new = Assignment.objects.create(relationship=relationship, helper=new_helper, started_on=day)
    audit(
        actor=actor,
        action="care.relationship.hand_over",
        obj=relationship,
        org=relationship.beneficiary.community,
        data={"from": [a.helper_id for a in current], "to": new_helper.pk, "reason": reason[:200]},
    )
    _announce(relationship, [new_helper])
    return new


@transaction.atomic
def relationship_set_status(
    *, actor: Any, relationship: HelpRelationship, status: str, reason: str = ""
) -> HelpRelationship:
    relationship = _locked(relationship)
    _require_manager(actor, relationship.beneficiary)
    if status not in HelpRelationship.Status.values:
        raise ValidationFailed(
            "invalid_status", _("Choose active, paused or ended."), field="status"
        )
    if relationship.status == HelpRelationship.Status.ENDED:
        raise Conflict("relationship_ended", _("This relationship has ended."))
    reason = (reason or "").strip()
    if status == HelpRelationship.Status.ENDED and len(reason) < 2:
        raise ValidationFailed("reason_required", _("Say why the help ends."), field="reason")
    if (
        status == HelpRelationship.Status.ACTIVE
        and relationship.mode == HelpRelationship.Mode.ONE_TO_ONE
        and _duplicate_tutor(
            relationship.beneficiary, relationship.subject, exclude_pk=relationship.pk
        )
    ):
        raise _duplicate_error(relationship.subject)
    relationship.status = status
    relationship.end_reason = (
        reason[:200] if status == HelpRelationship.Status.ENDED else relationship.end_reason
    )
    relationship.save(update_fields=["status", "end_reason", "updated_at"])
    if status == HelpRelationship.Status.ENDED:
        relationship.assignments.filter(ended_on__isnull=True).update(
            ended_on=timezone.localdate(), end_reason=reason[:200]
        )
    audit(
        actor=actor,
        action="care.relationship.status",
        obj=relationship,
        org=relationship.beneficiary.community,
        data={"status": status, "reason": reason[:200]},
    )
    return relationship
