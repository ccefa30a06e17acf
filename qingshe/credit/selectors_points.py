"""Reads of points, rewards, the partner circle, campaigns, venues and commendations that depend
on who asks. Anything outside the caller's scope is a NotFound, as if absent.

Scope: rewards, partners, campaigns and venues are seen within the caller's city (the roots of
their memberships' organisations); their managers see their own. A person's points and
redemptions are theirs; a redemption is also seen by the partner who hands it over.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.credit.models import (
    AccountKind,
    Campaign,
    Commendation,
    Evaluation,
    LedgerEntry,
    PartnerApplication,
    Pledge,
    PointsAccount,
    PointsEntry,
    PointsRule,
    Redemption,
    Reward,
    Venue,
    VenueBooking,
)
from qingshe.credit.services_rewards import can_manage_rewards, city_ids_of
from qingshe.credit.services_venues import can_manage_venue, windows_on
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

PARTNER_ROLES = access.ORG_ACTIONS["resource.manage"]


def _cities(user: Any) -> set[int]:
    cached = getattr(user, "_qingshe_cities", None)
    if cached is None:
        cached = city_ids_of(user) if getattr(user, "pk", None) else set()
        user._qingshe_cities = cached
    return cached


def _in_city(user: Any, field: str = "city_id") -> Q:
    if access.is_platform_staff(user):
        return Q()
    return Q(**{f"{field}__in": _cities(user)})


# --- my points ----------------------------------------------------------------------------------
@dataclass
class MyPoints:
    balance: int
    earned: int
    spent: int
    lines: list[PointsEntry] = field(default_factory=list)


def lines_of(*, user: Any) -> QuerySet[PointsEntry]:
    """The person's movements, newest first, each with its transfer, rule and source."""
    return (
        PointsEntry.objects.filter(account__kind=AccountKind.PERSON, account__user=user)
        .select_related(
            "transfer__rule",
            "transfer__redemption__reward",
            "transfer__need",
            "transfer__hours_entry",
        )
        .order_by("-pk")
    )


def my_points(*, user: Any, limit: int = 200) -> MyPoints:
    """Balance, what was earned and spent, and the latest movements (three queries)."""
    account = PointsAccount.objects.filter(kind=AccountKind.PERSON, user=user).first()
    if account is None:
        return MyPoints(balance=0, earned=0, spent=0)
    sums = PointsEntry.objects.filter(account=account).aggregate(
        earned=Sum("amount", filter=Q(amount__gt=0)), spent=Sum("amount", filter=Q(amount__lt=0))
    )
    return MyPoints(
        balance=account.balance,
        earned=sums["earned"] or 0,
        spent=-(sums["spent"] or 0),
        lines=list(lines_of(user=user)[:limit]),
    )


# --- rewards and redemptions --------------------------------------------------------------------
def managed_partners(*, user: Any) -> QuerySet[Organisation]:
    """Partner units whose rewards (and venues, resources) the person manages."""
    return Organisation.objects.filter(
        access.subtree_q(user, PARTNER_ROLES), kind=OrgKind.PARTNER, is_active=True
    ).order_by("name")


def rewards_for_user(
    *, user: Any, q: str = "", partner_id: int | None = None, affordable: bool = False
) -> QuerySet[Reward]:
    """The reward shop: rewards listed in the caller's city, redeemable today or later, with how
    many the caller holds (`mine`)."""
    today = timezone.localdate()
    qs = (
        Reward.objects.filter(_in_city(user), state=Reward.State.LISTED, valid_until__gte=today)
        .select_related("partner")
        .annotate(
            mine=Count(
                "redemptions",
                filter=Q(
                    redemptions__user_id=user.pk, redemptions__state__in=Redemption.LIVE_STATES
                ),
            )
        )
    )
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(partner__name__icontains=q))
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if affordable:
        balance = (
            PointsAccount.objects.filter(kind=AccountKind.PERSON, user=user)
            .values_list("balance", flat=True)
            .first()
        )
        qs = qs.filter(price__lte=balance or 0, stock__gte=1)
    return qs.order_by("price", "-pk")


