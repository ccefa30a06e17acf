"""Demo step "needs": the need list (需求清单) of the demo city.

1. A few open needs per community, posted by its staff with time windows in its office hours
   over the coming weeks, some urgent, some requiring training or insurance, some open to claim,
   some bounties: what pairing suggestions and dispatch match against. The aged community asks
   mostly for care and health, the young one for after-school work.
2. Residents' orders (点单) living through every state — triaged, dispatched, claimed, in
   progress, reported done, verified with evidence, closed, reopened as not solved, rejected,
   not the community's, a duplicate linked to its original with followers — all of them in the
   logins' community (the resident, staff, panel and student logins each have something to do),
   a few elsewhere. Each order's history is back-dated after it is built.
3. A bounty taken up (揭榜) by the department of the logins and under way.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qingshe.demo.context import DemoContext
from qingshe.needs.models import Need, NeedAssignment, NeedEvent, NeedPhoto, ProjectGroup, Urgency
from qingshe.needs.services import (
    need_accept,
    need_close,
    need_follow,
    need_mark_duplicate,
    need_not_responsible,
    need_reject,
    need_reopen,
    need_report_done,
    need_submit,
    need_verify,
    project_group_close,
    project_group_create,
    project_join_apply,
    project_join_decide,
    project_member_leave,
    project_member_set_role,
)
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

# (title, project type, field, kind of work, skills wanted, majors that fit)
NEEDS: list[tuple[str, str, str, str, list[str], list[str]]] = [
    (
        "老年人智能手机使用辅导",
        "governance",
        "technology",
        "skilled",
        ["新媒体运营"],
        ["计算机科学与技术", "软件工程", "计算机应用技术"],
    ),
    ("法律咨询进楼栋", "governance", "governance", "professional", ["法律咨询"], ["法学"]),
    (
        "邻里纠纷调解协助",
        "governance",
        "governance",
        "skilled",
        ["调解", "入户走访"],
        ["法学", "社会工作"],
    ),
    (
        "四点半课堂作业辅导",
        "after_school",
        "poverty_education",
        "skilled",
        ["支教辅导"],
        ["小学教育", "汉语言文学", "学前教育"],
    ),
    (
        "少儿书法绘画兴趣班",
        "after_school",
        "heritage",
        "skilled",
        ["书法", "绘画"],
        ["书法学", "美术学"],
    ),
    (
        "高龄老人健康讲座与血压测量",
        "governance",
        "health",
        "professional",
        ["健康讲座", "护理"],
        ["护理学", "护理", "临床医学", "预防医学"],
    ),
    (
        "应急救护知识培训",
        "culture_sport",
        "health",
        "professional",
        ["急救"],
        ["护理学", "临床医学"],
    ),
    ("独居老人入户走访", "governance", "governance", "labour", ["入户走访"], []),
    ("社区环境整治与垃圾分类宣传", "governance", "ecology", "labour", [], []),
    (
        "社区公众号与短视频运营",
        "league_building",
        "policy",
        "skilled",
        ["新媒体运营", "视频剪辑", "摄影"],
        ["网络与新媒体", "新闻学", "数字媒体技术"],
    ),
    (
        "居民需求问卷调查与数据整理",
        "survey",
        "governance",
        "professional",
        ["数据分析"],
        ["社会工作", "数据科学与大数据技术"],
    ),
    (
        "小微商户记账辅导",
        "governance",
        "employment",
        "professional",
        ["财务记账"],
        ["会计学", "大数据与会计"],
    ),
    (
        "老旧小区加装电梯测绘",
        "survey",
        "governance",
        "professional",
        ["建筑测绘"],
        ["建筑工程技术", "工程造价"],
    ),
    (
        "邻里文艺晚会策划",
        "culture_sport",
        "heritage",
        "skilled",
        ["活动策划", "朗诵主持", "舞蹈"],
        [],
    ),
    ("儿童英语角", "after_school", "poverty_education", "skilled", ["英语"], ["英语", "商务英语"]),
    (
        "心理疏导与陪伴",
        "governance",
        "health",
        "professional",
        ["心理咨询"],
        ["心理学", "社会工作"],
    ),
    ("反诈宣传进小区", "governance", "policy", "labour", [], []),
    ("社区活动拍照记录", "league_building", "policy", "labour", ["摄影"], []),
    (
        "康复训练上门指导",
        "governance",
        "health",
        "professional",
        ["康复训练"],
        ["康复治疗技术", "智慧健康养老服务与管理"],
    ),
]
AGED = [0, 5, 6, 7, 15, 18]
YOUNG = [3, 4, 9, 13, 14]


def _staff(communities: list[Organisation], ctx: DemoContext) -> dict[int, Any]:
    """One community staff member per community (the demo login for its own community)."""
    chosen: dict[int, Any] = {}
    login = ctx.logins.get("community_staff")
    login_community = ctx.extra.get("login_community")
    if login is not None and login_community is not None:
        chosen[login_community.pk] = login
    for m in (
        Membership.objects.filter(org__in=communities, role=Role.COMMUNITY_STAFF, is_active=True)
        .select_related("user")
        .order_by("pk")
    ):
        chosen.setdefault(m.org_id, m.user)
    return chosen


# Resident orders (点单): (title, project type, field, kind of work, description).
ORDERS: list[tuple[str, str, str, str, str]] = [
    (
        "楼道灯坏了，晚上上下楼看不见",
        "governance",
        "governance",
        "labour",
        "3号楼2单元楼道灯坏了一个多星期，老人晚上下楼不方便。",
    ),
    (
        "帮我母亲学用智能手机挂号",
        "governance",
        "technology",
        "skilled",
        "母亲78岁，想学会用手机挂号、看健康码和视频通话。",
    ),
    (
        "孩子放学后没人辅导作业",
        "after_school",
        "poverty_education",
        "skilled",
        "双职工家庭，孩子读三年级，希望周二、周四下午有人辅导作业。",
    ),
    (
        "独居老人希望有人定期上门看看",
        "governance",
        "health",
        "labour",
        "隔壁王奶奶一个人住，腿脚不便，希望每周有志愿者上门陪聊、量血压。",
    ),
    (
        "垃圾分类投放点气味大、乱投放",
        "governance",
        "ecology",
        "labour",
        "希望志愿者帮忙在早晚投放时段督导，并宣传垃圾分类。",
    ),
    (
        "想办一场邻里写春联活动",
        "culture_sport",
        "heritage",
        "skilled",
        "退休老人想和孩子们一起写春联、剪窗花。",
    ),
    (
        "电动车堵住消防通道",
        "governance",
        "governance",
        "labour",
        "5号楼下电动车乱停乱充电，希望开展一次消防安全宣传。",
    ),
    (
        "给老人讲讲怎么防电信诈骗",
        "governance",
        "policy",
        "skilled",
        "最近小区有几位老人接到冒充客服的诈骗电话。",
    ),
    (
        "小区健身器材损坏",
        "culture_sport",
        "governance",
        "labour",
        "中心花园的两台健身器材松动，怕孩子玩耍时受伤。",
    ),
    (
        "想了解灵活就业社保怎么交",
        "governance",
        "employment",
        "professional",
        "刚失业，想有人帮忙讲讲灵活就业参保和求职平台的使用。",
    ),
]
# The same problem as ORDERS[0], reported again by a neighbour: marked a duplicate of it.
DUPLICATE_TITLE = "3号楼楼道灯不亮"
# What each state needs of the people around it, in the order a need lives through them.
LIFE = [
    "submitted",
    "accepted",
    "dispatched",
    "claimed",
    "in_progress",
    "claimed_done",
    "verified",
    "closed",
    "rejected",
    "duplicate",
    "not_responsible",
    "reopened",
]
NOTES = {
    "reject": "已由物业公司在处理，社区不重复派单。",
    "not_responsible": "属于物业维修范围，请联系小区物业服务中心。",
    "done": "志愿者已按约定上门，完成服务并拍照留存。",
    "verify": "评议团成员电话回访居民，居民确认问题已解决。",
    "reopen": "过了几天又出现同样的问题，没有真正解决。",
    "close": "居民满意，办结。",
    "accept": "本周内安排志愿者。",
}
SAFETY_COURSE = "社区服务安全须知"


def _office_slots(community: Organisation) -> dict[int, list[tuple[time, time]]]:
    """The community's office hours by weekday (the platform default when it sets none)."""
    rows = community.office_hours or settings.QINGSHE_DISPATCH["office_hours"]
    slots: dict[int, list[tuple[time, time]]] = {}
    for row in rows:
        start = time.fromisoformat(row["start"])
        end = time.fromisoformat(row["end"])
        slots.setdefault(int(row["weekday"]), []).append((start, end))
    return slots


