"""The core steps of the demo city: places, universities, partners, people and posts.

Organisations, the logins and posts are created one by one through the services; the thousands
of students and residents go through the bulk services (accounts.services.users_bulk_create,
student_profiles_bulk_create, orgs.services.memberships_bulk_grant), which keep the same rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password

from qingshe.accounts.models import ConsentPurpose, User
from qingshe.accounts.services import (
    VOLUNTEER_ADULT_AGE,
    GuardianConsent,
    NewPerson,
    NewStudentProfile,
    student_profile_save,
    student_profiles_bulk_create,
    user_create,
    users_bulk_create,
)
from qingshe.demo import data
from qingshe.demo.context import (
    AGED_COMMUNITY_CODE,
    DEMO_CITY_CODE,
    YOUNG_COMMUNITY_CODE,
    DemoContext,
)
from qingshe.demo.logins import DEMO_LOGINS
from qingshe.lib.geo import haversine_km
from qingshe.lib.ids import age_on
from qingshe.orgs.models import Organisation, OrgKind, PostKind, Role
from qingshe.orgs.services import membership_grant, memberships_bulk_grant, org_create, post_appoint

K = OrgKind
AGED_DESCRIPTION = (
    "老龄化社区：60岁以上居民占比六成以上，80岁以上高龄老人较多；养老助老、助餐助医、"
    "智能手机教学等需求旺盛，社区工作力量不足。"
)
YOUNG_DESCRIPTION = (
    "年轻社区：新建商品房小区为主，青年家庭和学龄儿童多；课后托管、亲子活动、"
    "青年交友和就业创业服务需求旺盛。"
)


def _org(ctx: DemoContext, **kwargs: Any) -> Organisation:
    org = org_create(actor=None, **kwargs)
    ctx.orgs[org.kind].append(org)
    return org


def _place_names(ctx: DemoContext) -> list[str]:
    """Unique two-character place names (白沙, 列东, …), shuffled by the seed."""
    names = [a + b for a in data.PLACE_FIRST for b in data.PLACE_SECOND if a != b]
    ctx.rng.shuffle(names)
    return names


def _near(ctx: DemoContext, lat: float, lng: float, spread: float) -> tuple[float, float]:
    """A point within `spread` degrees (1° of latitude ≈ 111 km) of (lat, lng)."""
    angle = ctx.rng.uniform(0, 2 * math.pi)
    radius = spread * math.sqrt(ctx.rng.random())
    return round(lat + radius * math.sin(angle), 6), round(lng + radius * math.cos(angle), 6)


def _distance_km(a: Organisation, b: Organisation) -> float:
    return haversine_km((float(a.lat), float(a.lng)), (float(b.lat), float(b.lng)))  # type: ignore[arg-type]


def _split(total: int, parts: int, ctx: DemoContext, jitter: float = 0.25) -> list[int]:
    """`total` split into `parts` positive-ish shares that vary a little; sums exactly."""
    if parts <= 0:
        return []
    weights = [1 + ctx.rng.uniform(-jitter, jitter) for _ in range(parts)]
    exact = [w * total / sum(weights) for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(parts), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in range(total - sum(shares)):
        shares[order[i % parts]] += 1
    return shares


# --- step: geography ---------------------------------------------------------------------------
def build_geography(ctx: DemoContext) -> None:
    """City committee, district committees, streets, communities, residential areas and grids."""
    lat0, lng0 = data.CITY_CENTER
    city = _org(
        ctx,
        kind=K.CITY_COMMITTEE,
        name=f"共青团{data.CITY_NAME}委员会",
        short_name="团市委",
        code=DEMO_CITY_CODE,
        address=f"{data.CITY_NAME}东湖区新市中路88号",
        lat=lat0,
        lng=lng0,
        contact_name="团市委办公室",
        contact_phone="0598-8221234",
        description="演示城市（虚构）。由 `qingshe demo` 生成。",
    )
    ctx.extra["city"] = city
    places = _place_names(ctx)
    n_districts = ctx.scaled(2)
    n_streets = ctx.scaled(6, minimum=n_districts)
    n_communities = ctx.scaled(20, minimum=max(2, n_streets))
    streets_per_district = _split(n_streets, n_districts, ctx, jitter=0)
    communities_per_street = _split(n_communities, n_streets, ctx, jitter=0.2)
    district_names = list(data.DISTRICT_NAMES)
    while len(district_names) < n_districts:
        district_names.append(f"{places.pop()}区")
    golden = math.pi * (3 - math.sqrt(5))
    street_index = 0
    for d in range(n_districts):
        dname = district_names[d]
        # District seats on a sunflower spiral around the centre, 3–4 km apart.
        radius = 0.03 * math.sqrt(d + 0.6)
        dlat, dlng = (
            lat0 + radius * math.sin(d * golden + 0.4),
            lng0 + radius * math.cos(d * golden + 0.4),
        )
        district = _org(
            ctx,
            kind=K.DISTRICT_COMMITTEE,
            name=f"共青团{data.CITY_NAME}{dname}委员会",
            short_name=f"{dname}团区委",
            parent=city,
            address=f"{data.CITY_NAME}{dname}人民路{ctx.rng.randint(1, 200)}号",
            lat=round(dlat, 6),
            lng=round(dlng, 6),
            contact_name=f"{dname}团区委办公室",
            contact_phone=f"0598-8{ctx.rng.randrange(10**6):06d}",
        )
        for _s in range(streets_per_district[d]):
            sroot = places.pop()
            slat, slng = _near(ctx, dlat, dlng, 0.012)
            street = _org(
                ctx,
                kind=K.STREET,
                name=f"{sroot}街道",
                short_name=f"{sroot}街道",
                parent=district,
                address=f"{data.CITY_NAME}{dname}{sroot}路{ctx.rng.randint(1, 99)}号",
                lat=slat,
                lng=slng,
                contact_phone=f"0598-8{ctx.rng.randrange(10**6):06d}",
            )
            for _c in range(communities_per_street[street_index]):
                _community(ctx, street, places.pop(), dname, slat, slng)
            street_index += 1
    communities = ctx.orgs[K.COMMUNITY]
    # The aged community is the city's oldest (the first built), the young one the newest.
    aged, young = communities[0], communities[-1]
    for org, code, text in (
        (aged, AGED_COMMUNITY_CODE, AGED_DESCRIPTION),
        (young, YOUNG_COMMUNITY_CODE, YOUNG_DESCRIPTION),
    ):
        Organisation.objects.filter(pk=org.pk).update(code=code, description=text)
        org.code, org.description = code, text
    ctx.extra["aged_community"], ctx.extra["young_community"] = aged, young


def _community(
    ctx: DemoContext, street: Organisation, root: str, dname: str, slat: float, slng: float
) -> None:
    lat, lng = _near(ctx, slat, slng, 0.006)
    community = _org(
        ctx,
        kind=K.COMMUNITY,
        name=f"{root}社区",
        short_name=f"{root}社区",
        parent=street,
        address=f"{data.CITY_NAME}{dname}{street.name}{root}巷{ctx.rng.randint(1, 60)}号",
        lat=lat,
        lng=lng,
        contact_name=f"{root}社区居委会",
        contact_phone=f"0598-8{ctx.rng.randrange(10**6):06d}",
    )
    areas = ctx.rng.sample(data.RESIDENTIAL_AREAS, ctx.rng.randint(2, 4))
    grid_no = 0
    for area_name in areas:
        alat, alng = _near(ctx, lat, lng, 0.003)
        area = _org(
            ctx, kind=K.RESIDENTIAL_AREA, name=area_name, parent=community, lat=alat, lng=alng
        )
        for _g in range(ctx.rng.randint(1, 2)):
            _org(ctx, kind=K.GRID, name=f"第{data.GRID_NUMERALS[grid_no % 10]}网格", parent=area)
            grid_no += 1


# --- step: universities ------------------------------------------------------------------------
@dataclass
class BranchInfo:
    major: str
    grade: int
    busy_slots: list[dict[str, Any]]


def _university_specs(
    ctx: DemoContext, n: int
) -> list[tuple[str, str, str, list[tuple[str, str, list[str]]]]]:
    specs = list(data.UNIVERSITIES[:n])
    templates = {flavour: deps for _n, _s, flavour, deps in data.UNIVERSITIES}
    roots = [d.removesuffix("区") for d in data.DISTRICT_NAMES]
    candidates = [(f"{data.CITY_SHORT}{kind}", flavour) for kind, flavour in data.UNIVERSITY_KINDS]
    candidates += [
        (f"{root}{kind}", flavour) for root in roots for kind, flavour in data.UNIVERSITY_KINDS
    ]
    for name, flavour in candidates[: max(0, n - len(specs))]:
        specs.append((name, name[:4], flavour, templates[flavour]))
    return specs


def _timetable(ctx: DemoContext, major: str) -> list[dict[str, Any]]:
    density = ctx.rng.uniform(0.45, 0.75)
    slots = []
    for weekday in range(5):
        for start, end in data.CLASS_BLOCKS:
            if ctx.rng.random() < density:
                if ctx.rng.random() < 0.6:
                    label = f"{major}{ctx.rng.choice(data.COURSE_WORDS)}"
                else:
                    label = ctx.rng.choice(data.GENERAL_COURSES)
                slots.append({"weekday": weekday, "start": start, "end": end, "label": label[:40]})
        if ctx.rng.random() < 0.15:
            slots.append(
                {
                    "weekday": weekday,
                    "start": data.EVENING_BLOCK[0],
                    "end": data.EVENING_BLOCK[1],
                    "label": "晚自习",
                }
            )
    return slots


def build_universities(ctx: DemoContext) -> None:
    """University committees near communities, their department committees and class branches."""
    city = ctx.extra["city"]
    n_universities = ctx.scaled(3)
    n_departments = ctx.scaled(12, minimum=n_universities)
    n_branches = ctx.scaled(80, minimum=n_departments)
    communities = ctx.orgs[K.COMMUNITY]
    districts = ctx.orgs[K.DISTRICT_COMMITTEE]
    first_district_communities = [
        c for c in communities if c.path.startswith(districts[0].path)
    ] or communities
    ay = ctx.academic_year
    departments_per_university = _split(n_departments, n_universities, ctx, jitter=0)
    dept_counter = 0
    branch_shares = _split(n_branches, n_departments, ctx, jitter=0.2)
    ctx.extra["branch_info"] = {}
    for u, (uname, _ushort, flavour, dept_specs) in enumerate(
        _university_specs(ctx, n_universities)
    ):
        # The first university sits in the first district, the others beside communities spread
        # over the city: "就近就便" pairing needs campuses near communities.
        anchor = (
            first_district_communities[0] if u == 0 else communities[(u * 7 + 3) % len(communities)]
        )
        lat, lng = _near(ctx, float(anchor.lat), float(anchor.lng), 0.008)  # type: ignore[arg-type]
        district_name = next(
            d.short_name.removesuffix("团区委") for d in districts if anchor.path.startswith(d.path)
        )
        university = _org(
            ctx,
            kind=K.UNIVERSITY_COMMITTEE,
            name=f"共青团{uname}委员会",
            short_name=f"{uname}团委",
            parent=city,
            address=f"{data.CITY_NAME}{district_name}学府路{ctx.rng.randint(1, 300)}号（{uname}）",
            lat=lat,
            lng=lng,
            contact_name=f"{uname}团委办公室",
            contact_phone=f"0598-7{ctx.rng.randrange(10**6):06d}",
            description=f"{uname}（{'高职' if flavour == 'vocational' else '本科'}）",
        )
        years = data.PROGRAMME_YEARS[flavour]
        # Third- and second-year classes first: they are the usual volunteers.
        grades = [ay - 2, ay - 1, ay, ay - 3] if years == 4 else [ay - 1, ay, ay - 2]
        for d in range(departments_per_university[u]):
            dname, dshort, majors = dept_specs[d % len(dept_specs)]
            if d >= len(dept_specs):
                dname, dshort = (
                    f"{dname}（第{d // len(dept_specs) + 1}校区）",
                    f"{dshort}{d // len(dept_specs) + 1}",
                )
            department = _org(
                ctx,
                kind=K.DEPARTMENT_COMMITTEE,
                name=f"共青团{uname}{dname}委员会",
                short_name=f"{dshort}团委",
                parent=university,
            )
            count = branch_shares[dept_counter]
            dept_counter += 1
            plan = [
                (grades[(j // len(majors)) % len(grades)], majors[j % len(majors)])
                for j in range(count)
            ]
            totals = {key: plan.count(key) for key in plan}
            seen: dict[tuple[int, str], int] = {}
            for grade, major in plan:
                seen[(grade, major)] = seen.get((grade, major), 0) + 1
                number = str(seen[(grade, major)]) if totals[(grade, major)] > 1 else ""
                branch = _org(
                    ctx,
                    kind=K.CLASS_BRANCH,
                    name=f"{grade}级{major}{number}班团支部",
                    parent=department,
                )
                ctx.extra["branch_info"][branch.pk] = BranchInfo(
                    major, grade, _timetable(ctx, major)
                )


# --- step: partners and volunteer teams --------------------------------------------------------
def build_partners_and_teams(ctx: DemoContext) -> None:
    city = ctx.extra["city"]
    districts, streets = ctx.orgs[K.DISTRICT_COMMITTEE], ctx.orgs[K.STREET]
    n_partners = ctx.scaled(15)
    used: set[tuple[int, str]] = set()
    for i in range(n_partners):
        pattern, kind, offer = data.PARTNERS[i % len(data.PARTNERS)]
        # A fifth under the city, the rest under districts and streets in turn.
        if i % 5 == 0:
            parent = city
        elif i % 5 in (1, 3):
            parent = districts[(i // 5) % len(districts)]
        else:
            parent = streets[(i // 5 + i) % len(streets)]
        place = parent.short_name.removesuffix("团区委").removesuffix("团市委") or data.CITY_SHORT
        if parent is city:
            place = "城区"
        name = pattern.format(city=data.CITY_NAME, place=place)
        if i >= len(data.PARTNERS) and "{place}" not in pattern:
            name = f"{name}（{place}）"
        while (parent.pk, name) in used:
            name += "·分部"
        used.add((parent.pk, name))
        lat, lng = _near(ctx, float(parent.lat), float(parent.lng), 0.01)  # type: ignore[arg-type]
        _org(
            ctx,
            kind=K.PARTNER,
            name=name,
            parent=parent,
            lat=lat,
            lng=lng,
            address=f"{data.CITY_NAME}{place}{ctx.rng.choice(['建设路', '和平路', '沿江路', '新华路'])}{ctx.rng.randint(1, 300)}号",
            contact_phone=f"0598-8{ctx.rng.randrange(10**6):06d}",
            description=f"类型：{kind}；可提供：{offer}",
        )
    n_teams = ctx.scaled(4)
    universities, communities = ctx.orgs[K.UNIVERSITY_COMMITTEE], ctx.orgs[K.COMMUNITY]
    for i in range(n_teams):
        pattern, level = data.VOLUNTEER_TEAMS[i % len(data.VOLUNTEER_TEAMS)]
        cycle = i // len(data.VOLUNTEER_TEAMS)
        pick = {
            "city": [city],
            "university": universities,
            "district": districts,
            "community": communities,
        }[level]
        parent = pick[cycle % len(pick)]
        label = parent.short_name.removesuffix("团委").removesuffix("团区委") or parent.name
        name = pattern.format(
            city=data.CITY_NAME, university=label, district=label, community=label
        )
        if level == "city" and cycle:
            name = f"{name}第{cycle + 1}支队"
        _org(ctx, kind=K.VOLUNTEER_TEAM, name=name, parent=parent)


# --- step: logins ------------------------------------------------------------------------------
def _paired_community(ctx: DemoContext, branch: Organisation, taken: set[int]) -> Organisation:
    university = next(u for u in ctx.orgs[K.UNIVERSITY_COMMITTEE] if branch.path.startswith(u.path))
    free = [c for c in ctx.orgs[K.COMMUNITY] if c.pk not in taken] or ctx.orgs[K.COMMUNITY]
    return min(free, key=lambda c: _distance_km(university, c))


def build_logins(ctx: DemoContext) -> None:
    """One login per role (logins.DEMO_LOGINS), each a member of the right organisation."""
    branch = ctx.orgs[K.CLASS_BRANCH][0]
    department = next(o for o in ctx.orgs[K.DEPARTMENT_COMMITTEE] if branch.path.startswith(o.path))
    university = next(o for o in ctx.orgs[K.UNIVERSITY_COMMITTEE] if branch.path.startswith(o.path))
    community = _paired_community(ctx, branch, set())
    district = next(o for o in ctx.orgs[K.DISTRICT_COMMITTEE] if community.path.startswith(o.path))
    street_path = community.path.rsplit("/", 2)[0] + "/"
    partners = ctx.orgs[K.PARTNER]
    partner = next((p for p in partners if p.path.startswith(street_path)), None) or next(
        (p for p in partners if p.path.startswith(district.path)), partners[0]
    )
    ctx.extra["login_branch"], ctx.extra["login_community"] = branch, community
    where: dict[str, Organisation | None] = {
        "admin": None,
        "league_admin": ctx.extra["city"],
        "district_admin": district,
        "university_admin": university,
        "department_admin": department,
        "branch_secretary": branch,
        "student": branch,
        "community_staff": community,
        "community_secretary": community,
        "resident": community,
        "partner_contact": partner,
        "council_member": community,
        "panel_member": community,
        "instructor": department,
    }
    ages = {"student": 20, "branch_secretary": 21, "resident": 72, "council_member": 27}
    info = ctx.extra["branch_info"][branch.pk]
    for login in DEMO_LOGINS:
        age = ages.get(login.username, 38)
        birth = ctx.birth_date(age, age)
        id_number = None
        if login.username in ("student", "resident", "council_member"):
            id_number = ctx.ids.id_number(data.LOCAL_REGION_CODES[0], birth, login.sex)
        user = user_create(
            name=login.name,
            username=login.username,
            phone=ctx.ids.phone(),
            id_number=id_number,
            volunteer_no=ctx.ids.volunteer_no(),
        )
        fields = ["password"]
        user.password = ctx.password_hash
        if id_number is None:
            user.birth_date, user.sex = birth, login.sex
            fields += ["birth_date", "sex"]
        if login.username == "admin":
            user.is_staff = user.is_superuser = True
            fields += ["is_staff", "is_superuser"]
        user.save(update_fields=fields)
        ctx.logins[login.username] = user
        org = where[login.username]
        if org is not None and login.role:
            membership_grant(actor=None, user=user, org=org, role=login.role)
    admin = ctx.logins["admin"]
    for username in ("branch_secretary", "student"):
        user = ctx.logins[username]
        if username == "branch_secretary":
            membership_grant(actor=None, user=user, org=branch, role=Role.STUDENT)
        student_profile_save(
            actor=admin,
            user=user,
            branch=branch,
            major=info.major,
            grade=info.grade,
            student_no=f"{info.grade}0101{'01' if username == 'branch_secretary' else '02'}",
            skills=["摄影", "新媒体运营"] if username == "student" else ["活动策划", "急救"],
            busy_slots=info.busy_slots,
            home_region=data.HOME_REGIONS[0][0],
        )


# --- step: students ----------------------------------------------------------------------------
def _skills_for(ctx: DemoContext, major: str) -> list[str]:
    fitting = sorted({s for key, skills in data.MAJOR_SKILLS if key in major for s in skills})
    everything = [s for group in data.SKILLS_BY_CATEGORY.values() for s in group]
    chosen = (
        set(ctx.rng.sample(fitting, min(len(fitting), ctx.rng.randint(1, 2)))) if fitting else set()
    )
    for _ in range(ctx.rng.choice((0, 1, 1, 2))):
        chosen.add(ctx.rng.choice(everything))
    return sorted(chosen)


def _student_slots(ctx: DemoContext, branch_slots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The branch's timetable, plus for some students an elective in a free period."""
    slots = [dict(s) for s in branch_slots]
    if ctx.rng.random() < 0.35:
        taken = {(s["weekday"], s["start"]) for s in slots}
        free = [(w, b) for w in range(5) for b in data.CLASS_BLOCKS if (w, b[0]) not in taken]
        if free:
            weekday, (start, end) = ctx.rng.choice(free)
            slots.append({"weekday": weekday, "start": start, "end": end, "label": "选修课"})
    return slots


