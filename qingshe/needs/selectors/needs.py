"""Reads of needs that depend on who asks. The rule of who sees what is
services.needs.need_visible_q; an outsider gets NotFound, exactly as for a need that does not
exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.needs.models import Need, NeedEvent, NeedFollower, NeedPhoto, NeedWindow
from qingshe.needs.services.needs import (
    TERMINAL_STATES,
    is_resident_of,
    may_follow,
    need_visible_q,
    resident_communities,
)
from qingshe.needs.services.triage import can_reopen, can_report_done, can_triage, can_verify
from qingshe.orgs.models import Organisation, OrgKind, Role

__all__ = [
    "AGE_CHOICES",
    "NeedFilters",
    "duplicate_candidates",
    "is_resident_of",
    "is_staff_of",
    "my_needs",
    "need_actions",
    "BoardCard",
    "board_cards",
    "need_board_communities",
    "need_board_counts",
    "need_board_reads",
    "need_detail_prefetch",
    "need_get_for_follow",
    "need_get_for_user",
    "need_history",
    "need_list_for_user",
    "need_photo_get_for_user",
    "needs_waiting_for",
    "may_order",
    "order_communities",
    "residents_matching",
    "state_label",
]


def state_label(state: str) -> str:
    """A need's state as a resident reads it: the model's label, which carries the context
    "need state" (other apps' states share the msgids: "Submitted" is an application's 已报名).
    needs/need_state_badge.html says the same in templates."""
    return str(dict(Need.State.choices).get(state, state))


# "Waiting longer than": how long since the need last changed state.
AGE_CHOICES = [
    ("1", gettext_lazy("more than a day")),
    ("3", gettext_lazy("more than 3 days")),
    ("7", gettext_lazy("more than a week")),
    ("30", gettext_lazy("more than a month")),
]


@dataclass(frozen=True)
class NeedFilters:
    state: str = ""  # a Need.State value, or "open" for every open state
    project_type: str = ""
    service_field: str = ""
    urgency: int | None = None
    older_than_days: int | None = None
    community_id: int | None = None
    is_bounty: bool | None = None
    q: str = ""


def _base(user: Any) -> QuerySet[Need]:
    return Need.objects.filter(need_visible_q(user))


def _apply(qs: QuerySet[Need], f: NeedFilters, *, with_state: bool = True) -> QuerySet[Need]:
    if with_state and f.state:
        qs = (
            qs.filter(state__in=Need.OPEN_STATES) if f.state == "open" else qs.filter(state=f.state)
        )
    if f.project_type:
        qs = qs.filter(project_type=f.project_type)
    if f.service_field:
        qs = qs.filter(service_field=f.service_field)
    if f.urgency is not None:
        qs = qs.filter(urgency=f.urgency)
    if f.older_than_days:
        qs = qs.filter(state_changed_at__lt=timezone.now() - timedelta(days=f.older_than_days))
    if f.community_id:
        qs = qs.filter(community_id=f.community_id)
    if f.is_bounty is not None:
        qs = qs.filter(is_bounty=f.is_bounty)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(description__icontains=f.q))
    return qs


def need_list_for_user(*, user: Any, filters: NeedFilters | None = None) -> QuerySet[Need]:
    """Needs the person may see, filtered; the most urgent first, then the longest waiting.

    Staff, the league secretary, the panel, the council and league admins see their communities'
    needs; a resident the needs they reported or follow; a student the needs of their own
    assignments (see services.needs.need_visible_q)."""
    f = filters or NeedFilters()
    qs = _apply(_base(user), f)
    return (
        qs.select_related("community", "reporter")
        .annotate(follower_count=Count("followers", distinct=True))
        .order_by("-urgency", "state_changed_at", "-pk")
    )


def need_board_counts(*, user: Any, filters: NeedFilters | None = None) -> dict[str, int]:
    """How many needs are in each state, under every filter but the state (one query)."""
    f = filters or NeedFilters()
    rows = (
        _apply(_base(user), f, with_state=False).order_by().values("state").annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(Need.State.values, 0)
    for row in rows:
        counts[row["state"]] = row["n"]
    counts["open"] = sum(counts[s] for s in Need.OPEN_STATES)
    counts["all"] = sum(counts[s] for s in Need.State.values)
    return counts


def _counts_of(qs: QuerySet[Need]) -> dict[str, int]:
    rows = qs.order_by().values_list("state").annotate(n=Count("pk"))
    counts = dict.fromkeys(Need.State.values, 0)
    for state, n in rows:
        counts[state] = n
    counts["open"] = sum(counts[s] for s in Need.OPEN_STATES)
    counts["all"] = sum(counts[s] for s in Need.State.values)
    return counts


# The columns a card of the board shows (with follower_count); see board_cards.
BOARD_CARD_FIELDS = (
    "pk",
    "title",
    "state",
    "urgency",
    "project_type",
    "is_bounty",
    "community__name",
    "reporter_id",
    "reporter__name",
    "state_changed_at",
    "created_at",
)


def need_board_reads(
    *, user: Any, filters: NeedFilters | None = None
) -> tuple[dict[str, int], QuerySet[Any]]:
    """The board page's two reads, built on one visibility filter: how many needs are in each
    state under every filter but the state (as need_board_counts; one query), and the needs
    shown, as need_list_for_user orders them but as rows of BOARD_CARD_FIELDS plus
    follower_count (one query when sliced; turn them into cards with board_cards). The count of
    the shown needs is the counts' entry for the state (`open`, `all` or a state), so a
    paginator needs no COUNT query of its own."""
    f = filters or NeedFilters()
    scoped = _apply(_base(user), f, with_state=False)
    if f.state:
        shown = (
            scoped.filter(state__in=Need.OPEN_STATES)
            if f.state == "open"
            else scoped.filter(state=f.state)
        )
    else:
        shown = scoped
    rows = (
        shown.values_list(*BOARD_CARD_FIELDS)
        .annotate(follower_count=Count("followers", distinct=True))
        .order_by("-urgency", "state_changed_at", "-pk")
    )
    return _counts_of(scoped), rows


@dataclass(slots=True)
class BoardCard:
    """One need on the board, with its labels in words (see board_cards)."""

    pk: int
    title: str
    state: str
    state_label: str
    urgency: int
    urgency_label: str
    type_label: str
    is_bounty: bool
    community: str
    reporter: str | None  # None: nobody reported it (posted by the community)
    age: str  # "in this state for …"
    followers: str  # "Followers: n", or "" for none
    url: str = ""


def board_cards(rows: Any) -> list[BoardCard]:
    """need_board_reads' rows as cards: the state, urgency and category in words (as
    need_state_badge.html and get_FOO_display say them) and how long the need has been in its
    state, the page's sentence included."""
    urgencies = dict(Need._meta.get_field("urgency").flatchoices)
    types = dict(Need._meta.get_field("project_type").flatchoices)
    cards = []
    for (
        pk,
        title,
        state,
        urgency,
        kind,
        bounty,
        community,
        reporter_id,
        reporter,
        changed,
        created,
        followers,
    ) in rows:
        since = changed or created
        try:
            age = timesince(since) if since else ""
        except (ValueError, TypeError):
            age = ""
        cards.append(
            BoardCard(
                pk=pk,
                title=title,
                state=state,
                state_label=state_label(state),
                urgency=urgency,
                urgency_label=str(urgencies.get(urgency, urgency)),
                type_label=str(types.get(kind, kind)),
                is_bounty=bounty,
                community=community,
                reporter=None if reporter_id is None else reporter,
                age=_("in this state for %(age)s") % {"age": age},
                followers=_("Followers: %(c)s") % {"c": followers} if followers else "",
            )
        )
    return cards