def _windows(
    ctx: DemoContext, community: Organisation, first: date, n: int
) -> list[tuple[datetime, datetime]]:
    """`n` windows within the community's office hours on days from `first` over three weeks."""
    slots = _office_slots(community)
    tz = timezone.get_current_timezone()
    days = [
        first + timedelta(days=i)
        for i in range(21)
        if (first + timedelta(days=i)).weekday() in slots
    ]
    out = []
    for day in sorted(ctx.rng.sample(days, min(n, len(days)))):
        start, end = ctx.rng.choice(slots[day.weekday()])
        out.append(
            (
                timezone.make_aware(datetime.combine(day, start), tz),
                timezone.make_aware(datetime.combine(day, end), tz),
            )
        )
    return out


def _safety_course(ctx: DemoContext) -> Any:
    """A course some needs require: offered by the city committee (the duty step adds its own)."""
    from qingshe.duty.services import training_course_create

    return training_course_create(
        actor=ctx.logins["league_admin"],
        org=ctx.extra["city"],
        name=SAFETY_COURSE,
        topic="safety",
        description="上门服务、高处作业和用电安全的基本要求，志愿者上岗前须学习。",
    )


def _adult_residents(communities: list[Organisation], ctx: DemoContext) -> dict[int, list[Any]]:
    born_before = ctx.today.replace(year=ctx.today.year - 20)
    out: dict[int, list[Any]] = {}
    for m in (
        Membership.objects.filter(
            org__in=communities,
            role=Role.RESIDENT,
            is_active=True,
            user__birth_date__lte=born_before,
        )
        .select_related("user")
        .order_by("org_id", "user_id")
    ):
        out.setdefault(m.org_id, []).append(m.user)
    login = ctx.logins.get("resident")
    home = ctx.extra.get("login_community")
    if login is not None and home is not None:
        people = [u for u in out.get(home.pk, []) if u.pk != login.pk]
        out[home.pk] = [login, *people]
    return out


