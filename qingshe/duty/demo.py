"""Demo step "duty": a year of duty in the demo city, up to `ctx.today` and two weeks beyond.

- Training: three courses (急救 and 矛盾调解 by the city committee, 入户走访 by the logins'
  community), each with sessions through the year and records for many students.
- Insurance: one accident policy per university and academic year (last year's and this
  year's), covering the university's students.
- Regular duty (term time): the first pairs of `ctx.extra["pairs"]` (the logins' pair first)
  report to their community (the logins' pair weekly, the others every four weeks), a term's activity each (this term's linked
  to the pairing); the aged community's duty requires the 入户走访 course.
- Concentrated duty (vacations): each university's 三下乡 team for four days in July (first aid
  required) and a 返家乡 online activity in the winter vacation, recorded by work logs.
- Stage duty: the city-wide 邻里节 held in every residential area on one Saturday, a shift in each
  (hundreds at size 10), check-in within 300 m of the venue.

Attendance comes in every state: confirmed (some with adjusted times and a reason, one by the
committee after the deadline), pending (recent), pending past the 10-working-day deadline
(late), checked out automatically, corrected (a correction approved, one refused, one waiting),
rejected. The logins: `student` has upcoming shifts (two sign-ups, one place on a waitlist),
confirmed hours and a pending attendance; `community_staff` has attendance and a correction to
decide; `branch_secretary` leads tomorrow's shift.

Everything goes through the services with actors who hold the roles; sign-up, check-in and
check-out take the demo's moment (`now=`). Confirmation and training records compare with
`timezone.localdate()`, so those calls alone run under `_on_day(day)`, which patches that one
function for the duration of the call. Timestamps the services stamped with the real clock are
then moved to the demo's calendar by one UPDATE per table (per 1000 rows at large sizes).
Training courses and sessions have no service yet and are created directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock

from django.db.models import Case, DateTimeField, F, Model, Value, When
from django.utils import timezone

from qingshe.core.errors import ServiceError
from qingshe.demo.context import DemoContext
from qingshe.duty import qr, services
from qingshe.duty.hours import add_working_days, confirmation_due
from qingshe.duty.models import (
    Activity,
    Attendance,
    Correction,
    DutyMode,
    InsurancePolicy,
    Shift,
    SignUp,
    TrainingCourse,
    TrainingRecord,
    TrainingSession,
)
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

K = OrgKind
REGULAR_TITLES = [
    "社区日常报到",
    "入户走访独居老人",
    "四点半课堂",
    "社区环境整治",
    "反诈宣传进小区",
]
LOGS = [
    "线上为家乡社区老人讲解防诈骗知识，整理了三个常见案例并制作图文发到居民群。",
    "协助家乡社区整理返乡大学生信息台账，核对联系方式并分组。",
    "为家乡小学生线上辅导寒假作业，讲解数学应用题两小时。",
    "在线参加村委会政策宣讲筹备会议，记录会议纪要并整理宣传提纲。",
    "剪辑家乡非遗手艺人采访视频，配字幕后交社区公众号发布。",
]
ADJUST_REASONS = [
    "扣除往返路途时间，按到岗时间计。",
    "提前离岗，按带队人记录的离开时间确认。",
]
AUTO_REASON = "本人忘记签退，按带队人记录的离开时间确认。"
REJECT_REASON = "当日未实际到岗，系他人代为扫码。"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@contextmanager
def _on_day(day: date) -> Iterator[None]:
    """Run a service call as if the local date were `day`: confirmation's 10-working-day rule and
    training's "not in the future" compare with timezone.localdate(). Only that function is
    patched, only inside this block (the demo's history is in the past of the real clock)."""
    real = timezone.localdate

    def localdate(value: datetime | None = None, tz: Any = None) -> date:
        return day if value is None else real(value, tz)

    with mock.patch("django.utils.timezone.localdate", localdate):
        yield


def _is_term(day: date) -> bool:
    m = day.month
    return (
        m in (3, 4, 5, 6, 9, 10, 11, 12) or (m == 1 and day.day <= 12) or (m == 7 and day.day <= 3)
    )


def _holder(orgs: list[Organisation], role: str, prefer: dict[int, Any]) -> dict[int, Any]:
    chosen = dict(prefer)
    for m in (
        Membership.objects.filter(org__in=orgs, role=role, is_active=True)
        .select_related("user")
        .order_by("pk")
    ):
        chosen.setdefault(m.org_id, m.user)
    return chosen


class Book:
    """What happened when: the demo moments to write back over the real clock's stamps."""

    def __init__(self) -> None:
        self.stamps: dict[type[Model], dict[int, dict[str, datetime]]] = defaultdict(dict)

    def put(self, obj: Model, **moments: datetime) -> None:
        self.stamps[type(obj)].setdefault(obj.pk, {}).update(moments)


class Duty:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = ctx.today
        self.now = _at(ctx.today, 7, 30)  # the demo's "now": early morning of ctx.today
        self.book = Book()
        self.city: Organisation = ctx.extra["city"]
        self.unis: list[Organisation] = ctx.orgs[K.UNIVERSITY_COMMITTEE]
        self.login_branch: Organisation = ctx.extra["login_branch"]
        self.login_community: Organisation = ctx.extra["login_community"]
        self.student = ctx.logins["student"]
        self.secretary = ctx.logins["branch_secretary"]
        self.staff_of = _holder(
            ctx.orgs[K.COMMUNITY],
            Role.COMMUNITY_STAFF,
            {self.login_community.pk: ctx.logins["community_staff"]},
        )
        login_uni = self.uni_of(self.login_branch)
        self.uni_admin = _holder(
            self.unis, Role.UNIVERSITY_ADMIN, {login_uni.pk: ctx.logins["university_admin"]}
        )
        self.students_of: dict[int, list[Any]] = defaultdict(list)
        self.students_of[self.login_branch.pk] += [self.secretary, self.student]
        for user in ctx.people["students"]:
            branch = ctx.extra["student_branch"].get(user.pk)
            if branch is not None:
                self.students_of[branch.pk].append(user)
        self.branches = {b.pk: b for b in ctx.orgs[K.CLASS_BRANCH]}
        self.to_confirm: list[tuple[Attendance, Any]] = []  # (attendance, confirmer)
        self.activities: list[Activity] = []
        self.trained_early: dict[str, list[Any]] = {}
        self.forgot = 0  # forgotten check-outs so far

    def uni_of(self, org: Organisation) -> Organisation:
        return next(u for u in self.unis if org.path.startswith(u.path))

    def uni_students(self, uni: Organisation) -> list[Any]:
        return [
            u
            for pk, users in sorted(self.students_of.items())
            if self.branches[pk].path.startswith(uni.path)
            for u in users
        ]

    # --- building blocks --------------------------------------------------------------------
    def activity(self, actor: Any, organiser: Organisation, first_day: date, **kw: Any) -> Activity:
        activity = services.activity_create(actor=actor, organiser=organiser, **kw)
        self.activities.append(activity)
        opened = _at(first_day - timedelta(days=self.rng.randint(10, 20)), 10)
        self.book.put(activity, created_at=opened, updated_at=opened)
        activity.opened = opened  # type: ignore[attr-defined]
        return activity

    def shift(
        self,
        actor: Any,
        activity: Activity,
        start: datetime,
        end: datetime,
        capacity: int,
        **kw: Any,
    ) -> Shift:
        shift = services.shift_add(
            actor=actor, activity=activity, starts_at=start, ends_at=end, capacity=capacity, **kw
        )
        opened: datetime = activity.opened  # type: ignore[attr-defined]
        self.book.put(shift, created_at=opened, updated_at=opened)
        return shift

    def sign_up(
        self, shift: Shift, pool: list[Any], want: int, *, first: Sequence[Any] = ()
    ) -> list[SignUp]:
        """Up to `want` people from `first` then `pool` (in random order), each refused one
        (overlap, training, insurance) simply skipped."""
        done: list[SignUp] = []
        seen: set[int] = set()
        opened: datetime = shift.activity.opened  # type: ignore[attr-defined]
        candidates = list(first) + self.rng.sample(pool, min(len(pool), want * 2 + 2))
        for user in candidates:
            if len(done) >= want or user.pk in seen:
                continue
            seen.add(user.pk)
            when = shift.starts_at - timedelta(
                days=self.rng.randint(1, 9), hours=self.rng.randint(1, 12)
            )
            when = max(when, opened + timedelta(hours=1))
            if shift.starts_at > self.now:
                when = min(when, self.now - timedelta(hours=self.rng.randint(1, 48)))
            try:
                signup = services.shift_sign_up(actor=user, shift=shift, now=when)
            except ServiceError:
                continue
            self.book.put(signup, created_at=when, updated_at=when)
            done.append(signup)
        return done

    def attend(
        self,
        shift: Shift,
        signups: list[SignUp],
        confirmer: Any,
        *,
        venue: tuple[float, float] | None = None,
        keep: frozenset[int] = frozenset(),
    ) -> None:
        """Past shift: the confirmed people check in and out (a few are absent, a few are taken
        by roll call, a few forget to check out). `keep`: people who always come and scan."""
        token_of: dict[datetime, str] = {}

        def token(at: datetime) -> str:
            if at not in token_of:
                token_of[at] = qr.make_token(
                    shift_id=shift.pk, shift_secret=shift.qr_secret, now=at.timestamp()
                )
            return token_of[at]

        for signup in signups:
            if signup.state != SignUp.State.CONFIRMED:
                continue
            user = signup.user
            roll = self.rng.random()
            if user.pk not in keep and roll < 0.04:
                continue  # did not come
            t_in = shift.starts_at + timedelta(minutes=self.rng.randint(-20, 12))
            t_out = shift.ends_at + timedelta(minutes=self.rng.randint(-25, 15))
            if user.pk not in keep and roll < 0.08 and shift.leader is not None:
                attendance = services.roll_call(
                    actor=shift.leader, shift=shift, user=user, checkin_at=t_in, checkout_at=t_out
                )
            else:
                loc = {} if venue is None else {"lat": venue[0] + 0.0004, "lng": venue[1] - 0.0003}
                attendance = services.checkin(actor=user, token=token(t_in), now=t_in, **loc)
                forgot = user.pk not in keep and (roll < 0.13 or self.forgot < 2)
                self.forgot += forgot
                if not forgot:
                    attendance = services.checkout(actor=user, token=token(t_out), now=t_out)
                # else: forgot to check out; auto_checkout_due closes it at the shift's end
            out = attendance.checkout_at or shift.ends_at  # auto check-out: at the shift's end
            self.book.put(attendance, created_at=attendance.checkin_at, updated_at=out)
            self.to_confirm.append((attendance, confirmer))


# --- the step -----------------------------------------------------------------------------------
def build(ctx: DemoContext) -> None:
    d = Duty(ctx)
    courses = _training(d)
    _insurance(d)
    _regular(d, courses)
    _concentrated(d, courses)
    _stage(d)
    # Forgotten check-outs: the periodic task closes them at the shift's end, flagged.
    services.auto_checkout_due(now=d.now)
    _confirm(d)
    _corrections(d)
    for model, stamps in d.book.stamps.items():
        _back_date(model, stamps)
    ctx.extra["duty_activities"] = d.activities


def _training(d: Duty) -> dict[str, TrainingCourse]:
    ctx, today = d.ctx, d.today
    league, staff = ctx.logins["league_admin"], ctx.logins["community_staff"]
    specs = [
        (
            "first_aid",
            "急救",
            "应急救护与心肺复苏（CPR+AED）",
            d.city,
            league,
            "市红十字会 陈医生",
            24,
        ),
        (
            "door_to_door",
            "入户走访",
            "入户走访礼仪、独居老人情况登记与风险识别",
            d.login_community,
            staff,
            "社区社工 刘海燕",
            None,
        ),
        (
            "mediation",
            "矛盾调解",
            "邻里纠纷调解的方法与边界、人民调解员带教",
            d.city,
            league,
            "区司法所 黄律师",
            None,
        ),
    ]
    students = [u for users in d.students_of.values() for u in users]
    courses: dict[str, TrainingCourse] = {}
    for topic, name, desc, org, actor, mentor, months in specs:
        course = TrainingCourse.objects.create(
            name=name, topic=topic, description=desc, org=org, valid_months=months
        )
        created = _at(today - timedelta(days=370), 9)
        d.book.put(course, created_at=created, updated_at=created)
        courses[topic] = course
        days = [today - timedelta(days=n) for n in (360, 240, 130, 45)]
        sessions = [
            TrainingSession.objects.create(
                course=course,
                mentor_name=mentor,
                starts_at=_at(day, 14),
                ends_at=_at(day, 17),
                place=f"{org.short_name or org.name}活动室",
            )
            for day in days
        ]
        for s in sessions:
            d.book.put(
                s,
                created_at=s.starts_at - timedelta(days=7),
                updated_at=s.starts_at - timedelta(days=7),
            )
        trainees = d.rng.sample(
            students, min(len(students), d.ctx.scaled(60 if topic != "mediation" else 25, 5))
        )
        early: set[int] = set()
        if topic == "door_to_door":
            # The aged community asks for this course: its pair's branch took it a year ago.
            aged = d.ctx.extra.get("aged_community")
            branch = next(
                (b for b, c in d.ctx.extra["pairs"] if aged is not None and c.pk == aged.pk), None
            )
            first = (
                [u for u in d.students_of.get(branch.pk, []) if u.pk != d.student.pk]
                if branch
                else []
            )
            early = {u.pk for u in first}
            trainees = first + [u for u in trainees if u.pk not in early]
        d.trained_early[topic] = [u for i, u in enumerate(trainees) if i % 2 == 0 or u.pk in early]
        for i, user in enumerate(trainees):
            session = sessions[0] if i % 2 == 0 or user.pk in early else d.rng.choice(sessions)
            _record(d, course, actor, user, session)
        if topic in ("first_aid", "door_to_door"):
            _record(d, course, actor, d.student, sessions[0])
    return courses


def _record(
    d: Duty, course: TrainingCourse, actor: Any, user: Any, session: TrainingSession
) -> None:
    day = timezone.localtime(session.starts_at).date()
    with _on_day(d.today):
        record = services.training_record(
            actor=actor, course=course, user=user, completed_on=day, session=session
        )
    d.book.put(record, created_at=session.ends_at, updated_at=session.ends_at)


def _insurance(d: Duty) -> None:
    ay = d.ctx.academic_year
    for n, uni in enumerate(d.unis, start=1):
        people = d.uni_students(uni)
        for year in (ay - 1, ay):
            policy = services.insurance_policy_add(
                actor=d.uni_admin[uni.pk],
                holder=uni,
                insurer="中国人寿青州分公司",
                policy_no=f"QZ{year}-YW-{n:03d}",
                valid_from=date(year, 9, 1),
                valid_to=date(year + 1, 8, 31),
                covered=people,
            )
            signed = _at(date(year, 8, 20), 10)
            d.book.put(policy, created_at=signed, updated_at=signed)


def _regular(d: Duty, courses: dict[str, TrainingCourse]) -> None:
    ctx, today = d.ctx, d.today
    from qingshe.programmes.models import Pairing

    pairs: list[tuple[Organisation, Organisation]] = sorted(
        ctx.extra["pairs"], key=lambda p: p[0].pk != d.login_branch.pk
    )
    pairs = pairs[: min(len(pairs), ctx.scaled(4, 2))]
    pairings = {
        (p.unit_id, p.community_id): p
        for p in Pairing.objects.filter(
            state__in=(Pairing.State.ACTIVE, Pairing.State.ENDED),
            community__in=[c for _b, c in pairs],
        )
    }
    aged = ctx.extra.get("aged_community")
    first_day = today - timedelta(days=350)
    for index, (branch, community) in enumerate(pairs):
        login = index == 0
        staff = d.staff_of[community.pk]
        leader = d.secretary if login else ctx.extra["secretaries"][branch.pk]
        pool = [u for u in d.students_of[branch.pk] if u.pk != leader.pk]
        # The logins' pair meets weekly this term (fortnightly last term) on the weekday two days
        # ago, so that its latest shift is still to be confirmed; the others every four weeks, on
        # a weekday of their own.
        anchor = today - timedelta(days=2) if login else today - timedelta(days=3 + index % 5)
        step = 7 if login else 28
        this_term = date(ctx.academic_year, 9, 1)
        days = sorted(
            day
            for k in range(-3, 60)
            if first_day <= (day := anchor - timedelta(days=step * k)) <= today + timedelta(days=14)
            and _is_term(day)
            and (not login or day >= this_term or k % 2 == 0)
        )
        needs_course = (
            [courses["door_to_door"]] if aged is not None and community.pk == aged.pk else []
        )
        title = REGULAR_TITLES[index % len(REGULAR_TITLES)]
        pairing = pairings.get((branch.pk, community.pk))
        started = (
            timezone.localtime(pairing.started_at).date()
            if pairing and pairing.started_at
            else None
        )
        terms: dict[str, list[date]] = defaultdict(list)
        for day in days:
            key = f"{day.year - (day.month == 1)}年{'春' if 2 <= day.month < 8 else '秋'}季学期"
            terms[key].append(day)
        if login:  # tomorrow's extra shift, which the secretary leads
            terms[max(terms, key=lambda k: terms[k][-1])].append(today + timedelta(days=1))
        wait_day = max(days) if login else None  # the logins' last upcoming shift: a waitlist
        for term, term_days in terms.items():
            link = (
                pairing
                if started is not None
                and term_days[0] >= started - timedelta(days=120)
                and pairing.pk not in ctx.extra.get("idle_pairings", ())
                else None
            )
            activity = d.activity(
                staff,
                community,
                min(term_days),
                title=f"{community.name}·{title}（{term}）",
                description=f"{branch.name}结对{community.name}，每{'周' if step == 7 else '两周'}一次到社区报到服务。",
                mode=DutyMode.REGULAR,
                place=f"{community.name}党群服务中心",
                pairing=link,
                required_courses=needs_course,
            )
            for day in sorted(term_days):
                start = _at(day, 9) if day.weekday() >= 5 else _at(day, 14, 30)
                end = start + timedelta(hours=2, minutes=30)
                capacity = (2 if day == wait_day else 5) if login else 4
                shift = d.shift(staff, activity, start, end, capacity, leader=leader, min_people=2)
                first = (
                    [d.student]
                    if login
                    and (start > d.now or d.rng.random() < 0.7 or day >= today - timedelta(days=3))
                    else []
                )
                if day == wait_day:
                    first = []  # the student comes late to this one: the waitlist
                want = (
                    capacity + (1 if login else 0)
                    if start > d.now
                    else d.rng.randint(2, capacity - 1)
                )
                signups = d.sign_up(shift, pool, want, first=first)
                if day == wait_day:
                    d.sign_up(shift, [], 1, first=[d.student])
                if start < d.now:
                    d.attend(shift, signups, staff, keep=frozenset({d.student.pk}))


def _concentrated(d: Duty, courses: dict[str, TrainingCourse]) -> None:
    ctx, today = d.ctx, d.today
    summer = date(today.year if today >= date(today.year, 8, 1) else today.year - 1, 7, 12)
    winter = date(summer.year + 1 if date(summer.year + 1, 2, 10) < today else summer.year, 1, 22)
    trained = {u.pk for u in d.trained_early["first_aid"]}
    for uni in d.unis:
        admin = d.uni_admin[uni.pk]
        students = d.uni_students(uni)
        team = [u for u in students if u.pk in trained][: ctx.scaled(4, 3)]
        activity = d.activity(
            admin,
            uni,
            summer,
            title=f"{uni.short_name or uni.name}“三下乡”社会实践·乡村振兴服务队",
            description="暑期集中实践：乡村小学支教、村史整理、防溺水宣传。",
            mode=DutyMode.CONCENTRATED,
            place="青州市山前镇中心小学",
            required_courses=[courses["first_aid"]],
        )
        for n in range(4):
            day = summer + timedelta(days=n)
            shift = d.shift(
                admin,
                activity,
                _at(day, 8, 30),
                _at(day, 16, 30),
                len(team) + 2,
                leader=team[0] if team else None,
            )
            d.attend(shift, d.sign_up(shift, [], len(team), first=team), admin)
        # 返家乡: students back in their home towns work online and submit a log.
        online = d.activity(
            admin,
            uni,
            winter,
            title=f"{uni.short_name or uni.name}寒假“返家乡”社会实践（线上）",
            description="寒假返乡期间，线上协助家乡社区和村委会开展宣传、辅导和资料整理。",
            mode=DutyMode.CONCENTRATED,
            remote_allowed=True,
            requires_insurance=False,
            place="线上",
        )
        volunteers = d.rng.sample(students, min(len(students), ctx.scaled(5, 3)))
        for n in range(3):
            day = winter + timedelta(days=2 * n)
            shift = d.shift(admin, online, _at(day, 9), _at(day, 21), len(volunteers))
            for signup in d.sign_up(shift, volunteers, d.rng.randint(2, 3)):
                start = _at(day, d.rng.choice((9, 10, 14, 19)))
                end = start + timedelta(minutes=d.rng.choice((90, 120, 135, 150)))
                attendance = services.remote_log_submit(
                    actor=signup.user, shift=shift, start=start, end=end, log=d.rng.choice(LOGS)
                )
                d.book.put(attendance, created_at=end + timedelta(minutes=20))
                d.to_confirm.append((attendance, admin))


def _stage(d: Duty) -> None:
    """邻里节: every residential area on the same Saturday, three to four weeks ago."""
    today = d.today
    day = today - timedelta(days=21 + (today.weekday() - 5) % 7)
    pair_branch = {c.pk: b for b, c in d.ctx.extra["pairs"]}
    communities = {c.pk: c for c in d.ctx.orgs[K.COMMUNITY]}
    everyone = [u for users in d.students_of.values() for u in users]
    for area in d.ctx.orgs[K.RESIDENTIAL_AREA]:
        community = communities.get(area.parent_id)  # type: ignore[arg-type]
        if community is None:
            continue
        staff = d.staff_of[community.pk]
        branch = pair_branch.get(community.pk)
        pool = d.students_of[branch.pk] if branch is not None else d.rng.sample(everyone, 30)
        leader = d.ctx.extra["secretaries"][branch.pk] if branch is not None else None
        venue = (float(area.lat), float(area.lng)) if area.lat is not None else None
        activity = d.activity(
            staff,
            community,
            day,
            title=f"青州邻里节·{area.name}",
            mode=DutyMode.STAGE,
            description="全市各小区同日举办邻里节：百家宴、跳蚤市场、义剪义诊、亲子游园，志愿者负责布场、引导和秩序。",
            place=f"{area.name}中心广场",
            lat=venue[0] if venue else None,
            lng=venue[1] if venue else None,
            checkin_radius_m=300 if venue else None,
        )
        first = [d.student] if community.pk == d.login_community.pk else []
        for start_h, end_h in ((9, 12),):
            shift = d.shift(
                staff, activity, _at(day, start_h), _at(day, end_h), 3, min_people=2, leader=leader
            )
            signups = d.sign_up(shift, pool, 2, first=first)
            d.attend(shift, signups, staff, venue=venue, keep=frozenset({d.student.pk}))


def _confirm(d: Duty) -> None:
    """The community's stamp, on the demo's calendar: most in time, a few adjusted, the latest
    still pending, a few left past the deadline (one of them confirmed by the committee)."""
    today, rng = d.today, d.rng
    league = d.ctx.logins["league_admin"]
    late_left = rejected = auto_left = 0
    overdue_by_committee = 0
    for attendance, confirmer in d.to_confirm:
        attendance = Attendance.objects.select_related("shift__activity__organiser", "user").get(
            pk=attendance.pk
        )
        if attendance.state != Attendance.State.PENDING:
            continue
        shift = attendance.shift
        served = timezone.localtime(shift.starts_at).date()
        due = confirmation_due(served)
        stage = shift.activity.mode == DutyMode.STAGE
        recent = served >= today - timedelta(days=4)
        if attendance.auto_checkout and (auto_left == 0 or rng.random() < 0.3):
            auto_left += 1
            continue  # flagged, waiting for the leader's word on when they left
        if recent:
            continue  # pending: still within the deadline, or waiting for the leader's word
        if due < today and (
            rng.random() < 0.03 or (stage and late_left < 4 and rng.random() < 0.25)
        ):
            if overdue_by_committee == 0 and late_left >= 2:
                _confirm_one(d, attendance, league, min(today, add_working_days(due, 3)))
                overdue_by_committee += 1
            else:
                late_left += 1  # past the deadline and still pending: late
            continue
        if stage and attendance.user_id != d.student.pk and (rejected == 0 or rng.random() < 0.02):
            rejected += 1
            with _on_day(served + timedelta(days=1)):
                services.attendance_reject(
                    actor=confirmer, attendance=attendance, reason=REJECT_REASON
                )
            d.book.put(
                attendance,
                updated_at=_at(served + timedelta(days=1), 18),
                confirmed_at=_at(served + timedelta(days=1), 18),
            )
            continue
        day = min(today, add_working_days(served, rng.randint(1, 6)), due)
        _confirm_one(d, attendance, confirmer, day)


def _confirm_one(d: Duty, attendance: Attendance, actor: Any, day: date) -> None:
    shift, rng = attendance.shift, d.rng
    start, end, reason = None, None, ""
    if attendance.auto_checkout:
        start, end, reason = (
            attendance.checkin_at,
            shift.ends_at - timedelta(minutes=rng.choice((20, 35, 50))),
            AUTO_REASON,
        )
        end = max(end, attendance.checkin_at + timedelta(minutes=30))
    elif rng.random() < 0.08 and attendance.checkin_at < shift.starts_at:
        start, end, reason = shift.starts_at, attendance.checkout_at, ADJUST_REASONS[0]
    elif rng.random() < 0.04:
        start, end, reason = (
            attendance.checkin_at,
            attendance.checkout_at - timedelta(minutes=40),
            ADJUST_REASONS[1],
        )
    try:
        with _on_day(day):
            services.attendance_confirm(
                actor=actor, attendance=attendance, start=start, end=end, reason=reason
            )
    except ServiceError:
        return  # an overlapping credited period: left for the confirmer to adjust
    moment = _at(day, 19, rng.randrange(0, 60, 5))
    d.book.put(attendance, updated_at=moment, confirmed_at=moment)


def _corrections(d: Duty) -> None:
    """In the logins' community: the student's correction approved, another refused, a third
    waiting for `community_staff`."""
    staff = d.ctx.logins["community_staff"]
    confirmed = list(
        Attendance.objects.filter(
            state=Attendance.State.CONFIRMED,
            shift__activity__organiser=d.login_community,
            shift__activity__mode=DutyMode.REGULAR,
        )
        .select_related("shift", "user")
        .order_by("shift__starts_at", "pk")
    )
    mine = [a for a in confirmed if a.user_id == d.student.pk]
    others = [a for a in confirmed if a.user_id != d.student.pk]
    plan = (
        [(a, "approve") for a in mine[1:2]]
        + [(a, "refuse") for a in others[3:4]]
        + [(a, "wait") for a in others[-5:-4]]
    )
    for attendance, decision in plan:
        assert attendance.confirmed_start is not None and attendance.confirmed_end is not None
        confirmed_at = d.book.stamps[Attendance][attendance.pk]["confirmed_at"]
        asked = min(
            _at(timezone.localtime(confirmed_at).date() + timedelta(days=2), 21),
            d.now - timedelta(hours=3),
        )
        try:
            correction = services.correction_request(
                actor=attendance.user,
                attendance=attendance,
                new_start=attendance.confirmed_start,
                new_end=attendance.confirmed_end + timedelta(minutes=30),
                reason="活动结束后留下帮忙收拾场地，签退晚了半小时，带队人可以作证。",
            )
        except ServiceError:
            continue
        d.book.put(correction, created_at=asked, updated_at=asked)
        if decision == "wait":
            continue
        decided = min(asked + timedelta(days=1), d.now - timedelta(hours=1))
        services.correction_decide(
            actor=staff,
            correction=correction,
            approve=decision == "approve",
            note="" if decision == "approve" else "带队人记录显示当天按时结束，不予更正。",
        )
        d.book.put(correction, updated_at=decided, decided_at=decided)
        d.book.put(attendance, updated_at=decided)


def _back_date(
    model: type[Model], stamps: dict[int, dict[str, datetime]], chunk: int = 1000
) -> None:
    """Move the timestamps the services stamped with the real clock to the demo's calendar:
    one UPDATE per table (per `chunk` rows, so that large sizes stay within the databases'
    limits on query parameters), only rows this step created."""
    pks = sorted(stamps)
    for i in range(0, len(pks), chunk):
        part = pks[i : i + chunk]
        updates = {}
        for column in sorted({c for pk in part for c in stamps[pk]}):
            by_value: dict[datetime, list[int]] = defaultdict(list)
            for pk in part:
                if column in stamps[pk]:
                    by_value[stamps[pk][column]].append(pk)
            updates[column] = Case(
                *[When(pk__in=v, then=Value(k)) for k, v in by_value.items()],
                default=F(column),
                output_field=DateTimeField(),
            )
        model._default_manager.filter(pk__in=part).update(**updates)


def reset() -> None:
    """Attendance, activities, policies and courses PROTECT the demo's people and organisations:
    remove the demo city's duty data before they go."""
    from qingshe.demo.builder import demo_city

    city = demo_city()
    if city is None:
        return
    activities = Activity.objects.filter(organiser__path__startswith=city.path)
    Correction.objects.filter(attendance__shift__activity__in=activities).delete()
    Attendance.objects.filter(shift__activity__in=activities).delete()
    activities.delete()
    InsurancePolicy.objects.filter(holder__path__startswith=city.path).delete()
    TrainingRecord.objects.filter(course__org__path__startswith=city.path).delete()
    TrainingCourse.objects.filter(org__path__startswith=city.path).delete()
