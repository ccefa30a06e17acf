"""From the database to the engine's specs, and the facts the services re-check against.

The engine (engine.py) knows nothing of Django: it plans on integer minutes. This module reads,
in a fixed number of queries whatever the number of people, everything a plan for one scope and
horizon needs, and turns it into NeedSpec / VolunteerSpec. The same loaders give the services
(services/dispatch.py) the facts with which they re-check a line before it becomes an offer.

The rules, written down once:

* **Clock.** Minutes of local wall-clock time (Asia/Shanghai, no daylight saving) since
  2000-01-01 00:00, the clock of instances.py. `to_minutes` / `to_datetime` convert.
* **Needs** of a plan: the staffable needs (`Need.STAFFABLE_STATES`), not bounties (those are
  taken by organisations, 揭榜) and not those the community opened to claim (left to 抢单, first
  come first served; a dispatcher may still name people for one directly), of the communities
  in the scope, with places left (people needed
  minus the assignments that hold a place: offered, accepted, done). Their windows are the
  NeedWindow rows (a need without any serves on any day from its start date to its end date)
  cut to the horizon and to the future, and — unless the work is remote — intersected with the
  community's office hours (`Organisation.office_hours`, else `QINGSHE_DISPATCH["office_hours"]`:
  closed at weekends). Remote work is done where the student is, so office hours do not apply.
  Skills wanted count toward the score; for professional work (`WorkKind.PROFESSIONAL`) they are
  required. The distance limit is `QINGSHE_DISPATCH["max_km"]`.
* **Volunteers** of a plan: the students (active accounts with a student profile) of the class
  branches and departments — or members of the volunteer teams — with an active pairing, in its
  term, to a community of the scope, to the scope itself or to the street it lies in. For a
  district or city scope (a league committee dispatching across its pairings, e.g. for a major
  event) every student of a university in the same city is a volunteer too. A minor without a
  guardian's consent on file is left out (duty would refuse them).
* **Free time** = the horizon, minus the weekly timetable on term days, minus commitments: places
  held on needs (offered, accepted) and live shift sign-ups (signed up or waitlisted).
* **Vacation**: 1 July – 31 August and 15 January – end of February. On vacation days the
  timetable does not apply; a plan whose horizon starts in vacation bases students at home
  (`home_lat`/`home_lng`, else campus), otherwise at their university's campus.
* **Weekly cap**: `weekly_cap_hours` per Monday–Sunday week minus the minutes already committed in
  that week. A horizon touching two weeks gets the smaller of the two remainders (the engine has
  one cap per person; the services re-check each week exactly).
* **Training**: courses with a record valid on every day of the horizon (the services check the
  day of the service itself). **Insurance**: the days covered by a policy naming the person.
* **Fairness**: minutes of confirmed attendance in the local month in which the horizon starts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from qingshe.accounts.models import ConsentRecord, StudentProfile
from qingshe.core.timeutil import month_bounds
from qingshe.duty.models import Attendance, InsurancePolicy, SignUp, TrainingRecord
from qingshe.lib.geo import haversine_km
from qingshe.needs.models import Need, NeedAssignment, WorkKind
from qingshe.orgs.models import Membership, Organisation, OrgKind

if TYPE_CHECKING:
    from qingshe.needs.dispatch.engine import NeedSpec, VolunteerSpec

Interval = tuple[int, int]
DAY = 24 * 60
WEEK = 7 * DAY
EPOCH_DATE = date(2000, 1, 1)
_EPOCH_NAIVE = datetime(2000, 1, 1)
SCOPE_KINDS = (
    OrgKind.COMMUNITY,
    OrgKind.STREET,
    OrgKind.DISTRICT_COMMITTEE,
    OrgKind.CITY_COMMITTEE,
)
WIDE_SCOPE_KINDS = (OrgKind.DISTRICT_COMMITTEE, OrgKind.CITY_COMMITTEE)
ADULT_AGE = 18


# --- the clock ----------------------------------------------------------------------------------
def to_minutes(moment: datetime) -> int:
    """An aware moment as minutes of local wall-clock time since 2000-01-01 00:00."""
    local = timezone.localtime(moment, timezone.get_default_timezone()).replace(tzinfo=None)
    return int((local - _EPOCH_NAIVE).total_seconds() // 60)


def to_datetime(minutes: int) -> datetime:
    """The aware moment at `minutes` on the local clock."""
    return timezone.make_aware(
        _EPOCH_NAIVE + timedelta(minutes=minutes), timezone.get_default_timezone()
    )


def day_minutes(day: date) -> int:
    return (day - EPOCH_DATE).days * DAY


def date_of(minutes: int) -> date:
    return EPOCH_DATE + timedelta(days=minutes // DAY)


def week_start(minutes: int) -> int:
    """Monday 00:00 of the week holding `minutes`."""
    day = date_of(minutes)
    return day_minutes(day - timedelta(days=day.weekday()))


def _hm(text: str) -> int:
    hours, mins = str(text).split(":")
    return int(hours) * 60 + int(mins)


def is_vacation(day: date) -> bool:
    """Summer (July, August) and winter (15 January to the end of February) vacations."""
    return day.month in (7, 8) or (day.month == 1 and day.day >= 15) or day.month == 2


# --- intervals ----------------------------------------------------------------------------------
def merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def subtract(base: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    cuts = merge(cuts)
    out: list[Interval] = []
    for a, b in merge(base):
        x = a
        for c, d in cuts:
            if d <= x or c >= b:
                continue
            if c > x:
                out.append((x, c))
            x = max(x, d)
            if x >= b:
                break
        if x < b:
            out.append((x, b))
    return out


def intersect(one: Iterable[Interval], two: Iterable[Interval]) -> list[Interval]:
    a, b = merge(one), merge(two)
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def covers(intervals: Iterable[Interval], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in merge(intervals))


def overlaps(intervals: Iterable[Interval], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in intervals)


def _days(start: int, end: int) -> list[date]:
    first, last = date_of(start), date_of(max(start, end - 1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def weekly_intervals(
    slots: Sequence[dict[str, Any]], start: int, end: int, *, term_only: bool = False
) -> list[Interval]:
    """Weekly periods ({"weekday", "start", "end"}) laid on the days of [start, end)."""
    by_day: dict[int, list[Interval]] = defaultdict(list)
    for slot in slots or ():
        try:
            by_day[int(slot["weekday"])].append((_hm(slot["start"]), _hm(slot["end"])))
        except (KeyError, TypeError, ValueError):
            continue
    out: list[Interval] = []
    for day in _days(start, end):
        if term_only and is_vacation(day):
            continue
        base = day_minutes(day)
        out.extend((base + a, base + b) for a, b in by_day.get(day.weekday(), ()))
    return intersect(out, [(start, end)])


def office_hours_of(org: Organisation) -> list[dict[str, Any]]:
    return list(org.office_hours or settings.QINGSHE_DISPATCH["office_hours"])


def max_km() -> float:
    return float(settings.QINGSHE_DISPATCH["max_km"])


def weekly_cap_minutes() -> int:
    return int(settings.QINGSHE_DISPATCH["weekly_cap_hours"]) * 60


# --- needs --------------------------------------------------------------------------------------
@dataclass
class NeedFacts:
    need: Need
    held: int  # places held: offered, accepted, done
    window_rows: list[Interval]  # the NeedWindow rows; empty: any day of the need's dates
    skills: frozenset[int]
    skill_names: dict[int, str]
    courses: frozenset[int]
    course_names: dict[int, str]

    @property
    def left(self) -> int:
        return max(0, self.need.people_needed - self.held)

    @property
    def location(self) -> tuple[float, float] | None:
        need, community = self.need, self.need.community
        if need.lat is not None and need.lng is not None:
            return float(need.lat), float(need.lng)
        if community.lat is not None and community.lng is not None:
            return float(community.lat), float(community.lng)
        return None

    def dates_interval(self) -> Interval | None:
        need = self.need
        lo = day_minutes(need.starts_on) if need.starts_on else None
        hi = day_minutes(need.ends_on) + DAY if need.ends_on else None
        if lo is None and hi is None:
            return None
        return (lo if lo is not None else -(10**9), hi if hi is not None else 10**9)

    def windows(self, start: int, end: int) -> list[Interval]:
        """Where the need can be served within [start, end): its windows, office hours applied."""
        if self.window_rows:
            base = intersect(self.window_rows, [(start, end)])
        else:
            dates = self.dates_interval()
            base = intersect([dates], [(start, end)]) if dates else [(start, end)]
        if not self.need.is_remote:
            base = intersect(
                base, weekly_intervals(office_hours_of(self.need.community), start, end)
            )
        return [w for w in base if w[1] - w[0] >= self.need.minutes_each]

    def fits(self, start: int, end: int) -> bool:
        """Whether [start, end) lies inside one of the need's windows (office hours applied)."""
        return covers(self.windows(start - DAY, end + DAY), start, end)

    @property
    def required_skills(self) -> frozenset[int]:
        return self.skills if self.need.work_kind == WorkKind.PROFESSIONAL else frozenset()


