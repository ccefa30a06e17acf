"""Demo step "resources" (after "projects"): the resource list, bounties in every state, and tasks
of project groups.

1. Resources (资源清单): what each partner unit says it offers (its description's "可提供：…"),
   entered by its contact (the `partner_contact` login for its own unit) or the league committee;
   a venue and internships from each university, skills from some departments; one withdrawn;
   a few used by project groups of the logins' department.
2. Bounties (揭榜挂帅): the communities' posted bounties, some still open; others taken up by a
   university or a department and given to a project group — claimed, under way, reported done,
   carried out (verified and closed, the claim done), and one given up and open again, one given
   up and taken up by another university (a claim history to read). The "needs" step's accepted
   bounties are used first; when there are too few, this step posts its own.
3. Tasks (任务) of project groups in every state (to do, in progress, done, dropped), given to
   accepted members; the `student` login has tasks in the logins' branch group.

Everything goes through the services.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qingshe.demo.context import DemoContext
from qingshe.needs.models import BountyClaim, Need, ProjectGroup, ProjectMember, Resource
from qingshe.needs.services import (
    bounty_claim,
    bounty_start,
    bounty_withdraw,
    need_accept,
    need_close,
    need_report_done,
    need_submit,
    need_verify,
    project_task_create,
    project_task_update,
    resource_create,
    resource_link_group,
    resource_withdraw,
)
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

# Words of a partner's offer → the kind of resource (first match wins), with a unit and amount.
KIND_WORDS: list[tuple[tuple[str, ...], str, str, tuple[int, int]]] = [
    (("见习", "实习", "岗位"), "internship", "个岗位", (2, 10)),
    (("众筹", "赞助", "孵化"), "money", "元", (2000, 20000)),
    (("场地", "教室", "阅读角", "宣传栏", "活动室"), "venue", "", (0, 0)),
    (("商品", "物资", "图书", "药品", "器材", "物料", "急救包", "饮品"), "goods", "份", (50, 500)),
]
NOTES = [
    "工作日 9:00-17:00，提前三天预约",
    "周末全天可用",
    "每月第一个周六",
    "寒暑假期间",
    "需提前一周电话联系",
]
UNIVERSITY_OFFERS = [
    ("venue", "学术报告厅（可容纳300人）", "", None, "周末及节假日，提前一周预约"),
    ("internship", "校团委办公室学生助理见习岗位", "个岗位", 4, "每学期招募一次"),
]
DEPARTMENT_SKILLS = [
    "社会调查方法与问卷设计指导",
    "大学生志愿者急救技能培训",
    "小微商户记账与税务咨询",
    "短视频拍摄与剪辑培训",
    "老年人智能手机使用教学",
]
BOUNTIES = [
    ("老旧小区加装电梯意愿调查", "survey", "governance", ["社会工作", "统计学"]),
    ("社区微更新方案设计", "governance", "governance", ["城乡规划", "风景园林"]),
    ("反诈宣传短视频制作", "league_building", "policy", ["网络与新媒体", "数字媒体技术"]),
    ("困境儿童课业帮扶计划", "after_school", "poverty_education", ["小学教育", "汉语言文学"]),
    ("社区健康档案数字化整理", "governance", "health", ["护理学", "数据科学与大数据技术"]),
    ("红色文化主题墙绘", "culture_sport", "heritage", ["美术学", "视觉传达设计"]),
]
PLANS = [
    "由项目组牵头，两周内完成入户问卷并提交调研报告。",
    "组织专业教师指导，学生分三组实施，每周向社区汇报进度。",
    "结合专业实践课，四周内完成，成果交社区青年议事会。",
]
WITHDRAW_REASON = "与期末考试时间冲突，无法按期完成，先退回榜单。"
TASKS = [
    ("制定实施计划", "todo"),
    ("联系社区对接人", "done"),
    ("采购活动物料", "doing"),
    ("入户走访与记录", "todo"),
    ("整理活动照片与新闻稿", "doing"),
    ("改用线上问卷（已取消）", "dropped"),
]


def _kind(offer: str) -> tuple[str, str, tuple[int, int]]:
    for words, kind, unit, amounts in KIND_WORDS:
        if any(w in offer for w in words):
            return kind, unit, amounts
    return "skills", "", (0, 0)


def _admins(city: Organisation, kind: str, role: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for m in (
        Membership.objects.filter(
            role=role, is_active=True, org__kind=kind, org__path__startswith=city.path
        )
        .select_related("user")
        .order_by("org_id", "pk")
    ):
        out.setdefault(m.org_id, m.user)
    return out


def _resources(ctx: DemoContext, city: Organisation, today: Any) -> list[Resource]:
    league = ctx.logins["league_admin"]
    contacts = _admins(city, OrgKind.PARTNER, Role.PARTNER_CONTACT)
    made: list[Resource] = []
    for partner in ctx.orgs[OrgKind.PARTNER]:
        actor = contacts.get(partner.pk, league)
        offers = partner.description.partition("可提供：")[2]
        for offer in [o.strip() for o in offers.split("、") if o.strip()]:
            kind, unit, (low, high) = _kind(offer)
            start = today - timedelta(days=ctx.rng.randint(0, 60))
            made.append(
                resource_create(
                    actor=actor,
                    owner=partner,
                    kind=kind,
                    title=offer,
                    description=f"{partner.name}提供：{offer}。",
                    quantity=Decimal(ctx.rng.randint(low, high)) if unit else None,
                    unit=unit,
                    available_from=start,
                    available_until=start + timedelta(days=ctx.rng.choice((90, 180, 365)))
                    if ctx.rng.random() < 0.7
                    else None,
                    availability_note=ctx.rng.choice(NOTES),
                )
            )
    admins = _admins(city, OrgKind.UNIVERSITY_COMMITTEE, Role.UNIVERSITY_ADMIN)
    for university in ctx.orgs[OrgKind.UNIVERSITY_COMMITTEE]:
        actor = admins.get(university.pk, league)
        for kind, title, unit, amount, note in UNIVERSITY_OFFERS:
            made.append(
                resource_create(
                    actor=actor,
                    owner=university,
                    kind=kind,
                    title=title,
                    quantity=amount,
                    unit=unit,
                    availability_note=note,
                )
            )
    for i, department in enumerate(ctx.orgs[OrgKind.DEPARTMENT_COMMITTEE][: ctx.scaled(5)]):
        made.append(
            resource_create(
                actor=league,
                owner=department,
                kind="skills",
                title=DEPARTMENT_SKILLS[i % len(DEPARTMENT_SKILLS)],
                availability_note=ctx.rng.choice(NOTES),
            )
        )
    # The partner contact's unit: one offer taken off the list.
    mine = [r for r in made if r.created_by_id == ctx.logins["partner_contact"].pk]
    if len(mine) > 1:
        resource_withdraw(
            actor=ctx.logins["partner_contact"], resource=mine[-1], reason="本季度已发放完毕"
        )
    return made


def _link(ctx: DemoContext, resources: list[Resource], groups: list[ProjectGroup]) -> int:
    # Read the states from the database: a withdrawal made above returned a fresh row, not these.
    available = list(
        Resource.objects.filter(
            pk__in=[r.pk for r in resources], state=Resource.State.AVAILABLE
        ).order_by("pk")
    )
    linked = 0
    for group in groups:
        actor = group.created_by
        if actor is None:
            continue
        for resource in ctx.rng.sample(available, min(2, len(available))):
            resource_link_group(actor=actor, resource=resource, group=group)
            linked += 1
    return linked


def _community_staff(city: Organisation, ctx: DemoContext) -> dict[int, Any]:
    staff = _admins(city, OrgKind.COMMUNITY, Role.COMMUNITY_STAFF)
    home = ctx.extra.get("login_community")
    if home is not None and "community_staff" in ctx.logins:
        staff[home.pk] = ctx.logins["community_staff"]
    return staff


def _bounties(ctx: DemoContext, city: Organisation, wanted: int) -> list[Need]:
    """Accepted bounties nobody has taken up yet; posted here when the needs step left too few."""
    open_ = list(
        Need.objects.filter(
            community__path__startswith=city.path, is_bounty=True, state=Need.State.ACCEPTED
        )
        .exclude(claims__state=BountyClaim.State.ACTIVE)
        .select_related("community")
        .order_by("pk")
    )
    if len(open_) >= wanted:
        return open_
    staff = _community_staff(city, ctx)
    home = ctx.extra.get("login_community")
    communities = [c for c in ctx.orgs[OrgKind.COMMUNITY] if c.pk in staff]
    # The logins' community first, so that its staff see bounties being carried out.
    communities.sort(key=lambda c: c.pk != getattr(home, "pk", None))
    for i in range(wanted - len(open_)):
        community = communities[i % len(communities)] if i < 3 else ctx.rng.choice(communities)
        title, project_type, field, majors = BOUNTIES[i % len(BOUNTIES)]
        need = need_submit(
            actor=staff[community.pk],
            community=community,
            title=title,
            description=f"{community.name}发榜：{title}，欢迎高校团组织揭榜。",
            project_type=project_type,
            service_field=field,
            work_kind="professional",
            majors=majors,
            people_needed=ctx.rng.randint(4, 10),
            is_bounty=True,
        )
        open_.append(need_accept(actor=staff[community.pk], need=need, reason="列入本月榜单"))
    return open_


def _groups_of(department: Organisation) -> list[ProjectGroup]:
    return list(
        ProjectGroup.objects.filter(
            owner__path__startswith=department.path, state=ProjectGroup.State.OPEN
        )
        .select_related("owner")
        .order_by("pk")
    )


def _carry_out(ctx: DemoContext, city: Organisation) -> dict[str, int]:
    """Bounties in every state of a claim."""
    uni_admin, dept_admin = ctx.logins["university_admin"], ctx.logins["department_admin"]
    branch = ctx.extra["login_branch"]
    department = Organisation.objects.get(pk=branch.parent_id)
    university = Organisation.objects.get(pk=department.parent_id)
    others = [u for u in ctx.orgs[OrgKind.UNIVERSITY_COMMITTEE] if u.pk != university.pk]
    other_admins = _admins(city, OrgKind.UNIVERSITY_COMMITTEE, Role.UNIVERSITY_ADMIN)
    other = next((u for u in others if u.pk in other_admins), None)
    groups = _groups_of(department)
    staff = _community_staff(city, ctx)
    bounties = _bounties(ctx, city, 8)
    states: dict[str, int] = {}
    plan = iter(PLANS * 3)

    def group(i: int) -> ProjectGroup | None:
        return groups[i % len(groups)] if groups else None

    # Claimed by the university, given to a group of the logins' department, not started yet.
    need = bounties.pop(0)
    bounty_claim(actor=uni_admin, need=need, claimant=university, group=group(0), plan=next(plan))
    states["claimed"] = 1
    # Claimed by the department and under way.
    need = bounties.pop(0)
    bounty_claim(actor=dept_admin, need=need, claimant=department, group=group(1), plan=next(plan))
    bounty_start(actor=dept_admin, need=need)
    states["in_progress"] = 1
    # Reported done by the department, waiting for the community to verify.
    need = bounties.pop(0)
    bounty_claim(actor=dept_admin, need=need, claimant=department, plan=next(plan))
    bounty_start(actor=dept_admin, need=need)
    need_report_done(actor=dept_admin, need=need, note="已完成全部入户问卷，调研报告已提交社区。")
    states["claimed_done"] = 1
    # Carried out: verified by the community and closed, the claim done.
    need = bounties.pop(0)
    bounty_claim(actor=uni_admin, need=need, claimant=university, group=group(2), plan=next(plan))
    bounty_start(actor=uni_admin, need=need)
    need_report_done(actor=uni_admin, need=need, note="方案已完成并向社区汇报。")
    checker = staff.get(need.community_id)
    if checker is not None:
        need_verify(actor=checker, need=need, evidence="社区组织居民代表现场查看，成果符合要求。")
        need_close(actor=checker, need=need, reason="榜单任务完成")
        states["closed"] = 1
    # Given up: back on the board, open again (a claim history with a withdrawn claim).
    need = bounties.pop(0)
    bounty_claim(actor=dept_admin, need=need, claimant=department, plan=next(plan))
    bounty_withdraw(actor=dept_admin, need=need, reason=WITHDRAW_REASON)
    states["withdrawn_open"] = 1
    # Given up by the department, then taken up by another university (or, in a city of one
    # university, by the university itself) and under way.
    need = bounties.pop(0)
    bounty_claim(actor=dept_admin, need=need, claimant=department, plan=next(plan))
    bounty_withdraw(actor=dept_admin, need=need, reason=WITHDRAW_REASON)
    taker, admin = (other, other_admins[other.pk]) if other is not None else (university, uni_admin)
    bounty_claim(actor=admin, need=need, claimant=taker, plan=next(plan))
    bounty_start(actor=admin, need=need)
    states["reclaimed"] = 1
    states["open"] = len(bounties)
    return states


def _tasks(ctx: DemoContext, city: Organisation, today: Any) -> int:
    """Tasks in every state on groups with members; the student login's branch group first."""
    student = ctx.logins["student"]
    groups = list(
        ProjectGroup.objects.filter(
            owner__path__startswith=city.path,
            state=ProjectGroup.State.OPEN,
            created_by__isnull=False,
        )
        .select_related("owner", "created_by")
        .order_by("pk")
    )
    members: dict[int, list[Any]] = {}
    for m in ProjectMember.objects.filter(
        group__in=groups, state=ProjectMember.State.ACCEPTED
    ).select_related("user"):
        members.setdefault(m.group_id, []).append(m.user)
    mine = {m.group_id for m in ProjectMember.objects.filter(user=student, state="accepted")}
    groups.sort(key=lambda g: g.pk not in mine)
    made = 0
    for group in groups[: ctx.scaled(6, minimum=2)]:
        people = members.get(group.pk, [])
        ours = group.pk in mine
        chosen = TASKS if ours else ctx.rng.sample(TASKS, ctx.rng.randint(2, 4))
        for title, state in chosen:
            if ours and state != "dropped":
                assignee = student
            elif people and ctx.rng.random() < 0.8:
                assignee = ctx.rng.choice(people)
            else:
                assignee = None
            task = project_task_create(
                actor=group.created_by,
                group=group,
                title=title,
                due_on=today + timedelta(days=ctx.rng.randint(3, 30)) if state != "done" else None,
                assignee=assignee,
            )
            if state != "todo":
                project_task_update(actor=group.created_by, task=task, state=state)
            made += 1
    return made


def build(ctx: DemoContext) -> None:
    city = ctx.extra["city"]
    today = timezone.localdate()
    resources = _resources(ctx, city, today)
    branch = ctx.extra["login_branch"]
    department = Organisation.objects.get(pk=branch.parent_id)
    linked = _link(ctx, resources, _groups_of(department)[:3])
    states = _carry_out(ctx, city)
    tasks = _tasks(ctx, city, today)
    ctx.extra["resources"] = len(resources)
    ctx.log(
        f"resources: {len(resources)} ({linked} links to groups); bounties: "
        + ", ".join(f"{k} {v}" for k, v in states.items())
        + f"; project tasks: {tasks}"
    )


def reset() -> None:
    """Resources PROTECT their owner and claims their claimant: remove the demo city's before the
    tree goes (tasks go with their groups, bounty needs with the needs step's reset)."""
    from qingshe.demo.builder import demo_city

    city = demo_city()
    if city is not None:
        BountyClaim.objects.filter(claimant__path__startswith=city.path).delete()
        Resource.objects.filter(owner__path__startswith=city.path).delete()