def _volunteers(ctx: DemoContext) -> dict[int, list[Any]]:
    """Students of the branch paired with each community (the login student first in theirs)."""
    branch_of: dict[int, Any] = ctx.extra.get("student_branch", {})
    by_branch: dict[int, list[Any]] = {}
    for user in ctx.people.get("students", []):
        branch = branch_of.get(user.pk)
        if branch is not None:
            by_branch.setdefault(branch.pk, []).append(user)
    out: dict[int, list[Any]] = {}
    for branch, community in ctx.extra.get("pairs", []):
        out[community.pk] = by_branch.get(branch.pk, [])[:6]
    login, home = ctx.logins.get("student"), ctx.extra.get("login_community")
    if login is not None and home is not None:
        out[home.pk] = [login, *[u for u in out.get(home.pk, []) if u.pk != login.pk]]
    return out


def _panel(community: Organisation, ctx: DemoContext) -> Any | None:
    if community.pk == getattr(ctx.extra.get("login_community"), "pk", None):
        return ctx.logins.get("panel_member")
    m = (
        Membership.objects.filter(org=community, role=Role.PANEL_MEMBER, is_active=True)
        .select_related("user")
        .first()
    )
    return m.user if m else None


class _Clock:
    """Back-dates what the services wrote: a need ordered `days_ago`, each move a little later."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.needs: dict[int, datetime] = {}

    def ordered(self, need: Need, at: datetime) -> None:
        self.needs[need.pk] = at

    def apply(self) -> None:
        needs = Need.objects.filter(pk__in=self.needs).in_bulk()
        events = list(
            NeedEvent.objects.filter(need_id__in=self.needs).order_by("need_id", "at", "pk")
        )
        last: dict[int, datetime] = {}
        step: dict[int, int] = {}
        for event in events:
            start = self.needs[event.need_id]
            n = step.get(event.need_id, 0)
            gap = (self.now - start) / 12
            event.at = start + gap * n + timedelta(minutes=7 * n)
            step[event.need_id] = n + 1
            last[event.need_id] = event.at
        NeedEvent.objects.bulk_update(events, ["at"], batch_size=500)
        for pk, need in needs.items():
            need.created_at = self.needs[pk]
            need.state_changed_at = last.get(pk, self.needs[pk])
            need.updated_at = need.state_changed_at
        Need.objects.bulk_update(
            list(needs.values()), ["created_at", "state_changed_at", "updated_at"], batch_size=500
        )


def _assign(need: Need, volunteer: Any, *, source: str, state: str) -> None:
    window = need.windows.order_by("starts_at").first()
    start = window.starts_at if window else timezone.now() + timedelta(days=3)
    end = window.ends_at if window else start + timedelta(hours=2)
    NeedAssignment.objects.create(
        need=need,
        volunteer=volunteer,
        source=source,
        starts_at=start,
        ends_at=end,
        state=state,
        responded_at=timezone.now() if state == NeedAssignment.State.ACCEPTED else None,
    )


def _live(
    need: Need, target: str, *, staff: Any, panel: Any, volunteer: Any | None, reporter: Any
) -> None:
    """Move a submitted resident order to `target` through the services. Dispatch and claiming
    (团团派单, 抢单) belong to the dispatch part: here an assignment is written and the need moved
    with the lifecycle's need_move, as its services do."""
    from qingshe.needs.services import lifecycle

    if target == "submitted":
        return
    if target in {"rejected", "not_responsible"}:
        if target == "rejected":
            need_reject(actor=staff, need=need, reason=NOTES["reject"])
        else:
            need_not_responsible(
                actor=staff, need=need, reason=NOTES["not_responsible"], refer_to="小区物业服务中心"
            )
        return
    need_accept(actor=staff, need=need, reason=NOTES["accept"])
    if target == "accepted" or volunteer is None:
        return
    with transaction.atomic():
        locked = lifecycle.need_lock(need.pk)
        if target == "claimed":
            Need.objects.filter(pk=need.pk).update(open_claim=True)
            _assign(
                locked,
                volunteer,
                source=NeedAssignment.Source.CLAIM,
                state=NeedAssignment.State.ACCEPTED,
            )
            lifecycle.need_move(need=locked, to=Need.State.CLAIMED, actor=volunteer, reason="抢单")
            return
        offered = (
            NeedAssignment.State.OFFERED
            if target == "dispatched"
            else NeedAssignment.State.ACCEPTED
        )
        _assign(locked, volunteer, source=NeedAssignment.Source.PLAN, state=offered)
        lifecycle.need_move(need=locked, to=Need.State.DISPATCHED, actor=staff, reason="团团派单")
        if target == "dispatched":
            return
        lifecycle.need_move(need=locked, to=Need.State.IN_PROGRESS, actor=volunteer, reason="接单")
    if target == "in_progress":
        return
    need_report_done(actor=volunteer, need=need, note=NOTES["done"])
    if target == "claimed_done":
        return
    need_verify(actor=panel or staff, need=need, evidence=NOTES["verify"])
    if target == "reopened":
        need_reopen(actor=reporter, need=need, reason=NOTES["reopen"])
    elif target == "closed":
        need_close(actor=staff, need=need, reason=NOTES["close"])


