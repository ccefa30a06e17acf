"""Every read of the care app that depends on who asks. Visibility comes from
qingshe.core.access (care.visibility); anything outside it is NotFound. Every read of a
beneficiary's record (a list of them included) is written to the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingshe.care import sealing, visibility
from qingshe.care.models import (
    Assignment,
    Beneficiary,
    BeneficiaryKind,
    Campaign,
    CampaignHousehold,
    Concern,
    HelpRelationship,
    Visit,
)
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.orgs.models import Membership, Organisation


def beneficiary_list_for_user(
    *, user: Any, kind: str = "", audit_read: bool = True
) -> QuerySet[Beneficiary]:
    qs = (
        Beneficiary.objects.filter(access.care_beneficiaries_q(user))
        .select_related("community")
        .order_by("-created_at", "-pk")
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def audit_list_read(*, user: Any, beneficiaries: list[Beneficiary], why: str) -> None:
    if beneficiaries:
        audit(
            actor=user,
            action="care.beneficiary.list",
            data={"ids": [b.pk for b in beneficiaries], "why": why},
        )


def beneficiary_get_for_user(*, user: Any, beneficiary_id: int, why: str) -> Beneficiary:
    """One beneficiary's (masked) record; the read is audited with `why` (the page or endpoint)."""
    beneficiary = (
        Beneficiary.objects.filter(access.care_beneficiaries_q(user), pk=beneficiary_id)
        .select_related("community")
        .first()
    )
    if beneficiary is None:
        raise NotFound("not_found", _("No such beneficiary."))
    audit(
        actor=user,
        action="care.beneficiary.view",
        obj=beneficiary,
        org=beneficiary.community,
        data={"why": why},
    )
    return beneficiary


def relationships_for_user(
    *, user: Any, beneficiary: Beneficiary | None = None
) -> QuerySet[HelpRelationship]:
    qs = HelpRelationship.objects.filter(access.care_relationships_q(user)).select_related(
        "beneficiary__community", "supervisor", "team"
    )
    if beneficiary is not None:
        qs = qs.filter(beneficiary=beneficiary)
    return qs.order_by("-created_at", "-pk")


def relationship_get_for_user(
    *, user: Any, relationship_id: int, why: str = ""
) -> HelpRelationship:
    """One relationship; with `why` (a page or endpoint that shows its visits, observations or
    concerns) the read is audited like a read of the beneficiary's record."""
    relationship = relationships_for_user(user=user).filter(pk=relationship_id).first()
    if relationship is None:
        raise NotFound("not_found", _("No such help relationship."))
    if why:
        audit(
            actor=user,
            action="care.relationship.view",
            obj=relationship,
            org=relationship.beneficiary.community,
            data={"why": why, "beneficiary": relationship.beneficiary_id},
        )
    return relationship


def current_helpers(relationship: HelpRelationship) -> list[Any]:
    return [
        a.helper
        for a in relationship.assignments.filter(ended_on__isnull=True).select_related("helper")
    ]


def assignment_history(relationship: HelpRelationship) -> list[Assignment]:
    return list(relationship.assignments.select_related("helper").order_by("started_on", "pk"))


def visits_of(*, relationship: HelpRelationship) -> QuerySet[Visit]:
    return relationship.visits.select_related("helper", "decided_by").order_by("-started_at")


def visit_get_for_user(*, user: Any, visit_id: int) -> Visit:
    visit = (
        Visit.objects.filter(access.care_relationships_q(user, "relationship__"), pk=visit_id)
        .select_related("relationship__beneficiary", "relationship__supervisor")
        .first()
    )
    if visit is None:
        raise NotFound("not_found", _("No such visit."))
    return visit


def observations_of(visit: Visit) -> str:
    return sealing.unseal_text(visit.sealed_observations, context=sealing.VISIT_CONTEXT)


def visits_to_confirm(*, user: Any) -> QuerySet[Visit]:
    mine = Q(relationship__supervisor=user) | Q(
        relationship__supervisor__isnull=True,
        relationship__beneficiary__community_id__in=visibility.care_community_ids(user),
    )
    return (
        Visit.objects.filter(
            mine, state=Visit.State.PENDING, relationship__status__in=visibility.LIVE
        )
        .select_related("relationship", "helper")
        .order_by("started_at")
    )