def reward_get_for_user(*, user: Any, reward_id: int) -> Reward:
    reward = (
        Reward.objects.select_related("partner", "city", "resource").filter(pk=reward_id).first()
    )
    if reward is None or not (
        access.is_platform_staff(user)
        or reward.city_id in _cities(user)
        or can_manage_rewards(user, reward.partner)
    ):
        raise NotFound("not_found", _("No such reward."))
    return reward


def reward_for_redeeming(*, reward_id: int) -> Reward:
    """Any reward by its number: the redeeming service says why one of another city, expired or
    withdrawn cannot be redeemed."""
    reward = Reward.objects.filter(pk=reward_id).first()
    if reward is None:
        raise NotFound("not_found", _("No such reward."))
    return reward


def my_redemptions(*, user: Any, state: str = "") -> QuerySet[Redemption]:
    qs = Redemption.objects.filter(user=user).select_related("reward__partner")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-pk")


def partner_redemptions(
    *, user: Any, partner: Organisation, state: str = ""
) -> QuerySet[Redemption]:
    if not can_manage_rewards(user, partner):
        raise NotFound("not_found", _("No such partner unit."))
    qs = Redemption.objects.filter(reward__partner=partner).select_related("reward", "user")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-pk")


def redemption_get_for_user(*, user: Any, code: str) -> Redemption:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    redemption = (
        Redemption.objects.select_related("reward__partner", "user").filter(code=code).first()
    )
    if redemption is None or not (
        redemption.user_id == user.pk or can_manage_rewards(user, redemption.reward.partner)
    ):
        raise NotFound("not_found", _("No such redemption code."))
    return redemption


# --- the partner circle -------------------------------------------------------------------------
def partners_for_user(*, user: Any, q: str = "") -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind=OrgKind.PARTNER, is_active=True)
    if not access.is_platform_staff(user):
        cities = _cities(user)
        city_q = Q(pk__in=[])
        for city in Organisation.objects.filter(pk__in=cities).only("path"):
            city_q |= Q(path__startswith=city.path)
        qs = qs.filter(city_q)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    return qs.annotate(
        reward_count=Count("rewards", filter=Q(rewards__state=Reward.State.LISTED), distinct=True),
        resource_count=Count("resources", filter=Q(resources__state="available"), distinct=True),
    ).order_by("name")


def partner_get_for_user(*, user: Any, partner_id: int) -> Organisation:
    partner = partners_for_user(user=user).filter(pk=partner_id).first()
    if partner is None:
        raise NotFound("not_found", _("No such partner unit."))
    return partner


@dataclass
class Achievements:
    rewards_redeemed: int
    rewards_handed_over: int
    points_redeemed: int
    bookings: int
    booking_hours: Decimal
    money_given: Decimal
    money_pledged: Decimal
    in_kind_given: int
    in_kind_value: Decimal
    resources: int
    groups_supported: int


def partner_achievements(*, partner: Organisation) -> Achievements:
    """What the partner's resources achieved: rewards redeemed and handed over, its venues'
    bookings (held, not cancelled), money and goods given to campaigns (received ones), its
    resources on the list and the project groups using them. Five queries."""
    r = Redemption.objects.filter(
        reward__partner=partner, state__in=Redemption.LIVE_STATES
    ).aggregate(
        n=Count("pk"),
        handed=Count("pk", filter=Q(state=Redemption.State.HANDED_OVER)),
        points=Sum("points"),
    )
    now = timezone.now()
    held = list(
        VenueBooking.objects.filter(
            venue__owner=partner, state=VenueBooking.State.BOOKED, starts_at__lte=now
        ).values_list("starts_at", "ends_at")
    )
    hours = sum(((min(b, now) - a).total_seconds() for a, b in held), 0.0) / 3600
    p = (
        Pledge.objects.filter(partner=partner)
        .exclude(state=Pledge.State.WITHDRAWN)
        .aggregate(
            given=Sum("amount", filter=Q(kind=Pledge.Kind.MONEY, state=Pledge.State.RECEIVED)),
            pledged=Sum("amount", filter=Q(kind=Pledge.Kind.MONEY)),
            kind_n=Count("pk", filter=Q(kind=Pledge.Kind.IN_KIND, state=Pledge.State.RECEIVED)),
            kind_value=Sum(
                "amount", filter=Q(kind=Pledge.Kind.IN_KIND, state=Pledge.State.RECEIVED)
            ),
        )
    )
    from qingshe.needs.models import Resource

    res = Resource.objects.filter(owner=partner).aggregate(
        n=Count("pk", filter=Q(state=Resource.State.AVAILABLE), distinct=True),
        groups=Count("groups", distinct=True),
    )
    return Achievements(
        rewards_redeemed=r["n"] or 0,
        rewards_handed_over=r["handed"] or 0,
        points_redeemed=r["points"] or 0,
        bookings=len(held),
        booking_hours=Decimal(str(round(hours, 1))),
        money_given=p["given"] or Decimal("0"),
        money_pledged=p["pledged"] or Decimal("0"),
        in_kind_given=p["kind_n"] or 0,
        in_kind_value=p["kind_value"] or Decimal("0"),
        resources=res["n"] or 0,
        groups_supported=res["groups"] or 0,
    )