def build_students(ctx: DemoContext) -> None:
    """Students in every branch (2,500 at size 1), each with a profile; one secretary per branch."""
    branches = ctx.orgs[K.CLASS_BRANCH]
    login_branch = ctx.extra["login_branch"]
    total = ctx.scaled(2500, minimum=2 * len(branches) + 2)
    shares = _split(total, len(branches), ctx, jitter=0.25)
    people: list[NewPerson] = []
    plan: list[tuple[Organisation, BranchInfo, int, str, str, date]] = []
    university_index = {u.pk: i + 1 for i, u in enumerate(ctx.orgs[K.UNIVERSITY_COMMITTEE])}
    for b, branch in enumerate(branches):
        info: BranchInfo = ctx.extra["branch_info"][branch.pk]
        count = shares[b] - (2 if branch.pk == login_branch.pk else 0)
        for s in range(count):
            sex = "F" if ctx.rng.random() < 0.55 else "M"
            age = 18 + (ctx.academic_year - info.grade) + ctx.rng.choice((0, 0, 1, 1, 2))
            birth = ctx.birth_date(age, age)
            region, code = ctx.rng.choice(data.HOME_REGIONS)
            with_id = ctx.rng.random() < 0.2
            people.append(
                NewPerson(
                    name=ctx.names.name(sex, birth.year),
                    phone=ctx.ids.phone(),
                    volunteer_no=ctx.ids.volunteer_no(),
                    sex=sex,
                    birth_date=birth,
                    id_number=ctx.ids.id_number(code, birth, sex) if with_id else None,
                )
            )
            uni = university_index[int(branch.path.strip("/").split("/")[1])]
            plan.append(
                (branch, info, s, region, f"{info.grade}{uni:02d}{b % 100:02d}{s + 3:02d}", birth)
            )
    users = users_bulk_create(
        actor=None,
        people=people,
        password_hash=ctx.password_hash,
        consent_purposes=(ConsentPurpose.PRIVACY_NOTICE, ConsentPurpose.VOLUNTEERING),
        source="demo",
    )
    profiles = [
        NewStudentProfile(
            user=user,
            branch=branch,
            major=info.major,
            grade=info.grade,
            student_no=student_no,
            skills=_skills_for(ctx, info.major),
            busy_slots=_student_slots(ctx, info.busy_slots),
            home_region=region,
        )
        for user, (branch, info, _s, region, student_no, _birth) in zip(users, plan, strict=True)
    ]
    student_profiles_bulk_create(actor=None, rows=profiles, source="demo")
    grants: list[tuple[Any, Organisation, str]] = [
        (u, p.branch, Role.STUDENT) for u, p in zip(users, profiles, strict=True)
    ]
    secretaries: dict[int, User] = {login_branch.pk: ctx.logins["branch_secretary"]}
    for user, profile in zip(users, profiles, strict=True):
        if profile.branch.pk not in secretaries:
            secretaries[profile.branch.pk] = user
            grants.append((user, profile.branch, Role.BRANCH_SECRETARY))
    # Some students also join a volunteer team (青年志愿者协会 and the like).
    teams = ctx.orgs[K.VOLUNTEER_TEAM]
    for team in teams:
        uni = next(
            (u for u in ctx.orgs[K.UNIVERSITY_COMMITTEE] if team.path.startswith(u.path)), None
        )
        pool = [
            u
            for u, p in zip(users, profiles, strict=True)
            if uni is None or p.branch.path.startswith(uni.path)
        ]
        for user in ctx.rng.sample(pool, min(len(pool), 25)):
            grants.append((user, team, Role.STUDENT))
    start = date(ctx.academic_year, 9, 1)
    memberships_bulk_grant(actor=None, grants=grants, start_date=start, source="demo")
    ctx.people["students"] = [ctx.logins["branch_secretary"], ctx.logins["student"], *users]
    ctx.extra["secretaries"] = secretaries
    ctx.extra["student_branch"] = {u.pk: p.branch for u, p in zip(users, profiles, strict=True)}


