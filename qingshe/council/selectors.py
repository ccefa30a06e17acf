"""Reads of the council app that depend on who asks (scoped through qingshe.core.access), and
the public accountability board (no personal data). Only verified needs count as solved."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.council.models import (
    FeedbackForm,
    ListItem,
    Meeting,
    MonthlyList,
    RatingInvite,
    Resolution,
    Verification,
    WeeklySummary,
)
from qingshe.needs.models import Need
from qingshe.orgs.models import Organisation, OrgKind
from qingshe.programmes.models import Pairing

# The only states that count as solved in any figure: verified by the panel (then closed).
SOLVED_STATES = (Need.State.VERIFIED, Need.State.CLOSED)


def _view_q(user: Any, prefix: str = "community__") -> Q:
    return access.subtree_q(user, access.ORG_ACTIONS["council.view"], prefix=prefix)


def communities_for_user(*, user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        _view_q(user, prefix=""), kind=OrgKind.COMMUNITY, is_active=True
    ).order_by("path")


def community_get_for_user(*, user: Any, community_id: int) -> Organisation:
    org = communities_for_user(user=user).filter(pk=community_id).first()
    if org is None:
        raise NotFound("not_found", _("No such community."))
    return org


def community_public(*, community_id: int) -> Organisation:
    org = Organisation.objects.filter(
        pk=community_id, kind=OrgKind.COMMUNITY, is_active=True
    ).first()
    if org is None:
        raise NotFound("not_found", _("No such community."))
    return org


def lists_for_user(
    *, user: Any, month: date | None = None, community_id: int | None = None
) -> QuerySet[MonthlyList]:
    qs = (
        MonthlyList.objects.filter(_view_q(user))
        .select_related("community")
        .annotate(item_count=Count("items", filter=Q(items__included=True)))
        .prefetch_related(
            Prefetch(
                "items", queryset=ListItem.objects.select_related("need").order_by("rank", "pk")
            )
        )
    )
    if month is not None:
        qs = qs.filter(month=month)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs.order_by("-month", "community__path")


def list_get_for_user(*, user: Any, list_id: int) -> MonthlyList:
    mlist = (
        MonthlyList.objects.filter(_view_q(user))
        .select_related("community")
        .filter(pk=list_id)
        .first()
    )
    if mlist is None:
        raise NotFound("not_found", _("No such monthly list."))
    return mlist


def list_items(*, monthly_list: MonthlyList) -> QuerySet[ListItem]:
    return monthly_list.items.select_related(
        "need",
        "resolution",
        "resolution__team",
        "resolution__project_group",
        "resolution__pairing__unit",
    ).order_by("rank", "pk")


def item_get_for_user(*, user: Any, item_id: int) -> ListItem:
    item = (
        ListItem.objects.filter(_view_q(user, prefix="monthly_list__community__"))
        .select_related("monthly_list__community", "need")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("not_found", _("No such list item."))
    return item


def summaries_for(*, community: Organisation, limit: int = 8) -> list[WeeklySummary]:
    return list(
        WeeklySummary.objects.filter(community=community)
        .prefetch_related(Prefetch("needs", queryset=Need.objects.order_by("created_at")))
        .order_by("-week_start")[:limit]
    )


def summary_groups(summary: WeeklySummary) -> list[dict[str, Any]]:
    """The week's needs grouped by field and place; duplicates listed under their original."""
    groups: dict[tuple[str, str], list[Need]] = defaultdict(list)
    for need in summary.needs.all():
        place = (need.address or "").strip() or _("No place given")
        groups[(need.get_service_field_display(), place)].append(need)
    return [
        {
            "category": cat,
            "place": place,
            "needs": needs,
            "open": sum(1 for n in needs if n.state != Need.State.DUPLICATE),
        }
        for (cat, place), needs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def meetings_for_user(*, user: Any, community_id: int | None = None) -> QuerySet[Meeting]:
    qs = Meeting.objects.filter(_view_q(user)).select_related("community", "agenda")
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs.annotate(resolution_count=Count("resolutions")).order_by("-held_on", "-pk")


def meeting_get_for_user(*, user: Any, meeting_id: int) -> Meeting:
    meeting = (
        Meeting.objects.filter(_view_q(user))
        .select_related("community", "agenda")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise NotFound("not_found", _("No such meeting."))
    return meeting


def resolutions_of(*, meeting: Meeting) -> QuerySet[Resolution]:
    return meeting.resolutions.select_related(
        "item__need", "team", "project_group", "pairing__unit"
    ).order_by("item__rank")


def need_for_verifier(*, user: Any, need_id: int) -> Need:
    need = (
        Need.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["council.view"], prefix="community__"),
            pk=need_id,
        )
        .select_related("community")
        .first()
    )
    if need is None:
        raise NotFound("not_found", _("This need does not exist."))
    return need


