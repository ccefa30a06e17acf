"""Demo step "needs": a few open needs per community, posted by its staff through need_submit.

Enough for pairing suggestions to have something to match (skills and majors wanted, labour and
substantive work). Issue 5 grows this step (needs in every state, resident orders, bounties).
The aged community asks mostly for care and health, the young one for after-school work.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from qingshe.demo.context import DemoContext
from qingshe.needs.models import Need, ProjectGroup
from qingshe.needs.services import (
    need_submit,
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


def build(ctx: DemoContext) -> None:
    communities = ctx.orgs[OrgKind.COMMUNITY]
    staff = _staff(communities, ctx)
    aged, young = ctx.extra.get("aged_community"), ctx.extra.get("young_community")
    real_today = timezone.localdate()
    created = 0
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
            start = ctx.today + timedelta(days=ctx.rng.randint(3, 30))
            end = start + timedelta(days=ctx.rng.choice((14, 30, 60, 90)))
            # A demo built "as of" a day long past: no dates rather than past ones.
            starts_on, ends_on = (start, end) if end >= real_today else (None, None)
            need_submit(
                actor=actor,
                community=community,
                title=title,
                project_type=project_type,
                service_field=field,
                work_kind=work_kind,
                skills=skills,
                majors=majors,
                description=f"{community.name}：{title}。",
                starts_on=starts_on,
                ends_on=ends_on,
                people_needed=ctx.rng.randint(2, 8),
                is_bounty=work_kind == "professional" and ctx.rng.random() < 0.3,
            )
            created += 1
    ctx.extra["open_needs"] = created


def reset() -> None:
    """Needs PROTECT their community: remove the demo city's needs before the tree goes."""
    from qingshe.demo.builder import demo_city

    city = demo_city()
    if city is not None:
        Need.objects.filter(community__path__startswith=city.path).delete()


# --- step "projects": project groups (项目组) and students' applications ------------------------
# (name, goal, project type, field, responsibility list)
GROUPS: list[tuple[str, str, str, str, list[str]]] = [
    ("社区宣传项目组", "为结对社区运营公众号和短视频，每月推送不少于四篇。", "league_building", "policy",
     ["拍摄社区活动照片", "撰写公众号推文", "剪辑短视频", "每月汇总阅读数据"]),
    ("四点半课堂项目组", "为社区小学生提供放学后的作业辅导和阅读陪伴。", "after_school", "poverty_education",
     ["制定辅导排班表", "作业辅导", "组织亲子阅读", "与家长沟通"]),
    ("居民需求调查项目组", "开展居民需求问卷调查，形成调研报告交青年议事会。", "survey", "governance",
     ["设计问卷", "入户走访", "录入与分析数据", "撰写调研报告"]),
    ("银龄智能手机课堂", "教社区老年人使用智能手机：挂号、支付、防诈骗。", "governance", "technology",
     ["编写图文教程", "每周开课一次", "一对一答疑"]),
    ("邻里文艺汇演项目组", "策划并组织社区邻里文艺汇演。", "culture_sport", "heritage",
     ["节目征集与排练", "场地与设备协调", "现场主持与摄影"]),
    ("健康义诊宣讲项目组", "联合社区卫生服务站开展健康讲座和血压测量。", "governance", "health",
     ["联系社区卫生服务站", "讲座准备", "测量登记"]),
]
STATEMENTS = [
    "我有新媒体运营经验，课余时间充足，希望为社区做实事。",
    "我是师范专业学生，擅长辅导小学数学和语文。",
    "我学过社会调查方法，愿意参与入户走访和数据分析。",
    "我家里有老人，很理解老年人用手机的难处，想帮帮他们。",
    "我参加过学校文艺汇演的组织工作，会主持和摄影。",
    "我周二、周四下午没课，可以固定参加项目组的活动。",
]
DECLINE_REASONS = ["本期名额已满，欢迎下学期再报名。", "项目时间与你的课表冲突较多，建议选择其他项目组。"]


def _students_by_branch(city: Organisation) -> dict[int, list[Any]]:
    from qingshe.accounts.models import User

    rows = list(
        Membership.objects.filter(
            role=Role.STUDENT, is_active=True, org__kind=OrgKind.CLASS_BRANCH, org__path__startswith=city.path
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
        Membership.objects.filter(role=role, is_active=True, org__kind=kind, org__path__startswith=city.path)
        .select_related("user")
        .order_by("org_id", "pk")
    ):
        out.setdefault(m.org_id, []).append(m.user)
    return out


def _fill(ctx: DemoContext, group: Any, deciders: list[Any], pool: list[Any], skip: set[int]) -> None:
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
            project_join_decide(actor=decider, member=member, accept=False, reason=ctx.rng.choice(DECLINE_REASONS))
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
            actor = admin if owner.kind == OrgKind.DEPARTMENT_COMMITTEE else secretaries.get(owner.pk)
            if actor is None:
                continue
            group = project_group_create(
                actor=actor, owner=owner, name=name, goal=goal, project_type=project_type,
                service_field=field, instructor=ctx.rng.choice(teachers) if teachers else None,
                responsibilities=duties,
            )
            created += 1
            deciders = [actor, *([group.instructor] if group.instructor else [])]
            pool = dept_pool if owner.kind == OrgKind.DEPARTMENT_COMMITTEE else students.get(owner.pk, [])
            if owner.pk == login_branch.pk:
                # The student login is accepted here; another student waits for the secretary.
                mine = project_join_apply(actor=login_student, group=group, statement=STATEMENTS[0])
                project_join_decide(actor=login_secretary, member=mine, accept=True)
                _fill(ctx, group, deciders, pool, logins)
                others = [u for u in pool if u.pk not in logins and not group.members.filter(user=u).exists()]
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
                actor=admin, owner=department, name="往期志愿服务项目组", goal="上一学期的社区志愿服务。",
                project_type="governance", service_field="governance",
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
