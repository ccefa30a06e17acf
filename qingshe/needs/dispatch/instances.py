"""Deterministic dispatch instances with the demo city's shapes (Django-free).

The same shapes as `qingshe demo` (qingshe/demo/city.py, qingshe/needs/demo.py), scaled by the
number of volunteers (`scale = volunteers / 2500`, the demo's size 1):

- a city of `2·scale` districts on a sunflower spiral around 青州's centre, `20·scale`
  communities near their streets (the city grows in area with the scale, so the density of people
  stays that of the demo: about 12 km across at 5,000 volunteers, 30 km at 50,000);
- `3·scale` universities beside communities, four departments each with the majors of the
  demo's universities, class branches of about 31 students with one weekday timetable per branch
  (class periods 08:00–09:40, 10:00–11:40, 14:00–15:40, 16:00–17:40, some evening study), some
  students with an elective, a quarter with a shift already booked;
- most students based on their campus (term time), one in eight at home in the city;
- skills from their major plus a random hobby, as in the demo; training (急救, 入户走访,
  矛盾调解) for part of them, more often in the majors that go with it; insurance for the whole
  week for most, for part of the week for a few, none for the rest; weekly hour caps of 8 hours
  minus what is booked; minutes served this month;
- needs at communities in the five project types (the demo's catalogue), over the coming week:
  one to three windows inside office hours (08:30–12:00, 14:30–18:00, closed at weekends), some
  remote (online tutoring, new media, surveys: evenings and weekends allowed, distance ignored),
  some urgent, hard requirements (a skill for most professional work, training for visits,
  first aid and mediation, insurance for most on-site work) and a distance limit by kind of work.

Times are minutes on a common clock: `WEEK_START` is Monday 00:00 of the planned week, counted
from 2000-01-01 00:00 local time, as the adapter counts them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from qingshe.demo import data
from qingshe.needs.dispatch.engine import NeedSpec, VolunteerSpec

DAY = 24 * 60
WEEK_START = (date(2026, 11, 23) - date(2000, 1, 1)).days * DAY  # a Monday
OFFICE_PARTS = ((8 * 60 + 30, 12 * 60), (14 * 60 + 30, 18 * 60))
REMOTE_PARTS = ((9 * 60, 12 * 60), (14 * 60, 18 * 60), (19 * 60, 21 * 60 + 30))
AWAKE = (7 * 60, 22 * 60 + 30)
SKILL_NAMES = [s for group in data.SKILLS_BY_CATEGORY.values() for s in group]
SKILL_ID = {name: i + 1 for i, name in enumerate(SKILL_NAMES)}
COURSES = {"急救": 1, "入户走访": 2, "矛盾调解": 3}

# The demo's need catalogue (qingshe/needs/demo.py, which needs Django): project type, kind of
# work, skills wanted, majors that fit, training it may require, whether it can be done online.
CATALOGUE: list[tuple[str, str, list[str], list[str], str | None, bool]] = [
    (
        "governance",
        "skilled",
        ["新媒体运营"],
        ["计算机科学与技术", "软件工程", "计算机应用技术"],
        None,
        False,
    ),
    ("governance", "professional", ["法律咨询"], ["法学"], None, True),
    ("governance", "skilled", ["调解", "入户走访"], ["法学", "社会工作"], "矛盾调解", False),
    ("after_school", "skilled", ["支教辅导"], ["小学教育", "汉语言文学", "学前教育"], None, True),
    ("after_school", "skilled", ["书法", "绘画"], ["书法学", "美术学"], None, False),
    (
        "governance",
        "professional",
        ["健康讲座", "护理"],
        ["护理学", "护理", "临床医学", "预防医学"],
        "急救",
        False,
    ),
    ("culture_sport", "professional", ["急救"], ["护理学", "临床医学"], "急救", False),
    ("governance", "labour", ["入户走访"], [], "入户走访", False),
    ("governance", "labour", [], [], None, False),
    (
        "league_building",
        "skilled",
        ["新媒体运营", "视频剪辑", "摄影"],
        ["网络与新媒体", "新闻学", "数字媒体技术"],
        None,
        True,
    ),
    ("survey", "professional", ["数据分析"], ["社会工作", "数据科学与大数据技术"], None, True),
    ("governance", "professional", ["财务记账"], ["会计学", "大数据与会计"], None, False),
    ("survey", "professional", ["建筑测绘"], ["建筑工程技术", "工程造价"], None, False),
    ("culture_sport", "skilled", ["活动策划", "朗诵主持", "舞蹈"], [], None, False),
    ("after_school", "skilled", ["英语"], ["英语", "商务英语"], None, True),
    ("governance", "professional", ["心理咨询"], ["心理学", "社会工作"], None, True),
    ("governance", "labour", [], [], None, False),
    ("league_building", "labour", ["摄影"], [], None, False),
    (
        "governance",
        "professional",
        ["康复训练"],
        ["康复治疗技术", "智慧健康养老服务与管理"],
        "急救",
        False,
    ),
    ("survey", "labour", [], [], None, True),  # questionnaire entry, online or door to door
]
DURATIONS = {"labour": (60, 90, 120), "skilled": (90, 120), "professional": (90, 120, 150)}
MAX_KM = {
    "labour": (3.0, 4.0, 5.0, 6.0),
    "skilled": (5.0, 8.0, 10.0),
    "professional": (8.0, 10.0, 15.0),
}
HEADS = (2, 3, 4, 5, 6, 7, 8)  # the demo: randint(2, 8)
COURSE_AFFINITY = {
    "急救": ("护理", "临床", "预防", "康复"),
    "入户走访": ("社会工作", "养老"),
    "矛盾调解": ("法",),
}


@dataclass(frozen=True)
class Instance:
    needs: list[NeedSpec]
    volunteers: list[VolunteerSpec]
    seed: int
    scale: float
    communities: int
    campuses: int


def _near(rng: random.Random, lat: float, lng: float, spread: float) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    radius = spread * math.sqrt(rng.random())
    return round(lat + radius * math.sin(angle), 6), round(lng + radius * math.cos(angle), 6)


def _hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _subtract(free: list[tuple[int, int]], busy: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a, b in free:
        pieces = [(a, b)]
        for c, d in busy:
            nxt = []
            for x, y in pieces:
                if d <= x or c >= y:
                    nxt.append((x, y))
                    continue
                if x < c:
                    nxt.append((x, c))
                if d < y:
                    nxt.append((d, y))
            pieces = nxt
        out.extend(pieces)
    return sorted(p for p in out if p[1] > p[0])


def _city(rng: random.Random, scale: float) -> list[tuple[float, float]]:
    """Community locations, the demo's way: districts on a spiral, streets, communities."""
    lat0, lng0 = data.CITY_CENTER
    n_districts = max(1, round(2 * scale))
    n_communities = max(2, round(20 * scale))
    golden = math.pi * (3 - math.sqrt(5))
    streets = []
    for d in range(n_districts):
        radius = 0.03 * math.sqrt(d + 0.6)
        dlat = lat0 + radius * math.sin(d * golden + 0.4)
        dlng = lng0 + radius * math.cos(d * golden + 0.4)
        streets += [_near(rng, dlat, dlng, 0.012) for _ in range(3)]
    return [_near(rng, *streets[i % len(streets)], 0.006) for i in range(n_communities)]


