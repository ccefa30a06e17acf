"""More exportable lists (specs.py was near its size limit): the bounty board, training records,
insurance policies, my shifts, my points, the partner circle, council reports and feedback forms,
dispatch plans. Same rules as specs.py: the columns the page shows, the rows its own selector's."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from qingshe.core.exports.registry import Column, ExportSpec, register
from qingshe.core.exports.specs import _, _name, _vn


def _bounty_claim(need: Any) -> str:
    claims = getattr(need, "export_claims", [])
    if not claims:
        return ""
    claim = claims[0]
    text = _name(claim.claimant)
    if claim.assigned_group_id:
        text += f" → {claim.assigned_group.name}"
    elif claim.assigned_org_id and claim.assigned_org_id != claim.claimant_id:
        text += f" → {_name(claim.assigned_org)}"
    return text


def _bounty_state(need: Any) -> Any:
    return _("Open to take up") if need.state == "accepted" else need.get_state_display()


def _bounties() -> None:
    from qingshe.needs.models import BountyClaim, Need
    from qingshe.needs.selectors.resources import CURRENT_CLAIM_STATES

    claims = Prefetch(
        "claims",
        queryset=BountyClaim.objects.filter(state__in=CURRENT_CLAIM_STATES).select_related(
            "claimant", "assigned_org", "assigned_group"
        ),
        to_attr="export_claims",
    )
    register(
        ExportSpec(
            name="needs.bounties",
            title=_("Bounties"),
            model=Need,
            prepare=lambda qs: qs.select_related("community").prefetch_related(claims),
            columns=[
                Column(_("No."), lambda n: n.pk, width=8),
                Column(_vn(Need, "title"), lambda n: n.title, width=30),
                Column(_vn(Need, "state"), _bounty_state),
                Column(_vn(Need, "project_type"), lambda n: n.get_project_type_display()),
                Column(_vn(Need, "work_kind"), lambda n: n.get_work_kind_display()),
                Column(_("Community"), lambda n: _name(n.community), width=20),
                Column(_vn(Need, "people_needed"), lambda n: n.people_needed, width=8),
                Column(_vn(Need, "ends_on"), lambda n: n.ends_on, width=12),
                Column(_("Taken up by"), _bounty_claim, width=30),
            ],
        )
    )


for _register in (_bounties,):
    _register()