def scope_needs(scope: Organisation) -> QuerySet[Need]:
    """The needs a plan for `scope` may staff (before the head count is looked at)."""
    return Need.objects.filter(
        state__in=Need.STAFFABLE_STATES,
        is_bounty=False,
        open_claim=False,
        community__path__startswith=scope.path,
    )


def load_need_facts(needs: QuerySet[Need] | Iterable[int]) -> dict[int, NeedFacts]:
    """Facts of the needs (a queryset, or ids) in five queries."""
    qs = needs if isinstance(needs, QuerySet) else Need.objects.filter(pk__in=list(needs))
    rows = list(
        qs.select_related("community").annotate(
            held_n=Count(
                "assignments",
                filter=Q(assignments__state__in=NeedAssignment.HOLDING_STATES),
                distinct=True,
            )
        )
    )
    ids = [n.pk for n in rows]
    windows: dict[int, list[Interval]] = defaultdict(list)
    for need_id, a, b in _window_rows(ids):
        windows[need_id].append((to_minutes(a), to_minutes(b)))
    skills: dict[int, dict[int, str]] = defaultdict(dict)
    for need_id, skill_id, name in Need.skills.through.objects.filter(need_id__in=ids).values_list(
        "need_id", "skill_id", "skill__name"
    ):
        skills[need_id][skill_id] = name
    courses: dict[int, dict[int, str]] = defaultdict(dict)
    for need_id, course_id, name in Need.required_courses.through.objects.filter(
        need_id__in=ids
    ).values_list("need_id", "trainingcourse_id", "trainingcourse__name"):
        courses[need_id][course_id] = name
    return {
        n.pk: NeedFacts(
            need=n,
            held=n.held_n,
            window_rows=merge(windows.get(n.pk, [])),
            skills=frozenset(skills.get(n.pk, {})),
            skill_names=skills.get(n.pk, {}),
            courses=frozenset(courses.get(n.pk, {})),
            course_names=courses.get(n.pk, {}),
        )
        for n in rows
    }


