"""Demo step "cases" (after "programmes"): typical cases (典型案例) of the demo programme.

- The demo login `department_admin`'s department has a case in every state: submitted (waiting in
  `league_admin`'s review inbox), returned with comments (to edit and resubmit), accepted and
  featured; two other departments have a featured case each, so the public page has three.
- Every case is written through the services with its five photos of at least 1 MB, as the
  programme asks. The photos are made with Pillow: a simple scene under strong noise, saved as
  JPEG at full quality, so that they cannot compress below 1 MB. Five pictures are made once and
  shared by all the cases (the services still check, re-encode and thumbnail each upload).
- Texts of more than 1,000 characters are put together from paragraphs about the department's
  paired community and project group. They name no resident.
- The services stamp the real clock; the step then moves the timestamps of its own cases onto the
  demo's calendar (one UPDATE per case), the only write that bypasses a service.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, time, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from qingshe.demo.context import DemoContext
from qingshe.needs.models import ProjectGroup
from qingshe.orgs.models import Membership, OrgKind, Role
from qingshe.reports import services
from qingshe.reports.models import TypicalCase

PHOTO_SIZE = (640, 480)
PHOTO_COUNT = 5
TITLES = [
    "“四点半课堂”里的大学生老师",
    "让独居老人不再孤单：结对社区的每周探访",
    "一块屏幕连起两代人：智能手机课堂",
    "从“提需求”到“办实事”：楼道环境整治记",
    "小小议事厅，青年来发声",
    "把防诈骗知识送进千家万户",
]
OPENINGS = [
    "{dept}自本年度加入大学生社区实践计划以来，组织团员青年与{community}结对共建，坚持把课堂所学带进社区、把社区需求带回校园。",
    "在团市委的统一部署下，{dept}以班级团支部为单位与{community}结对，团支部书记兼任社区居委会主任助理，形成了“居民点单、团团派单、青年接单”的工作机制。",
]
PARAGRAPHS = [
    "结对之初，项目组成员利用周末走访了社区的网格员和居民代表，梳理出课后托管、老年人智能手机使用、楼道环境整治等多项需求，并按照轻重缓急制定了服务清单。每一项需求都明确了负责人、服务时间和完成标准，做到件件有回音、事事有着落。",
    "“{project}”是本学期的重点项目。项目组每周安排两次固定报到，工作日傍晚服务社区里的孩子，周末开展集中活动。为了和社区的办公时间对上，同学们提前把课表汇总到系统里，由团支部书记统一排班，避免了“社区有需要时学生在上课、学生有空时社区已下班”的矛盾。",
    "在服务过程中，同学们把专业知识和社区需求结合起来：学会计的同学帮助社区整理公益账目，学旅游管理的同学为社区设计了文化导览路线，学计算机的同学为老年人开设了手机使用课堂。居民们说，这些大学生不只是来“干活”的，而是真正帮社区解决了问题。",
    "活动开展期间，社区工作人员在系统中对每一次报到进行了确认，志愿服务时长自动计入同学们的第二课堂成绩单。项目组还建立了每月工作情况反馈制度，由团支部书记填写反馈表、社区确认，及时总结经验、改进不足。",
    "通过一个学期的坚持，项目组累计开展服务活动二十余场，服务居民六百余人次，协助社区解决了楼道堆物、路灯损坏、活动室闲置等多个居民反映集中的问题。青年议事会把这些问题列入月度议题，评议团逐一核实了办理结果。",
    "回顾这段经历，同学们普遍认为，社区是最好的“第二课堂”。在与居民面对面的交流中，大家学会了倾听、学会了协调，也更加理解了基层治理的不易。不少同学表示，下学期还要继续报名，把这份结对情谊延续下去。",
    "印象最深的是一次入户走访。一位独居老人家里的水管老化漏水，老人行动不便，一直没有找人维修。同学们发现后，第一时间在系统里登记了需求，社区当天派单，物业和志愿者一起把水管换好，还顺手帮老人清理了阳台上的杂物。老人拉着同学们的手说：“你们就像自己家的孩子一样。”",
    "为了让服务不走过场，项目组建立了“日收集、周汇总、月清单”的工作方法：每天由值班同学收集居民诉求，每周在例会上汇总分析，每月形成问题清单提交青年议事会。每一个问题办结后，都由评议团上门回访，请居民对办理结果进行评价。",
    "结对共建也得到了公益伙伴的支持。辖区内的一家企业为“四点半课堂”提供了图书和文具，一家社会组织派出专业社工对志愿者进行了入户走访和矛盾调解方面的培训，社区还为项目组开放了活动室和议事厅，解决了活动场地不足的问题。",
    "在安全保障方面，项目组出发前统一为参加活动的同学购买了意外伤害保险，并组织了急救知识培训。每次集中活动都明确一名带队负责人，活动开始和结束时在系统中签到签退，确保每位同学的去向和服务时长都有据可查。",
    "下一步，{dept}将总结本项目的做法，推动更多班级团支部参与结对共建，争取在明年实现院系团员参与率超过百分之二十五的目标；同时与社区共同申报公益伙伴资源，为项目的长期运行争取场地和物资支持，让青春力量在社区持续发光发热。",
]
RETURN_NOTE = "案例内容较好，但缺少服务前后的对比数据，请补充具体的服务次数和居民反馈，并更换两张更清晰的活动照片后重新提交。"
FEATURE_NOTE = "案例真实生动，做法可复制，列为本年度精选典型案例。"
ACCEPT_NOTE = "内容完整，予以采用。"


# --- photos ---------------------------------------------------------------------------------------
def noise_photo(seed: int, *, size: tuple[int, int] = PHOTO_SIZE, fmt: str = "JPEG") -> bytes:
    """A picture of a street scene under strong noise: JPEG at full quality without chroma
    subsampling cannot compress the noise, so 640 × 480 gives a little over 1 MB."""
    rng = random.Random(seed)
    w, h = size
    scene = Image.new("RGB", size)
    draw = ImageDraw.Draw(scene)
    top, bottom = (70 + rng.randrange(40), 130, 200), (200, 225, 245)
    horizon = int(h * 0.62)
    for y in range(horizon):
        t = y / horizon
        draw.line(
            [(0, y), (w, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    draw.rectangle([0, horizon, w, h], fill=(96, 140, 80))
    draw.ellipse([w - 150, 40, w - 80, 110], fill=(250, 210, 90))
    x = 10
    while x < w:  # buildings of the community
        bw, bh = rng.randrange(50, 110), rng.randrange(80, 220)
        colour = (rng.randrange(150, 230), rng.randrange(120, 200), rng.randrange(100, 180))
        draw.rectangle([x, horizon - bh, x + bw, horizon], fill=colour)
        for wy in range(horizon - bh + 12, horizon - 14, 26):
            for wx in range(x + 8, x + bw - 12, 18):
                draw.rectangle([wx, wy, wx + 8, wy + 12], fill=(250, 245, 220))
        x += bw + rng.randrange(6, 20)
    for _person in range(rng.randrange(4, 9)):  # volunteers in red vests
        px, py = rng.randrange(20, w - 20), rng.randrange(horizon + 20, h - 40)
        draw.ellipse([px - 7, py - 30, px + 7, py - 16], fill=(240, 200, 170))
        draw.rectangle([px - 9, py - 16, px + 9, py + 14], fill=(200, 40, 40))
    noise = Image.frombytes("RGB", size, rng.randbytes(w * h * 3))
    out = io.BytesIO()
    Image.blend(scene, noise, 0.6).save(out, fmt, quality=100, subsampling=0)
    return out.getvalue()


def _uploads(pictures: list[bytes], offset: int) -> list[SimpleUploadedFile]:
    n = len(pictures)
    return [
        SimpleUploadedFile(
            f"活动照片{i + 1}.jpg", pictures[(offset + i) % n], content_type="image/jpeg"
        )
        for i in range(PHOTO_COUNT)
    ]


# --- texts ----------------------------------------------------------------------------------------
def case_text(
    rng: random.Random, *, dept: str, community: str, project: str, min_chars: int
) -> str:
    paragraphs = [rng.choice(OPENINGS)]
    pool = list(PARAGRAPHS)
    rng.shuffle(pool)
    paragraphs += pool
    text = ""
    for i in range(len(paragraphs)):
        text = "\n\n".join(
            p.format(dept=dept, community=community, project=project) for p in paragraphs[: i + 1]
        )
        if services.case_text_length(text) >= min_chars + 60:
            break
    return text


# --- the step -------------------------------------------------------------------------------------
def _at(ctx: DemoContext, days_ago: int, hour: int) -> datetime:
    day = ctx.today - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, ctx.rng.randrange(0, 60, 5))))


def build(ctx: DemoContext) -> None:
    programme = ctx.extra.get("programme")
    if programme is None:
        return
    league = ctx.logins["league_admin"]
    login_admin = ctx.logins["department_admin"]
    login_dept = (
        Membership.objects.filter(
            user=login_admin, role=Role.DEPARTMENT_ADMIN, org__kind=OrgKind.DEPARTMENT_COMMITTEE
        )
        .select_related("org")
        .first()
    )
    if login_dept is None:
        return
    pictures = [noise_photo(ctx.rng.randrange(10**9)) for _ in range(PHOTO_COUNT)]

    def project_of(dept: Any) -> Any:
        return ProjectGroup.objects.filter(owner__path__startswith=dept.path).order_by("pk").first()

    def submit(actor: Any, dept: Any, n: int, community: Any, days_ago: int) -> TypicalCase:
        project = project_of(dept)
        text = case_text(
            ctx.rng,
            dept=dept.short_name or dept.name,
            community=community.name,
            project=project.name if project else "社区青春行动",
            min_chars=programme.case_min_chars,
        )
        case = services.case_submit(
            actor=actor,
            programme=programme,
            department=dept,
            title=TITLES[n % len(TITLES)],
            text=text,
            photos=_uploads(pictures, n),
            project=project,
        )
        stamps[case.pk] = (_at(ctx, days_ago, 10), None)
        return case

    stamps: dict[int, tuple[datetime, datetime | None]] = {}
    community = ctx.extra.get("login_community") or ctx.orgs[OrgKind.COMMUNITY][0]
    dept = login_dept.org
    plan = [
        ("feature", FEATURE_NOTE, 30),
        ("accept", ACCEPT_NOTE, 24),
        ("return", RETURN_NOTE, 12),
        (None, "", 3),
    ]
    for n, (decision, note, days_ago) in enumerate(plan):
        case = submit(login_admin, dept, n, community, days_ago)
        if decision:
            services.case_review(actor=league, case=case, decision=decision, note=note)
            stamps[case.pk] = (stamps[case.pk][0], _at(ctx, days_ago - 2, 15))

    # Two more departments in the programme's scope, each with a featured case.
    others = (
        Membership.objects.filter(
            role=Role.DEPARTMENT_ADMIN, is_active=True, org__kind=OrgKind.DEPARTMENT_COMMITTEE
        )
        .exclude(org=dept)
        .select_related("org", "user")
        .order_by("org__path", "pk")
    )
    scope = list(programme.scope.all())
    chosen: dict[int, Any] = {}
    for m in others:
        if m.org_id not in chosen and any(m.org.is_within(s) for s in scope):
            chosen[m.org_id] = m
        if len(chosen) == 2:
            break
    communities = ctx.orgs[OrgKind.COMMUNITY]
    for n, m in enumerate(chosen.values(), start=len(plan)):
        case = submit(m.user, m.org, n, ctx.rng.choice(communities), 40 + n)
        services.case_review(actor=league, case=case, decision="feature", note=FEATURE_NOTE)
        stamps[case.pk] = (stamps[case.pk][0], _at(ctx, 20 + n, 15))

    for pk, (submitted, reviewed) in stamps.items():
        update: dict[str, Any] = {
            "created_at": submitted,
            "submitted_at": submitted,
            "updated_at": reviewed or submitted,
        }
        if reviewed is not None:
            update["reviewed_at"] = reviewed
        TypicalCase.objects.filter(pk=pk).update(**update)
    ctx.log(f"  typical cases: {len(stamps)} ({PHOTO_COUNT} photos each)")


def reset() -> None:
    """Cases PROTECT the demo's programme and departments: remove the demo city's cases and their
    photo files before the programmes go."""
    from qingshe.demo.builder import demo_city

    city = demo_city()
    if city is None:
        return
    cases = TypicalCase.objects.filter(programme__owner__path__startswith=city.path)
    for case in cases.prefetch_related("photos"):
        for photo in case.photos.all():
            photo.file.delete(save=False)
            photo.thumbnail.delete(save=False)
    cases.delete()
