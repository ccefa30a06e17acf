"""日收集周汇总月清单. A resident's need, submitted through qingshe.needs, is the collected item.

Each week (local Monday 00:00 to the next) a community's needs are summarised; duplicates are
merged through needs' own duplicate mechanism (linked, never deleted, their reporters follow the
original). The monthly list is drawn from the month's weekly summaries and ranked by residents
affected, urgency and age; the council secretary edits it and sends it to the council.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.core.timeutil import local_date, month_bounds
from qingshe.council.models import ListItem, MonthlyList, WeeklySummary
from qingshe.council.services.common import (
    check_month,
    month_weeks,
    require,
    text,
    week_bounds,
    week_start_of,
)
from qingshe.needs.models import Need, NeedFollower
from qingshe.needs.services.triage import need_mark_duplicate
from qingshe.orgs.models import OrgKind, Role

__all__ = [
    "EXCLUDED_STATES",
    "list_item_edit",
    "monthly_list_build",
    "monthly_list_finalise",
    "summary_merge",
    "weekly_summaries_refresh",
    "weekly_summary_build",
]

S = Need.State
# Needs that never go on a list: turned down, a repeat of another, or someone else's to handle.
EXCLUDED_STATES = (S.REJECTED, S.DUPLICATE, S.NOT_RESPONSIBLE)


def _community(org: Any) -> None:
    if getattr(org, "kind", None) != OrgKind.COMMUNITY:
        raise ValidationFailed("invalid_community", _("Choose a community."), field="community")


def _collect_denied() -> str:
    return _("Only the community's staff and league secretary can summarise its needs.")


def _refresh_summary(*, community: Any, week_start: date, actor: Any) -> WeeklySummary:
    start, end = week_bounds(week_start)
    summary, _created = WeeklySummary.objects.get_or_create(
        community=community,
        week_start=week_start,
        defaults={"built_by": actor if getattr(actor, "pk", None) else None},
    )
    ids = list(
        Need.objects.filter(
            community=community, created_at__gte=start, created_at__lt=end
        ).values_list("pk", flat=True)
    )
    summary.needs.set(ids)
    return summary


@transaction.atomic
def weekly_summary_build(
    *, actor: Any, community: Any, week_start: date, now: datetime | None = None
) -> WeeklySummary:
    """Summarise (or bring up to date) the needs a community collected in one local week."""
    _community(community)
    require(actor, "council.collect", community, _collect_denied())
    if week_start.weekday() != 0:
        raise ValidationFailed("invalid_week", _("A week begins on a Monday."), field="week_start")
    today = local_date(now or timezone.now())
    if week_start > today:
        raise ValidationFailed(
            "week_not_started", _("This week has not begun yet."), field="week_start"
        )
    summary = _refresh_summary(community=community, week_start=week_start, actor=actor)
    audit(
        actor=actor,
        action="council.summary_build",
        obj=summary,
        org=community,
        data={"needs": summary.needs.count()},
    )
    return summary


@transaction.atomic
def weekly_summaries_refresh(*, now: datetime | None = None) -> int:
    """The daily job (no actor): bring this local week's summary of every active community up to
    date, and last week's on Mondays, so that each day's collection shows in its week."""
    from datetime import timedelta

    from qingshe.orgs.models import Organisation

    today = local_date(now or timezone.now())
    weeks = [week_start_of(today)]
    if today.weekday() == 0:
        weeks.append(weeks[0] - timedelta(days=7))
    count = 0
    for community in Organisation.objects.filter(kind=OrgKind.COMMUNITY, is_active=True).order_by(
        "pk"
    ):
        for monday in weeks:
            _refresh_summary(community=community, week_start=monday, actor=None)
            count += 1
    audit(actor=None, action="council.summaries_refresh", data={"summaries": count})
    return count


@transaction.atomic
def summary_merge(*, actor: Any, need: Need, original: Need, reason: str = "") -> Need:
    """Merge a repeated need into the original: needs' duplicate mechanism links it and makes
    its reporter and followers follow the original; nothing is deleted."""
    require(actor, "council.collect", need.community, _collect_denied())
    return need_mark_duplicate(actor=actor, need=need, original=original, reason=reason)


def _affected(need_ids: list[int]) -> dict[int, int]:
    """Residents affected per need: its reporter plus the followers who are not the reporter
    (the reporters of merged duplicates follow the original)."""
    counts = dict(
        NeedFollower.objects.filter(need_id__in=need_ids)
        .exclude(user_id=F("need__reporter_id"))
        .values("need_id")
        .annotate(n=Count("pk"))
        .values_list("need_id", "n")
    )
    return {pk: 1 + counts.get(pk, 0) for pk in need_ids}


@transaction.atomic
def monthly_list_build(
    *, actor: Any, community: Any, year: Any, month: Any, now: datetime | None = None
) -> MonthlyList:
    """Draw the month's list from its weekly summaries (brought up to date first) and rank it.

    Rebuilding a draft keeps the secretary's notes and exclusions; a list already sent to the
    council is not rebuilt."""
    _community(community)
    require(actor, "council.collect", community, _collect_denied())
    year, month = check_month(year, month)
    now = now or timezone.now()
    start, end = month_bounds(year, month)
    if start > now:
        raise ValidationFailed(
            "month_not_started", _("This month has not begun yet."), field="month"
        )
    first = date(year, month, 1)
    mlist, _created = MonthlyList.objects.select_for_update().get_or_create(
        community=community, month=first
    )
    if mlist.state != MonthlyList.State.DRAFT:
        raise Conflict("list_final", _("This month's list has already been sent to the council."))
    today = local_date(now)
    summaries = [
        _refresh_summary(community=community, week_start=monday, actor=actor)
        for monday in month_weeks(year, month)
        if monday <= today
    ]
    needs = list(
        Need.objects.filter(
            weekly_summaries__in=summaries, created_at__gte=start, created_at__lt=end
        )
        .exclude(state__in=EXCLUDED_STATES)
        .distinct()
    )
    affected = _affected([n.pk for n in needs])
    horizon = min(now, end)
    scored = sorted(
        needs,
        key=lambda n: (-affected[n.pk], -n.urgency, n.created_at, n.pk),
    )
    existing = {item.need_id: item for item in mlist.items.all()}
    keep_ids = {n.pk for n in needs}
    ListItem.objects.filter(monthly_list=mlist).exclude(need_id__in=keep_ids).delete()
    for rank, need in enumerate(scored, start=1):
        item = existing.get(need.pk) or ListItem(monthly_list=mlist, need=need)
        item.rank = rank
        item.affected = affected[need.pk]
        item.urgency = need.urgency
        item.age_days = max(0, (horizon - need.created_at).days)
        item.save()
    audit(
        actor=actor,
        action="council.list_build",
        obj=mlist,
        org=community,
        data={"items": len(scored)},
    )
    return mlist


@transaction.atomic
def list_item_edit(
    *,
    actor: Any,
    item: ListItem,
    rank: Any = None,
    included: bool | None = None,
    note: str | None = None,
) -> ListItem:
    """The council secretary moves an item, takes it off the agenda or puts it back, or notes it."""
    item = (
        ListItem.objects.select_related("monthly_list__community")
        .select_for_update()
        .get(pk=item.pk)
    )
    mlist = item.monthly_list
    require(actor, "council.collect", mlist.community, _collect_denied())
    if mlist.state != MonthlyList.State.DRAFT:
        raise Conflict("list_final", _("This month's list has already been sent to the council."))
    if note is not None:
        item.note = text(note, field="note", limit=500)
    if included is not None:
        item.included = bool(included)
    item.save(update_fields=["note", "included"])
    if rank is not None:
        items = list(mlist.items.order_by("rank", "pk"))
        try:
            wanted = int(rank)
        except (TypeError, ValueError):
            wanted = 0
        if not 1 <= wanted <= len(items):
            raise ValidationFailed(
                "invalid_rank",
                _("Choose a place between 1 and %(n)d.") % {"n": len(items)},
                field="rank",
            )
        items = [i for i in items if i.pk != item.pk]
        items.insert(wanted - 1, item)
        for position, row in enumerate(items, start=1):
            if row.rank != position:
                row.rank = position
                ListItem.objects.filter(pk=row.pk).update(rank=position)
        item.rank = wanted
    audit(
        actor=actor,
        action="council.item_edit",
        obj=item,
        org=mlist.community,
        data={"rank": item.rank, "included": item.included},
    )
    return item


@transaction.atomic
def monthly_list_finalise(*, actor: Any, monthly_list: MonthlyList) -> MonthlyList:
    """Send the list to the council as its agenda; the council members are told."""
    mlist = (
        MonthlyList.objects.select_for_update().select_related("community").get(pk=monthly_list.pk)
    )
    require(actor, "council.collect", mlist.community, _collect_denied())
    if mlist.state != MonthlyList.State.DRAFT:
        raise Conflict("list_final", _("This month's list has already been sent to the council."))
    if not mlist.items.filter(included=True).exists():
        raise ValidationFailed(
            "list_empty", _("Put at least one item on the agenda first."), field="items"
        )
    mlist.state = MonthlyList.State.FINAL
    mlist.finalised_by = actor
    mlist.finalised_at = timezone.now()
    mlist.save(update_fields=["state", "finalised_by", "finalised_at", "updated_at"])
    audit(actor=actor, action="council.list_final", obj=mlist, org=mlist.community)
    label = f"{mlist.month:%Y-%m}"
    name = mlist.community.display_name
    notify(
        users=[
            u
            for u in access.holders_over(mlist.community, [Role.COUNCIL_MEMBER])
            if u.pk != actor.pk
        ],
        kind="council.list_final",
        title=lambda: (
            _("The monthly list of %(community)s for %(month)s is ready for the council")
            % {"community": name, "month": label}
        ),
        url=reverse("council:list", args=[mlist.pk]),
    )
    return mlist