def committees_for_applying(*, user: Any) -> QuerySet[Organisation]:
    """City and district league committees one can apply to: those of the caller's city, or all
    when the caller belongs to none (a unit's new account)."""
    qs = Organisation.objects.filter(
        kind__in=(OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE), is_active=True
    )
    cities = _cities(user)
    if cities:
        city_q = Q()
        for pk in cities:
            city_q |= Q(path__startswith=f"/{pk}/")
        qs = qs.filter(city_q)
    return qs.order_by("path")


def applications_to_decide(*, user: Any) -> QuerySet[PartnerApplication]:
    return (
        PartnerApplication.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["org.manage"], prefix="committee__"),
            committee__kind__in=(OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE),
            state=PartnerApplication.State.PENDING,
        )
        .select_related("committee", "applicant")
        .order_by("created_at", "pk")
    )


def application_get_for_user(*, user: Any, application_id: int) -> PartnerApplication:
    application = (
        PartnerApplication.objects.select_related("committee", "applicant", "partner")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not (
        application.applicant_id == user.pk or access.can(user, "org.manage", application.committee)
    ):
        raise NotFound("not_found", _("No such application."))
    return application


def applications_for_user(*, user: Any) -> QuerySet[PartnerApplication]:
    """The person's own applications and those waiting for their decision, newest first."""
    deciding = applications_to_decide(user=user).values("pk")
    return PartnerApplication.objects.filter(Q(applicant=user) | Q(pk__in=deciding)).order_by(
        "-created_at", "-pk"
    )


def my_applications(*, user: Any) -> QuerySet[PartnerApplication]:
    return PartnerApplication.objects.filter(applicant=user).select_related("committee", "partner")


# --- campaigns ----------------------------------------------------------------------------------
def _with_progress(qs: QuerySet[Campaign]) -> QuerySet[Campaign]:
    live = ~Q(pledges__state=Pledge.State.WITHDRAWN)
    return qs.annotate(
        pledged=Sum("pledges__amount", filter=live & Q(pledges__kind=Pledge.Kind.MONEY)),
        received=Sum(
            "pledges__amount",
            filter=Q(pledges__kind=Pledge.Kind.MONEY, pledges__state=Pledge.State.RECEIVED),
        ),
        in_kind=Count("pledges", filter=live & Q(pledges__kind=Pledge.Kind.IN_KIND)),
        backers=Count("pledges__pledger", filter=live, distinct=True),
    )


def campaigns_for_user(
    *, user: Any, state: str = "", group_id: int | None = None
) -> QuerySet[Campaign]:
    qs = _with_progress(
        Campaign.objects.filter(_in_city(user)).select_related("group__owner", "group__instructor")
    )
    if state:
        qs = qs.filter(state=state)
    if group_id:
        qs = qs.filter(group_id=group_id)
    return qs.order_by("state", "deadline", "-pk")


def campaign_get_for_user(*, user: Any, campaign_id: int) -> Campaign:
    campaign = campaigns_for_user(user=user).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("not_found", _("No such campaign."))
    return campaign


def percent(part: Decimal | None, whole: Decimal) -> int:
    """Whole percent of the goal, at most 100 (the bar is full; the figures say by how much)."""
    if not whole:
        return 0
    share = Decimal(part or 0) * 100 / whole
    return int(min(Decimal(100), share))


def pledges_of(*, campaign: Campaign) -> QuerySet[Pledge]:
    return campaign.pledges.select_related("pledger", "partner").order_by("-created_at", "-pk")


def groups_run_by(*, user: Any) -> QuerySet[Any]:
    """Open project groups the person runs (owner's secretary and admins, instructor, leader)."""
    from qingshe.needs.models import ProjectGroup, ProjectMember

    led = ProjectMember.objects.filter(
        user_id=user.pk, role=ProjectMember.Role.LEADER, state=ProjectMember.State.ACCEPTED
    ).values("group_id")
    return (
        ProjectGroup.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["project.decide"], prefix="owner__")
            | Q(instructor_id=user.pk)
            | Q(pk__in=led),
            state=ProjectGroup.State.OPEN,
        )
        .select_related("owner")
        .order_by("name")
    )