def _window_rows(ids: list[int]) -> list[tuple[int, datetime, datetime]]:
    from qingshe.needs.models import NeedWindow

    return list(
        NeedWindow.objects.filter(need_id__in=ids).values_list("need_id", "starts_at", "ends_at")
    )


def need_spec(facts: NeedFacts, start: int, end: int) -> NeedSpec:
    # The engine (numpy, OR-Tools) is loaded only when a plan is made, not with every import
    # of the needs app.
    from qingshe.needs.dispatch.engine import NeedSpec

    need = facts.need
    location = facts.location or (None, None)
    return NeedSpec(
        id=need.pk,
        head_count=facts.left,
        duration=need.minutes_each,
        windows=tuple(facts.windows(start, end)),
        lat=location[0],
        lng=location[1],
        remote=need.is_remote,
        skills=facts.skills,
        majors=frozenset(need.majors or ()),
        required_skills=facts.required_skills,
        required_courses=facts.courses,
        needs_insurance=need.needs_insurance,
        urgency=int(need.urgency),
        work_kind=need.work_kind,
        max_km=max_km(),
    )


# --- volunteers ---------------------------------------------------------------------------------
@dataclass
class VolunteerFacts:
    user_id: int
    name: str
    major: str
    skills: frozenset[int]
    skill_names: dict[int, str]
    busy_slots: list[dict[str, Any]]
    campus: tuple[float, float] | None
    home: tuple[float, float] | None
    minor_without_consent: bool = False
    commitments: list[Interval] = field(default_factory=list)
    # course id → [(completed on, valid until or None)]
    courses: dict[int, list[tuple[date, date | None]]] = field(default_factory=dict)
    insured: list[tuple[date, date]] = field(default_factory=list)
    minutes_this_month: int = 0

    def base(self, day: date) -> tuple[tuple[float, float] | None, str]:
        """Where the student sets out from on `day`: home in vacation (if known), else campus."""
        if is_vacation(day) and self.home is not None:
            return self.home, "home"
        return self.campus, "campus"

    def courses_on(self, day: date) -> set[int]:
        return {
            cid
            for cid, spans in self.courses.items()
            if any(done <= day and (until is None or until >= day) for done, until in spans)
        }

    def courses_through(self, first: date, last: date) -> frozenset[int]:
        return frozenset(
            cid
            for cid, spans in self.courses.items()
            if any(done <= first and (until is None or until >= last) for done, until in spans)
        )

    def insured_on(self, day: date) -> bool:
        return any(a <= day <= b for a, b in self.insured)

    def insured_intervals(self, start: int, end: int) -> tuple[Interval, ...]:
        spans = [(day_minutes(a), day_minutes(b) + DAY) for a, b in self.insured]
        return tuple(intersect(spans, [(start, end)]))

    def busy(self, start: int, end: int) -> list[Interval]:
        return weekly_intervals(self.busy_slots, start, end, term_only=True)

    def free(self, start: int, end: int) -> list[Interval]:
        return subtract([(start, end)], [*self.busy(start, end), *self.commitments])

    def booked_in_week(self, week: int) -> int:
        return sum(b - a for a, b in intersect(self.commitments, [(week, week + WEEK)]))

    def cap_left(self, start: int, end: int) -> int:
        weeks = range(week_start(start), week_start(max(start, end - 1)) + 1, WEEK)
        return max(0, min(weekly_cap_minutes() - self.booked_in_week(w) for w in weeks))


