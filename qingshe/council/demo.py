"""Demo step 'council': in the logins' community, this month's list drawn from the collected
needs and sent to the council, a council meeting that resolves its items and is closed with
minutes, a need verified by the evaluation panel and rated by a resident, last month's work
feedback form of the logins' pairing waiting for the community, and a few evaluations. All
through the services; each part is skipped when the city has nothing for it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from qingshe.core.errors import ServiceError
from qingshe.core.timeutil import previous_month
from qingshe.council import services
from qingshe.council.models import (
    Evaluation,
    FeedbackForm,
    ListItem,
    Meeting,
    MonthlyList,
    RatingInvite,
    Resolution,
    Verification,
    WeeklySummary,
)
from qingshe.needs.models import Need
from qingshe.orgs.models import OrgKind
from qingshe.programmes.models import Pairing

S = Need.State


def _try(fn: Any, **kw: Any) -> Any:
    try:
        return fn(**kw)
    except ServiceError:
        return None


def build(ctx: Any) -> None:
    community = ctx.extra.get("login_community")
    logins = ctx.logins
    if community is None or not {"community_secretary", "council_member", "panel_member"} <= set(
        logins
    ):
        return
    secretary, member, panel = (
        logins["community_secretary"],
        logins["council_member"],
        logins["panel_member"],
    )
    now = timezone.now()
    today = timezone.localdate()
    branch = ctx.extra.get("login_branch")
    pairing = (
        Pairing.objects.filter(unit=branch, community=community, state=Pairing.State.ACTIVE).first()
        or Pairing.objects.filter(community=community, state=Pairing.State.ACTIVE).first()
    )
    # 1. The panel verifies a need reported done; the resident who raised it rates it.
    done = Need.objects.filter(community=community, state=S.CLAIMED_DONE).order_by("pk").first()
    if done is None:
        # A volunteer reports one of the community's needs in progress done (the needs app's step).
        from qingshe.needs.models import NeedAssignment
        from qingshe.needs.services import need_report_done

        place = (
            NeedAssignment.objects.filter(
                need__community=community,
                need__state=S.IN_PROGRESS,
                state=NeedAssignment.State.ACCEPTED,
            )
            .select_related("need", "volunteer")
            .order_by("pk")
            .first()
        )
        if place is not None:
            done = _try(
                need_report_done,
                actor=place.volunteer,
                need=place.need,
                note="已上门完成，居民表示满意。",
            )
    if done is not None:
        _try(
            services.council_verify,
            actor=panel,
            need=done,
            evidence="评议团成员上门查看并电话回访居民，确认问题已解决。",
        )
        invite = RatingInvite.objects.filter(need=done).order_by("pk").first()
        if invite is not None:
            _try(
                services.rating_submit,
                token=services.rating_token(invite),
                outcome="solved",
                stars=5,
                comment="解决得很及时，谢谢青年志愿者！",
            )
    # 2. This month's list, sent to the council, and a meeting that resolves it.
    mlist = _try(
        services.monthly_list_build,
        actor=secretary,
        community=community,
        year=today.year,
        month=today.month,
        now=now,
    )
    if mlist is not None and mlist.items.exists():
        first = mlist.items.order_by("rank").first()
        _try(
            services.list_item_edit, actor=secretary, item=first, note="居民反映集中，建议优先办理"
        )
        services.monthly_list_finalise(actor=secretary, monthly_list=mlist)
        meeting = services.meeting_create(
            actor=member,
            monthly_list=mlist,
            held_on=today,
            title=f"{today:%Y年%m月}青春议事厅",
            place=f"{community.name}议事厅",
        )
        team = next((o for o in ctx.orgs.get(OrgKind.VOLUNTEER_TEAM, []) if o.is_active), None)
        declined = referred = False
        for item in mlist.items.filter(included=True).select_related("need").order_by("rank"):
            state = item.need.state
            if state in Need.STAFFABLE_STATES or (state == S.SUBMITTED and item.rank % 3 == 1):
                assignee = {"pairing": pairing} if pairing is not None else {"team": team}
                _try(
                    services.meeting_resolve,
                    actor=member,
                    meeting=meeting,
                    item=item,
                    kind="assign",
                    reason="交结对团支部办理",
                    **assignee,
                )
            elif state in (S.SUBMITTED, S.ACCEPTED) and not referred:
                referred = bool(
                    _try(
                        services.meeting_resolve,
                        actor=member,
                        meeting=meeting,
                        item=item,
                        kind="refer",
                        refer_to="小区物业服务中心",
                        reason="属物业管理职责",
                    )
                )
            elif state in (S.SUBMITTED, S.ACCEPTED) and not declined:
                declined = bool(
                    _try(
                        services.meeting_resolve,
                        actor=member,
                        meeting=meeting,
                        item=item,
                        kind="decline",
                        reason="本月已有同类项目在办，下月一并研究",
                    )
                )
        services.meeting_close(
            actor=member,
            meeting=meeting,
            attendee_ids=[member.pk, secretary.pk, panel.pk],
            guests=6,
            minutes="会议逐项审议了本月清单，形成交办、转交和暂缓决议；由评议团跟踪办理结果。",
        )
    # 3. Last month's work feedback form of the logins' pairing, waiting for the community.
    if pairing is not None and "branch_secretary" in logins:
        year, month = previous_month(today)
        _try(
            services.feedback_file,
            actor=logins["branch_secretary"],
            pairing=pairing,
            year=year,
            month=month,
            activities_held=3,
            people_involved=14,
            hours="26.5",
            solved="帮助12位老人学会使用智能手机挂号。",
            problems="社区周末不开放，活动时间协调困难。",
            next_plan="开展防诈骗宣传进楼栋；继续智能手机课堂。",
        )
    # 4. A few evaluations of the logins' branch.
    if branch is not None:
        if "student" in logins:
            _try(
                services.evaluation_submit,
                actor=logins["student"],
                kind="self",
                subject_org=branch,
                score=4,
                comment="按时报到，完成了分配的任务。",
            )
        if "resident" in logins:
            _try(
                services.evaluation_submit,
                actor=logins["resident"],
                kind="resident",
                subject_org=branch,
                community=community,
                score=5,
                comment="大学生很耐心。",
            )
        if "community_staff" in logins:
            _try(
                services.evaluation_submit,
                actor=logins["community_staff"],
                kind="community",
                subject_org=branch,
                community=community,
                score=4,
            )


def reset() -> None:
    """Council rows hold demo needs, communities, pairings and users (PROTECT): removed first."""
    Resolution.objects.all().delete()
    Meeting.objects.all().delete()
    ListItem.objects.all().delete()
    MonthlyList.objects.all().delete()
    WeeklySummary.objects.all().delete()
    RatingInvite.objects.all().delete()
    Verification.objects.all().delete()
    FeedbackForm.objects.all().delete()
    Evaluation.objects.all().delete()