def build(ctx: DemoContext) -> None:
    communities = ctx.orgs[OrgKind.COMMUNITY]
    staff = _staff(communities, ctx)
    aged, young = ctx.extra.get("aged_community"), ctx.extra.get("young_community")
    real_today = timezone.localdate()
    # Open needs take windows still to come, even when the demo is built "as of" a past day.
    future = max(ctx.today, real_today) + timedelta(days=3)
    now = timezone.now()
    clock = _Clock(now)
    course = _safety_course(ctx)
    created = 0
    # 1. What each community's staff posted (发榜): open, matched by pairing suggestions.
    for community in communities:
        actor = staff.get(community.pk)
        if actor is None:
            continue
        if aged is not None and community.pk == aged.pk:
            picks = ctx.rng.sample(AGED, 4)
        elif young is not None and community.pk == young.pk:
            picks = ctx.rng.sample(YOUNG, 4)
        else:
            picks = ctx.rng.sample(range(len(NEEDS)), ctx.rng.randint(2, 4))
        for index in picks:
            title, project_type, field, work_kind, skills, majors = NEEDS[index]
            professional = work_kind == "professional"
            need = need_submit(
                actor=actor,
                community=community,
                title=title,
                project_type=project_type,
                service_field=field,
                work_kind=work_kind,
                skills=skills,
                majors=majors,
                description=f"{community.name}：{title}。",
                windows=_windows(
                    ctx,
                    community,
                    future + timedelta(days=ctx.rng.randint(0, 14)),
                    ctx.rng.randint(1, 3),
                ),
                people_needed=ctx.rng.randint(2, 8),
                urgency=Urgency.URGENT if ctx.rng.random() < 0.15 else Urgency.NORMAL,
                minutes_each=ctx.rng.choice((60, 90, 120, 180)),
                needs_insurance=field == "health" or ctx.rng.random() < 0.1,
                required_courses=[course.pk]
                if "入户走访" in skills or ctx.rng.random() < 0.1
                else [],
                open_claim=work_kind == "labour" and ctx.rng.random() < 0.5,
                is_bounty=professional and ctx.rng.random() < 0.3,
            )
            clock.ordered(
                need, now - timedelta(days=ctx.rng.randint(1, 20), hours=ctx.rng.randint(0, 8))
            )
            if ctx.rng.random() < 0.5:
                need_accept(actor=actor, need=need)
            created += 1
    # 2. Residents' orders (点单) living through every state: all of them in the logins'
    #    community, a few elsewhere.
    residents = _adult_residents(communities, ctx)
    volunteers = _volunteers(ctx)
    home = ctx.extra.get("login_community")
    others = [c for c in communities if c.pk != getattr(home, "pk", None)]
    chosen = [
        *([home] if home is not None else []),
        *ctx.rng.sample(others, min(len(others), ctx.scaled(8))),
    ]
    orders = 0
    for community in chosen:
        actor = staff.get(community.pk)
        people = residents.get(community.pk, [])
        if actor is None or len(people) < 2:
            continue
        targets = list(LIFE) if community == home else ctx.rng.sample(LIFE, 3)
        original = None
        for i, target in enumerate(targets):
            mine = community == home and target in {
                "submitted",
                "claimed_done",
                "verified",
                "closed",
            }
            reporter = people[0] if mine else people[1 + i % (len(people) - 1)]
            title, project_type, field, work_kind, description = ORDERS[i % len(ORDERS)]
            if target == "duplicate":
                title, description = DUPLICATE_TITLE, "晚上楼道里漆黑一片，希望尽快修好。"
                project_type, field, work_kind = ORDERS[0][1], ORDERS[0][2], ORDERS[0][3]
            done = target in {
                "claimed_done",
                "verified",
                "closed",
                "reopened",
                "rejected",
                "not_responsible",
            }
            days_ago = ctx.rng.randint(12, 40) if done else ctx.rng.randint(1, 10)
            ordered_at = now - timedelta(days=days_ago, hours=ctx.rng.randint(0, 6))
            first = timezone.localtime(ordered_at).date() + timedelta(days=2) if done else future
            need = need_submit(
                actor=reporter if i % 4 else actor,
                on_behalf_of=None if i % 4 else reporter,
                community=community,
                title=title,
                description=description,
                project_type=project_type,
                service_field=field,
                work_kind=work_kind,
                windows=_windows(ctx, community, first, 1 if done else 2),
                urgency=Urgency.VERY_URGENT
                if i == 6
                else Urgency.URGENT
                if i % 5 == 1
                else Urgency.NORMAL,
                now=ordered_at,
            )
            clock.ordered(need, ordered_at)
            orders += 1
            if i == 0:
                original = need
            if target == "duplicate":
                if (
                    original is not None
                    and original.pk != need.pk
                    and original.state in Need.OPEN_STATES
                ):
                    need_mark_duplicate(
                        actor=actor, need=need, original=original, reason="同一盏楼道灯"
                    )
                continue
            pool = volunteers.get(community.pk) or []
            # In the logins' community the student login does the work people can act on.
            login_work = community == home and target in {
                "dispatched",
                "in_progress",
                "claimed_done",
                "reopened",
            }
            volunteer = (pool[0] if login_work else pool[i % len(pool)]) if pool else None
            _live(
                need,
                target,
                staff=actor,
                panel=_panel(community, ctx),
                volunteer=volunteer,
                reporter=reporter,
            )
        # A neighbour follows the first order instead of reporting it again.
        if original is not None and len(people) > 3:
            original.refresh_from_db()
            if original.state in Need.OPEN_STATES:
                need_follow(actor=people[3], need=original)
    # 3. A bounty taken up by the logins' department (揭榜) and under way.
    bounty = _bounty(ctx, staff, future)
    if bounty is not None:
        clock.ordered(bounty, now - timedelta(days=9))
    clock.apply()
    ctx.extra["open_needs"] = created
    ctx.log(f"needs: {created} posted, {orders} resident orders")