def concerns_open_for_user(*, user: Any) -> QuerySet[Concern]:
    mine = Q(relationship__supervisor=user) | Q(
        relationship__beneficiary__community_id__in=visibility.care_community_ids(user)
    )
    return (
        Concern.objects.filter(mine, handled_at__isnull=True)
        .select_related("relationship", "raised_by")
        .order_by("-priority", "created_at")
    )


def concern_text(concern: Concern) -> str:
    return sealing.unseal_text(concern.sealed_text, context=sealing.CONCERN_CONTEXT)


# --- de-identified counts -----------------------------------------------------------------------
def stats_for_user(*, user: Any) -> dict[str, Any] | None:
    """How many are helped, by kind, and the hours given, over what the caller administers:
    communities in a league committee's subtree; the relationships whose helpers belong to a
    university's or department's subtree; the care role's own community. No names, no ids."""
    if not visibility.may_see_stats(user):
        return None
    paths = [g.path for g in access.grants(user) if g.role in visibility.STATS_ROLES]
    rel_q = Q(pk__in=[])
    for path in paths:
        rel_q |= Q(beneficiary__community__path__startswith=path)
        helpers = Membership.objects.filter(org__path__startswith=path, is_active=True).values(
            "user_id"
        )
        rel_q |= Q(assignments__helper_id__in=helpers)
    communities = visibility.care_community_ids(user)
    if communities:
        rel_q |= Q(beneficiary__community_id__in=communities)
    rel_ids = HelpRelationship.objects.filter(rel_q).values("pk")
    by_kind = {
        row["beneficiary__kind"]: row
        for row in HelpRelationship.objects.filter(pk__in=rel_ids)
        .values("beneficiary__kind")
        .annotate(
            helped=Count("beneficiary", distinct=True), relationships=Count("pk", distinct=True)
        )
    }
    hours = {
        row["relationship__beneficiary__kind"]: Decimal(row["h"] or 0).quantize(Decimal("0.1"))
        for row in Visit.objects.filter(relationship_id__in=rel_ids, state=Visit.State.CONFIRMED)
        .values("relationship__beneficiary__kind")
        .annotate(h=Sum("attendance__credited_hours"))
    }
    rows = []
    for kind, label in BeneficiaryKind.choices:
        row = by_kind.get(kind)
        if row is None and kind not in hours:
            continue
        rows.append(
            {
                "kind": kind,
                "label": str(label),
                "helped": row["helped"] if row else 0,
                "relationships": row["relationships"] if row else 0,
                "hours": hours.get(kind, Decimal("0.0")),
            }
        )
    return {
        "rows": rows,
        "helped": sum(r["helped"] for r in rows),
        "relationships": sum(r["relationships"] for r in rows),
        "hours": sum((r["hours"] for r in rows), Decimal("0.0")),
    }


# --- campaigns ----------------------------------------------------------------------------------
def campaigns_for_user(*, user: Any) -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(visibility.campaigns_q(user))
        .select_related("community")
        .order_by("-starts_on")
    )


def campaign_get_for_user(*, user: Any, campaign_id: int) -> Campaign:
    campaign = campaigns_for_user(user=user).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("not_found", pgettext("care", "No such campaign."))
    return campaign


def households_for_user(*, user: Any, campaign: Campaign) -> QuerySet[CampaignHousehold]:
    """Only the households the caller is assigned to (the care role: all of the list)."""
    return (
        CampaignHousehold.objects.filter(visibility.households_q(user), campaign=campaign)
        .select_related("beneficiary")
        .prefetch_related("volunteers")
        .distinct()
        .order_by("pk")
    )


# --- naming people and organisations in a request ---------------------------------------------
def people_by_volunteer_no(numbers: list[str], *, field: str) -> list[Any]:
    """Active people by volunteer number (the public identifier), in the order given."""
    from qingshe.accounts.models import User

    wanted = [n.strip() for n in numbers if n and n.strip()]
    found = {
        u.volunteer_no: u for u in User.objects.filter(volunteer_no__in=wanted, is_active=True)
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise ValidationFailed(
            "unknown_volunteer",
            _("No active person has the volunteer number %(no)s.") % {"no": missing[0]},
            field=field,
        )
    return [found[n] for n in wanted]


def org_by_id(org_id: int | None, *, field: str) -> Organisation | None:
    if org_id is None:
        return None
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise ValidationFailed("unknown_organisation", _("No such organisation."), field=field)
    return org


def care_communities(user: Any) -> list[Organisation]:
    return list(
        Organisation.objects.filter(pk__in=visibility.care_community_ids(user)).order_by("path")
    )
