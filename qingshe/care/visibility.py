"""The one rule of who sees and does what in the care app, called by qingshe.core.access.

* The community's staff holding the care role (CareRole, and still a community-side role over
  that community) see its beneficiaries, relationships, visits and campaigns, and record them.
* A relationship's supervisor sees it and its beneficiary while it is not ended, confirms its
  visits and handles its concerns.
* A helper sees a relationship and its beneficiary only while assigned (current Assignment on a
  relationship that is not ended); a hand-over ends that.
* A volunteer assigned to a campaign household sees that household (and the campaign).
* League, university and department admins see de-identified counts only (care.stats).
Everyone else gets nothing: pages and API answer 404. Platform staff get no exception here:
this is the data the platform protects most.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qingshe.orgs.models import Role

COMMUNITY_SIDE_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})
SUPERVISOR_COMMUNITY_ROLES = COMMUNITY_SIDE_ROLES
STATS_ROLES = frozenset({Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN})
LIVE = ("active", "paused")


def _grants(user: Any) -> tuple[Any, ...]:
    from qingshe.core import access

    return access.grants(user)


def _paths(user: Any, roles: frozenset[str]) -> list[str]:
    return [g.path for g in _grants(user) if g.role in roles]


def care_community_ids(user: Any) -> set[int]:
    """Communities where `user` holds the care role (and still a community-side role there)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_care_community_ids", None)
    if cached is not None:
        return set(cached)
    from qingshe.care.models import CareRole

    paths = _paths(user, COMMUNITY_SIDE_ROLES)
    ids: set[int] = set()
    if paths:
        for cid, cpath in CareRole.objects.filter(user_id=user.pk, is_active=True).values_list(
            "community_id", "community__path"
        ):
            if any(cpath.startswith(p) for p in paths):
                ids.add(cid)
    user._care_community_ids = frozenset(ids)
    return ids


def forget(user: Any) -> None:
    if hasattr(user, "_care_community_ids"):
        del user._care_community_ids


def relationships_q(user: Any, prefix: str = "") -> Q:
    """Relationships `user` may see (prefix e.g. "relationship__")."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    from qingshe.care.models import Assignment

    p = prefix
    current = Assignment.objects.filter(helper_id=user.pk, ended_on__isnull=True).values(
        "relationship_id"
    )
    q = Q(**{f"{p}supervisor_id": user.pk, f"{p}status__in": LIVE}) | Q(
        **{f"{p}pk__in": current, f"{p}status__in": LIVE}
    )
    communities = care_community_ids(user)
    if communities:
        q |= Q(**{f"{p}beneficiary__community_id__in": communities})
    return q


def beneficiaries_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    from qingshe.care.models import HelpRelationship

    q = Q(pk__in=HelpRelationship.objects.filter(relationships_q(user)).values("beneficiary_id"))
    communities = care_community_ids(user)
    if communities:
        q |= Q(community_id__in=communities)
    return q


def households_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = Q(volunteers=user)
    communities = care_community_ids(user)
    if communities:
        q |= Q(campaign__community_id__in=communities)
    return q


def campaigns_q(user: Any) -> Q:
    from qingshe.care.models import CampaignHousehold

    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = Q(pk__in=CampaignHousehold.objects.filter(volunteers=user).values("campaign_id"))
    communities = care_community_ids(user)
    if communities:
        q |= Q(community_id__in=communities)
    return q


def is_current_helper(user: Any, relationship: Any) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and relationship.status in LIVE
        and relationship.assignments.filter(helper_id=user.pk, ended_on__isnull=True).exists()
    )


def may_supervise(user: Any, relationship: Any) -> bool:
    """The supervisor confirms visits; with no supervisor named, the care role does."""
    if not getattr(user, "is_authenticated", False) or relationship.status not in LIVE:
        return False
    if relationship.supervisor_id is not None:
        return bool(relationship.supervisor_id == user.pk)
    return relationship.beneficiary.community_id in care_community_ids(user)


def can(user: Any, action: str, obj: Any) -> bool:
    """care.* actions: see the module's docstring for the rule."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action == "care.beneficiary.view":
        from qingshe.care.models import Beneficiary

        return Beneficiary.objects.filter(beneficiaries_q(user), pk=obj.pk).exists()
    if action == "care.beneficiary.view_without_reason":
        # An assigned helper sees what the help needs; anyone else says why, every time.
        from qingshe.care.models import Assignment

        return Assignment.objects.filter(
            helper_id=user.pk,
            ended_on__isnull=True,
            relationship__beneficiary_id=obj.pk,
            relationship__status__in=LIVE,
        ).exists()
    if action in ("care.beneficiary.create", "care.campaign.manage", "care.export"):
        return obj.pk in care_community_ids(user)  # obj: the community
    if action == "care.relationship.manage":  # obj: a beneficiary
        return obj.community_id in care_community_ids(user)
    if action == "care.relationship.view":
        from qingshe.care.models import HelpRelationship

        return HelpRelationship.objects.filter(relationships_q(user), pk=obj.pk).exists()
    if action == "care.visit.log":
        return is_current_helper(user, obj) and obj.status == "active"
    if action == "care.visit.confirm":
        return may_supervise(user, obj)
    if action == "care.concern.handle":
        return may_supervise(user, obj) or obj.beneficiary.community_id in care_community_ids(user)
    if action == "care.stats":  # obj: an organisation
        return any(obj.path.startswith(p) for p in _paths(user, STATS_ROLES)) or bool(
            care_community_ids(user)
        )
    raise KeyError(f"unknown action {action!r}")


def may_see_stats(user: Any) -> bool:
    return bool(_paths(user, STATS_ROLES)) or bool(care_community_ids(user))