def _bounty(ctx: DemoContext, staff: dict[int, Any], first: date) -> Need | None:
    from qingshe.needs.services import bounty_claim, bounty_start

    home, admin = ctx.extra.get("login_community"), ctx.logins.get("department_admin")
    branch = ctx.extra.get("login_branch")
    actor = staff.get(getattr(home, "pk", None))
    if home is None or admin is None or branch is None or actor is None:
        return None
    need = need_submit(
        actor=actor,
        community=home,
        title="社区居民需求调查与调研报告",
        description="面向全体居民的需求问卷调查（约300户），形成调研报告提交青年议事会。",
        project_type="survey",
        service_field="governance",
        work_kind="professional",
        majors=["社会工作", "数据科学与大数据技术"],
        skills=["数据分析"],
        windows=_windows(ctx, home, first, 3),
        people_needed=6,
        minutes_each=180,
        is_bounty=True,
    )
    need_accept(actor=actor, need=need, reason="列入本月榜单")
    department = Organisation.objects.get(pk=branch.parent_id)
    bounty_claim(
        actor=admin,
        need=need,
        claimant=department,
        plan="由经济管理学院组织社会调查，两周内完成入户问卷。",
    )
    bounty_start(actor=admin, need=need)
    return need


def reset() -> None:
    """Needs PROTECT their community: remove the demo city's needs (with their windows, events,
    photos, assignments and claims) before the tree goes, then the step's training course."""
    from qingshe.demo.builder import demo_city
    from qingshe.duty.models import TrainingCourse

    city = demo_city()
    if city is not None:
        for photo in NeedPhoto.objects.filter(need__community__path__startswith=city.path):
            photo.file.delete(save=False)
        Need.objects.filter(community__path__startswith=city.path).delete()
        TrainingCourse.objects.filter(org__path__startswith=city.path, name=SAFETY_COURSE).delete()


