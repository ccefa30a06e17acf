"""青年评议团: when a need is reported solved, a panel member of that community verifies it with
evidence (needs' need_verify) or sends it back; each resident who reported or follows it is sent
a one-tap rating link (signed, single-use, expiring). "Not solved" reopens the need (needs'
need_reopen, which tells the team and the community)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core.audit import audit
from qingshe.core.errors import Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.council.models import RatingInvite, Verification
from qingshe.council.services.common import require, text
from qingshe.needs.models import Need, NeedFollower
from qingshe.needs.services.triage import need_doers, need_reopen, need_send_back, need_verify

__all__ = [
    "RATING_DAYS",
    "council_send_back",
    "council_verify",
    "rating_invite_for_token",
    "rating_submit",
    "rating_token",
]

RATING_DAYS = 14
SALT = "qingshe.council.rating"


def _verify_denied() -> str:
    return _("Only a member of this community's evaluation panel can verify its needs.")


def rating_token(invite: RatingInvite) -> str:
    return signing.dumps({"i": invite.pk}, salt=SALT, compress=True)


def _invite_residents(need: Need) -> list[Any]:
    from qingshe.accounts.models import User

    ids = set(NeedFollower.objects.filter(need=need).values_list("user_id", flat=True))
    if need.reporter_id:
        ids.add(need.reporter_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def council_verify(
    *,
    actor: Any,
    need: Need,
    evidence: str,
    photos: Sequence[Any] | None = None,
    now: datetime | None = None,
) -> Verification:
    """The panel verifies with evidence; the residents get their rating links."""
    require(actor, "council.verify", need.community, _verify_denied())
    evidence = text(
        evidence,
        field="evidence",
        required=True,
        message=_("Please say how you checked that it was done (what you saw, whom you asked)."),
    )
    need = need_verify(actor=actor, need=need, evidence=evidence, photos=photos)
    verification = Verification.objects.create(
        need=need,
        outcome=Verification.Outcome.VERIFIED,
        evidence=evidence,
        photos=len(photos or []),
        verified_by=actor,
    )
    expires = (now or timezone.now()) + timedelta(days=RATING_DAYS)
    title = need.title
    for resident in _invite_residents(need):
        invite = RatingInvite.objects.create(
            need=need, verification=verification, user=resident, expires_at=expires
        )
        notify(
            users=[resident],
            kind="council.rate",
            title=lambda: _("Was it solved? Rate it with one tap: %(title)s") % {"title": title},
            url=reverse("council:rate", args=[rating_token(invite)]),
        )
    audit(
        actor=actor,
        action="council.verify",
        obj=verification,
        org=need.community,
        data={"need": need.pk},
    )
    return verification


@transaction.atomic
def council_send_back(*, actor: Any, need: Need, reason: str) -> Verification:
    """The panel found it not done: back to the team with what is missing."""
    require(actor, "council.verify", need.community, _verify_denied())
    reason = text(
        reason, field="reason", required=True, message=_("Please say what is still missing.")
    )
    need = need_send_back(actor=actor, need=need, reason=reason)
    verification = Verification.objects.create(
        need=need, outcome=Verification.Outcome.SENT_BACK, evidence=reason, verified_by=actor
    )
    audit(
        actor=actor,
        action="council.send_back",
        obj=verification,
        org=need.community,
        data={"need": need.pk},
    )
    return verification


def rating_invite_for_token(token: str) -> RatingInvite:
    """The invite a link names; a forged or mangled link is not found."""
    try:
        data = signing.loads(token or "", salt=SALT)
        pk = int(data["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("link_invalid", _("This rating link is not valid.")) from None
    invite = RatingInvite.objects.select_related("need", "need__community").filter(pk=pk).first()
    if invite is None:
        raise NotFound("link_invalid", _("This rating link is not valid."))
    return invite


@transaction.atomic
def rating_submit(
    *, token: str, outcome: str, stars: Any, comment: str = "", now: datetime | None = None
) -> RatingInvite:
    """A resident's one-tap rating. The link is the resident's key: it works once, until it
    expires. "Not solved" on a verified need reopens it in the resident's name."""
    invite = rating_invite_for_token(token)
    invite = (
        RatingInvite.objects.select_for_update().select_related("need", "user").get(pk=invite.pk)
    )
    now = now or timezone.now()
    if invite.used_at is not None:
        raise Conflict("link_used", _("This rating link has already been used. Thank you!"))
    if now >= invite.expires_at:
        raise Conflict("link_expired", _("This rating link has expired."))
    if outcome not in RatingInvite.Outcome.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose solved, partly solved or not solved."), field="outcome"
        )
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationFailed("invalid_stars", _("Choose from 1 to 5 stars."), field="stars")
    comment = text(comment, field="comment", limit=500)
    invite.outcome, invite.stars, invite.comment, invite.used_at = outcome, stars, comment, now
    invite.save(update_fields=["outcome", "stars", "comment", "used_at"])
    need = invite.need
    audit(
        actor=invite.user,
        action="council.rate",
        obj=invite,
        org=need.community,
        data={"outcome": outcome, "stars": stars},
    )
    if outcome == RatingInvite.Outcome.NOT_SOLVED:
        if need.state == Need.State.VERIFIED:
            need_reopen(
                actor=invite.user,
                need=need,
                reason=comment or _("A resident rated it as not solved."),
            )
        else:
            title = need.title
            notify(
                users=need_doers(need),
                kind="council.not_solved",
                title=lambda: _("A resident says it is not solved: %(title)s") % {"title": title},
                url=reverse("council:public", args=[need.community_id]),
            )
    return invite