def _timetable(rng: random.Random) -> list[tuple[int, int, int]]:
    density = rng.uniform(0.45, 0.75)
    slots = []
    for weekday in range(5):
        for start, end in data.CLASS_BLOCKS:
            if rng.random() < density:
                slots.append((weekday, _hm(start), _hm(end)))
        if rng.random() < 0.15:
            slots.append((weekday, _hm(data.EVENING_BLOCK[0]), _hm(data.EVENING_BLOCK[1])))
    return slots


def _skills(rng: random.Random, major: str) -> frozenset[int]:
    fitting = sorted({s for key, skills in data.MAJOR_SKILLS if key in major for s in skills})
    chosen = set(rng.sample(fitting, min(len(fitting), rng.randint(1, 2)))) if fitting else set()
    for _ in range(rng.choice((0, 1, 1, 2))):
        chosen.add(rng.choice(SKILL_NAMES))
    return frozenset(SKILL_ID[s] for s in chosen)


def _volunteers(
    rng: random.Random, n: int, scale: float, communities: list[tuple[float, float]]
) -> tuple[list[VolunteerSpec], int]:
    n_universities = max(1, round(3 * scale))
    campuses = [
        _near(rng, *communities[(u * 7 + 3) % len(communities)], 0.008)
        for u in range(n_universities)
    ]
    majors_by_university = [
        [
            m
            for _dept, _short, majors in data.UNIVERSITIES[u % len(data.UNIVERSITIES)][3]
            for m in majors
        ]
        for u in range(n_universities)
    ]
    week = [(WEEK_START + d * DAY + AWAKE[0], WEEK_START + d * DAY + AWAKE[1]) for d in range(7)]
    out: list[VolunteerSpec] = []
    branch_size = 31
    branch: tuple[int, str, list[tuple[int, int, int]]] = (0, "", [])
    for i in range(n):
        if i % branch_size == 0:
            u = (i // branch_size) % n_universities
            branch = (u, rng.choice(majors_by_university[u]), _timetable(rng))
        u, major, table = branch
        busy = [(WEEK_START + d * DAY + a, WEEK_START + d * DAY + b) for d, a, b in table]
        if rng.random() < 0.35:  # an elective in a free period
            d, (a, b) = rng.randrange(5), rng.choice(data.CLASS_BLOCKS)
            busy.append((WEEK_START + d * DAY + _hm(a), WEEK_START + d * DAY + _hm(b)))
        booked = 0
        if rng.random() < 0.25:  # shifts already signed up for
            for _ in range(rng.randint(1, 2)):
                d, (a, b) = rng.randrange(5), rng.choice(OFFICE_PARTS)
                start = WEEK_START + d * DAY + a + rng.choice((0, 30, 60))
                busy.append((start, start + 120))
                booked += 120
        free = _subtract(week, sorted(busy))
        if rng.random() < 0.88:
            lat, lng = _near(rng, *campuses[u], 0.0015)
        else:
            lat, lng = _near(rng, *rng.choice(communities), 0.01)
        courses = set()
        for name, cid in COURSES.items():
            base = 0.5 if any(k in major for k in COURSE_AFFINITY[name]) else 0.15
            if rng.random() < base:
                courses.add(cid)
        roll = rng.random()
        if roll < 0.70:
            insured = ((WEEK_START - 30 * DAY, WEEK_START + 60 * DAY),)
        elif roll < 0.76:  # a policy that ends or starts during the week
            cut = WEEK_START + rng.randint(1, 4) * DAY + 12 * 60
            insured = (
                ((WEEK_START - 30 * DAY, cut),)
                if rng.random() < 0.5
                else ((cut, WEEK_START + 60 * DAY),)
            )
        else:
            insured = ()
        cap = max(0, 480 - booked - rng.choice((0, 0, 0, 60, 120, 180, 240, 420)))
        minutes = 0 if rng.random() < 0.3 else 30 * rng.randint(1, 50)
        out.append(
            VolunteerSpec(
                id=i + 1,
                free=tuple(free),
                cap=cap,
                lat=lat,
                lng=lng,
                skills=_skills(rng, major),
                major=major,
                courses=frozenset(courses),
                insured=insured,
                minutes_this_month=minutes,
            )
        )
    return out, n_universities


def _windows(rng: random.Random, remote: bool, duration: int) -> tuple[tuple[int, int], ...]:
    parts = REMOTE_PARTS if remote else OFFICE_PARTS
    days = range(7) if remote else range(5)
    chosen = sorted(rng.sample([(d, p) for d in days for p in parts], rng.choice((1, 1, 2, 2, 3))))
    out = []
    for d, (a, b) in chosen:
        slack = b - a - duration
        start = a + min(slack, rng.choice((0, 0, 30, 60)))
        end = b - min(b - start - duration, rng.choice((0, 0, 0, 30)))
        out.append((WEEK_START + d * DAY + start, WEEK_START + d * DAY + end))
    return tuple(out)


def _needs(rng: random.Random, n: int, communities: list[tuple[float, float]]) -> list[NeedSpec]:
    out = []
    for i in range(n):
        ptype, kind, skills, majors, course, onlineable = rng.choice(CATALOGUE)
        remote = onlineable and rng.random() < 0.4
        duration = rng.choice(DURATIONS[kind])
        lat, lng = _near(rng, *communities[i % len(communities)], 0.003)
        skill_ids = frozenset(SKILL_ID[s] for s in skills)
        required_skills: frozenset[int] = frozenset()
        if skills and rng.random() < {"labour": 0.0, "skilled": 0.3, "professional": 0.7}[kind]:
            required_skills = frozenset({SKILL_ID[skills[0]]})
        required_courses: frozenset[int] = frozenset()
        if course is not None and not remote and rng.random() < 0.7:
            required_courses = frozenset({COURSES[course]})
        out.append(
            NeedSpec(
                id=i + 1,
                head_count=rng.choice(HEADS),
                duration=duration,
                windows=_windows(rng, remote, duration),
                lat=lat,
                lng=lng,
                remote=remote,
                skills=skill_ids,
                majors=frozenset(majors),
                required_skills=required_skills,
                required_courses=required_courses,
                needs_insurance=not remote and rng.random() < 0.6,
                urgency=rng.choices((0, 1, 2), weights=(70, 20, 10))[0],
                work_kind=kind,
                max_km=rng.choice(MAX_KM[kind]),
            )
        )
    return out


def generate(n_needs: int, n_volunteers: int, *, seed: int = 2026) -> Instance:
    """An instance with `n_needs` needs and `n_volunteers` volunteers; the same seed and sizes
    give the same instance."""
    rng = random.Random(f"dispatch:{seed}:{n_needs}:{n_volunteers}")
    scale = max(0.2, n_volunteers / 2500)
    communities = _city(rng, scale)
    volunteers, campuses = _volunteers(rng, n_volunteers, scale, communities)
    needs = _needs(rng, n_needs, communities)
    return Instance(
        needs=needs,
        volunteers=volunteers,
        seed=seed,
        scale=scale,
        communities=len(communities),
        campuses=campuses,
    )
