"""The need's state table and the one function that moves a need between states.

Every service that changes a need's state (triage, dispatch, claiming, completion, verification,
reopening) locks the need, checks its permission, and calls `need_move`, which refuses a move the
table does not allow and records it as a NeedEvent (actor, time, reason) plus an audit event.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core.audit import audit
from qingshe.core.errors import Conflict, NotFound
from qingshe.needs.models import Need, NeedEvent

__all__ = ["TRANSITIONS", "need_lock", "need_move"]

S = Need.State
TRANSITIONS: dict[str, frozenset[str]] = {
    # Triage by the community: take it up, turn it down, or point to the need it repeats.
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED, S.DUPLICATE, S.NOT_RESPONSIBLE}),
    # Offers sent by a plan (dispatched) or taken directly (claimed: 抢单, 揭榜).
    S.ACCEPTED: frozenset({S.DISPATCHED, S.CLAIMED, S.REJECTED, S.DUPLICATE, S.NOT_RESPONSIBLE}),
    # A volunteer accepted (in progress), or every offer/claim fell through (back to accepted).
    S.DISPATCHED: frozenset({S.IN_PROGRESS, S.CLAIMED, S.ACCEPTED}),
    S.CLAIMED: frozenset({S.IN_PROGRESS, S.DISPATCHED, S.ACCEPTED}),
    S.IN_PROGRESS: frozenset({S.CLAIMED_DONE, S.ACCEPTED}),
    # The evaluation panel or the community verifies with evidence, or sends it back.
    S.CLAIMED_DONE: frozenset({S.VERIFIED, S.IN_PROGRESS}),
    # A resident can reopen a verified need as not solved.
    S.VERIFIED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
    S.REJECTED: frozenset(),
    S.DUPLICATE: frozenset(),
    S.NOT_RESPONSIBLE: frozenset(),
}


def need_lock(need_id: int) -> Need:
    """The need's row, locked for the rest of the transaction (callers are @transaction.atomic)."""
    try:
        return Need.objects.select_for_update().get(pk=need_id)
    except Need.DoesNotExist:
        raise NotFound("not_found", _("This need does not exist.")) from None


def need_move(
    *, need: Need, to: str, actor: Any, reason: str = "", data: dict[str, Any] | None = None
) -> NeedEvent:
    """Move a locked need to state `to`, or raise Conflict if the table does not allow it."""
    if to not in TRANSITIONS.get(need.state, frozenset()):
        raise Conflict(
            "invalid_state",
            _("This need is %(state)s; it cannot be moved to %(to)s.")
            % {"state": Need.State(need.state).label, "to": Need.State(to).label},
        )
    now = timezone.now()
    event = NeedEvent.objects.create(
        need=need,
        from_state=need.state,
        to_state=to,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
        reason=reason.strip(),
        data=data or {},
    )
    need.state = to
    need.state_changed_at = now
    need.save(update_fields=["state", "state_changed_at", "updated_at"])
    audit(
        actor=actor,
        action=f"need.{to}",
        obj=need,
        org=need.community,
        data={"reason": reason.strip(), **(data or {})},
    )
    return event
