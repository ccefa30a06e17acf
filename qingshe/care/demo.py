"""Demo step 'care': one-to-one help in the login community.

The community secretary gives the community staff login the care role; three beneficiaries are
recorded with consent (a migrant worker's child with the guardian's, an elder living alone with
her own, a teenager at risk with the guardian's); the student login is the child's caring tutor
for two years (maths) under the instructor login's supervision and has logged a weekly session
for the past ten weeks, the older ones confirmed (hours in the ledger), the last two waiting for
the supervisor, one with a handled concern; the student's branch helps the elder many-to-one;
a Spring Festival campaign lists the elder's household for the student. All through the services.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from qingshe.care import services
from qingshe.care.models import (
    Assignment,
    Beneficiary,
    Campaign,
    CampaignHousehold,
    CareRole,
    Concern,
    Consent,
    HelpRelationship,
    Visit,
)
from qingshe.care.services import ConsentIn
from qingshe.core.errors import Conflict
from qingshe.orgs.models import Membership, Role

WEEKS = 10
PENDING_WEEKS = 2


def _sunday_evening(day: Any) -> datetime:
    # Sunday 19:00 local: outside the regular duty the other demo steps schedule.
    sunday = day - timedelta(days=(day.weekday() + 1) % 7)
    return timezone.make_aware(datetime.combine(sunday, time(19, 0)))


def build(ctx: Any) -> None:
    community = ctx.extra["login_community"]
    branch = ctx.extra["login_branch"]
    staff, secretary = ctx.logins["community_staff"], ctx.logins["community_secretary"]
    student, instructor = ctx.logins["student"], ctx.logins["instructor"]
    services.care_role_grant(actor=secretary, user=staff, community=community)
    today = ctx.today
    child = services.beneficiary_create(
        actor=staff,
        community=community,
        kind="migrant_child",
        name="周小禾",
        birth_date=today.replace(year=today.year - 9),
        address=f"{community.name}3号楼",
        guardian_name="周建国",
        guardian_phone="17009990001",
        needs="数学基础薄弱，父母外出务工，周末无人辅导",
        consent=ConsentIn(given_by="guardian", guardian_relation="祖父"),
    )
    elder = services.beneficiary_create(
        actor=staff,
        community=community,
        kind="elder_alone",
        name="吴桂兰",
        birth_date=today.replace(year=today.year - 81),
        address=f"{community.name}老院8栋",
        phone="17009990002",
        needs="独居，需要每周陪伴聊天、代购药品",
        lives_alone=True,
        consent=ConsentIn(given_by="self"),
    )
    services.beneficiary_create(
        actor=staff,
        community=community,
        kind="at_risk_youth",
        name="郑浩",
        birth_date=today.replace(year=today.year - 15),
        guardian_name="郑母",
        guardian_phone="17009990003",
        needs="辍学在家，需要学业和就业引导",
        consent=ConsentIn(given_by="guardian", guardian_relation="母亲"),
    )
    start = today - timedelta(weeks=WEEKS + 1)
    tutoring = services.relationship_create(
        actor=staff,
        beneficiary=child,
        mode="one_to_one",
        helpers=[student],
        subject="数学",
        term_start=start,
        term_end=start.replace(year=start.year + 2) - timedelta(days=1),
        goals="两年内数学成绩达到班级中等水平，养成按时完成作业的习惯",
        supervisor=instructor,
    )
    classmates = list(
        Membership.objects.filter(org=branch, role=Role.STUDENT, is_active=True)
        .exclude(user=student)
        .select_related("user")
        .order_by("user_id")[:3]
    )
    if classmates:
        services.relationship_create(
            actor=staff,
            beneficiary=elder,
            mode="many_to_one",
            team=branch,
            helpers=[m.user for m in classmates],
            term_start=start,
            term_end=start + timedelta(days=365),
            goals="每周上门陪伴一次，协助就医和代购",
            supervisor=staff,
        )
    latest = _sunday_evening(today)
    if latest > timezone.now() - timedelta(hours=3):
        latest -= timedelta(weeks=1)
    for week in range(WEEKS, 0, -1):
        started = latest - timedelta(weeks=week - 1)
        concern = "孩子说最近放学后常一个人在网吧，需要和监护人沟通" if week == 6 else ""
        visit = services.visit_log(
            actor=student,
            relationship=tutoring,
            started_at=started,
            minutes=ctx.rng.choice([90, 90, 120]),
            done=ctx.rng.choice(
                ["讲解分数与小数，订正作业", "复习乘法口诀，做应用题", "检查周末作业，讲解错题"]
            ),
            observations="学习态度认真" if week % 2 else "",
            concern=concern,
            concern_priority="normal",
        )
        if week > PENDING_WEEKS:
            with contextlib.suppress(Conflict):  # overlapping other demo duty: left pending
                services.visit_confirm(actor=instructor, visit=visit)
    for raised in Concern.objects.filter(relationship=tutoring):
        services.concern_handle(
            actor=instructor, concern=raised, note="已与监护人电话沟通，约定放学接送"
        )
    campaign = services.campaign_create(
        actor=staff,
        community=community,
        kind="spring_festival",
        title=f"{today.year + 1}年春节走访慰问",
        starts_on=today,
        ends_on=today + timedelta(days=60),
    )
    services.household_add(actor=staff, campaign=campaign, beneficiary=elder, volunteers=[student])


def reset() -> None:
    """Care rows PROTECT the demo's people and communities: remove them first (the duty and
    ledger rows of confirmed visits go with those steps' resets)."""
    from qingshe.demo.builder import demo_city

    city = demo_city()
    if city is None:
        return
    here = {"beneficiary__community__path__startswith": city.path}
    CampaignHousehold.objects.filter(campaign__community__path__startswith=city.path).delete()
    Campaign.objects.filter(community__path__startswith=city.path).delete()
    Concern.objects.filter(**{f"relationship__{k}": v for k, v in here.items()}).delete()
    Visit.objects.filter(**{f"relationship__{k}": v for k, v in here.items()}).delete()
    Assignment.objects.filter(**{f"relationship__{k}": v for k, v in here.items()}).delete()
    HelpRelationship.objects.filter(**here).delete()
    Consent.objects.filter(**here).delete()
    Beneficiary.objects.filter(community__path__startswith=city.path).delete()
    CareRole.objects.filter(community__path__startswith=city.path).delete()
