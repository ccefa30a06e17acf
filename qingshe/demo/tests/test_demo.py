"""The demo city: shape, logins, invariants, determinism and the command's safety."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from qingshe.accounts.models import ConsentPurpose, ConsentRecord, StudentProfile, User
from qingshe.core.models import AuditEvent
from qingshe.demo.builder import build_demo, demo_city, demo_users_q, reset_demo, structure_digest
from qingshe.demo.context import (
    AGED_COMMUNITY_CODE,
    DEMO_PHONE_PREFIX,
    YOUNG_COMMUNITY_CODE,
    DemoContext,
)
from qingshe.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from qingshe.demo.steps import STEPS, DemoStep
from qingshe.lib import crypto, ids
from qingshe.orgs.models import Membership, Organisation, OrgKind, Post, PostKind, Role

SMALL = 0.05
TODAY = date(2026, 11, 22)


def _quiet(_line: str) -> None:
    pass


def _build(size: float = SMALL, seed: int = 2026) -> DemoContext:
    return build_demo(seed=seed, size=size, today=TODAY, log=_quiet)


def _kind_counts() -> Counter[str]:
    city = demo_city()
    assert city is not None
    return Counter(
        Organisation.objects.filter(path__startswith=city.path).values_list("kind", flat=True)
    )


def _age(user: User) -> int:
    assert user.birth_date is not None
    return ids.age_on(user.birth_date, TODAY)


def _residents(community: Organisation) -> list[User]:
    return list(User.objects.filter(memberships__org=community, memberships__role=Role.RESIDENT))


@pytest.mark.django_db
def test_small_city_is_coherent() -> None:
    ctx = _build()
    counts = _kind_counts()
    expected = {
        OrgKind.CITY_COMMITTEE: 1,
        OrgKind.DISTRICT_COMMITTEE: ctx.scaled(2),
        OrgKind.UNIVERSITY_COMMITTEE: ctx.scaled(3),
        OrgKind.PARTNER: ctx.scaled(15),
        OrgKind.VOLUNTEER_TEAM: ctx.scaled(4),
    }
    for kind, n in expected.items():
        assert counts[kind] == n, kind
    assert counts[OrgKind.COMMUNITY] >= 2  # the aged one and the young one
    assert counts[OrgKind.CLASS_BRANCH] >= counts[OrgKind.DEPARTMENT_COMMITTEE] >= 1
    assert counts[OrgKind.RESIDENTIAL_AREA] >= 2 * counts[OrgKind.COMMUNITY]
    assert counts[OrgKind.GRID] >= counts[OrgKind.RESIDENTIAL_AREA]
    assert StudentProfile.objects.count() == ctx.scaled(2500)
    # Every branch has students and exactly one secretary; every community an assistant director.
    for branch in Organisation.objects.filter(kind=OrgKind.CLASS_BRANCH):
        assert StudentProfile.objects.filter(branch=branch).exists()
        assert Membership.objects.filter(org=branch, role=Role.BRANCH_SECRETARY).count() == 1
    for community in Organisation.objects.filter(kind=OrgKind.COMMUNITY):
        assert Post.objects.filter(org=community, kind=PostKind.ASSISTANT_DIRECTOR).count() == 1
        assert 10 <= len(_residents(community)) <= 40
        assert community.lat is not None and community.lng is not None


@pytest.mark.django_db
def test_every_login_exists_with_its_role_and_the_demo_password() -> None:
    _build()
    request = RequestFactory().post("/accounts/login/")
    for login in DEMO_LOGINS:
        user = authenticate(request, username=login.username, password=DEMO_PASSWORD)
        assert user is not None, login.username
        assert user.name == login.name and user.sex == login.sex
        if login.role:
            assert Membership.objects.filter(user=user, role=login.role, is_active=True).exists(), (
                login.username
            )
        else:
            assert user.is_superuser and user.is_staff
    # And by phone number too.
    student = User.objects.get(username="student")
    assert authenticate(request, username=student.phone, password=DEMO_PASSWORD) == student


@pytest.mark.django_db
def test_logins_belong_together() -> None:
    _build()

    def org_of(username: str, role: str) -> Organisation:
        return Membership.objects.get(user__username=username, role=role).org

    branch = org_of("branch_secretary", Role.BRANCH_SECRETARY)
    assert org_of("student", Role.STUDENT) == branch
    assert StudentProfile.objects.get(user__username="student").branch == branch
    assert StudentProfile.objects.get(user__username="branch_secretary").branch == branch
    department = org_of("department_admin", Role.DEPARTMENT_ADMIN)
    assert branch.is_within(department) and org_of("instructor", Role.INSTRUCTOR) == department
    assert department.is_within(org_of("university_admin", Role.UNIVERSITY_ADMIN))
    community = org_of("community_staff", Role.COMMUNITY_STAFF)
    assert community.kind == OrgKind.COMMUNITY
    for username, role in (
        ("community_secretary", Role.COMMUNITY_SECRETARY),
        ("resident", Role.RESIDENT),
        ("council_member", Role.COUNCIL_MEMBER),
        ("panel_member", Role.PANEL_MEMBER),
    ):
        assert org_of(username, role) == community, username
    assert community.is_within(org_of("district_admin", Role.LEAGUE_ADMIN))
    assert org_of("league_admin", Role.LEAGUE_ADMIN).kind == OrgKind.CITY_COMMITTEE
    assert org_of("partner_contact", Role.PARTNER_CONTACT).kind == OrgKind.PARTNER
    # The secretary is the community director's assistant there; the student a grid leader.
    assert Post.objects.filter(
        user__username="branch_secretary", org=community, kind=PostKind.ASSISTANT_DIRECTOR
    ).exists()
    grid_post = Post.objects.get(user__username="student", kind=PostKind.GRID_LEADER)
    assert grid_post.org.is_within(community)


@pytest.mark.django_db
def test_aged_and_young_communities() -> None:
    _build()
    aged = Organisation.objects.get(code=AGED_COMMUNITY_CODE)
    young = Organisation.objects.get(code=YOUNG_COMMUNITY_CODE)
    assert aged.pk != young.pk and "60岁以上" in aged.description
    aged_ages = [_age(u) for u in _residents(aged)]
    assert sum(a >= 60 for a in aged_ages) / len(aged_ages) >= 0.6
    young_ages = [_age(u) for u in _residents(young)]
    assert sum(a <= 40 for a in young_ages) / len(young_ages) >= 0.8
    assert any(a < 14 for a in young_ages)


@pytest.mark.django_db
def test_people_keep_the_invariants() -> None:
    _build()
    users = list(User.objects.filter(demo_users_q()))
    phones = [u.phone for u in users]
    assert all(p and ids.PHONE_RE.match(p) and p.startswith(DEMO_PHONE_PREFIX) for p in phones)
    assert len(set(phones)) == len(phones)
    assert len({u.volunteer_no for u in users}) == len(users)
    with_id = [u for u in users if u.id_number_cipher]
    assert with_id, "some demo people carry an ID number"
    for user in with_id:
        number = crypto.decrypt(
            user.id_number_cipher, secret=settings.QINGSHE_FIELD_KEY, context="user.id_number"
        )
        rid = ids.parse_resident_id(number, today=TODAY)
        assert rid.birth_date == user.birth_date and rid.sex == user.sex
        assert user.id_number_masked == rid.masked
    notice = settings.QINGSHE_NOTICE_VERSION
    consented = set(
        ConsentRecord.objects.filter(
            purpose=ConsentPurpose.PRIVACY_NOTICE, notice_version=notice
        ).values_list("user_id", flat=True)
    )
    generated = [u for u in users if u.username is None]
    assert all(u.pk in consented for u in generated)
    for user in users:
        if user.birth_date and _age(user) < 18:
            assert ConsentRecord.objects.filter(user=user).exclude(guardian_name="").exists()
            assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action="user.bulk_create").exists()
    assert AuditEvent.objects.filter(action="membership.bulk_grant", org__isnull=False).exists()


@pytest.mark.django_db
def test_student_profiles_match_their_branch() -> None:
    _build()
    profiles = StudentProfile.objects.select_related("branch", "department", "university", "user")
    for p in profiles:
        assert p.branch.kind == OrgKind.CLASS_BRANCH
        assert p.branch.parent_id == p.department.pk
        assert p.department.parent_id == p.university.pk
        assert p.university.kind == OrgKind.UNIVERSITY_COMMITTEE
        assert p.branch.name.startswith(f"{p.grade}级{p.major}")
        assert Membership.objects.filter(user=p.user, org=p.branch, role=Role.STUDENT).exists()
        assert p.busy_slots and all(s["weekday"] < 5 for s in p.busy_slots)
        assert _age(p.user) >= 18
    assert profiles.filter(skills__isnull=False).distinct().count() >= profiles.count() * 0.9


@pytest.mark.django_db
def test_same_seed_same_city_other_seed_other_city() -> None:
    _build(seed=7)
    first = structure_digest()
    reset_demo()
    assert demo_city() is None and not User.objects.filter(demo_users_q()).exists()
    _build(seed=7)
    assert structure_digest() == first
    reset_demo()
    _build(seed=8)
    assert structure_digest() != first


@pytest.mark.django_db
def test_command_if_empty_reuses_and_plain_rerun_refuses() -> None:
    out = io.StringIO()
    call_command("demo", "--size", str(SMALL), "--today", TODAY.isoformat(), stdout=out)
    assert "qingshe2026" in out.getvalue() and "branch_secretary" in out.getvalue()
    users, orgs = User.objects.count(), Organisation.objects.count()
    out = io.StringIO()
    call_command("demo", "--size", str(SMALL), "--if-empty", stdout=out)
    assert (User.objects.count(), Organisation.objects.count()) == (users, orgs)
    assert all(login.username in out.getvalue() for login in DEMO_LOGINS)
    with pytest.raises(CommandError):
        call_command("demo", "--size", str(SMALL), stdout=io.StringIO())
    call_command(
        "demo", "--size", str(SMALL), "--today", TODAY.isoformat(), "--reset", stdout=io.StringIO()
    )
    assert (User.objects.count(), Organisation.objects.count()) == (users, orgs)


@pytest.mark.django_db
def test_command_refuses_when_a_login_name_is_taken_by_someone_else() -> None:
    from qingshe.accounts.services import user_create

    real = user_create(name="真管理员", username="admin", password="x-Strong-Pass-2026")
    with pytest.raises(CommandError):
        call_command("demo", "--size", str(SMALL), stdout=io.StringIO())
    assert demo_city() is None
    # --reset removes only the demo's people: the real "admin" survives, and the build refuses.
    with pytest.raises(CommandError):
        call_command("demo", "--size", str(SMALL), "--reset", stdout=io.StringIO())
    assert User.objects.filter(pk=real.pk).exists() and demo_city() is None


@pytest.mark.django_db
def test_size_one_matches_the_design() -> None:
    """DESIGN.md, "The demo city": exact counts at size 1."""
    _build(size=1)
    counts = _kind_counts()
    assert counts[OrgKind.CITY_COMMITTEE] == 1
    assert counts[OrgKind.DISTRICT_COMMITTEE] == 2
    assert counts[OrgKind.STREET] == 6
    assert counts[OrgKind.COMMUNITY] == 20
    assert counts[OrgKind.UNIVERSITY_COMMITTEE] == 3
    assert counts[OrgKind.DEPARTMENT_COMMITTEE] == 12
    assert counts[OrgKind.CLASS_BRANCH] == 80
    assert counts[OrgKind.PARTNER] == 15
    assert StudentProfile.objects.count() == 2500
    assert (
        Membership.objects.filter(role=Role.STUDENT, org__kind=OrgKind.CLASS_BRANCH).count() == 2500
    )
    assert Post.objects.filter(kind=PostKind.ASSISTANT_DIRECTOR).count() == 20
    assert Organisation.objects.filter(name="共青团青州市委员会").exists()
    assert Organisation.objects.filter(name="2024级旅游管理班团支部").exists()


@pytest.mark.django_db
def test_a_later_step_sees_the_city_and_does_not_disturb_the_others() -> None:
    seen: dict[str, object] = {}

    def later_issue(ctx: DemoContext) -> None:
        ctx.rng.random()  # its own random stream: the steps after it generate the same
        seen.update(
            communities=len(ctx.orgs[OrgKind.COMMUNITY]),
            login=ctx.logins.get("student"),
            aged=ctx.extra["aged_community"],
            today=ctx.today,
        )

    _build(seed=3)
    plain = structure_digest()
    reset_demo()
    steps = list(STEPS)
    steps.insert(
        steps.index(next(s for s in STEPS if s.name == "logins")) + 1,
        DemoStep("later", later_issue),
    )
    build_demo(seed=3, size=SMALL, today=TODAY, log=_quiet, steps=steps)
    assert structure_digest() == plain
    assert seen["communities"] == Organisation.objects.filter(kind=OrgKind.COMMUNITY).count()
    assert seen["login"] == User.objects.get(username="student") and seen["today"] == TODAY


def test_readme_lists_every_demo_login() -> None:
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    assert DEMO_PASSWORD in readme
    for login in DEMO_LOGINS:
        assert f"`{login.username}`" in readme, login.username


def test_command_help_renders() -> None:
    from qingshe.demo.management.commands.demo import Command

    text = Command().create_parser("qingshe", "demo").format_help()
    assert "--if-empty" in text and "--reset" in text and "--size" in text
