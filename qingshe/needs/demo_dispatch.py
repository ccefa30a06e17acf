"""Demo step "dispatch" (团团派单 — 青年接单), after "duty": plans made by the engine over the
open needs of the "needs" step, for the coming two weeks.

- Three needs posted and taken up by the logins' community (`community_staff`) for the days
  ahead, so that its plan has places to fill: visits to elders (labour), a poster made online
  (skilled, remote) and a stairwell clean-up open to claim (抢单).
- An applied plan of the logins' community, made and applied by `community_secretary`: its
  offers are accepted (the volunteers are then on the need's duty shift), one is declined with a
  reason, the rest wait — among them one for the `student` login (added by hand when the engine
  did not pick them).
- A proposed plan of the logins' street, made by the district committee (`district_admin`), to
  look at, adjust and apply.
- A few open-claim needs taken by students first come, first served (抢单).

Everything goes through the services with the real clock: offers and claims must lie ahead of
now to be answered, and the "needs" step gives its open needs windows still to come.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from qingshe.core.errors import ServiceError
from qingshe.demo.context import DemoContext
from qingshe.needs.dispatch import adapter
from qingshe.needs.models import DispatchPlan, NeedAssignment
from qingshe.needs.selectors.dispatch import open_claims_for_user
from qingshe.needs.services import dispatch as ds
from qingshe.needs.services.needs import need_submit
from qingshe.needs.services.triage import need_accept

HORIZON = timedelta(days=21)
DECLINE_REASON = "那天下午有专业课考试，实在抽不开身，抱歉。"
GRABS = 3
GRAB_TRIES = 40
MORNING, AFTERNOON, EVENING = ("08:30", "12:00"), ("14:00", "17:30"), ("19:00", "21:00")
# (title, kind of work, skills, people, minutes, remote, open to claim, periods of each weekday)
POSTED: list[tuple[str, str, list[str], int, int, bool, bool, tuple[tuple[str, str], ...]]] = [
    ("陪同独居老人就医与走访", "labour", [], 3, 120, False, False, (MORNING, AFTERNOON)),
    ("社区防诈骗宣传海报设计", "skilled", ["新媒体运营", "摄影"], 2, 90, True, False, (EVENING,)),
    ("楼道环境整治", "labour", [], 4, 60, False, True, (MORNING, AFTERNOON)),
]


def build(ctx: DemoContext) -> None:
    community = ctx.extra.get("login_community")
    secretary = ctx.logins.get("community_secretary")
    if community is None or secretary is None:
        return
    now = timezone.now()
    student = ctx.logins.get("student")
    staff = ctx.logins.get("community_staff")
    if staff is not None:
        _post(community, staff, now)
    plan = ds.dispatch_plan_create(
        actor=secretary, scope=community, horizon_start=now, horizon_end=now + HORIZON, now=now
    )
    if student is not None and not plan.lines.filter(volunteer=student).exists():
        _add_by_hand(plan, secretary, student, now)
    if plan.lines.filter(included=True).exists():
        offers = ds.dispatch_plan_apply(actor=secretary, plan=plan, now=now)
        _answer(ctx, [o for o in offers if student is None or o.volunteer_id != student.pk], now)
    street = community.parent
    planner = next(
        (
            ctx.logins[k]
            for k in ("district_admin", "league_admin")
            if k in ctx.logins and ds.can_dispatch(ctx.logins[k], street)
        ),
        None,
    )
    if planner is not None:
        ds.dispatch_plan_create(
            actor=planner, scope=street, horizon_start=now, horizon_end=now + HORIZON, now=now
        )
    _grabs(ctx, community, now)


def _weekdays_ahead(now: datetime, n: int) -> list[date]:
    day, out = timezone.localtime(now).date() + timedelta(days=1), []
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def _post(community: Any, staff: Any, now: datetime) -> None:
    tz = timezone.get_current_timezone()
    days = _weekdays_ahead(now, 5)
    for title, kind, skills, people, minutes, remote, open_claim, periods in POSTED:
        need = need_submit(
            actor=staff,
            community=community,
            title=title,
            project_type="governance",
            service_field="governance" if kind == "labour" else "policy",
            work_kind=kind,
            skills=skills,
            description=f"{community.name}：{title}。",
            windows=[
                (
                    timezone.make_aware(datetime.combine(day, time.fromisoformat(a)), tz),
                    timezone.make_aware(datetime.combine(day, time.fromisoformat(b)), tz),
                )
                for day in days
                for a, b in periods
            ],
            people_needed=people,
            minutes_each=minutes,
            is_remote=remote,
            open_claim=open_claim,
            now=now,
        )
        need_accept(actor=staff, need=need)


def _add_by_hand(plan: DispatchPlan, actor: Any, volunteer: Any, now: datetime) -> None:
    """The `student` login on one of the plan's needs, at the first time they can serve; when
    every place is planned, the engine's line for that need with the lowest score makes way."""
    start, end = adapter.to_minutes(now), adapter.to_minutes(now + HORIZON)
    facts = adapter.load_volunteer_facts(
        adapter.scope_students(plan.scope, on_day=timezone.localdate()).filter(
            user_id=volunteer.pk
        ),
        start=start,
        end=end,
    ).get(volunteer.pk)
    if facts is None:
        return
    needs = adapter.load_need_facts(adapter.scope_needs(plan.scope))
    for need_facts in sorted(needs.values(), key=lambda f: f.need.pk):
        duration = need_facts.need.minutes_each
        slots = adapter.intersect(
            need_facts.windows(adapter._ceil_to(start + 60, 15), end), facts.free(start, end)
        )
        for a, b in slots:
            if b - a < duration:
                continue
            for attempt in range(2):
                try:
                    ds.plan_line_add(
                        actor=actor,
                        plan=plan,
                        need=need_facts.need,
                        volunteer=volunteer,
                        starts_at=adapter.to_datetime(a),
                        now=now,
                    )
                    return
                except ServiceError as exc:
                    lowest = (
                        plan.lines.filter(need=need_facts.need, included=True)
                        .order_by("score")
                        .first()
                    )
                    if exc.code != "need_full" or lowest is None or attempt:
                        break
                    ds.plan_line_set_included(actor=actor, line=lowest, included=False)


