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
from qingshe.needs.models import Need
from qingshe.needs.services import need_submit
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