def need_get_for_user(*, user: Any, need_id: int, detail: bool = False) -> Need:
    """One need the person may see (`detail`: with its windows, photos, skills and training);
    NotFound for anything else."""
    qs = _base(user).filter(pk=need_id)
    if detail:
        qs = need_detail_prefetch(qs)
    need = (
        qs.select_related("community", "reporter", "entered_by", "original", "project_group__owner")
        .annotate(follower_count=Count("followers", distinct=True))
        .first()
    )
    if need is None:
        raise NotFound("not_found", _("This need does not exist, or you may not see it."))
    return need


def need_detail_prefetch(qs: QuerySet[Need]) -> QuerySet[Need]:
    """What a need's page or its API answer show besides the row (a fixed number of queries)."""
    return qs.prefetch_related(
        Prefetch("windows", queryset=NeedWindow.objects.order_by("starts_at")),
        Prefetch("photos", queryset=NeedPhoto.objects.order_by("created_at", "pk")),
        "skills",
        "required_courses",
    )


def need_get_for_follow(*, user: Any, need_id: int) -> Need:
    """A need the person may see, or may follow without seeing it yet (an open need of their
    street shown as a possible duplicate at intake); NotFound for anything else."""
    try:
        return need_get_for_user(user=user, need_id=need_id)
    except NotFound:
        need = Need.objects.filter(pk=need_id).select_related("community").first()
        if need is None or need.state in TERMINAL_STATES or not may_follow(user, need):
            raise
        return need


def need_history(*, need: Need) -> list[NeedEvent]:
    """The need's moves, oldest first, with who made them."""
    return list(NeedEvent.objects.filter(need=need).select_related("actor").order_by("at", "pk"))


def need_photo_get_for_user(*, user: Any, need_id: int, photo_id: int) -> NeedPhoto:
    need = need_get_for_user(user=user, need_id=need_id)
    photo = NeedPhoto.objects.filter(need=need, pk=photo_id).first()
    if photo is None:
        raise NotFound("not_found", _("No such photo."))
    return photo