# --- venues -------------------------------------------------------------------------------------
def venues_for_user(*, user: Any, kind: str = "", q: str = "") -> QuerySet[Venue]:
    managed = (
        Q(
            owner__in=Organisation.objects.filter(
                access.subtree_q(user, PARTNER_ROLES)
                | access.subtree_q(user, access.ORG_ACTIONS["need.post_bounty"])
            ).values("pk")
        )
        if not access.is_platform_staff(user)
        else Q()
    )
    qs = Venue.objects.filter((_in_city(user) & Q(is_active=True)) | managed).select_related(
        "owner"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(owner__name__icontains=q) | Q(address__icontains=q))
    return qs.order_by("name", "pk")


def venue_get_for_user(*, user: Any, venue_id: int) -> Venue:
    venue = Venue.objects.select_related("owner", "resource").filter(pk=venue_id).first()
    if venue is None or not (
        access.is_platform_staff(user)
        or (venue.is_active and venue.city_id in _cities(user))
        or can_manage_venue(user, venue.owner)
    ):
        raise NotFound("not_found", _("No such venue."))
    return venue


@dataclass
class VenueDay:
    day: date
    windows: list[tuple[time, time]]
    bookings: list[VenueBooking]

    @property
    def is_today(self) -> bool:
        return self.day == timezone.localdate()


def venue_week(*, venue: Venue, start: date) -> list[VenueDay]:
    """Seven days from `start` (a Monday), each with its opening windows and live bookings (one
    query)."""
    first = timezone.make_aware(datetime.combine(start, time.min))
    last = first + timedelta(days=7)
    by_day: dict[date, list[VenueBooking]] = defaultdict(list)
    for b in (
        VenueBooking.objects.filter(
            venue=venue, state=VenueBooking.State.BOOKED, starts_at__lt=last, ends_at__gt=first
        )
        .select_related("activity", "group")
        .order_by("starts_at")
    ):
        by_day[timezone.localtime(b.starts_at).date()].append(b)
    days = [start + timedelta(days=i) for i in range(7)]
    return [VenueDay(day=d, windows=windows_on(venue, d), bookings=by_day[d]) for d in days]


def bookings_for_user(*, user: Any) -> QuerySet[VenueBooking]:
    """The person's own bookings, upcoming first."""
    return (
        VenueBooking.objects.filter(booked_by=user)
        .select_related("venue", "activity", "group")
        .order_by("-starts_at")
    )


def booking_get_for_user(*, user: Any, booking_id: int) -> VenueBooking:
    booking = VenueBooking.objects.select_related("venue__owner").filter(pk=booking_id).first()
    if booking is None or not (
        booking.booked_by_id == user.pk or can_manage_venue(user, booking.venue.owner)
    ):
        raise NotFound("not_found", _("No such booking."))
    return booking


def activities_run_by(*, user: Any) -> QuerySet[Any]:
    """Published activities the person organises (for booking a venue)."""
    from qingshe.duty.models import Activity

    return (
        Activity.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["activity.manage"], prefix="organiser__"),
            state=Activity.State.PUBLISHED,
        )
        .select_related("organiser")
        .order_by("-created_at")
    )


def venue_owners_for_user(*, user: Any) -> QuerySet[Organisation]:
    """Communities and partner units whose venues the person may list."""
    from qingshe.credit.services_venues import OWNER_KINDS

    return Organisation.objects.filter(
        access.subtree_q(user, PARTNER_ROLES)
        | access.subtree_q(user, access.ORG_ACTIONS["need.post_bounty"]),
        kind__in=OWNER_KINDS,
        is_active=True,
    ).order_by("path")


