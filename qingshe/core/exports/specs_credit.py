"""Exportable lists of the credit pages registered after issue 9's first round (see specs.py for
the rules: the columns the page shows, the rows its own selector gives): crowdfunding campaigns,
venues, the reward shop, my redemptions, my certificates; and duty's training courses."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count

from qingshe.core.exports.registry import Column, ExportContext, ExportSpec, register
from qingshe.core.exports.specs import _, _name, _vn


def _yes(flag: bool) -> Any:
    return _("Yes") if flag else ""


def _amount(value: Any) -> Decimal:
    return Decimal(value or 0)


def _campaigns() -> None:
    from qingshe.credit.models import Campaign
    from qingshe.credit.selectors_points import _with_progress, percent

    register(
        ExportSpec(
            name="credit.campaigns",
            title=_("Crowdfunding campaigns"),
            model=Campaign,
            # the page's figures (pledged, backers) are annotations of the selector: the same
            # annotation on the exported rows
            prepare=lambda qs: _with_progress(qs.select_related("group__owner")),
            columns=[
                Column(_vn(Campaign, "title"), lambda c: c.title, width=30),
                Column(_vn(Campaign, "group"), lambda c: c.group.name, width=20),
                Column(_("Organisation"), lambda c: _name(c.group.owner), width=26),
                Column(_vn(Campaign, "state"), lambda c: c.get_state_display(), width=8),
                Column(_vn(Campaign, "deadline"), lambda c: c.deadline, width=12),
                Column(_vn(Campaign, "goal"), lambda c: c.goal, width=12),
                Column(_("Pledged (yuan)"), lambda c: _amount(c.pledged), width=12),
                Column(_("Percent of the goal"), lambda c: percent(c.pledged, c.goal), width=10),
                Column(_("Backers"), lambda c: c.backers, width=8),
            ],
        )
    )


def _venues() -> None:
    from qingshe.credit.models import Venue

    register(
        ExportSpec(
            name="credit.venues",
            title=_("Venues"),
            model=Venue,
            prepare=lambda qs: qs.select_related("owner"),
            columns=[
                Column(_vn(Venue, "name"), lambda v: v.name, width=24),
                Column(_vn(Venue, "kind"), lambda v: v.get_kind_display(), width=12),
                Column(_vn(Venue, "capacity"), lambda v: v.capacity, width=10),
                Column(_vn(Venue, "owner"), lambda v: _name(v.owner), width=26),
                Column(_vn(Venue, "address"), lambda v: v.address, width=30),
                Column(_vn(Venue, "is_active"), lambda v: _yes(v.is_active), width=10),
            ],
        )
    )


def _rewards_held(rewards: list[Any], context: ExportContext) -> None:
    """How many of each reward the person who asked holds (the page's "you hold N")."""
    from qingshe.credit.models import Redemption

    held = dict(
        Redemption.objects.filter(
            user_id=getattr(context.user, "pk", None),
            reward__in=rewards,
            state__in=Redemption.LIVE_STATES,
        )
        .values("reward_id")
        .annotate(n=Count("pk"))
        .values_list("reward_id", "n")
    )
    for reward in rewards:
        reward.export_held = held.get(reward.pk, 0)


def _rewards() -> None:
    from qingshe.credit.models import Reward

    register(
        ExportSpec(
            name="credit.rewards",
            title=_("Reward shop"),
            model=Reward,
            prepare=lambda qs: qs.select_related("partner"),
            enrich=_rewards_held,
            columns=[
                Column(_vn(Reward, "title"), lambda r: r.title, width=26),
                Column(_vn(Reward, "price"), lambda r: r.price, width=10),
                Column(_("Partner unit"), lambda r: _name(r.partner), width=26),
                Column(_vn(Reward, "kind"), lambda r: r.get_kind_display(), width=8),
                Column(_vn(Reward, "stock"), lambda r: r.stock, width=8),
                Column(_vn(Reward, "valid_until"), lambda r: r.valid_until, width=12),
                Column(_("You hold"), lambda r: r.export_held, width=8),
            ],
        )
    )


def _redemptions() -> None:
    from qingshe.credit.models import Redemption

    register(
        ExportSpec(
            name="credit.redemptions",
            title=_("My redemptions"),
            model=Redemption,
            prepare=lambda qs: qs.select_related("reward__partner"),
            columns=[
                Column(_("Reward"), lambda r: r.reward.title, width=26),
                Column(_("Partner unit"), lambda r: _name(r.reward.partner), width=26),
                Column(_("Redeemed at"), lambda r: r.created_at, width=18),
                Column(_vn(Redemption, "points"), lambda r: r.points, width=8),
                Column(_vn(Redemption, "code"), lambda r: r.code, width=16),
                Column(_vn(Redemption, "state"), lambda r: r.get_state_display(), width=10),
            ],
        )
    )


def _hours(cert: Any) -> Any:
    try:
        return Decimal(str((cert.statement or {}).get("hours", "")))
    except InvalidOperation:
        return ""


def _certificates() -> None:
    from qingshe.credit.models import Certificate

    register(
        ExportSpec(
            name="credit.certificates",
            title=_("My certificates"),
            model=Certificate,
            prepare=lambda qs: qs.select_related("recording_org"),
            columns=[
                Column(_vn(Certificate, "number"), lambda c: c.number, width=22),
                Column(_vn(Certificate, "period_start"), lambda c: c.period_start, width=12),
                Column(_vn(Certificate, "period_end"), lambda c: c.period_end, width=12),
                Column(_("Hours"), _hours, width=8),
                Column(
                    _vn(Certificate, "recording_org"), lambda c: _name(c.recording_org), width=26
                ),
                Column(_vn(Certificate, "code"), lambda c: c.code, width=20),
                Column(_vn(Certificate, "issued_at"), lambda c: c.issued_at, width=18),
                Column(_("Revoked"), lambda c: _yes(c.is_revoked), width=8),
            ],
        )
    )


def _courses() -> None:
    from qingshe.duty.models import TrainingCourse

    register(
        ExportSpec(
            name="duty.courses",
            title=_("Training courses"),
            model=TrainingCourse,
            prepare=lambda qs: qs.select_related("org").annotate(export_records=Count("records")),
            columns=[
                Column(_vn(TrainingCourse, "name"), lambda c: c.name, width=24),
                Column(_vn(TrainingCourse, "topic"), lambda c: c.get_topic_display(), width=14),
                Column(_vn(TrainingCourse, "org"), lambda c: _name(c.org), width=26),
                Column(_vn(TrainingCourse, "valid_months"), lambda c: c.valid_months, width=10),
                Column(_("People trained"), lambda c: c.export_records, width=10),
            ],
        )
    )


for _register in (_campaigns, _venues, _rewards, _redemptions, _certificates, _courses):
    _register()