# --- step "projects": project groups (项目组) and students' applications ------------------------
# (name, goal, project type, field, responsibility list)
GROUPS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "社区宣传项目组",
        "为结对社区运营公众号和短视频，每月推送不少于四篇。",
        "league_building",
        "policy",
        ["拍摄社区活动照片", "撰写公众号推文", "剪辑短视频", "每月汇总阅读数据"],
    ),
    (
        "四点半课堂项目组",
        "为社区小学生提供放学后的作业辅导和阅读陪伴。",
        "after_school",
        "poverty_education",
        ["制定辅导排班表", "作业辅导", "组织亲子阅读", "与家长沟通"],
    ),
    (
        "居民需求调查项目组",
        "开展居民需求问卷调查，形成调研报告交青年议事会。",
        "survey",
        "governance",
        ["设计问卷", "入户走访", "录入与分析数据", "撰写调研报告"],
    ),
    (
        "银龄智能手机课堂",
        "教社区老年人使用智能手机：挂号、支付、防诈骗。",
        "governance",
        "technology",
        ["编写图文教程", "每周开课一次", "一对一答疑"],
    ),
    (
        "邻里文艺汇演项目组",
        "策划并组织社区邻里文艺汇演。",
        "culture_sport",
        "heritage",
        ["节目征集与排练", "场地与设备协调", "现场主持与摄影"],
    ),
    (
        "健康义诊宣讲项目组",
        "联合社区卫生服务站开展健康讲座和血压测量。",
        "governance",
        "health",
        ["联系社区卫生服务站", "讲座准备", "测量登记"],
    ),
]
STATEMENTS = [
    "我有新媒体运营经验，课余时间充足，希望为社区做实事。",
    "我是师范专业学生，擅长辅导小学数学和语文。",
    "我学过社会调查方法，愿意参与入户走访和数据分析。",
    "我家里有老人，很理解老年人用手机的难处，想帮帮他们。",
    "我参加过学校文艺汇演的组织工作，会主持和摄影。",
    "我周二、周四下午没课，可以固定参加项目组的活动。",
]
DECLINE_REASONS = [
    "本期名额已满，欢迎下学期再报名。",
    "项目时间与您的课表冲突较多，建议选择其他项目组。",
]


