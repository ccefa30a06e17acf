"""Demo step "programmes": the city committee's programme year, in progress on `ctx.today`.

- The programme (owner: the city committee; year: today's; scope: the universities and the
  districts; 25 % quotas), its pairing deadline a week past and its start deadline in three days.
- A recruitment call that opened 80 days ago and closed 60 days ago.
- Branch applications in every state (submitted, returned, recommended, reviewed, confirmed,
  rejected), each moved by the person whose step it is: the branch secretary submits, the
  department admin recommends or returns, the university admin reviews or rejects, the city
  committee's admin confirms or rejects.
- Pairings from `ctx.extra["pairs"]` (the branch whose secretary is the community director's
  assistant, with that community) in every state: proposed, approved, active, ended, rejected.
  The demo logins' pair (`branch_secretary`'s branch with `community_staff`'s community) is
  active. Proposed pairings and a few others were made after the pairing deadline.
- Departments on both sides of the quota: some meet it through their pairings, some are lifted
  over it by more confirmed branches, the others stay below.
- Service records of the active (and ended) pairings over the past months, some pairings below
  the minimum of two a month (idle: the duty step holds none of its shifts under them).

Everything goes through the services with actors who hold the roles. The services stamp their
rows with the real clock; the demo's history is then back-dated to `ctx.today` by one UPDATE per
table (pairings, applications): that is the only write here that bypasses a service, and it only
moves timestamps of rows this step created.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone

from qingshe.demo.context import DemoContext
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role
from qingshe.programmes import services
from qingshe.programmes.models import BranchApplication, Pairing, Programme, RecruitmentCall
from qingshe.programmes.quotas import quota_met

P = Pairing.State
A = BranchApplication.State
K = OrgKind
PROGRAMME_NAME = "大学生社区实践计划（社区青春行动）"
# States of the pairs after the demo logins' own (which is active), in turn.
STATE_CYCLE = [
    P.ACTIVE,
    P.APPROVED,
    P.ACTIVE,
    P.PROPOSED,
    P.ACTIVE,
    P.ENDED,
    P.ACTIVE,
    P.REJECTED,
    P.APPROVED,
    P.ACTIVE,
]
OTHER_APPLICATION_STATES = [A.SUBMITTED, A.RETURNED, A.RECOMMENDED, A.REVIEWED, A.REJECTED]
STATEMENTS = [
    "{branch}团员{count}人，曾获校级优秀团支部称号，班级凝聚力强，愿结合{major}专业所长长期服务社区居民。",
    "本支部同学积极参加志愿服务，人均志愿时长超过20小时，希望把{major}专业知识用到社区治理中。",
    "{branch}在上学期组织过多次社区活动，与周边社区联系紧密，愿意承担至少一个学期的日常报到。",
    "我们班有{count}名团员，其中多名同学有社区服务经历，希望通过结对共建把课堂所学转化为服务居民的实事。",
]
SERVICE_TITLES = [
    "入户走访独居老人",
    "四点半课堂作业辅导",
    "社区环境整治",
    "垃圾分类宣传",
    "防诈骗知识宣传",
    "智能手机使用教学",
    "健康义诊与血压测量",
    "居民议事会记录整理",
    "邻里节活动筹备",
    "社区公众号图文制作",
]
RETURN_REASONS = [
    "申请材料中缺少班级志愿服务记录，请补充后再提交。",
    "请写明本支部每月可保证的报到次数。",
]
REJECT_REASONS = [
    "本年度名额有限，优先推荐有结对经验的团支部。",
    "班级本学期实习任务重，建议下一年度再申请。",
]
PAIRING_REJECT_REASON = "该社区已与其他团支部结对，建议选择就近的其他社区。"
PAIRING_END_REASON = "社区合并调整，经双方协商终止结对，后续另行安排。"


@dataclass
class Planned:
    branch: Organisation
    community: Organisation
    state: str
    late: bool = False
    idle: bool = False
    stamps: dict[str, datetime] = field(default_factory=dict)


def _at(ctx: DemoContext, days_ago: int, hour: int = 10) -> datetime:
    """An aware moment `days_ago` days before ctx.today, at a local hour."""
    day = ctx.today - timedelta(days=days_ago)
    minute = ctx.rng.randrange(0, 60, 5)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _first_by_org(
    orgs: Iterable[Organisation], role: str, prefer: dict[int, Any]
) -> dict[int, Any]:
    """One holder of `role` per organisation (a demo login where it holds the role there)."""
    chosen = dict(prefer)
    for m in (
        Membership.objects.filter(org__in=list(orgs), role=role, is_active=True)
        .select_related("user")
        .order_by("pk")
    ):
        chosen.setdefault(m.org_id, m.user)
    return chosen


@dataclass
class People:
    league: Any
    secretary: dict[int, Any]
    department_admin: dict[int, Any]
    university_admin: dict[int, Any]
    community_staff: dict[int, Any]


def _people(ctx: DemoContext) -> People:
    login_dept = next(
        d
        for d in ctx.orgs[K.DEPARTMENT_COMMITTEE]
        if ctx.extra["login_branch"].path.startswith(d.path)
    )
    login_uni = next(
        u
        for u in ctx.orgs[K.UNIVERSITY_COMMITTEE]
        if ctx.extra["login_branch"].path.startswith(u.path)
    )
    return People(
        league=ctx.logins["league_admin"],
        secretary=dict(ctx.extra["secretaries"]),
        department_admin=_first_by_org(
            ctx.orgs[K.DEPARTMENT_COMMITTEE],
            Role.DEPARTMENT_ADMIN,
            {login_dept.pk: ctx.logins["department_admin"]},
        ),
        university_admin=_first_by_org(
            ctx.orgs[K.UNIVERSITY_COMMITTEE],
            Role.UNIVERSITY_ADMIN,
            {login_uni.pk: ctx.logins["university_admin"]},
        ),
        community_staff=_first_by_org(
            ctx.orgs[K.COMMUNITY],
            Role.COMMUNITY_STAFF,
            {ctx.extra["login_community"].pk: ctx.logins["community_staff"]},
        ),
    )


# --- the plan -----------------------------------------------------------------------------------
def _plan_pairings(ctx: DemoContext) -> list[Planned]:
    pairs: list[tuple[Organisation, Organisation]] = list(ctx.extra["pairs"])
    login_branch = ctx.extra["login_branch"]
    pairs.sort(key=lambda p: p[0].pk != login_branch.pk)  # the logins' pair first (stable)
    plan = [Planned(pairs[0][0], pairs[0][1], P.ACTIVE)]
    for i, (branch, community) in enumerate(pairs[1:]):
        plan.append(Planned(branch, community, STATE_CYCLE[i % len(STATE_CYCLE)]))
    # A small city has fewer pairs than states: the missing states get pairings of their own. A
    # rejected or ended pairing is history of a branch that is paired (with another community)
    # now; a proposed or approved one is a branch of its own with its nearest other community.
    communities = ctx.orgs[K.COMMUNITY]
    used = {p.branch.pk for p in plan}
    spare = [b for b in ctx.orgs[K.CLASS_BRANCH] if b.pk not in used]
    for state in (P.APPROVED, P.PROPOSED, P.ENDED, P.REJECTED, P.ACTIVE):
        if any(p.state == state for p in plan):
            continue
        if state in (P.ENDED, P.REJECTED):
            host = next((p for p in plan[1:] if p.state in (P.ACTIVE, P.APPROVED)), plan[0])
            others = [c for c in communities if c.pk != host.community.pk] or communities
            plan.append(Planned(host.branch, others[0], state))
        elif spare:
            branch = spare.pop(0)
            plan.append(Planned(branch, communities[len(plan) % len(communities)], state))
    actives = [p for p in plan[1:] if p.state == P.ACTIVE]
    for k, p in enumerate(actives):
        p.idle = k % 3 == 0
        p.late = k % 4 == 3
    for k, p in enumerate(x for x in plan if x.state == P.APPROVED):
        p.late = k % 3 == 2
    for p in plan:
        if p.state == P.PROPOSED:
            p.late = True
    return plan


def _timeline(ctx: DemoContext, p: Planned) -> None:
    """When each step happened, in days before today (pairing deadline: 7 days ago)."""
    if p.state == P.PROPOSED:
        p.stamps["created_at"] = _at(ctx, ctx.rng.randint(1, 6), 9)
        return
    if p.state == P.REJECTED:
        created = ctx.rng.randint(20, 45)
        p.stamps["created_at"] = _at(ctx, created, 9)
        p.stamps["updated_at"] = _at(ctx, created - 3, 16)
        return
    if p.late:
        created = 6 if p.state == P.ACTIVE else ctx.rng.randint(3, 6)
    elif p.state == P.APPROVED:
        created = ctx.rng.randint(12, 30)
    else:
        # started before the last complete month, so that month owes its minimum of services
        created = ctx.rng.randint(62, 80)
    approved = created - (1 if p.late else ctx.rng.randint(1, 3))
    p.stamps["created_at"] = _at(ctx, created, 9)
    p.stamps["approved_at"] = _at(ctx, approved, 11)
    p.stamps["updated_at"] = p.stamps["approved_at"]
    if p.state == P.APPROVED:
        if ctx.rng.random() < 0.5:
            p.stamps["unit_confirmed_at"] = _at(ctx, approved - 1, 15)
            p.stamps["updated_at"] = p.stamps["unit_confirmed_at"]
        return
    started = approved - (2 if p.late else ctx.rng.randint(2, 4))
    p.stamps["unit_confirmed_at"] = _at(ctx, approved - 1, 15)
    p.stamps["community_confirmed_at"] = p.stamps["started_at"] = _at(ctx, started, 16)
    p.stamps["updated_at"] = p.stamps["started_at"]
    if p.state == P.ENDED:
        p.stamps["ended_at"] = p.stamps["updated_at"] = _at(ctx, ctx.rng.randint(8, 20), 17)


def _application_plan(
    ctx: DemoContext, programme: Programme, plan: list[Planned]
) -> dict[int, str]:
    """The application state of each branch that applies (branch pk → state)."""
    branches = ctx.orgs[K.CLASS_BRANCH]
    departments = ctx.orgs[K.DEPARTMENT_COMMITTEE]
    students: dict[int, int] = defaultdict(int)
    for branch in ctx.extra["student_branch"].values():
        students[branch.pk] += 1
    students[ctx.extra["login_branch"].pk] += 2  # the secretary and the student logins
    by_dept: dict[int, list[Organisation]] = defaultdict(list)
    for b in branches:
        by_dept[b.parent_id].append(b)  # type: ignore[index]

    states: dict[int, str] = {}
    proposed_only = {p.branch.pk for p in plan} - {
        p.branch.pk for p in plan if p.state != P.PROPOSED
    }
    for p in plan:
        states.setdefault(p.branch.pk, A.CONFIRMED)
    # One branch whose pairing is proposed waits for the committee's confirmation with it.
    waiting = sorted(proposed_only)[:1]
    for pk in waiting:
        states[pk] = A.REVIEWED

    def meets(dept: Organisation) -> bool:
        members = by_dept[dept.pk]
        taking = [b for b in members if states.get(b.pk) == A.CONFIRMED]
        return quota_met(
            branches_in=len(taking),
            branches_total=len(members),
            students_in=sum(students[b.pk] for b in taking),
            students_total=sum(students[b.pk] for b in members),
            branch_quota_pct=programme.branch_quota_pct,
            student_quota_pct=programme.student_quota_pct,
        )

    below = [d for d in departments if by_dept[d.pk] and not meets(d)]
    lift = [d for j, d in enumerate(below) if j % 2 == 1]
    stay = [d for j, d in enumerate(below) if j % 2 == 0]
    # Branches with no application yet, those of departments that stay below the quota first:
    # they carry the states that are not "confirmed" (every state must appear).
    rank = {d.pk: (0 if d in stay else 1 if d in lift else 2) for d in departments}
    free = sorted(
        (b for b in branches if b.pk not in states),
        key=lambda b: (rank.get(b.parent_id, 3), b.pk),  # type: ignore[arg-type]
    )
    needed = [s for s in OTHER_APPLICATION_STATES if s not in states.values()]
    for state in needed:
        if free:
            states[free.pop(0).pk] = state
    for dept in lift:
        candidates = sorted(
            (b for b in by_dept[dept.pk] if b.pk not in states),
            key=lambda b: (-students[b.pk], b.pk),
        )
        while candidates and not meets(dept):
            states[candidates.pop(0).pk] = A.CONFIRMED
    for dept in stay:
        # Some take part, but fewer than the quota.
        candidates = [b for b in by_dept[dept.pk] if b.pk not in states]
        if candidates:
            states[candidates[0].pk] = A.CONFIRMED
            if meets(dept):
                states[candidates[0].pk] = A.RECOMMENDED
    for b in branches:
        if b.pk not in states and ctx.rng.random() < 0.4:
            states[b.pk] = ctx.rng.choice(OTHER_APPLICATION_STATES)
    return states


# --- the step -----------------------------------------------------------------------------------
def build(ctx: DemoContext) -> None:
    today = ctx.today
    people = _people(ctx)
    league = people.league
    programme = services.programme_create(
        actor=league,
        owner=ctx.extra["city"],
        name=PROGRAMME_NAME,
        year=today.year,
        scope=[*ctx.orgs[K.UNIVERSITY_COMMITTEE], *ctx.orgs[K.DISTRICT_COMMITTEE]],
        pairing_deadline=today - timedelta(days=7),
        start_deadline=today + timedelta(days=3),
        case_deadline=today + timedelta(days=40),
    )
    # The scope read once: every application and proposal checks it (in_programme_scope).
    programme = (
        Programme.objects.select_related("owner").prefetch_related("scope").get(pk=programme.pk)
    )
    call = services.call_open(
        actor=league,
        programme=programme,
        title=f"{today.year}年“社区青春行动”团支部公开招募",
        criteria="自愿报名、择优选拔：优秀团支部、优秀班集体优先；班级凝聚力强；团支部书记责任心强，可兼任社区居委会主任助理。",
        opens_at=_at(ctx, 80, 9),
        closes_at=_at(ctx, 60, 18),
    )
    plan = _plan_pairings(ctx)
    app_states = _application_plan(ctx, programme, plan)
    submitted_at = _apply(ctx, call, people, app_states)
    _back_date(BranchApplication, submitted_at)
    stamps = _pair(ctx, programme, people, plan)
    _back_date(Pairing, stamps)
    ctx.extra["programme"] = programme
    ctx.extra["programme_plan"] = plan


def _apply(
    ctx: DemoContext, call: RecruitmentCall, people: People, states: dict[int, str]
) -> dict[int, dict[str, datetime]]:
    stamps: dict[int, dict[str, datetime]] = {}
    window_days = (call.closes_at - call.opens_at).days
    students: dict[int, int] = defaultdict(int)
    for branch in ctx.extra["student_branch"].values():
        students[branch.pk] += 1
    departments = {d.pk: d for d in ctx.orgs[K.DEPARTMENT_COMMITTEE]}
    rejected = 0
    for branch in ctx.orgs[K.CLASS_BRANCH]:
        state = states.get(branch.pk)
        if state is None:
            continue
        dept = departments[branch.parent_id]  # type: ignore[index]
        info = ctx.extra["branch_info"][branch.pk]
        now = call.opens_at + timedelta(
            days=ctx.rng.randint(0, max(0, window_days - 3)), hours=ctx.rng.randint(0, 8)
        )
        app = services.application_submit(
            actor=people.secretary[branch.pk],
            call=call,
            branch=branch,
            statement=ctx.rng.choice(STATEMENTS).format(
                branch=branch.name, major=info.major, count=students[branch.pk]
            ),
            excellent_branch=ctx.rng.random() < 0.35,
            excellent_class=ctx.rng.random() < 0.25,
            excellent_cadre=ctx.rng.random() < 0.3,
            now=now,
        )
        dept_admin = people.department_admin[dept.pk]
        uni_admin = people.university_admin[dept.parent_id]
        if state == A.RETURNED:
            services.application_reject(
                actor=dept_admin, application=app, reason=ctx.rng.choice(RETURN_REASONS)
            )
        elif state != A.SUBMITTED:
            services.application_recommend(actor=dept_admin, application=app)
            if state == A.REJECTED and rejected % 2 == 0:
                services.application_reject(
                    actor=uni_admin, application=app, reason=ctx.rng.choice(REJECT_REASONS)
                )
            elif state != A.RECOMMENDED:
                services.application_approve(actor=uni_admin, application=app)
                if state == A.CONFIRMED:
                    services.application_approve(actor=people.league, application=app)
                elif state == A.REJECTED:
                    services.application_reject(
                        actor=people.league, application=app, reason=ctx.rng.choice(REJECT_REASONS)
                    )
            rejected += state == A.REJECTED
        stamps[app.pk] = {
            "created_at": now,
            "updated_at": now + timedelta(days=ctx.rng.randint(2, 12)),
        }
    return stamps


def _pair(
    ctx: DemoContext, programme: Programme, people: People, plan: list[Planned]
) -> dict[int, dict[str, datetime]]:
    stamps: dict[int, dict[str, datetime]] = {}
    term_end = date(ctx.academic_year + 1, 7, 15)
    last_day = min(ctx.today, timezone.localdate())
    # History first (rejected and ended pairings), so that a branch's current pairing comes after.
    order = sorted(plan, key=lambda p: p.state not in (P.REJECTED, P.ENDED))
    for p in order:
        _timeline(ctx, p)
        secretary = people.secretary[p.branch.pk]
        staff = people.community_staff[p.community.pk]
        start = timezone.localtime(p.stamps["created_at"]).date()
        pairing = services.pairing_propose(
            actor=secretary,
            programme=programme,
            unit=p.branch,
            community=p.community,
            term_start=start,
            term_end=max(term_end, start + timedelta(days=120)),
        )
        if p.state == P.REJECTED:
            services.pairing_reject(
                actor=people.league, pairing=pairing, reason=PAIRING_REJECT_REASON
            )
        elif p.state != P.PROPOSED:
            pairing = services.pairing_approve(actor=people.league, pairing=pairing)
            if "unit_confirmed_at" in p.stamps:
                pairing = services.pairing_confirm(actor=secretary, pairing=pairing, side="unit")
            if "community_confirmed_at" in p.stamps:
                pairing = services.pairing_confirm(actor=staff, pairing=pairing, side="community")
                started = timezone.localtime(p.stamps["started_at"]).date()
                until = (
                    timezone.localtime(p.stamps["ended_at"]).date()
                    if "ended_at" in p.stamps
                    else last_day
                )
                _services(
                    ctx, pairing, secretary, staff, started, min(until, last_day), idle=p.idle
                )
                if p.idle:  # the duty step holds none of its shifts under this pairing
                    ctx.extra.setdefault("idle_pairings", set()).add(pairing.pk)
            if p.state == P.ENDED:
                services.pairing_end(
                    actor=people.league, pairing=pairing, reason=PAIRING_END_REASON
                )
        stamps[pairing.pk] = p.stamps
    return stamps


def _month_windows(first: date, last: date) -> list[tuple[date, date]]:
    windows = []
    day = first
    while day <= last:
        nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        windows.append((day, min(last, nxt - timedelta(days=1))))
        day = nxt
    return windows


def _services(
    ctx: DemoContext,
    pairing: Pairing,
    secretary: Any,
    staff: Any,
    first: date,
    last: date,
    *,
    idle: bool,
) -> None:
    """Services held under a pairing: two to four a month, or at most one for an idle pairing."""
    first = max(first, pairing.term_start)
    for start, end in _month_windows(first, last):
        days = (end - start).days + 1
        wanted = ctx.rng.choice((0, 1)) if idle else (ctx.rng.randint(2, 4) if days >= 7 else 1)
        for offset in sorted(ctx.rng.sample(range(days), min(days, wanted))):
            services.service_record(
                actor=secretary if ctx.rng.random() < 0.6 else staff,
                pairing=pairing,
                held_on=start + timedelta(days=offset),
                title=ctx.rng.choice(SERVICE_TITLES),
                participants=ctx.rng.randint(3, 25),
            )


def _back_date(
    model: type[Pairing] | type[BranchApplication], stamps: dict[int, dict[str, datetime]]
) -> None:
    """Back-date demo history: one UPDATE moving the timestamps the services stamped with the
    real clock to the demo's own calendar (only rows this step created)."""
    if not stamps:
        return
    columns = sorted({name for s in stamps.values() for name in s})
    updates = {
        name: Case(
            *[When(pk=pk, then=Value(s[name])) for pk, s in stamps.items() if name in s],
            default=F(name),
            output_field=DateTimeField(),
        )
        for name in columns
    }
    model.objects.filter(pk__in=list(stamps)).update(**updates)  # type: ignore[attr-defined]


def reset() -> None:
    """Pairings and applications PROTECT the demo's organisations: remove the demo city's
    programmes (calls, applications and service records go with them) before the tree goes."""
    from qingshe.demo.builder import demo_city

    city = demo_city()
    if city is None:
        return
    programmes = Programme.objects.filter(owner__path__startswith=city.path)
    Pairing.objects.filter(programme__in=programmes).delete()
    BranchApplication.objects.filter(call__programme__in=programmes).delete()
    programmes.delete()