def need_actions(*, user: Any, need: Need) -> dict[str, bool]:
    """What the need's page offers this person (each is checked again by the service)."""
    state = need.state
    S = Need.State
    triage = can_triage(user, need)
    verify = can_verify(user, need)
    pk = getattr(user, "pk", None)
    following = bool(pk) and NeedFollower.objects.filter(need=need, user_id=pk).exists()
    return {
        "can_accept": triage and state == S.SUBMITTED,
        "can_reject": triage and state in (S.SUBMITTED, S.ACCEPTED),
        "can_duplicate": triage and state in (S.SUBMITTED, S.ACCEPTED),
        "can_not_responsible": triage and state in (S.SUBMITTED, S.ACCEPTED),
        "can_report_done": state == S.IN_PROGRESS and can_report_done(user, need),
        "can_verify": verify and state == S.CLAIMED_DONE,
        "can_send_back": verify and state == S.CLAIMED_DONE,
        "can_reopen": state == S.VERIFIED and can_reopen(user, need),
        "can_close": triage and state == S.VERIFIED,
        "following": following,
        "can_follow": (
            not following
            and not triage
            and state not in TERMINAL_STATES
            and pk != need.reporter_id
            and may_follow(user, need)
        ),
        "can_add_photo": state in Need.OPEN_STATES
        and (pk in {need.reporter_id, need.entered_by_id} or triage),
        "is_staff": triage,
    }


def duplicate_candidates(*, need: Need, limit: int = 30) -> QuerySet[Need]:
    """Open needs of the same community that this one may repeat (for the triage form)."""
    return (
        Need.objects.filter(community_id=need.community_id, state__in=Need.OPEN_STATES)
        .exclude(pk=need.pk)
        .order_by("-created_at", "-pk")[:limit]
    )


def my_needs(*, user: Any, state: str = "") -> QuerySet[Need]:
    """A resident's orders: those they reported (also when staff entered them for them) and those
    they follow, newest first."""
    pk = getattr(user, "pk", None)
    followed = NeedFollower.objects.filter(need=OuterRef("pk"), user_id=pk)
    qs = Need.objects.filter(
        Q(reporter_id=pk) | Q(pk__in=NeedFollower.objects.filter(user_id=pk).values("need_id"))
    )
    if state == "open":
        qs = qs.filter(state__in=[*Need.OPEN_STATES, Need.State.CLAIMED_DONE])
    elif state:
        qs = qs.filter(state=state)
    return (
        qs.select_related("community")
        .annotate(is_following=Exists(followed))
        .order_by("-created_at", "-pk")
    )


def needs_waiting_for(*, user: Any) -> dict[str, QuerySet[Need]]:
    """For the home page: needs waiting for triage (staff) and reported done waiting for
    verification (staff and the panel), oldest first."""
    triage_q = access.subtree_q(user, access.ORG_ACTIONS["need.triage"], prefix="community__")
    verify_q = access.subtree_q(user, access.ORG_ACTIONS["need.verify"], prefix="community__")
    base = Need.objects.select_related("community").order_by("-urgency", "state_changed_at", "pk")
    return {
        "triage": base.filter(triage_q, state=Need.State.SUBMITTED),
        "verify": base.filter(verify_q, state=Need.State.CLAIMED_DONE),
    }


def need_board_communities(*, user: Any) -> QuerySet[Organisation]:
    """Communities whose needs the person sees on the board (for its community filter)."""
    return Organisation.objects.filter(
        access.subtree_q(user, access.ORG_ACTIONS["need.view"]),
        kind=OrgKind.COMMUNITY,
        is_active=True,
    ).order_by("path")


def order_communities(*, user: Any) -> list[Organisation]:
    """Where the person may order a service: as staff, the communities they enter orders for;
    as a resident, their own community."""
    staff = (
        list(
            Organisation.objects.filter(
                access.subtree_q(user, access.ORG_ACTIONS["need.enter_for_resident"]),
                kind=OrgKind.COMMUNITY,
                is_active=True,
            ).order_by("path")[:200]
        )
        if access.has_role(user, access.ORG_ACTIONS["need.enter_for_resident"])
        or access.is_platform_staff(user)
        else []
    )
    seen = {c.pk for c in staff}
    return staff + [c for c in resident_communities(user) if c.pk not in seen]


def may_order(*, user: Any) -> bool:
    """bool(order_communities(user)), without building its queries for someone who holds neither
    a role that enters orders nor a resident's membership (a student on the board)."""
    roles = access.ORG_ACTIONS["need.enter_for_resident"] | {Role.RESIDENT}
    if not (access.has_role(user, roles) or access.is_platform_staff(user)):
        return False
    return bool(order_communities(user=user))


def residents_matching(*, community: Organisation, query: str, limit: int = 10) -> list[Any]:
    """Residents of the community by volunteer number (exact) or name (contains), for staff
    entering an order on a resident's behalf."""
    from qingshe.accounts.models import User
    from qingshe.orgs.models import Membership

    query = (query or "").strip()
    if not query:
        return []
    members = Membership.objects.filter(
        role=Role.RESIDENT, is_active=True, org__path__startswith=community.path
    ).values("user_id")
    rows = User.objects.filter(pk__in=members, is_active=True).filter(
        Q(volunteer_no__iexact=query) | Q(name__icontains=query)
    )
    found = list(rows.order_by("name", "pk")[: limit + 1])
    exact = [u for u in found if (u.volunteer_no or "").lower() == query.lower()]
    return exact or found[:limit]


def is_staff_of(user: Any, community: Organisation) -> bool:
    return access.can(user, "need.enter_for_resident", community)