def _students_by_branch(city: Organisation) -> dict[int, list[Any]]:
    from qingshe.accounts.models import User

    rows = list(
        Membership.objects.filter(
            role=Role.STUDENT,
            is_active=True,
            org__kind=OrgKind.CLASS_BRANCH,
            org__path__startswith=city.path,
        )
        .order_by("org_id", "user_id")
        .values_list("org_id", "user_id")
    )
    users = User.objects.in_bulk([u for _o, u in rows])
    by_branch: dict[int, list[Any]] = {}
    for org_id, user_id in rows:
        by_branch.setdefault(org_id, []).append(users[user_id])
    return by_branch


def _holders(city: Organisation, kind: str, role: str) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for m in (
        Membership.objects.filter(
            role=role, is_active=True, org__kind=kind, org__path__startswith=city.path
        )
        .select_related("user")
        .order_by("org_id", "pk")
    ):
        out.setdefault(m.org_id, []).append(m.user)
    return out


def _fill(
    ctx: DemoContext, group: Any, deciders: list[Any], pool: list[Any], skip: set[int]
) -> None:
    """Applications in every state: accepted (one made leader), declined, left, waiting."""
    candidates = [u for u in pool if u.pk not in skip]
    chosen = ctx.rng.sample(candidates, min(len(candidates), ctx.rng.randint(4, 6)))
    plan = ["accept", "accept", "decline", "wait", "accept", "leave"]
    accepted = []
    for user, fate in zip(chosen, plan, strict=False):
        member = project_join_apply(actor=user, group=group, statement=ctx.rng.choice(STATEMENTS))
        if fate == "wait":
            continue
        decider = ctx.rng.choice(deciders)
        if fate == "decline":
            project_join_decide(
                actor=decider, member=member, accept=False, reason=ctx.rng.choice(DECLINE_REASONS)
            )
            continue
        project_join_decide(actor=decider, member=member, accept=True)
        if fate == "leave":
            project_member_leave(actor=user, member=member, reason="课程太忙")
        else:
            accepted.append(member)
    if accepted:
        project_member_set_role(actor=deciders[0], member=accepted[0], role="leader")


