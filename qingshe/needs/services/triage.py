"""A need after intake: triage by the community (accept, reject, duplicate, not responsible),
reported done by the people doing it, verified with evidence by the evaluation panel or the
community (or sent back), reopened by a resident as not solved, closed.

Each service locks the need (need_lock), checks permission, validates, moves it (need_move:
the state table, a NeedEvent with actor, time and reason, an audit event) and tells the right
people once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.needs.models import BountyClaim, Need, NeedAssignment, NeedFollower, NeedPhoto, Urgency
from qingshe.needs.services.lifecycle import need_lock, need_move
from qingshe.needs.services.needs import check_photos, need_staff, need_url, save_photos
from qingshe.orgs.models import Role

__all__ = [
    "REASON_MAX",
    "can_close",
    "can_reopen",
    "can_report_done",
    "can_triage",
    "can_verify",
    "need_accept",
    "need_close",
    "need_doers",
    "need_mark_duplicate",
    "need_not_responsible",
    "need_reject",
    "need_reopen",
    "need_report_done",
    "need_send_back",
    "need_verify",
]

S = Need.State
REASON_MAX = 2000
TRIAGE_FROM = (S.SUBMITTED, S.ACCEPTED)


# --- who may do what (pages ask the same functions to show their buttons) ------------------------
def can_triage(user: Any, need: Need) -> bool:
    return access.can(user, "need.triage", need.community)


def can_verify(user: Any, need: Need) -> bool:
    return access.can(user, "need.verify", need.community)


def can_close(user: Any, need: Need) -> bool:
    return can_triage(user, need)


def can_reopen(user: Any, need: Need) -> bool:
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    return pk == need.reporter_id or NeedFollower.objects.filter(need=need, user_id=pk).exists()


def can_report_done(user: Any, need: Need) -> bool:
    """The people doing it: a volunteer with an accepted assignment on it, a manager of its
    project group, or an admin of the organisation holding its active bounty claim."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    if NeedAssignment.objects.filter(
        need=need, volunteer_id=pk, state=NeedAssignment.State.ACCEPTED
    ).exists():
        return True
    if need.project_group_id is not None and access.can(
        user, "project.manage", need.project_group.owner
    ):
        return True
    claim = (
        BountyClaim.objects.filter(need=need, state=BountyClaim.State.ACTIVE)
        .select_related("claimant", "assigned_org")
        .first()
    )
    if claim is not None:
        orgs = [claim.claimant, *([claim.assigned_org] if claim.assigned_org_id else [])]
        return any(access.holds_over(user, org, access.ADMIN_ROLES) for org in orgs)
    return False


