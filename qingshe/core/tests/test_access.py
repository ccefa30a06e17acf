"""The one permission module: who sees which organisations and people."""

from django.db.models import Q

from qingshe.accounts.models import User
from qingshe.core import access
from qingshe.orgs.models import Organisation, Role
from qingshe.orgs.services import membership_revoke


def _visible_names(user) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        Organisation.objects.filter(access.orgs_visible_q(user)).values_list("name", flat=True)
    )


def test_league_admin_sees_the_whole_city(city) -> None:
    assert _visible_names(city.league_admin) == set(
        Organisation.objects.values_list("name", flat=True)
    )


def test_community_staff_sees_own_subtree_and_ancestors_only(city) -> None:
    names = _visible_names(city.staff)
    assert {"白沙社区", "白沙街道", "共青团东湖区委员会", "共青团青州市委员会"} <= names
    assert "富华社区" not in names  # a sibling community
    assert "列西社区" not in names and "共青团西山区委员会" not in names
    assert "2024级旅游管理班团支部" not in names


def test_members_visible_to_stewards_and_same_unit_only(city) -> None:
    assert access.can(city.staff, "org.view_members", city.community)
    assert not access.can(city.staff, "org.view_members", city.other_community)
    assert not access.can(city.staff, "org.view_members", city.community2)
    assert not access.can(city.resident, "org.view_members", city.street)
    assert access.can(city.district_admin, "org.view_members", city.community)
    assert not access.can(city.district_admin, "org.view_members", city.other_community)
    # classmates see their own branch, not the neighbouring one
    assert access.can(city.student, "org.view_members", city.branch)
    assert not access.can(city.student, "org.view_members", city.branch2)


def test_people_scope_follows_memberships(city) -> None:
    seen = set(
        User.objects.filter(access.people_q(city.staff, "person.view")).values_list(
            "name", flat=True
        )
    )
    assert {"社区工作者", "居民甲"} <= seen
    assert "列西居民" not in seen and "学生甲" not in seen
    assert access.can(city.secretary, "person.view", city.student)
    assert not access.can(city.secretary, "person.view", city.student2)
    assert access.can(city.student, "person.view", city.student)  # oneself
    assert not access.can(city.student, "person.view", city.secretary)


def test_id_numbers_only_for_league_and_university_admins(city) -> None:
    assert access.can(city.university_admin, "person.view_id_number", city.student)
    assert access.can(city.league_admin, "person.view_id_number", city.resident)
    assert not access.can(city.university_admin, "person.view_id_number", city.resident)
    assert not access.can(city.department_admin, "person.view_id_number", city.student)


def test_revoked_membership_no_longer_grants(city) -> None:
    membership = city.staff.memberships.get(role=Role.COMMUNITY_STAFF)
    membership_revoke(actor=city.district_admin, membership=membership)
    staff = User.objects.get(pk=city.staff.pk)
    assert not access.can(staff, "org.view_members", city.community)
    assert not access.can(staff, "org.view", city.community)


def test_anonymous_sees_nothing(city) -> None:
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()
    assert access.grants(anon) == ()
    assert not access.can(anon, "org.view", city.community)
    assert access.subtree_q(anon, access.ADMIN_ROLES) == Q(pk__in=[])


def test_only_platform_staff_reach_admin(city) -> None:
    assert not access.can(city.student, "admin.access", None)
    assert not access.can(city.league_admin, "admin.access", None)
    city.league_admin.is_staff = True
    assert access.can(city.league_admin, "admin.access", None)


def test_grants_are_read_once_per_user_object(city, django_assert_num_queries) -> None:
    user = User.objects.get(pk=city.staff.pk)
    with django_assert_num_queries(1):
        access.can(user, "org.view", city.community)
        access.can(user, "org.view_members", city.community)
        access.can(user, "org.manage", city.community)
