"""揭榜挂帅: a community posts a bounty (发榜, a Need with is_bounty), a university organisation
takes it (揭榜) and gives it to one of its departments or project groups, which carries it out.

One live claim per bounty: the need's row is locked first (need_lock), and the partial unique
constraint `bounty_one_active_claim` backs the rule if anything slips past the lock. Lock order is
always need, then claim. The need's state moves only through need_move:

    accepted --bounty_claim--> claimed --bounty_start--> in_progress
    claimed / in_progress --bounty_withdraw--> accepted (others may claim it again)
    ... need_report_done / need_verify (services/triage.py) ... verified --bounty_mark_done--> claim done

`bounty_mark_done` is for the verifier's code path: call it in the same transaction, after the
need has moved to verified; it marks the live claim carried out (and does nothing when there is
none).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.needs.models import BountyClaim, Need, ProjectGroup
from qingshe.needs.services.lifecycle import need_lock, need_move
from qingshe.needs.services.projects import can_decide, deciders_of
from qingshe.orgs.models import Organisation, OrgKind, Role

__all__ = [
    "CLAIMANT_KINDS",
    "bounty_assign",
    "bounty_claim",
    "bounty_mark_done",
    "bounty_start",
    "bounty_url",
    "bounty_withdraw",
    "can_claim_bounty",
    "can_start_bounty",
    "can_withdraw_bounty",
]

CLAIMANT_KINDS = frozenset({OrgKind.UNIVERSITY_COMMITTEE, OrgKind.DEPARTMENT_COMMITTEE})
MAX_PLAN = 4000
S = Need.State
COMMUNITY_ROLES = [Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY]


def bounty_url(need: Need) -> str:
    return f"/resources/bounties/{need.pk}/"


def can_claim_bounty(user: Any, claimant: Organisation) -> bool:
    """University or department admins over the claiming organisation."""
    return claimant.kind in CLAIMANT_KINDS and access.can(user, "bounty.claim", claimant)


def can_start_bounty(user: Any, claim: BountyClaim) -> bool:
    """The claimant's admins, the assigned department's admins, or those who run the group."""
    if access.can(user, "bounty.claim", claim.claimant):
        return True
    if claim.assigned_org_id is not None and access.can(user, "bounty.claim", claim.assigned_org):
        return True
    return claim.assigned_group_id is not None and can_decide(user, claim.assigned_group)


def can_withdraw_bounty(user: Any, claim: BountyClaim, need: Need) -> bool:
    """The claimant's admins give it up, or the posting community takes it back."""
    return access.can(user, "bounty.claim", claim.claimant) or access.can(
        user, "need.triage", need.community
    )


def _active_claim(need: Need) -> BountyClaim | None:
    return (
        BountyClaim.objects.select_for_update(of=("self",))
        .select_related(
            "claimant", "assigned_org", "assigned_group__owner", "assigned_group__instructor"
        )
        .filter(need=need, state=BountyClaim.State.ACTIVE)
        .first()
    )


def _locked(need: Need) -> Need:
    locked = need_lock(need.pk)
    locked.community = Organisation.objects.get(pk=locked.community_id)
    return locked


def _department_of(org: Organisation) -> Organisation | None:
    if org.kind == OrgKind.DEPARTMENT_COMMITTEE:
        return org
    if org.kind == OrgKind.CLASS_BRANCH and org.parent_id is not None:
        return Organisation.objects.get(pk=org.parent_id)
    return None


def _check_assignment(
    claimant: Organisation, assigned_org: Organisation | None, group: ProjectGroup | None
) -> tuple[Organisation | None, ProjectGroup | None]:
    """The department (in the claimant's subtree) and the group (owned in it) that carry it out.
    A group alone names its department; a department claimant carries it out itself by default."""
    if assigned_org is not None and (
        assigned_org.kind != OrgKind.DEPARTMENT_COMMITTEE or not assigned_org.is_within(claimant)
    ):
        raise ValidationFailed(
            "invalid_assignee",
            _("Choose a department of the claiming organisation."),
            field="assigned_org",
        )
    if group is not None:
        group = ProjectGroup.objects.select_related("owner").get(pk=group.pk)
        if not group.owner.is_within(claimant):
            raise ValidationFailed(
                "invalid_group",
                _("Choose a project group of the claiming organisation."),
                field="group",
            )
        if assigned_org is not None and not group.owner.is_within(assigned_org):
            raise ValidationFailed(
                "invalid_group", _("This project group is not in that department."), field="group"
            )
        if group.state != ProjectGroup.State.OPEN:
            raise Conflict("group_closed", _("This group is closed."), field="group")
        if assigned_org is None:
            assigned_org = _department_of(group.owner)
    if assigned_org is None and claimant.kind == OrgKind.DEPARTMENT_COMMITTEE:
        assigned_org = claimant
    return assigned_org, group


