"""Demo step "points" (after "credit"): the demo city's points, rewards, partner circle,
crowdfunding, venues and commendations, all through the services.

- Earning rules of the city committee (10 points an hour, at most 4 h per activity and day; 30 per
  completed need; 100 for a commendation) for service since the previous academic year; the
  ledger's entries (and the volunteers of verified needs) are then paid by the backfill, exactly
  as `qingshe award-points` would. A later rule change leaves one rule in the history.
- Rewards of the partners (the login partner's first): books, tickets, services, with stock and
  limits. The `student` login has redeemed three: one handed over, one to collect (its code on
  the phone), one cancelled (points returned); classmates redeemed too; one reward is sold out.
- The partner circle: one application waiting for the league (a resident's shop), one turned
  down with the reason (the city keeps DESIGN.md's 15 partner units).
- Crowdfunding: campaigns of project groups with money and in-kind pledges, some marked
  received by the instructor.
- Venues: the logins' community shares a council hall and a reading corner, the login partner a
  studio; bookings by the community's activities and a project group last week, this week and
  next (the past ones count as "venues used" for the partner).
- Commendations: the league commends the previous academic year's three volunteers with the
  most hours (with bonus points) and the leading class branch.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from qingshe.core.errors import ServiceError
from qingshe.credit import (
    selectors_points,
    services_circle,
    services_commend,
    services_points,
    services_rewards,
    services_venues,
)
from qingshe.credit.models import (
    Campaign,
    Commendation,
    PartnerApplication,
    Pledge,
    PointsAccount,
    PointsEntry,
    PointsRule,
    PointsTransfer,
    Redemption,
    Reward,
    RuleKind,
    Venue,
    VenueBooking,
)
from qingshe.demo.context import DemoContext
from qingshe.duty.demo import _on_day
from qingshe.orgs.models import Membership, OrgKind, Role

REWARDS = [
    # title, kind, price, stock, per person, description
    (
        "图书兑换券（30 元以内任选一本）",
        "goods",
        60,
        40,
        2,
        "凭兑换码到店任选一本定价 30 元以内的图书。",
    ),
    ("青年志愿者帆布袋", "goods", 30, 80, 1, "印有“社区青春行动”标识的帆布袋。"),
    ("周末电影票", "ticket", 80, 20, 1, "本周末任一场次 2D 电影票一张。"),
    ("爱心午餐", "service", 20, 100, 4, "合作餐厅工作日午餐一份。"),
    ("游泳馆单次券", "ticket", 50, 30, 2, "市游泳馆单次入场券。"),
    ("职业规划一对一咨询", "service", 120, 8, 1, "企业人力资源经理 45 分钟一对一咨询。"),
    ("限量纪念徽章", "goods", 40, 1, 1, "仅此一枚。"),
]
VENUE_HOURS = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(6)] + [
    {"weekday": d, "start": "14:00", "end": "20:30"} for d in range(6)
]


def _login_partner(ctx: DemoContext) -> Any:
    m = (
        Membership.objects.filter(user=ctx.logins["partner_contact"], role=Role.PARTNER_CONTACT)
        .select_related("org")
        .first()
    )
    return m.org if m else ctx.orgs[OrgKind.PARTNER][0]


def _contact(partner: Any) -> Any:
    m = (
        Membership.objects.filter(org=partner, role=Role.PARTNER_CONTACT, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return m.user if m else None


def build(ctx: DemoContext) -> None:
    today = ctx.today
    admin = ctx.logins["league_admin"]
    city = ctx.extra["city"]
    with _on_day(today):
        _rules(ctx, admin, city)
        made = services_points.points_backfill()
        ctx.log(f"points: {made} awards for the ledger and completed needs")
        rewards = _rewards(ctx, admin)
        _redemptions(ctx, rewards)
        _circle(ctx, admin, city)
        _campaigns(ctx, admin)
        _venues(ctx)
        _commendations(ctx, admin, city)


def _rules(ctx: DemoContext, admin: Any, city: Any) -> None:
    since = date(ctx.academic_year - 1, 9, 1)
    # The committee first paid 8 points an hour, then raised it: the history keeps both.
    services_points.rule_set(
        actor=admin,
        owner=city,
        kind=RuleKind.PER_HOUR,
        name="志愿服务时长积分（试行）",
        points=8,
        cap_hours="4",
        active_from=since,
    )
    services_points.rule_set(
        actor=admin,
        owner=city,
        kind=RuleKind.PER_HOUR,
        name="志愿服务时长积分",
        points=10,
        cap_hours="4",
        active_from=since,
    )
    services_points.rule_set(
        actor=admin,
        owner=city,
        kind=RuleKind.PER_NEED,
        name="解决居民需求积分",
        points=30,
        active_from=since,
    )
    services_points.rule_set(
        actor=admin,
        owner=city,
        kind=RuleKind.COMMENDATION,
        name="表彰奖励积分",
        points=100,
        active_from=since,
    )


def _rewards(ctx: DemoContext, admin: Any) -> list[Reward]:
    partners = [_login_partner(ctx)] + [
        p for p in ctx.orgs[OrgKind.PARTNER] if p.pk != _login_partner(ctx).pk
    ][: max(1, ctx.scaled(5))]
    today = ctx.today
    rewards = []
    for i, (title, kind, price, stock, limit, text) in enumerate(REWARDS):
        # The login partner offers the book voucher, the bag and the lunch the student redeems.
        partner = partners[0] if i in (0, 1, 3) else partners[i % len(partners)]
        rewards.append(
            services_rewards.reward_create(
                actor=admin,
                partner=partner,
                kind=kind,
                title=title,
                description=text,
                price=price,
                stock=stock,
                per_person_limit=limit,
                valid_from=today - timedelta(days=30),
                valid_until=today + timedelta(days=120),
            )
        )
    return rewards


def _redemptions(ctx: DemoContext, rewards: list[Reward]) -> None:
    student = ctx.logins["student"]
    contact = ctx.logins["partner_contact"]
    book, bag, _movie, lunch, _swim, _advice, badge = rewards
    # Give the logins enough to show the loop even on a small demo: the backfill paid their
    # hours; the student redeems what they can afford, cheapest first.
    wanted = [(lunch, "handed_over"), (bag, "issued"), (lunch, "cancelled"), (book, "issued")]
    for reward, end in wanted:
        try:
            r = services_rewards.reward_redeem(actor=student, reward=reward)
        except ServiceError:
            continue
        if end == "handed_over":
            services_rewards.redemption_hand_over(actor=contact, redemption=r)
        elif end == "cancelled":
            services_rewards.redemption_cancel(actor=student, redemption=r)
    # Classmates with points redeem lunches and bags; the badge goes to the first who can.
    rich = (
        PointsAccount.objects.filter(user__in=ctx.people["students"], balance__gte=40)
        .exclude(user=student)
        .order_by("-balance", "user_id")
        .values_list("user_id", flat=True)[: ctx.scaled(30)]
    )
    users = {u.pk: u for u in ctx.people["students"]}
    for n, user_id in enumerate(rich):
        for reward in (badge, lunch if n % 2 else bag):
            try:
                r = services_rewards.reward_redeem(actor=users[user_id], reward=reward)
            except ServiceError:
                continue
            if n % 3 == 0 and (giver := _contact(reward.partner)) is not None:
                services_rewards.redemption_hand_over(actor=giver, redemption=r)


def _circle(ctx: DemoContext, admin: Any, city: Any) -> None:
    residents = ctx.people["residents"]
    shop, builder = residents[min(3, len(residents) - 1)], residents[min(4, len(residents) - 1)]
    services_circle.partner_apply(
        actor=shop,
        committee=city,
        name="邻里便民超市",
        contact_name=shop.name,
        contact_phone="0598-8236618",
        offers="每月为积分兑换提供米面粮油 20 份；门前空地可作义诊场地。",
        address="青州市东湖区白沙路 36 号",
        description="社区里开了十二年的便民超市。",
    )
    application = services_circle.partner_apply(
        actor=builder,
        committee=city,
        name="青州安居物业服务有限公司",
        short_name="安居物业",
        contact_name=builder.name,
        contact_phone="0598-8231100",
        offers="小区活动室（周末）；志愿者饮用水；每年 5000 元社区公益金。",
        address="青州市东湖区安居路 2 号",
    )
    # Turned down for now (the city keeps its 15 partner units of DESIGN.md), with the reason.
    services_circle.partner_decide(
        actor=admin,
        application=application,
        approve=False,
        note="请先提供营业执照副本和公益承诺书，补齐后可再次申请。",
    )


def _campaigns(ctx: DemoContext, admin: Any) -> None:
    from qingshe.needs.models import ProjectGroup

    groups = list(
        ProjectGroup.objects.filter(
            owner__path__startswith=ctx.extra["city"].path,
            state=ProjectGroup.State.OPEN,
            instructor__isnull=False,
        )
        .select_related("owner", "instructor")
        .order_by("pk")[: max(2, ctx.scaled(4))]
    )
    partner = _login_partner(ctx)
    students = ctx.people["students"]
    for i, group in enumerate(groups):
        campaign = services_circle.campaign_open(
            actor=group.instructor,
            group=group,
            title=f"{group.name}：设备与物资众筹",
            description="购买活动所需的图书、文具和小型设备，剩余资金用于下学期的活动。",
            goal=str(3000 + 1000 * i),
            deadline=ctx.today + timedelta(days=20 + 10 * i),
            in_kind_wanted="图书、文具、折叠桌椅",
        )
        pledges = [
            services_circle.pledge_make(
                actor=admin,
                campaign=campaign,
                kind="money",
                amount="800",
                partner=partner,
                note="伙伴单位认捐",
            ),
            services_circle.pledge_make(
                actor=admin,
                campaign=campaign,
                kind="in_kind",
                amount="450",
                description="折叠桌 3 张、椅子 12 把",
                partner=partner,
            ),
        ]
        for k in range(3 + i):
            pledges.append(
                services_circle.pledge_make(
                    actor=students[(7 * i + k) % len(students)],
                    campaign=campaign,
                    kind="money",
                    amount=str(20 + 30 * k),
                )
            )
        for pledge in pledges[: 2 + i]:
            services_circle.pledge_receive(actor=group.instructor, pledge=pledge)
    if groups:
        ctx.log(f"points: {len(groups)} campaigns")


def _slot(day: date, hour: int, minutes: int) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time(hour)))
    return start, start + timedelta(minutes=minutes)


def _venues(ctx: DemoContext) -> None:
    from qingshe.duty.models import Activity

    community = ctx.extra["login_community"]
    staff = ctx.logins["community_staff"]
    partner = _login_partner(ctx)
    hall = services_venues.venue_create(
        actor=staff,
        owner=community,
        kind="council_hall",
        name=f"{community.name}居民议事厅",
        capacity=40,
        opening_hours=VENUE_HOURS,
        address=community.address,
        description="可开居民议事会、青年议事厅和培训。",
    )
    corner = services_venues.venue_create(
        actor=staff,
        owner=community,
        kind="reading",
        name=f"{community.name}青春读书角",
        capacity=15,
        opening_hours=VENUE_HOURS,
        address=community.address,
    )
    studio = services_venues.venue_create(
        actor=ctx.logins["partner_contact"],
        owner=partner,
        kind="studio",
        name=f"{partner.display_name}共享活动室",
        capacity=25,
        opening_hours=[{"weekday": d, "start": "10:00", "end": "21:00"} for d in range(7)],
        address=partner.address,
        description="伙伴单位免费提供给志愿服务和项目组使用。",
    )
    activity = (
        Activity.objects.filter(organiser=community, state=Activity.State.PUBLISHED)
        .order_by("-pk")
        .first()
    )
    from qingshe.credit.selectors_points import groups_run_by

    group = groups_run_by(user=ctx.logins["branch_secretary"]).first()
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    # (venue, days from this Monday, hour, minutes, purpose, by group?)
    plan = [
        (hall, -7 + 1, 9, 120, "居民议事会：加装电梯意见征集", False),
        (studio, -7 + 2, 14, 150, "项目组周例会", True),
        (studio, -7 + 5, 10, 120, "亲子手工课", False),
        (corner, 2, 15, 90, "四点半课堂：作业辅导", False),
        (hall, 3, 9, 150, "青年议事厅月度会议", False),
        (studio, 4, 16, 120, "项目组路演彩排", True),
        (hall, 7 + 1, 14, 120, "防诈骗宣传培训", False),
        (corner, 7 + 3, 15, 90, "四点半课堂：绘本共读", False),
    ]
    real_today = timezone.localdate()
    made: list[tuple[int, int]] = []
    for venue, offset, hour, minutes, purpose, by_group in plan:
        day = monday + timedelta(days=offset)
        if by_group and group is None or not by_group and activity is None:
            continue
        # The service books only what is still to come: book the same weekday enough weeks ahead
        # of the real clock, then move it back to the demo's calendar (whole weeks keep weekdays).
        weeks = max(0, (real_today - day).days // 7 + 1)
        start, end = _slot(day + timedelta(weeks=weeks), hour, minutes)
        actor = ctx.logins["branch_secretary"] if by_group else staff
        try:
            booking = services_venues.booking_create(
                actor=actor,
                venue=venue,
                starts_at=start,
                ends_at=end,
                purpose=purpose,
                people=min(venue.capacity, 12),
                activity=None if by_group else activity,
                group=group if by_group else None,
            )
        except ServiceError:
            continue
        made.append((booking.pk, weeks))
    for pk, weeks in made:
        if weeks:
            VenueBooking.objects.filter(pk=pk).update(
                starts_at=F("starts_at") - timedelta(weeks=weeks),
                ends_at=F("ends_at") - timedelta(weeks=weeks),
            )


def _commendations(ctx: DemoContext, admin: Any, city: Any) -> None:
    start, end = date(ctx.academic_year - 1, 9, 1), min(ctx.today, date(ctx.academic_year, 8, 31))
    title = f"{ctx.academic_year - 1}—{ctx.academic_year}学年优秀青年志愿者"
    for row in selectors_points.ranking(org=city, start=start, end=end, limit=3):
        services_commend.commendation_make(
            actor=admin, org=city, title=title, period_start=start, period_end=end, user=row.user
        )
    teams = selectors_points.team_ranking(org=city, start=start, end=end, limit=1)
    if teams:
        services_commend.commendation_make(
            actor=admin,
            org=city,
            title=f"{ctx.academic_year - 1}—{ctx.academic_year}学年优秀志愿服务团队",
            period_start=start,
            period_end=end,
            team=teams[0].team,
        )


def reset() -> None:
    """The points ledger PROTECTs the hours ledger, people and organisations: remove the demo
    city's points, rewards, circle, campaigns, venues and commendations first (before credit's
    reset removes the hours ledger and awards)."""
    from qingshe.demo.builder import demo_city, demo_users_q

    city = demo_city()
    if city is None:
        return
    tree = Q(path__startswith=city.path)
    from django.contrib.auth import get_user_model

    from qingshe.orgs.models import Organisation

    people = get_user_model().objects.filter(demo_users_q()).values("pk")
    orgs = Organisation.objects.filter(tree).values("pk")
    accounts = PointsAccount.objects.filter(Q(user__in=people) | Q(org__in=orgs))
    ids = list(
        PointsTransfer.objects.filter(entries__account__in=accounts)
        .values_list("pk", flat=True)
        .distinct()
    )
    PointsEntry.objects.filter(transfer__in=ids).delete()
    PointsTransfer.objects.filter(pk__in=ids, reverses__isnull=False).delete()
    PointsTransfer.objects.filter(pk__in=ids).delete()
    PointsTransfer.objects.filter(
        Q(hours_entry__user__in=people) | Q(rule__owner__in=orgs)
    ).delete()
    accounts.delete()
    Commendation.objects.filter(org__in=orgs).delete()
    Redemption.objects.filter(Q(user__in=people) | Q(reward__partner__in=orgs)).delete()
    Reward.objects.filter(partner__in=orgs).delete()
    Pledge.objects.filter(campaign__group__owner__in=orgs).delete()
    Campaign.objects.filter(group__owner__in=orgs).delete()
    VenueBooking.objects.filter(venue__owner__in=orgs).delete()
    Venue.objects.filter(owner__in=orgs).delete()
    PartnerApplication.objects.filter(committee__in=orgs).delete()
    rules = PointsRule.objects.filter(owner__in=orgs)
    rules.filter(replaces__isnull=False).update(replaces=None)
    rules.delete()