def scope_students(scope: Organisation, *, on_day: date) -> QuerySet[StudentProfile]:
    """The students a plan for `scope` may dispatch (the rule of the module docstring)."""
    from qingshe.programmes.models import Pairing

    pairing_sides = Q(community__path__startswith=scope.path)
    ancestors = scope.ancestor_ids()
    if ancestors:
        pairing_sides |= Q(
            community_id__in=ancestors, community__kind__in=(OrgKind.STREET, OrgKind.COMMUNITY)
        )
    units = list(
        Pairing.objects.filter(
            pairing_sides, state=Pairing.State.ACTIVE, term_start__lte=on_day, term_end__gte=on_day
        )
        .values_list("unit__path", "unit__kind")
        .distinct()
    )
    who = Q(pk__in=[])
    for path, kind in units:
        if kind == OrgKind.VOLUNTEER_TEAM:
            who |= Q(
                user_id__in=Membership.objects.filter(
                    org__path__startswith=path, is_active=True
                ).values("user_id")
            )
        else:
            who |= Q(branch__path__startswith=path)
    if scope.kind in WIDE_SCOPE_KINDS:
        who |= Q(university__path__startswith=f"/{scope.city_id}/")
    return StudentProfile.objects.filter(who, user__is_active=True)


def load_volunteer_facts(
    profiles: QuerySet[StudentProfile],
    *,
    start: int,
    end: int,
    month: tuple[int, int] | None = None,
) -> dict[int, VolunteerFacts]:
    """Facts of the students of `profiles` for [start, end) (minutes): commitments over the
    whole weeks touched (for the cap), training, insurance, and minutes served in `month`.
    Seven queries, whatever the number of students."""
    rows = list(
        profiles.values_list(
            "pk",
            "user_id",
            "user__name",
            "user__birth_date",
            "major",
            "busy_slots",
            "university__lat",
            "university__lng",
            "home_lat",
            "home_lng",
        )
    )
    facts: dict[int, VolunteerFacts] = {}
    by_profile: dict[int, VolunteerFacts] = {}
    today = timezone.localdate()
    minors: list[int] = []
    for pk, user_id, name, birth, major, slots, ulat, ulng, hlat, hlng in rows:
        f = VolunteerFacts(
            user_id=user_id,
            name=name,
            major=major,
            skills=frozenset(),
            skill_names={},
            busy_slots=list(slots or []),
            campus=(float(ulat), float(ulng)) if ulat is not None and ulng is not None else None,
            home=(float(hlat), float(hlng)) if hlat is not None and hlng is not None else None,
        )
        if birth is not None and _age(birth, today) < ADULT_AGE:
            minors.append(user_id)
        facts[user_id] = f
        by_profile[pk] = f
    if not facts:
        return facts
    user_ids = profiles.values("user_id")
    if minors:
        consented = set(
            ConsentRecord.objects.filter(user_id__in=minors, withdrawn_at__isnull=True)
            .exclude(guardian_name="")
            .values_list("user_id", flat=True)
        )
        for uid in minors:
            facts[uid].minor_without_consent = uid not in consented
    skills: dict[int, dict[int, str]] = defaultdict(dict)
    for pid, sid, sname in StudentProfile.skills.through.objects.filter(
        studentprofile_id__in=profiles.values("pk")
    ).values_list("studentprofile_id", "skill_id", "skill__name"):
        skills[pid][sid] = sname
    for pid, f in by_profile.items():
        f.skill_names = skills.get(pid, {})
        f.skills = frozenset(f.skill_names)
    lo, hi = week_start(start), week_start(max(start, end - 1)) + WEEK
    lo_dt, hi_dt = to_datetime(lo), to_datetime(hi)
    commitments: dict[int, list[Interval]] = defaultdict(list)
    for uid, a, b in NeedAssignment.objects.filter(
        volunteer_id__in=user_ids,
        state__in=NeedAssignment.LIVE_STATES,
        starts_at__lt=hi_dt,
        ends_at__gt=lo_dt,
    ).values_list("volunteer_id", "starts_at", "ends_at"):
        commitments[uid].append((to_minutes(a), to_minutes(b)))
    for uid, a, b in SignUp.objects.filter(
        user_id__in=user_ids,
        state__in=SignUp.LIVE_STATES,
        shift__starts_at__lt=hi_dt,
        shift__ends_at__gt=lo_dt,
    ).values_list("user_id", "shift__starts_at", "shift__ends_at"):
        commitments[uid].append((to_minutes(a), to_minutes(b)))
    for uid, items in commitments.items():
        # An accepted assignment and the sign-up for its shift are one commitment: merged.
        facts[uid].commitments = merge(items)
    first, last = date_of(start), date_of(max(start, end - 1))
    for uid, cid, done, until in TrainingRecord.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=first),
        user_id__in=user_ids,
        completed_on__lte=last,
    ).values_list("user_id", "course_id", "completed_on", "valid_until"):
        facts[uid].courses.setdefault(cid, []).append((done, until))
    for uid, valid_from, valid_to in InsurancePolicy.covered.through.objects.filter(
        user_id__in=user_ids,
        insurancepolicy__valid_from__lte=last,
        insurancepolicy__valid_to__gte=first,
    ).values_list("user_id", "insurancepolicy__valid_from", "insurancepolicy__valid_to"):
        facts[uid].insured.append((valid_from, valid_to))
    year, mon = month or (first.year, first.month)
    m_lo, m_hi = month_bounds(year, mon)
    for uid, hours in (
        Attendance.objects.filter(
            user_id__in=user_ids,
            state=Attendance.State.CONFIRMED,
            confirmed_start__gte=m_lo,
            confirmed_start__lt=m_hi,
        )
        .values("user_id")
        .annotate(h=Sum("credited_hours"))
        .values_list("user_id", "h")
    ):
        facts[uid].minutes_this_month = int((hours or 0) * 60)
    return facts


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def volunteer_spec(facts: VolunteerFacts, start: int, end: int) -> VolunteerSpec:
    from qingshe.needs.dispatch.engine import VolunteerSpec

    # Without a known base (campus or home) the engine gives the person remote work only.
    base, _kind = facts.base(date_of(start))
    lat, lng = base or (None, None)
    first, last = date_of(start), date_of(max(start, end - 1))
    return VolunteerSpec(
        id=facts.user_id,
        free=tuple(facts.free(start, end)),
        cap=facts.cap_left(start, end),
        lat=lat,
        lng=lng,
        skills=facts.skills,
        major=facts.major,
        courses=facts.courses_through(first, last),
        insured=facts.insured_intervals(start, end),
        minutes_this_month=facts.minutes_this_month,
    )


