"""月评月考: evaluations after activities (self, peer within the team, the served residents or the
community), 1–5. Monthly scores and rankings are computed in council.selectors_scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.council.models import Evaluation
from qingshe.council.services.common import text
from qingshe.orgs.models import Membership, Organisation, Role

__all__ = ["evaluation_submit"]

K = Evaluation.Kind


def _member_of(user: Any, org: Organisation) -> bool:
    return Membership.objects.filter(
        user_id=getattr(user, "pk", None), org=org, is_active=True
    ).exists()


@transaction.atomic
def evaluation_submit(
    *,
    actor: Any,
    kind: str,
    subject_org: Organisation,
    score: Any,
    subject_user: Any = None,
    activity: Any = None,
    comment: str = "",
    community: Organisation | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """Self: a volunteer on themself, as a member of `subject_org`. Peer: a member of the same
    branch or team on another member. Resident: a resident of `community` on the team that served
    it. Community: the community's staff on the team."""
    if kind not in K.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="kind"
        )
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationFailed("invalid_score", _("Give a score from 1 to 5."), field="score")
    comment = text(comment, field="comment", limit=500)
    denied = AccessDenied("forbidden", _("You may not give this evaluation."))
    if kind == K.SELF:
        subject_user = actor
        if not _member_of(actor, subject_org):
            raise denied
    elif kind == K.PEER:
        if subject_user is None or subject_user.pk == actor.pk:
            raise ValidationFailed(
                "invalid_subject", _("Choose a teammate to evaluate."), field="subject_user"
            )
        if not (_member_of(actor, subject_org) and _member_of(subject_user, subject_org)):
            raise denied
    else:
        if community is None:
            raise ValidationFailed(
                "invalid_community", _("Choose the community that was served."), field="community"
            )
        roles = (
            [Role.RESIDENT]
            if kind == K.RESIDENT
            else [Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY]
        )
        if not access.holds_over(actor, community, roles):
            raise denied
    if activity is not None and kind in (K.SELF, K.PEER):
        from qingshe.duty.models import Attendance

        if not Attendance.objects.filter(
            shift__activity=activity, user_id=subject_user.pk
        ).exists():
            raise ValidationFailed(
                "invalid_activity",
                _("This volunteer did not take part in that activity."),
                field="activity",
            )
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                kind=kind,
                activity=activity,
                subject_user=subject_user,
                subject_org=subject_org,
                evaluator=actor,
                score=score,
                comment=comment,
                at=now or timezone.now(),
            )
    except IntegrityError:
        raise Conflict("already_evaluated", _("This evaluation has already been given.")) from None
    audit(
        actor=actor,
        action=f"council.evaluation_{kind}",
        obj=evaluation,
        org=subject_org,
        data={"score": score},
    )
    return evaluation
