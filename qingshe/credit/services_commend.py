"""Commendations (表彰): a league committee commends volunteers and teams of its subtree for a
period, from ranked figures (credit.selectors_points.ranking: hours from the ledger, needs
solved, evaluations' stars). A person's commendation is recorded on their volunteer record as an
Award (credit.services.award_record) and, when the committee's rule pays a bonus, earns points
keyed by the commendation (paid once)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.credit import services, services_points
from qingshe.credit.models import Commendation, PointsTransfer, RuleKind, TransferKind
from qingshe.orgs.models import Membership, Organisation, OrgKind

COMMENDING_KINDS = (OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE)
TEAM_KINDS = (OrgKind.CLASS_BRANCH, OrgKind.VOLUNTEER_TEAM, OrgKind.DEPARTMENT_COMMITTEE)


def can_commend(user: Any, org: Organisation) -> bool:
    return org.kind in COMMENDING_KINDS and access.can(user, "programme.manage", org)


def _check_period(start: date | None, end: date | None) -> None:
    if start is None or end is None or end < start:
        raise ValidationFailed(
            "invalid_period",
            _("The period must end on or after its first day."),
            field="period_end",
        )
    if end > timezone.localdate():
        raise ValidationFailed(
            "future_period",
            _("Commend a period that is over: end it today at the latest."),
            field="period_end",
        )


@transaction.atomic
def commendation_make(
    *,
    actor: Any,
    org: Organisation,
    title: str,
    period_start: date | None,
    period_end: date | None,
    user: Any = None,
    team: Organisation | None = None,
    bonus: bool = True,
) -> Commendation:
    from qingshe.credit.selectors_points import figures_of_person, figures_of_team

    if not can_commend(actor, org):
        raise AccessDenied("forbidden", _("Only the league committee commends."))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Please name the honour."), field="title")
    if len(title) > 80:
        raise ValidationFailed(
            "too_long", _("At most %(n)s characters.") % {"n": 80}, field="title"
        )
    _check_period(period_start, period_end)
    assert period_start is not None and period_end is not None
    if (user is None) == (team is None):
        raise ValidationFailed("person_or_team", _("Commend one person or one team."), field="user")
    person = None
    if user is not None:
        person = services_points.person_account(user.pk, lock=True)  # the person's lock first
        if not Membership.objects.filter(
            user=user, is_active=True, org__path__startswith=org.path
        ).exists():
            raise NotFound("not_found", _("No such person."))
        figures = figures_of_person(org=org, user=user, start=period_start, end=period_end)
    else:
        assert team is not None
        if team.kind not in TEAM_KINDS or not team.path.startswith(org.path):
            raise NotFound("not_found", _("No such team."))
        figures = figures_of_team(team=team, start=period_start, end=period_end)
    try:
        with transaction.atomic():
            commendation = Commendation.objects.create(
                org=org,
                title=title,
                period_start=period_start,
                period_end=period_end,
                user=user,
                team=team,
                figures=figures,
                recorded_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(
            "already_commended", _("Already commended with this honour for this period.")
        ) from exc
    if user is not None:
        commendation.award = services.award_record(
            actor=actor,
            user=user,
            org=org,
            name=title,
            granted_on=timezone.localdate(),
            granting_body=org.name,
        )
        commendation.save(update_fields=["award", "updated_at"])
        if bonus:
            rule = services_points.rule_for(RuleKind.COMMENDATION, org=org, on=period_end)
            if rule is not None:
                assert person is not None
                services_points._post(
                    key=f"commendation:{commendation.pk}",
                    kind=TransferKind.AWARD_COMMENDATION,
                    person=person,
                    other=services_points.issuer_account(rule),
                    to_person=rule.points,
                    reason=lambda: _("Commended: %(title)s") % {"title": title},
                    actor=actor,
                    rule=rule,
                    commendation=commendation,
                )
        notify(
            users=[user],
            kind="credit.commendation",
            title=lambda: _("You were commended: %(title)s") % {"title": title},
            url="/credit/points/",
        )
    audit(
        actor=actor,
        action="commendation.make",
        obj=commendation,
        org=org,
        data={"title": title, "user": getattr(user, "pk", None), "team": getattr(team, "pk", None)},
    )
    return commendation


def bonus_of(commendation: Commendation) -> int:
    transfer = PointsTransfer.objects.filter(key=f"commendation:{commendation.pk}").first()
    return transfer.amount if transfer else 0