def _answer(ctx: DemoContext, offers: list[NeedAssignment], now: datetime) -> None:
    """About half accepted, one declined with a reason, the rest waiting."""
    declined = False
    for i, offer in enumerate(offers):
        if i % 2 == 0:
            try:
                ds.assignment_accept(actor=offer.volunteer, assignment=offer, now=now)
            except ServiceError:
                continue
        elif not declined:
            ds.assignment_decline(
                actor=offer.volunteer, assignment=offer, reason=DECLINE_REASON, now=now
            )
            declined = True


def _grabs(ctx: DemoContext, community: Any, now: datetime) -> None:
    """Students of the community's paired branches take places on its open-claim needs."""
    logins = {u.pk for u in ctx.logins.values()}
    pool = list(
        adapter.scope_students(community, on_day=timezone.localdate())
        .exclude(user_id__in=logins)
        .select_related("user")
        .order_by("user_id")[:GRAB_TRIES]
    )
    taken = 0
    for profile in pool:
        if taken >= GRABS:
            break
        need = open_claims_for_user(user=profile.user).filter(community=community).first()
        if need is None:
            break
        try:
            ds.need_grab(actor=profile.user, need=need, now=now)
        except ServiceError:
            continue
        taken += 1


def reset() -> None:
    """Plans PROTECT their area: remove the demo city's plans (their lines go with them; the
    assignments go with the needs in the "needs" step's reset)."""
    from qingshe.demo.builder import demo_city

    city = demo_city()
    if city is None:
        return
    DispatchPlan.objects.filter(scope__path__startswith=city.path).delete()
