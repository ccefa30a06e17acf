"""More exportable lists (specs.py was near its size limit): the bounty board, training records,
insurance policies, my shifts, my points, the partner circle, council reports and feedback forms,
dispatch plans. Same rules as specs.py: the columns the page shows, the rows its own selector's."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

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


def _yes(flag: bool) -> Any:
    return _("Yes") if flag else ""


def _duty() -> None:
    from django.db.models import Count

    from qingshe.duty.models import InsurancePolicy, TrainingRecord

    register(
        ExportSpec(
            name="duty.training_records",
            title=_("Training records"),
            model=TrainingRecord,
            prepare=lambda qs: qs.select_related("user", "course"),
            columns=[
                Column(_("Name"), lambda r: r.user.name, width=12),
                Column(_("Volunteer number"), lambda r: r.user.volunteer_no, width=18),
                Column(_("Course"), lambda r: r.course.name, width=24),
                Column(_vn(TrainingRecord, "completed_on"), lambda r: r.completed_on, width=12),
                Column(_vn(TrainingRecord, "valid_until"), lambda r: r.valid_until, width=12),
            ],
        )
    )
    register(
        ExportSpec(
            name="duty.insurance",
            title=_("Insurance policies"),
            model=InsurancePolicy,
            prepare=lambda qs: qs.select_related("holder").annotate(
                export_covered=Count("covered")
            ),
            columns=[
                Column(_vn(InsurancePolicy, "insurer"), lambda p: p.insurer, width=20),
                Column(_vn(InsurancePolicy, "policy_no"), lambda p: p.policy_no, width=20),
                Column(_vn(InsurancePolicy, "holder"), lambda p: _name(p.holder), width=24),
                Column(_vn(InsurancePolicy, "valid_from"), lambda p: p.valid_from, width=12),
                Column(_vn(InsurancePolicy, "valid_to"), lambda p: p.valid_to, width=12),
                Column(_("Covered people"), lambda p: p.export_covered, width=10),
                Column(_("Expired"), lambda p: _yes(p.valid_to < timezone.localdate()), width=8),
            ],
        )
    )


def _local(moment: Any) -> Any:
    return timezone.localtime(moment)


def _my_shifts() -> None:
    from qingshe.duty.models import SignUp

    register(
        ExportSpec(
            name="duty.my_shifts",
            title=_("My shifts"),
            model=SignUp,
            prepare=lambda qs: qs.select_related("shift__activity__organiser"),
            columns=[
                # the page groups the shifts by day: the day is a column of each row
                Column(_("Day"), lambda s: _local(s.shift.starts_at).date(), width=12),
                Column(_("From"), lambda s: _local(s.shift.starts_at).strftime("%H:%M"), width=8),
                Column(_("Until"), lambda s: _local(s.shift.ends_at).strftime("%H:%M"), width=8),
                Column(_("Activity"), lambda s: s.shift.activity.title, width=30),
                Column(_("Organiser"), lambda s: _name(s.shift.activity.organiser), width=24),
                Column(_("Place"), lambda s: s.shift.activity.place, width=20),
                Column(_vn(SignUp, "state"), lambda s: s.get_state_display()),
            ],
        )
    )


def _credit() -> None:
    from django.db.models import Count, Q

    from qingshe.credit.models import PointsEntry
    from qingshe.orgs.models import Organisation

    register(
        ExportSpec(
            name="credit.points",
            title=_("My points"),
            model=PointsEntry,
            prepare=lambda qs: qs.select_related("transfer__rule"),
            columns=[
                Column(_("Recorded at"), lambda e: e.transfer.created_at, width=18),
                Column(_("Reason"), lambda e: e.transfer.reason, width=30),
                Column(_("Kind"), lambda e: e.transfer.get_kind_display(), width=12),
                Column(
                    _("Rule"), lambda e: e.transfer.rule.name if e.transfer.rule else "", width=20
                ),
                Column(_("Points"), lambda e: e.amount, width=8),
                Column(_("Balance after"), lambda e: e.balance_after, width=10),
            ],
        )
    )
    register(
        ExportSpec(
            name="credit.partners",
            title=_("Partner circle"),
            model=Organisation,
            prepare=lambda qs: qs.annotate(
                export_rewards=Count("rewards", filter=Q(rewards__state="listed"), distinct=True),
                export_resources=Count(
                    "resources", filter=Q(resources__state="available"), distinct=True
                ),
            ),
            columns=[
                Column(_("Partner unit"), lambda o: o.name, width=30),
                Column(_("Address"), lambda o: o.address, width=24),
                Column(_("Resources"), lambda o: o.export_resources, width=8),
                Column(_("Rewards"), lambda o: o.export_rewards, width=8),
                Column(_("Description"), lambda o: o.description, width=40),
            ],
        )
    )


def _decision(item: Any) -> str:
    resolution = getattr(item, "resolution", None)
    if resolution is None:
        return ""
    return " ".join(
        t for t in (str(resolution.get_kind_display()), resolution.refer_to, resolution.reason) if t
    )


def _council() -> None:
    from qingshe.council.models import FeedbackForm, ListItem

    register(
        ExportSpec(
            name="council.list",
            title=_("Monthly list"),
            model=ListItem,
            prepare=lambda qs: qs.select_related("need", "resolution"),
            columns=[
                Column(_vn(ListItem, "rank"), lambda i: i.rank, width=6),
                Column(_("Need"), lambda i: i.need.title, width=30),
                Column(_("Need state"), lambda i: i.need.get_state_display()),
                Column(_vn(ListItem, "affected"), lambda i: i.affected, width=10),
                Column(_vn(ListItem, "age_days"), lambda i: i.age_days, width=10),
                Column(_("Urgent"), lambda i: _yes(bool(i.urgency)), width=6),
                Column(_vn(ListItem, "included"), lambda i: _yes(i.included), width=8),
                Column(_vn(ListItem, "note"), lambda i: i.note, width=30),
                Column(_("Council's decision"), _decision, width=30),
            ],
        )
    )
    register(
        ExportSpec(
            name="council.feedback",
            title=_("Work feedback forms"),
            model=FeedbackForm,
            prepare=lambda qs: qs.select_related("pairing__unit", "pairing__community"),
            columns=[
                Column(_vn(FeedbackForm, "month"), lambda f: f.month.strftime("%Y-%m"), width=8),
                Column(_("University side"), lambda f: f.pairing.unit.name, width=26),
                Column(_("Community side"), lambda f: f.pairing.community.name, width=20),
                Column(_vn(FeedbackForm, "state"), lambda f: f.get_state_display()),
                Column(_vn(FeedbackForm, "is_late"), lambda f: _yes(f.is_late), width=6),
                Column(_vn(FeedbackForm, "activities_held"), lambda f: f.activities_held, width=8),
                Column(_vn(FeedbackForm, "people_involved"), lambda f: f.people_involved, width=8),
                Column(_vn(FeedbackForm, "hours"), lambda f: f.hours, width=8),
                Column(_vn(FeedbackForm, "solved"), lambda f: f.solved, width=30),
                Column(_vn(FeedbackForm, "problems"), lambda f: f.problems, width=30),
                Column(_vn(FeedbackForm, "next_plan"), lambda f: f.next_plan, width=30),
                Column(_vn(FeedbackForm, "filed_at"), lambda f: f.filed_at, width=18),
            ],
        )
    )


def _dispatch() -> None:
    from django.db.models import Count, Q

    from qingshe.needs.dispatch.explain import plan_state_label
    from qingshe.needs.models import DispatchPlan

    register(
        ExportSpec(
            name="needs.dispatch_plans",
            title=_("Dispatch plans"),
            model=DispatchPlan,
            prepare=lambda qs: qs.select_related("scope", "created_by").annotate(
                export_lines=Count("lines", filter=Q(lines__included=True), distinct=True)
            ),
            columns=[
                Column(_("No."), lambda p: p.pk, width=8),
                Column(_("Area"), lambda p: _name(p.scope), width=24),
                Column(_vn(DispatchPlan, "state"), lambda p: plan_state_label(p.state)),
                Column(_vn(DispatchPlan, "horizon_start"), lambda p: p.horizon_start, width=18),
                Column(_vn(DispatchPlan, "horizon_end"), lambda p: p.horizon_end, width=18),
                Column(_("People planned"), lambda p: p.export_lines, width=10),
                Column(
                    _("Named by hand"), lambda p: _yes(bool((p.stats or {}).get("direct"))), width=8
                ),
                Column(_("Made by"), lambda p: p.created_by.name if p.created_by else "", width=12),
                Column(_("Made at"), lambda p: p.created_at, width=18),
            ],
        )
    )


for _register in (_bounties, _duty, _my_shifts, _credit, _council, _dispatch):
    _register()