def _carriers(assigned_org: Organisation | None, group: ProjectGroup | None) -> list[Any]:
    """Whom to tell that a bounty is theirs to carry out."""
    users: dict[int, Any] = {}
    if assigned_org is not None:
        users.update({u.pk: u for u in access.holders_over(assigned_org, [Role.DEPARTMENT_ADMIN])})
    if group is not None:
        users.update({u.pk: u for u in deciders_of(group)})
    return list(users.values())


def _claimant_admins(claimant: Organisation) -> list[Any]:
    return list(access.holders_over(claimant, [Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN]))


def _others(users: list[Any], actor: Any) -> list[Any]:
    return [u for u in users if u.pk != getattr(actor, "pk", None)]


def _set_group(need: Need, old: int | None, new: ProjectGroup | None) -> None:
    # The bounty is the group's linked need while the group carries it out; a link made some
    # other way (not by this claim) is left alone.
    if need.project_group_id in (None, old):
        need.project_group = new
        need.save(update_fields=["project_group", "updated_at"])


@transaction.atomic
def bounty_claim(
    *,
    actor: Any,
    need: Need,
    claimant: Organisation,
    assigned_org: Organisation | None = None,
    group: ProjectGroup | None = None,
    plan: str = "",
) -> BountyClaim:
    """A university or department takes up a posted bounty (揭榜); the need moves accepted →
    claimed. A second claim while one is live is refused with Conflict `bounty_taken`."""
    need = _locked(need)
    if not need.is_bounty:
        raise ValidationFailed("not_a_bounty", _("This need was not posted as a bounty."))
    if claimant.kind not in CLAIMANT_KINDS:
        raise ValidationFailed(
            "invalid_claimant",
            _("A bounty is taken up by a university or a department."),
            field="claimant",
        )
    if not can_claim_bounty(actor, claimant):
        raise AccessDenied(
            "forbidden",
            _("Only the university's or the department's league admins can take up a bounty."),
        )
    if claimant.city_id != need.community.city_id:
        raise ValidationFailed(
            "invalid_claimant", _("This bounty was posted in another city."), field="claimant"
        )
    if BountyClaim.objects.filter(need=need, state=BountyClaim.State.ACTIVE).exists():
        raise Conflict(
            "bounty_taken", _("This bounty has already been taken up by another organisation.")
        )
    if need.state != S.ACCEPTED:
        raise Conflict("bounty_not_open", _("This bounty is not open to be taken up."))
    plan = (plan or "").strip()
    if len(plan) > MAX_PLAN:
        raise ValidationFailed(
            "plan_too_long",
            _("The plan has at most %(n)d characters.") % {"n": MAX_PLAN},
            field="plan",
        )
    assigned_org, group = _check_assignment(claimant, assigned_org, group)
    try:
        with transaction.atomic():
            claim = BountyClaim.objects.create(
                need=need,
                claimant=claimant,
                assigned_org=assigned_org,
                assigned_group=group,
                plan=plan,
                claimed_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError as exc:
        raise Conflict(
            "bounty_taken", _("This bounty has already been taken up by another organisation.")
        ) from exc
    need_move(
        need=need,
        to=S.CLAIMED,
        actor=actor,
        data={"claim": claim.pk, "claimant": claimant.display_name},
    )
    if group is not None:
        _set_group(need, None, group)
    audit(
        actor=actor,
        action="bounty.claim",
        obj=claim,
        org=claimant,
        data={
            "need": need.pk,
            "assigned_org": getattr(assigned_org, "pk", None),
            "group": getattr(group, "pk", None),
        },
    )
    title, who = need.title, claimant.display_name
    notify(
        users=_others(list(access.holders_over(need.community, COMMUNITY_ROLES)), actor),
        kind="bounty.claimed",
        title=lambda: _("%(org)s has taken up your bounty %(need)s") % {"org": who, "need": title},
        body=plan,
        url=bounty_url(need),
    )
    notify(
        users=_others(_carriers(assigned_org, group), actor),
        kind="bounty.assigned",
        title=lambda: _("The bounty %(need)s is yours to carry out") % {"need": title},
        body=plan,
        url=bounty_url(need),
    )
    return claim


def _live(need: Need) -> BountyClaim:
    claim = _active_claim(need)
    if claim is None:
        raise Conflict("bounty_not_claimed", _("Nobody has taken up this bounty."))
    return claim


@transaction.atomic
def bounty_assign(
    *,
    actor: Any,
    need: Need,
    assigned_org: Organisation | None = None,
    group: ProjectGroup | None = None,
) -> BountyClaim:
    """The claimant gives the bounty to another department or project group."""
    need = _locked(need)
    claim = _live(need)
    if not access.can(actor, "bounty.claim", claim.claimant):
        raise AccessDenied(
            "forbidden", _("Only the claiming organisation's admins can change who carries it out.")
        )
    if need.state not in (S.CLAIMED, S.IN_PROGRESS):
        raise Conflict("bounty_not_open", _("This bounty can no longer be handed on."))
    assigned_org, group = _check_assignment(claim.claimant, assigned_org, group)
    if assigned_org is None and group is None:
        raise ValidationFailed(
            "assignee_required",
            _("Choose the department or project group that carries it out."),
            field="assigned_org",
        )
    new_org, new_group = getattr(assigned_org, "pk", None), getattr(group, "pk", None)
    if (new_org, new_group) == (claim.assigned_org_id, claim.assigned_group_id):
        return claim
    old_group = claim.assigned_group_id
    claim.assigned_org, claim.assigned_group = assigned_org, group
    claim.save(update_fields=["assigned_org", "assigned_group", "updated_at"])
    _set_group(need, old_group, group)
    audit(
        actor=actor,
        action="bounty.assign",
        obj=claim,
        org=claim.claimant,
        data={"need": need.pk, "assigned_org": new_org, "group": new_group},
    )
    title = need.title
    notify(
        users=_others(_carriers(assigned_org, group), actor),
        kind="bounty.assigned",
        title=lambda: _("The bounty %(need)s is yours to carry out") % {"need": title},
        body=claim.plan,
        url=bounty_url(need),
    )
    return claim


@transaction.atomic
def bounty_start(*, actor: Any, need: Need) -> BountyClaim:
    """The department or group starts the work: claimed → in_progress."""
    need = _locked(need)
    claim = _live(need)
    if not can_start_bounty(actor, claim):
        raise AccessDenied("forbidden", _("Only those who carry out the bounty can start it."))
    need_move(need=need, to=S.IN_PROGRESS, actor=actor, data={"claim": claim.pk})
    audit(actor=actor, action="bounty.start", obj=claim, org=claim.claimant, data={"need": need.pk})
    title = need.title
    notify(
        users=_others(list(access.holders_over(need.community, COMMUNITY_ROLES)), actor),
        kind="bounty.started",
        title=lambda: _("Work on your bounty %(need)s has started") % {"need": title},
        url=bounty_url(need),
    )
    return claim


@transaction.atomic
def bounty_withdraw(*, actor: Any, need: Need, reason: str) -> BountyClaim:
    """The claimant gives the bounty up, or the community takes it back: the claim is withdrawn
    and the need goes back to accepted, open to be taken up again."""
    need = _locked(need)
    claim = _live(need)
    if not can_withdraw_bounty(actor, claim, need):
        raise AccessDenied(
            "forbidden",
            _("Only the claiming organisation's admins or the community can withdraw the claim."),
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    if len(reason) > 1000:
        raise ValidationFailed("reason_too_long", _("At most 1000 characters."), field="reason")
    need_move(
        need=need,
        to=S.ACCEPTED,
        actor=actor,
        reason=reason,
        data={"claim": claim.pk, "withdrawn": True},
    )
    claim.state = BountyClaim.State.WITHDRAWN
    claim.reason = reason
    claim.save(update_fields=["state", "reason", "updated_at"])
    _set_group(need, claim.assigned_group_id, None)
    by_claimant = access.can(actor, "bounty.claim", claim.claimant)
    audit(
        actor=actor,
        action="bounty.withdraw",
        obj=claim,
        org=claim.claimant,
        data={"need": need.pk, "reason": reason, "by": "claimant" if by_claimant else "community"},
    )
    title, who = need.title, claim.claimant.display_name
    if by_claimant:
        users = list(access.holders_over(need.community, COMMUNITY_ROLES))
    else:
        users = _claimant_admins(claim.claimant) + _carriers(
            claim.assigned_org, claim.assigned_group
        )

    def text() -> str:
        if by_claimant:
            return _("%(org)s has given up your bounty %(need)s; it is open again") % {
                "org": who,
                "need": title,
            }
        return _("The community has taken back the bounty %(need)s") % {"need": title}

    notify(
        users=_others(users, actor),
        kind="bounty.withdrawn",
        title=text,
        body=reason,
        url=bounty_url(need),
    )
    return claim


@transaction.atomic
def bounty_mark_done(*, need: Need, actor: Any = None) -> BountyClaim | None:
    """Mark the live claim carried out once the bounty has been verified. For the verifier's
    transaction (after need_move to verified); returns None for a need with no live claim."""
    need = _locked(need)
    claim = _active_claim(need)
    if claim is None:
        return None
    if need.state not in (S.VERIFIED, S.CLOSED):
        raise Conflict(
            "bounty_not_verified", _("A bounty is carried out only once it has been verified.")
        )
    claim.state = BountyClaim.State.DONE
    claim.save(update_fields=["state", "updated_at"])
    audit(actor=actor, action="bounty.done", obj=claim, org=claim.claimant, data={"need": need.pk})
    title = need.title
    notify(
        users=_others(
            _claimant_admins(claim.claimant) + _carriers(claim.assigned_org, claim.assigned_group),
            actor,
        ),
        kind="bounty.done",
        title=lambda: _("The bounty %(need)s has been verified as carried out") % {"need": title},
        url=bounty_url(need),
    )
    return claim