def to_verify_for_user(*, user: Any) -> QuerySet[Need]:
    """Needs reported done waiting for the panels the user sits on."""
    q = access.subtree_q(user, access.ORG_ACTIONS["council.verify"], prefix="community__")
    return (
        Need.objects.filter(q, state=Need.State.CLAIMED_DONE)
        .select_related("community")
        .order_by("state_changed_at")
    )


# --- the public accountability board -----------------------------------------------------------
@dataclass
class BoardRow:
    rank: int
    title: str
    category: str
    state: str
    state_label: str
    solved: bool
    resolution: str = ""
    verified_on: date | None = None
    evidence: str = ""
    ratings: int = 0
    stars: float | None = None


@dataclass
class Board:
    community: Organisation
    month: date
    monthly_list: MonthlyList | None
    rows: list[BoardRow] = field(default_factory=list)

    @property
    def solved(self) -> int:
        return sum(1 for r in self.rows if r.solved)


def public_board(*, community: Organisation, month: date) -> Board:
    """This month's list: each item's state and progress; solved (verified) items with their
    verification; ratings as counts and averages. Nothing about who reported what."""
    mlist = MonthlyList.objects.filter(
        community=community, month=month, state=MonthlyList.State.FINAL
    ).first()
    board = Board(community=community, month=month, monthly_list=mlist)
    if mlist is None:
        return board
    items = list(
        mlist.items.filter(included=True)
        .select_related("need", "resolution")
        .order_by("rank", "pk")
    )
    need_ids = [i.need_id for i in items]
    verifications: dict[int, Verification] = {}
    for v in Verification.objects.filter(
        need_id__in=need_ids, outcome=Verification.Outcome.VERIFIED
    ).order_by("at"):
        verifications[v.need_id] = v
    ratings = {
        row["need_id"]: row
        for row in RatingInvite.objects.filter(need_id__in=need_ids, used_at__isnull=False)
        .values("need_id")
        .annotate(n=Count("pk"), avg=Avg("stars"))
    }
    for position, item in enumerate(items, start=1):
        need = item.need
        solved = need.state in SOLVED_STATES
        ver = verifications.get(need.pk) if solved else None
        rating = ratings.get(need.pk, {})
        resolution = getattr(item, "resolution", None) if hasattr(item, "resolution") else None
        board.rows.append(
            BoardRow(
                rank=position,
                title=need.title,
                category=need.get_service_field_display(),
                state=need.state,
                state_label=need.get_state_display(),
                solved=solved,
                resolution=resolution.get_kind_display() if resolution else "",
                verified_on=timezone.localtime(ver.at).date() if ver else None,
                evidence=ver.evidence if ver else "",
                ratings=rating.get("n", 0),
                stars=round(rating["avg"], 1) if rating.get("avg") is not None else None,
            )
        )
    return board


def solved_count(*, community: Organisation, start: Any, end: Any) -> int:
    """Needs of the community verified as solved in [start, end): the only figure of 'solved'."""
    return (
        Need.objects.filter(
            community=community,
            state__in=SOLVED_STATES,
            events__to_state=Need.State.VERIFIED,
            events__at__gte=start,
            events__at__lt=end,
        )
        .distinct()
        .count()
    )


# --- feedback forms ----------------------------------------------------------------------------
def feedback_forms_for_user(
    *, user: Any, month: date | None = None, state: str = ""
) -> QuerySet[FeedbackForm]:
    roles = access.ORG_ACTIONS["feedback.view"]
    q = access.subtree_q(user, roles, prefix="pairing__unit__") | access.subtree_q(
        user, roles, prefix="pairing__community__"
    )
    qs = FeedbackForm.objects.filter(q).select_related(
        "pairing__unit", "pairing__community", "filed_by"
    )
    if month is not None:
        qs = qs.filter(month=month)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-month", "pk")


def feedback_get_for_user(*, user: Any, form_id: int) -> FeedbackForm:
    form = feedback_forms_for_user(user=user).filter(pk=form_id).first()
    if form is None:
        raise NotFound("not_found", _("No such feedback form."))
    return form


@dataclass
class FeedbackIssue:
    pairing: Pairing
    form: FeedbackForm | None  # None: missing

    @property
    def missing(self) -> bool:
        return self.form is None


def feedback_issues(*, pairings: list[Pairing], month: tuple[int, int]) -> list[FeedbackIssue]:
    """For the compliance page: active pairings whose form for `month` is missing or was late.
    A pairing owes a form for a month when it was active before the month ended."""
    from qingshe.core.timeutil import month_bounds

    start, end = month_bounds(*month)
    owing = [
        p
        for p in pairings
        if p.state == Pairing.State.ACTIVE and p.started_at is not None and p.started_at < end
    ]
    if not owing:
        return []
    forms = {
        f.pairing_id: f
        for f in FeedbackForm.objects.filter(pairing__in=owing, month=date(month[0], month[1], 1))
    }
    return [
        FeedbackIssue(pairing=p, form=forms.get(p.pk))
        for p in owing
        if p.pk not in forms or forms[p.pk].is_late
    ]