# --- rules --------------------------------------------------------------------------------------
def rule_owners_for_user(*, user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        access.subtree_q(user, access.ORG_ACTIONS["programme.manage"]),
        kind__in=(OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE),
    ).order_by("path")


def rules_for_user(*, user: Any, include_retired: bool = False) -> QuerySet[PointsRule]:
    """Rules of committees the person runs (league admins), newest first within each scope."""
    qs = PointsRule.objects.filter(
        access.subtree_q(user, access.ORG_ACTIONS["programme.manage"], prefix="owner__")
    ).select_related("owner", "programme", "replaces")
    if not include_retired:
        qs = qs.filter(retired_at__isnull=True)
    return qs.order_by("owner__path", "programme_id", "kind", "-created_at")


def rules_in_force_for(*, user: Any) -> QuerySet[PointsRule]:
    """The live rules of the committees above the person (what a volunteer can earn)."""
    paths = Membership.objects.filter(user_id=user.pk, is_active=True).values_list(
        "org__path", flat=True
    )
    ids: set[int] = set()
    for path in paths:
        ids.update(int(p) for p in path.strip("/").split("/") if p)
    return (
        PointsRule.objects.filter(owner_id__in=ids, retired_at__isnull=True)
        .select_related("owner", "programme")
        .order_by("owner__path", "kind")
    )


# --- commendations ------------------------------------------------------------------------------
@dataclass
class Ranked:
    rank: int
    hours: Decimal
    needs: int
    stars: Decimal | None
    user: Any = None
    team: Any = None
    commended: bool = False
    score: Decimal | None = None  # a team's mean monthly score (月评月考) over the period