def distance_km(facts: VolunteerFacts, need: NeedFacts, day: date) -> float | None:
    base, _kind = facts.base(day)
    where = need.location
    if base is None or where is None:
        return None
    return haversine_km(base, where)


# --- one plan's input ---------------------------------------------------------------------------
@dataclass
class PlanInput:
    start: int
    end: int
    needs: list[NeedSpec]
    volunteers: list[VolunteerSpec]
    need_facts: dict[int, NeedFacts]
    volunteer_facts: dict[int, VolunteerFacts]
    # Needs of the scope with places left but no usable window in the horizon.
    without_window: list[int] = field(default_factory=list)

    @property
    def stats(self) -> dict[str, int]:
        return {
            "needs": len(self.needs),
            # every place the page lists, those of needs with no window in the horizon too
            "places": sum(n.head_count for n in self.needs)
            + sum(self.need_facts[i].left for i in self.without_window),
            "volunteers": len(self.volunteers),
            "needs_without_window": len(self.without_window),
        }


def build_input(
    scope: Organisation,
    horizon_start: datetime,
    horizon_end: datetime,
    *,
    now: datetime | None = None,
) -> PlanInput:
    """Everything the engine needs to plan `scope` over [horizon_start, horizon_end)."""
    now = now or timezone.now()
    start = max(to_minutes(horizon_start), _ceil_to(to_minutes(now), 15))
    end = to_minutes(horizon_end)
    end = max(end, start)
    need_facts = {k: v for k, v in load_need_facts(scope_needs(scope)).items() if v.left > 0}
    needs: list[NeedSpec] = []
    without: list[int] = []
    for facts in sorted(need_facts.values(), key=lambda f: f.need.pk):
        spec = need_spec(facts, start, end)
        if spec.windows:
            needs.append(spec)
        else:
            without.append(facts.need.pk)
    vol_facts = load_volunteer_facts(
        scope_students(scope, on_day=date_of(start)).order_by("user_id"), start=start, end=end
    )
    vol_facts = {k: v for k, v in vol_facts.items() if not v.minor_without_consent}
    volunteers = [volunteer_spec(f, start, end) for f in vol_facts.values()]
    return PlanInput(
        start=start,
        end=end,
        needs=needs,
        volunteers=volunteers,
        need_facts=need_facts,
        volunteer_facts=vol_facts,
        without_window=without,
    )


def _ceil_to(minutes: int, step: int) -> int:
    return -(-minutes // step) * step