def build_projects(ctx: DemoContext) -> None:
    city = ctx.extra["city"]
    students = _students_by_branch(city)
    secretaries: dict[int, Any] = dict(ctx.extra["secretaries"])
    admins = _holders(city, OrgKind.DEPARTMENT_COMMITTEE, Role.DEPARTMENT_ADMIN)
    instructors = _holders(city, OrgKind.DEPARTMENT_COMMITTEE, Role.INSTRUCTOR)
    login_branch = ctx.extra["login_branch"]
    login_student, login_secretary = ctx.logins["student"], ctx.logins["branch_secretary"]
    admins[login_branch.parent_id] = [ctx.logins["department_admin"]]
    logins = {login_student.pk, login_secretary.pk}
    created = 0
    for department in ctx.orgs[OrgKind.DEPARTMENT_COMMITTEE]:
        admin = (admins.get(department.pk) or [None])[0]
        if admin is None:
            continue
        branches = [b for b in ctx.orgs[OrgKind.CLASS_BRANCH] if b.parent_id == department.pk]
        teachers = instructors.get(department.pk, [])
        picks = ctx.rng.sample(range(len(GROUPS)), 3)
        dept_pool = [u for b in branches for u in students.get(b.pk, [])]
        # A department group and two branch groups (the login branch's first, when it is here).
        owners = [department, *sorted(branches, key=lambda b: b.pk != login_branch.pk)[:2]]
        for owner, index in zip(owners, picks, strict=False):
            name, goal, project_type, field, duties = GROUPS[index]
            actor = (
                admin if owner.kind == OrgKind.DEPARTMENT_COMMITTEE else secretaries.get(owner.pk)
            )
            if actor is None:
                continue
            group = project_group_create(
                actor=actor,
                owner=owner,
                name=name,
                goal=goal,
                project_type=project_type,
                service_field=field,
                instructor=ctx.rng.choice(teachers) if teachers else None,
                responsibilities=duties,
            )
            created += 1
            deciders = [actor, *([group.instructor] if group.instructor else [])]
            pool = (
                dept_pool
                if owner.kind == OrgKind.DEPARTMENT_COMMITTEE
                else students.get(owner.pk, [])
            )
            if owner.pk == login_branch.pk:
                # The student login is accepted here; another student waits for the secretary.
                mine = project_join_apply(actor=login_student, group=group, statement=STATEMENTS[0])
                project_join_decide(actor=login_secretary, member=mine, accept=True)
                _fill(ctx, group, deciders, pool, logins)
                others = [
                    u
                    for u in pool
                    if u.pk not in logins and not group.members.filter(user=u).exists()
                ]
                if others:
                    project_join_apply(actor=others[0], group=group, statement=STATEMENTS[5])
                continue
            if owner.pk == login_branch.parent_id:
                # The student login's application to the department's group is still waiting.
                project_join_apply(actor=login_student, group=group, statement=STATEMENTS[2])
            _fill(ctx, group, deciders, pool, logins)
        if len(branches) > 2 and department.pk != login_branch.parent_id and ctx.rng.random() < 0.3:
            # Now and then a group that has closed.
            closed = project_group_create(
                actor=admin,
                owner=department,
                name="往期志愿服务项目组",
                goal="上一学期的社区志愿服务。",
                project_type="governance",
                service_field="governance",
            )
            project_group_close(actor=admin, group=closed, reason="学期结束")
            created += 1
    ctx.extra["project_groups"] = created
    ctx.log(f"project groups: {created}")


def reset_projects() -> None:
    """Groups PROTECT their owner: remove the demo city's groups before the tree goes."""
    from qingshe.demo.builder import demo_city

    city = demo_city()
    if city is not None:
        ProjectGroup.objects.filter(owner__path__startswith=city.path).delete()