def need_doers(need: Need) -> list[Any]:
    """Whom to tell about the work: volunteers who accepted it, the person who claimed the bounty."""
    from qingshe.accounts.models import User

    ids = set(
        NeedAssignment.objects.filter(
            need=need, state__in=[NeedAssignment.State.ACCEPTED, NeedAssignment.State.DONE]
        ).values_list("volunteer_id", flat=True)
    )
    ids.update(
        BountyClaim.objects.filter(
            need=need, state=BountyClaim.State.ACTIVE, claimed_by__isnull=False
        ).values_list("claimed_by_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _residents(need: Need) -> list[Any]:
    """The reporter and the followers: told of progress."""
    from qingshe.accounts.models import User

    ids = set(NeedFollower.objects.filter(need=need).values_list("user_id", flat=True))
    if need.reporter_id:
        ids.add(need.reporter_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _verifiers(need: Need) -> list[Any]:
    roles = [Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.PANEL_MEMBER]
    return list(access.holders_over(need.community, roles))


def _tell(users: Sequence[Any], actor: Any, need: Need, kind: str, title: Any) -> None:
    notify(
        users=[u for u in users if u.pk != getattr(actor, "pk", None)],
        kind=kind,
        title=title,
        url=need_url(need),
    )


def _text(value: str | None, *, field: str, code: str, message: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(code, message, field=field)
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            "text_too_long",
            _("Please keep it to %(n)d characters.") % {"n": REASON_MAX},
            field=field,
        )
    return text


def _deny(message: str) -> AccessDenied:
    return AccessDenied("forbidden", message)


# --- triage -------------------------------------------------------------------------------------
@transaction.atomic
def need_accept(*, actor: Any, need: Need, reason: str = "", urgency: int | None = None) -> Need:
    """The community takes the need up (受理); it can now be dispatched or claimed."""
    need = need_lock(need.pk)
    if not can_triage(actor, need):
        raise _deny(_("Only the community's staff can triage its needs."))
    reason = _text(reason, field="reason", code="reason_required", message="", required=False)
    if need.state != S.SUBMITTED:
        raise Conflict("invalid_state", _("This need has already been triaged."))
    data: dict[str, Any] = {}
    if urgency is not None:
        if urgency not in Urgency.values:
            raise ValidationFailed(
                "invalid_choice", _("Choose one of the listed options."), field="urgency"
            )
        if urgency != need.urgency:
            data["urgency"] = [need.urgency, urgency]
            need.urgency = urgency
            need.save(update_fields=["urgency", "updated_at"])
    need_move(need=need, to=S.ACCEPTED, actor=actor, reason=reason, data=data)
    title = need.title
    _tell(
        _residents(need),
        actor,
        need,
        "need.accepted",
        lambda: _("Your need was taken up: %(title)s") % {"title": title},
    )
    return need


@transaction.atomic
def need_reject(*, actor: Any, need: Need, reason: str) -> Need:
    """The community turns the need down (不予受理), with a reason the resident reads."""
    need = need_lock(need.pk)
    if not can_triage(actor, need):
        raise _deny(_("Only the community's staff can triage its needs."))
    reason = _text(
        reason, field="reason", code="reason_required", message=_("Please tell the resident why.")
    )
    if need.state not in TRIAGE_FROM:
        raise Conflict("invalid_state", _("This need can no longer be turned down."))
    need_move(need=need, to=S.REJECTED, actor=actor, reason=reason)
    title = need.title
    _tell(
        _residents(need),
        actor,
        need,
        "need.rejected",
        lambda: _("Your need was not taken up: %(title)s") % {"title": title},
    )
    return need


@transaction.atomic
def need_mark_duplicate(*, actor: Any, need: Need, original: Need, reason: str = "") -> Need:
    """The need repeats another open need of the same community: it is linked to that original
    and its reporter and followers follow the original. Nothing is deleted."""
    if original.pk == need.pk:
        raise ValidationFailed(
            "invalid_original", _("A need cannot repeat itself."), field="original"
        )
    # Lock both in one order (lower id first), so that two staff marking A of B and B of A wait
    # for each other instead of deadlocking.
    first, second = sorted([need.pk, original.pk])
    locked = {first: need_lock(first), second: need_lock(second)}
    need, original = locked[need.pk], locked[original.pk]
    if not can_triage(actor, need):
        raise _deny(_("Only the community's staff can triage its needs."))
    if original.community_id != need.community_id:
        raise ValidationFailed(
            "invalid_original",
            _("The original must be a need of the same community."),
            field="original",
        )
    if original.state not in Need.OPEN_STATES:
        raise ValidationFailed(
            "invalid_original",
            _("The original must be a need that is still open."),
            field="original",
        )
    reason = _text(reason, field="reason", code="reason_required", message="", required=False)
    if need.state not in TRIAGE_FROM:
        raise Conflict("invalid_state", _("This need can no longer be marked as a duplicate."))
    need.original = original
    need.save(update_fields=["original", "updated_at"])
    need_move(need=need, to=S.DUPLICATE, actor=actor, reason=reason, data={"original": original.pk})
    people = set(NeedFollower.objects.filter(need=need).values_list("user_id", flat=True))
    if need.reporter_id:
        people.add(need.reporter_id)
    people.discard(original.reporter_id)
    NeedFollower.objects.bulk_create(
        [NeedFollower(need=original, user_id=pk) for pk in sorted(people)], ignore_conflicts=True
    )
    title, original_title = need.title, original.title
    notify(
        users=[u for u in _residents(need) if u.pk != getattr(actor, "pk", None)],
        kind="need.duplicate",
        title=lambda: (
            _("Your need “%(title)s” is already being handled as “%(original)s”; you follow it now")
            % {"title": title, "original": original_title}
        ),
        url=need_url(original),
    )
    return need


@transaction.atomic
def need_not_responsible(*, actor: Any, need: Need, reason: str, refer_to: str = "") -> Need:
    """Not the community's to handle (e.g. the property manager's): the reason, and optionally
    the body to turn to, are shown to the resident."""
    need = need_lock(need.pk)
    if not can_triage(actor, need):
        raise _deny(_("Only the community's staff can triage its needs."))
    reason = _text(
        reason, field="reason", code="reason_required", message=_("Please tell the resident why.")
    )
    refer_to = (refer_to or "").strip()
    if len(refer_to) > 120:
        raise ValidationFailed(
            "text_too_long", _("Please keep it to %(n)d characters.") % {"n": 120}, field="refer_to"
        )
    if need.state not in TRIAGE_FROM:
        raise Conflict("invalid_state", _("This need can no longer be referred elsewhere."))
    need_move(
        need=need,
        to=S.NOT_RESPONSIBLE,
        actor=actor,
        reason=reason,
        data={"refer_to": refer_to} if refer_to else {},
    )
    title = need.title
    _tell(
        _residents(need),
        actor,
        need,
        "need.not_responsible",
        lambda: _("Your need is not for the community to handle: %(title)s") % {"title": title},
    )
    return need


# --- the work reported done, verified, sent back, reopened, closed --------------------------------
@transaction.atomic
def need_report_done(
    *, actor: Any, need: Need, note: str, photos: Sequence[Any] | None = None
) -> Need:
    """The people doing it report it done (in progress → reported done), with a note and
    optional photos as evidence. The community and the panel are asked to verify."""
    need = need_lock(need.pk)
    if not can_report_done(actor, need):
        raise _deny(_("Only the people doing this need can report it done."))
    note = _text(note, field="note", code="note_required", message=_("Please say what was done."))
    checked = check_photos(photos)
    event = need_move(
        need=need, to=S.CLAIMED_DONE, actor=actor, reason=note, data={"photos": len(checked)}
    )
    title = need.title
    _tell(
        _verifiers(need),
        actor,
        need,
        "need.claimed_done",
        lambda: _("Reported done, please verify: %(title)s") % {"title": title},
    )
    _tell(
        _residents(need),
        actor,
        need,
        "need.progress",
        lambda: _("Your need was reported done: %(title)s") % {"title": title},
    )
    saved = save_photos(need=need, photos=checked, stage=NeedPhoto.Stage.DONE, actor=actor)
    if saved:
        event.data = {"photos": [p.pk for p in saved]}
        event.save(update_fields=["data"])
    return need


@transaction.atomic
def need_verify(
    *, actor: Any, need: Need, evidence: str, photos: Sequence[Any] | None = None
) -> Need:
    """The evaluation panel or the community confirm the work was really done (核实), saying how
    they know; photos optional."""
    need = need_lock(need.pk)
    if not can_verify(actor, need):
        raise _deny(_("Only the evaluation panel or the community's staff can verify a need."))
    evidence = _text(
        evidence,
        field="evidence",
        code="evidence_required",
        message=_("Please say how you checked that it was done (what you saw, whom you asked)."),
    )
    checked = check_photos(photos)
    event = need_move(need=need, to=S.VERIFIED, actor=actor, reason=evidence)
    title = need.title
    _tell(
        [*_residents(need), *need_doers(need)],
        actor,
        need,
        "need.verified",
        lambda: _("Verified as done: %(title)s") % {"title": title},
    )
    saved = save_photos(need=need, photos=checked, stage=NeedPhoto.Stage.VERIFIED, actor=actor)
    if saved:
        event.data = {"photos": [p.pk for p in saved]}
        event.save(update_fields=["data"])
    return need


@transaction.atomic
def need_send_back(*, actor: Any, need: Need, reason: str) -> Need:
    """The verifiers found it not done: back to in progress, with what is missing."""
    need = need_lock(need.pk)
    if not can_verify(actor, need):
        raise _deny(_("Only the evaluation panel or the community's staff can verify a need."))
    reason = _text(
        reason,
        field="reason",
        code="reason_required",
        message=_("Please say what is still missing."),
    )
    if need.state != S.CLAIMED_DONE:
        raise Conflict("invalid_state", _("Only a need reported done can be sent back."))
    need_move(need=need, to=S.IN_PROGRESS, actor=actor, reason=reason, data={"sent_back": True})
    title = need.title
    _tell(
        need_doers(need),
        actor,
        need,
        "need.sent_back",
        lambda: _("Sent back, not done yet: %(title)s") % {"title": title},
    )
    return need


@transaction.atomic
def need_reopen(*, actor: Any, need: Need, reason: str) -> Need:
    """The reporter or a follower says a verified need is not solved: back to in progress."""
    need = need_lock(need.pk)
    if not can_reopen(actor, need):
        raise _deny(_("Only the resident who reported it, or who follows it, can reopen a need."))
    reason = _text(
        reason,
        field="reason",
        code="reason_required",
        message=_("Please say what is still not solved."),
    )
    if need.state != S.VERIFIED:
        raise Conflict("invalid_state", _("Only a verified need can be reopened as not solved."))
    need_move(need=need, to=S.IN_PROGRESS, actor=actor, reason=reason, data={"reopened": True})
    title = need.title
    _tell(
        [*need_doers(need), *need_staff(need.community)],
        actor,
        need,
        "need.reopened",
        lambda: _("A resident says it is not solved: %(title)s") % {"title": title},
    )
    return need


@transaction.atomic
def need_close(*, actor: Any, need: Need, reason: str = "") -> Need:
    """The community closes a verified need (办结). The volunteers' accepted places on it are
    done, and an active bounty claim is carried out (bounties.bounty_mark_done)."""
    need = need_lock(need.pk)
    if not can_close(actor, need):
        raise _deny(_("Only the community's staff can close a need."))
    reason = _text(reason, field="reason", code="reason_required", message="", required=False)
    if need.state != S.VERIFIED:
        raise Conflict("invalid_state", _("Only a verified need can be closed."))
    need_move(need=need, to=S.CLOSED, actor=actor, reason=reason)
    NeedAssignment.objects.filter(need=need, state=NeedAssignment.State.ACCEPTED).update(
        state=NeedAssignment.State.DONE, updated_at=timezone.now()
    )
    # The bounty's claim is carried out at the close, not at verification: a verified need can
    # still be reopened, and those who claimed it must then be able to report it done again.
    from qingshe.needs.services.bounties import bounty_mark_done

    bounty_mark_done(need=need, actor=actor)
    title = need.title
    _tell(
        _residents(need),
        actor,
        need,
        "need.closed",
        lambda: _("Your need is closed: %(title)s") % {"title": title},
    )
    return need