# --- step: staff -------------------------------------------------------------------------------
def build_staff(ctx: DemoContext) -> None:
    """The people who run each organisation: league admins of the other districts, university
    and department admins, instructors, community staff and secretaries, partner contacts."""
    held = {(m.org_id, m.role) for u in ctx.logins.values() for m in u.memberships.all()}
    wanted: list[tuple[Organisation, str, int]] = []
    for org in ctx.orgs[K.DISTRICT_COMMITTEE]:
        wanted.append((org, Role.LEAGUE_ADMIN, 1))
    for org in ctx.orgs[K.UNIVERSITY_COMMITTEE]:
        wanted.append((org, Role.UNIVERSITY_ADMIN, 1))
    for org in ctx.orgs[K.DEPARTMENT_COMMITTEE]:
        wanted += [(org, Role.DEPARTMENT_ADMIN, 1), (org, Role.INSTRUCTOR, 2)]
    for org in ctx.orgs[K.STREET]:
        wanted.append((org, Role.COMMUNITY_STAFF, 1))
    for org in ctx.orgs[K.COMMUNITY]:
        wanted += [(org, Role.COMMUNITY_STAFF, 2), (org, Role.COMMUNITY_SECRETARY, 1)]
    for org in ctx.orgs[K.PARTNER]:
        wanted.append((org, Role.PARTNER_CONTACT, 1))
    people: list[NewPerson] = []
    places: list[tuple[Organisation, str]] = []
    for org, role, count in wanted:
        have = 1 if (org.pk, role) in held else 0
        for _ in range(count - have):
            sex = ctx.rng.choice("MF")
            age = (
                ctx.rng.randint(24, 35)
                if role == Role.COMMUNITY_SECRETARY
                else ctx.rng.randint(26, 56)
            )
            birth = ctx.birth_date(age, age)
            people.append(
                NewPerson(
                    name=ctx.names.name(sex, birth.year),
                    phone=ctx.ids.phone(),
                    volunteer_no=ctx.ids.volunteer_no(),
                    sex=sex,
                    birth_date=birth,
                )
            )
            places.append((org, role))
    users = users_bulk_create(
        actor=None, people=people, password_hash=ctx.password_hash, source="demo"
    )
    memberships_bulk_grant(
        actor=None,
        grants=[(u, org, role) for u, (org, role) in zip(users, places, strict=True)],
        start_date=date(ctx.academic_year - 1, 9, 1),
        source="demo",
    )
    ctx.people["staff"] = users