def _members_q(org: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(
        org__path__startswith=org.path,
        is_active=True,
        role__in=(Role.STUDENT, Role.BRANCH_SECRETARY),
    )


def _needs_solved(user_ids: Any, start: date, end: date) -> dict[int, int]:
    from qingshe.needs.models import NeedAssignment

    first = timezone.make_aware(datetime.combine(start, time.min))
    last = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    rows = (
        NeedAssignment.objects.filter(
            volunteer_id__in=user_ids,
            state__in=(NeedAssignment.State.ACCEPTED, NeedAssignment.State.DONE),
            need__state__in=("verified", "closed"),
            need__events__to_state="verified",
            need__events__at__gte=first,
            need__events__at__lt=last,
        )
        .values("volunteer_id")
        .annotate(n=Count("need", distinct=True))
    )
    return {r["volunteer_id"]: r["n"] for r in rows}


def ranking(
    *, org: Organisation, start: date, end: date, title: str = "", limit: int = 30
) -> list[Ranked]:
    """Volunteers of the committee's subtree ranked by hours in the ledger in the period (then
    needs solved, then evaluations' stars). A bounded number of queries."""
    members = _members_q(org).values("user_id")
    hours = list(
        LedgerEntry.objects.filter(
            user_id__in=members, service_date__gte=start, service_date__lte=end
        )
        .values("user_id")
        .annotate(h=Sum("hours"))
        .filter(h__gt=0)
        .order_by("-h", "user_id")[: limit * 3]
    )
    ids = [r["user_id"] for r in hours]
    needs = _needs_solved(ids, start, end)
    stars = {
        r["user_id"]: r["s"]
        for r in Evaluation.objects.filter(
            user_id__in=ids,
            evaluated_on__gte=start,
            evaluated_on__lte=end,
            star_level__isnull=False,
        )
        .values("user_id")
        .annotate(s=Avg("star_level"))
    }
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(ids)
    done = (
        set(
            Commendation.objects.filter(
                org=org, title=title, period_start=start, period_end=end, user_id__in=ids
            ).values_list("user_id", flat=True)
        )
        if title
        else set()
    )
    rows = sorted(
        hours,
        key=lambda r: (
            -r["h"],
            -needs.get(r["user_id"], 0),
            -(stars.get(r["user_id"]) or 0),
            r["user_id"],
        ),
    )[:limit]
    return [
        Ranked(
            rank=i,
            hours=Decimal(r["h"]).quantize(Decimal("0.1")),
            needs=needs.get(r["user_id"], 0),
            stars=Decimal(str(round(stars[r["user_id"]], 1))) if stars.get(r["user_id"]) else None,
            user=users[r["user_id"]],
            commended=r["user_id"] in done,
        )
        for i, r in enumerate(rows, start=1)
    ]


def team_ranking(
    *, org: Organisation, start: date, end: date, title: str = "", limit: int = 15
) -> list[Ranked]:
    """Class branches of the subtree ranked by their members' hours in the period, then by their
    mean monthly score (council), then by needs solved."""
    pairs = list(
        _members_q(org).filter(org__kind=OrgKind.CLASS_BRANCH).values_list("org_id", "user_id")
    )
    per_user = dict(
        LedgerEntry.objects.filter(
            user_id__in={u for _o, u in pairs}, service_date__gte=start, service_date__lte=end
        )
        .values("user_id")
        .annotate(h=Sum("hours"))
        .values_list("user_id", "h")
    )
    needs = _needs_solved([u for _o, u in pairs], start, end)
    teams: dict[int, list[Any]] = defaultdict(lambda: [Decimal("0"), 0])
    for org_id, user_id in pairs:
        teams[org_id][0] += per_user.get(user_id) or Decimal("0")
        teams[org_id][1] += needs.get(user_id, 0)
    # The council's monthly scores (月评月考: evaluations and feedback forms) feed the ranking:
    # shown beside each team and deciding between teams of equal hours.
    from qingshe.council.selectors_scores import mean_scores

    served = [t for t, v in teams.items() if v[0] > 0]
    scores = mean_scores(served, start, end)
    top = sorted(
        ((t, teams[t]) for t in served),
        key=lambda x: (-x[1][0], -(scores.get(x[0]) or 0), -x[1][1], x[0]),
    )[:limit]
    orgs = Organisation.objects.in_bulk([t for t, _v in top])
    done = (
        set(
            Commendation.objects.filter(
                org=org,
                title=title,
                period_start=start,
                period_end=end,
                team_id__in=[t for t, _v in top],
            ).values_list("team_id", flat=True)
        )
        if title
        else set()
    )
    return [
        Ranked(
            rank=i,
            hours=Decimal(v[0]).quantize(Decimal("0.1")),
            needs=int(v[1]),
            stars=None,
            team=orgs[t],
            commended=t in done,
            score=scores.get(t),
        )
        for i, (t, v) in enumerate(top, start=1)
    ]


def figures_of_person(*, org: Organisation, user: Any, start: date, end: date) -> dict[str, Any]:
    hours = LedgerEntry.objects.filter(
        user=user, service_date__gte=start, service_date__lte=end
    ).aggregate(h=Sum("hours"))["h"] or Decimal("0")
    ranked = {r.user.pk: r.rank for r in ranking(org=org, start=start, end=end, limit=500)}
    return {
        "hours": str(hours.quantize(Decimal("0.1"))),
        "needs": _needs_solved([user.pk], start, end).get(user.pk, 0),
        "rank": ranked.get(user.pk),
    }


def figures_of_team(*, team: Organisation, start: date, end: date) -> dict[str, Any]:
    users = _members_q(team).values("user_id")
    hours = LedgerEntry.objects.filter(
        user_id__in=users, service_date__gte=start, service_date__lte=end
    ).aggregate(h=Sum("hours"))["h"] or Decimal("0")
    return {
        "hours": str(hours.quantize(Decimal("0.1"))),
        "members": _members_q(team).values("user_id").distinct().count(),
    }


def commendations_for_user(*, user: Any) -> QuerySet[Commendation]:
    """Commendations the committee admin recorded in their subtree, or the person's own."""
    return (
        Commendation.objects.filter(
            access.subtree_q(user, access.ORG_ACTIONS["programme.manage"], prefix="org__")
            | Q(user=user)
        )
        .select_related("org", "user", "team")
        .annotate(
            has_bonus=Exists(
                PointsEntry.objects.filter(transfer__commendation=OuterRef("pk"), amount__gt=0)
            )
        )
        .order_by("-period_end", "-pk")
    )


def commending_orgs_for_user(*, user: Any) -> QuerySet[Organisation]:
    return rule_owners_for_user(user=user)