# --- step: residents ---------------------------------------------------------------------------
def _resident_ages(ctx: DemoContext, n: int, profile: str) -> list[tuple[int, int]]:
    """Age ranges for `n` residents. The aged community has ≥ 60 % over 60 (by construction)."""
    if profile == "aged":
        old = math.ceil(n * 0.66)
        return [(60, 94)] * old + [(18, 59)] * (n - old - 1) + [(6, 13)]
    if profile == "young":
        kids = max(2, n // 4)
        return [(3, 13)] * kids + [(22, 40)] * (n - kids - 2) + [(41, 59), (60, 75)]
    kids, teens, old = max(1, n // 12), max(1, n // 15), round(n * 0.3)
    return (
        [(6, 13)] * kids
        + [(14, 17)] * teens
        + [(60, 90)] * old
        + [(18, 59)] * (n - kids - teens - old)
    )


def build_residents(ctx: DemoContext) -> None:
    """A sample of residents per community (10–40), some with ID numbers; children carry a
    guardian's consent. A few young adults sit on the youth council, a few on the panel."""
    aged, young = ctx.extra["aged_community"], ctx.extra["young_community"]
    people: list[NewPerson] = []
    homes: list[Organisation] = []
    for community in ctx.orgs[K.COMMUNITY]:
        profile = (
            "aged" if community.pk == aged.pk else "young" if community.pk == young.pk else "mixed"
        )
        n = ctx.rng.randint(24, 40) if profile != "mixed" else ctx.rng.randint(10, 40)
        n -= 1 if community.pk == ctx.extra["login_community"].pk else 0
        parents: list[tuple[str, NewPerson]] = []  # (surname, person) of adults aged 25–50
        for low, high in sorted(_resident_ages(ctx, n, profile), key=lambda r: -r[0]):
            sex = ctx.rng.choice("MF")
            birth = ctx.birth_date(low, high)
            age = age_on(birth, ctx.today)
            surname, given = ctx.names.parts(sex, birth.year)
            guardian = None
            if age < VOLUNTEER_ADULT_AGE:
                if parents:
                    surname, parent = ctx.rng.choice(parents)
                    guardian = GuardianConsent(parent.name, "父亲" if parent.sex == "M" else "母亲")
                else:
                    guardian = GuardianConsent(
                        ctx.names.name(ctx.rng.choice("MF"), ctx.today.year - 38), "监护人"
                    )
            with_id = ctx.rng.random() < (0.5 if age < 14 else 0.3)
            person = NewPerson(
                name=surname + given,
                phone=ctx.ids.phone(),
                volunteer_no=ctx.ids.volunteer_no(),
                sex=sex,
                birth_date=birth,
                id_number=ctx.ids.id_number(ctx.rng.choice(data.LOCAL_REGION_CODES), birth, sex)
                if with_id
                else None,
                guardian=guardian,
            )
            if 25 <= age <= 50:
                parents.append((surname, person))
            people.append(person)
            homes.append(community)
    users = users_bulk_create(
        actor=None, people=people, password_hash=ctx.password_hash, source="demo"
    )

    def age(user: User) -> int:
        return age_on(user.birth_date, ctx.today) if user.birth_date else 0

    # Children get no usable password: a guardian acts for them.
    minors = [u.pk for u in users if age(u) < VOLUNTEER_ADULT_AGE]
    User.objects.filter(pk__in=minors).update(password=make_password(None))
    grants: list[tuple[Any, Organisation, str]] = [
        (u, c, Role.RESIDENT) for u, c in zip(users, homes, strict=True)
    ]
    by_community: dict[int, list[User]] = {}
    for user, community in zip(users, homes, strict=True):
        by_community.setdefault(community.pk, []).append(user)
    login_community = ctx.extra["login_community"]
    for community in ctx.orgs[K.COMMUNITY]:
        members = by_community.get(community.pk, [])
        mine = 1 if community.pk == login_community.pk else 0
        council = [u for u in members if 18 <= age(u) <= 40][: 3 - mine]
        panel = [u for u in members if age(u) >= 18 and u not in council][: 2 - mine]
        grants += [(u, community, Role.COUNCIL_MEMBER) for u in council]
        grants += [(u, community, Role.PANEL_MEMBER) for u in panel]
    memberships_bulk_grant(actor=None, grants=grants, source="demo")
    ctx.people["residents"] = [ctx.logins["resident"], *users]


# --- step: posts -------------------------------------------------------------------------------
def build_posts(ctx: DemoContext) -> None:
    """Branch secretaries appointed assistant to a community director (one per community, the
    nearest free community to the branch's campus); a few students as deputy secretary of the
    community league branch or grid group leader."""
    start, end = date(ctx.academic_year, 9, 15), date(ctx.academic_year + 1, 7, 15)
    secretaries: dict[int, User] = ctx.extra["secretaries"]
    universities = ctx.orgs[K.UNIVERSITY_COMMITTEE]
    by_university: dict[int, list[Organisation]] = {u.pk: [] for u in universities}
    for branch in ctx.orgs[K.CLASS_BRANCH]:
        by_university[next(u.pk for u in universities if branch.path.startswith(u.path))].append(
            branch
        )
    # Round-robin over universities so that every campus pairs; the login branch goes first.
    order: list[Organisation] = []
    queues = [list(v) for v in by_university.values()]
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop(0))
    taken: set[int] = set()
    pairs: list[tuple[Organisation, Organisation]] = []
    for branch in order[: len(ctx.orgs[K.COMMUNITY])]:
        community = _paired_community(ctx, branch, taken)
        taken.add(community.pk)
        pairs.append((branch, community))
        post_appoint(
            actor=None,
            user=secretaries[branch.pk],
            org=community,
            kind=PostKind.ASSISTANT_DIRECTOR,
            title="社区居委会主任助理",
            start_date=start,
            end_date=end,
        )
    ctx.extra["pairs"] = pairs
    grids_of = {
        c.pk: [g for g in ctx.orgs[K.GRID] if g.path.startswith(c.path)]
        for c in ctx.orgs[K.COMMUNITY]
    }
    student_branch: dict[int, Organisation] = ctx.extra["student_branch"]
    students_of: dict[int, list[User]] = {}
    for user in ctx.people["students"]:
        branch = student_branch.get(user.pk)
        if branch is not None:
            students_of.setdefault(branch.pk, []).append(user)
    login_student = ctx.logins["student"]
    for i, (branch, community) in enumerate(pairs):
        if i == 0:
            grid_leader: User | None = login_student
        elif i % 4 == 0:
            pool = [u for u in students_of.get(branch.pk, []) if u.pk != secretaries[branch.pk].pk]
            grid_leader = pool[0] if pool else None
        else:
            grid_leader = None
        if grid_leader is not None and grids_of[community.pk]:
            post_appoint(
                actor=None,
                user=grid_leader,
                org=grids_of[community.pk][0],
                kind=PostKind.GRID_LEADER,
                title="网格小组长",
                start_date=start,
                end_date=end,
            )
        if i % 4 == 2:
            pool = [u for u in students_of.get(branch.pk, []) if u.pk != secretaries[branch.pk].pk]
            if pool:
                post_appoint(
                    actor=None,
                    user=pool[-1],
                    org=community,
                    kind=PostKind.DEPUTY_BRANCH_SECRETARY,
                    title="社区团支部兼职副书记",
                    start_date=start,
                    end_date=end,
                )
