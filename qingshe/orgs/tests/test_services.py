from datetime import date

import pytest

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent
from qingshe.orgs import services
from qingshe.orgs.models import Membership, Organisation, OrgKind, Post, PostKind, Role


def test_org_create_sets_path_depth_and_audit(city) -> None:
    area = services.org_create(
        actor=city.district_admin,
        kind=OrgKind.RESIDENTIAL_AREA,
        name="白沙新村",
        parent=city.community,
    )
    assert area.path == f"{city.community.path}{area.pk}/"
    assert area.depth == city.community.depth + 1
    assert area.ancestor_ids()[-1] == city.community.pk
    assert area.city_id == city.city.pk
    assert AuditEvent.objects.filter(
        action="org.create", object_id=str(area.pk), actor=city.district_admin
    ).exists()


@pytest.mark.parametrize(
    ("kind", "parent_attr", "code"),
    [
        (OrgKind.COMMUNITY, "university", "invalid_parent"),
        (OrgKind.CLASS_BRANCH, "street", "invalid_parent"),
        ("castle", "street", "invalid_kind"),
    ],
)
def test_org_create_refuses_wrong_places(city, kind, parent_attr, code) -> None:
    before = Organisation.objects.count()
    with pytest.raises(ValidationFailed) as err:
        services.org_create(
            actor=city.league_admin, kind=kind, name="新组织", parent=getattr(city, parent_attr)
        )
    assert err.value.code == code
    assert Organisation.objects.count() == before


def test_org_create_outside_subtree_is_refused(city) -> None:
    with pytest.raises(AccessDenied):
        services.org_create(
            actor=city.district_admin,
            kind=OrgKind.COMMUNITY,
            name="新社区",
            parent=city.other_street,
        )
    with pytest.raises(AccessDenied):
        services.org_create(
            actor=city.staff, kind=OrgKind.GRID, name="一网格", parent=city.community
        )


def test_duplicate_name_under_same_parent(city) -> None:
    with pytest.raises(Conflict):
        services.org_create(
            actor=city.league_admin, kind=OrgKind.COMMUNITY, name="白沙社区", parent=city.street
        )


def test_location_must_be_complete_and_in_range(city) -> None:
    with pytest.raises(ValidationFailed):
        services.org_create(
            actor=city.league_admin,
            kind=OrgKind.COMMUNITY,
            name="甲社区",
            parent=city.street,
            lat=26.1,
        )
    with pytest.raises(ValidationFailed):
        services.org_create(
            actor=city.league_admin,
            kind=OrgKind.COMMUNITY,
            name="乙社区",
            parent=city.street,
            lat=126.1,
            lng=10,
        )


def test_org_update_changes_fields_and_keeps_tree(city) -> None:
    services.org_update(
        actor=city.district_admin,
        org=city.community,
        contact_name="陈主任",
        contact_phone="0598-8221234",
    )
    city.community.refresh_from_db()
    assert city.community.contact_phone == "0598-8221234"
    with pytest.raises(ValidationFailed):
        services.org_update(actor=city.district_admin, org=city.community, parent=city.other_street)
    with pytest.raises(AccessDenied):
        services.org_update(actor=city.staff, org=city.community, name="改名")


def test_membership_role_must_fit_the_kind(city, django_user_model) -> None:
    with pytest.raises(ValidationFailed):
        services.membership_grant(
            actor=city.league_admin,
            user=city.resident,
            org=city.community,
            role=Role.BRANCH_SECRETARY,
        )
    assert not Membership.objects.filter(user=city.resident, role=Role.BRANCH_SECRETARY).exists()


def test_stewards_add_students_and_residents_but_not_admins(city) -> None:
    services.membership_grant(
        actor=city.staff, user=city.student2, org=city.community, role=Role.RESIDENT
    )
    with pytest.raises(AccessDenied):
        services.membership_grant(
            actor=city.staff, user=city.student2, org=city.community, role=Role.COMMUNITY_STAFF
        )
    with pytest.raises(AccessDenied):
        services.membership_grant(
            actor=city.staff, user=city.student2, org=city.other_community, role=Role.RESIDENT
        )


def test_duplicate_active_membership_is_a_conflict(city) -> None:
    with pytest.raises(Conflict):
        services.membership_grant(
            actor=city.league_admin, user=city.student, org=city.branch, role=Role.STUDENT
        )


def test_post_terms_ordered_and_not_overlapping(city) -> None:
    post = services.post_appoint(
        actor=city.staff,
        user=city.secretary,
        org=city.community,
        kind=PostKind.ASSISTANT_DIRECTOR,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 7, 1),
    )
    assert post.display_title
    with pytest.raises(Conflict):
        services.post_appoint(
            actor=city.staff,
            user=city.secretary,
            org=city.community,
            kind=PostKind.ASSISTANT_DIRECTOR,
            start_date=date(2027, 1, 1),
        )
    with pytest.raises(ValidationFailed):
        services.post_appoint(
            actor=city.staff,
            user=city.student,
            org=city.community,
            kind=PostKind.GRID_LEADER,
            start_date=date(2027, 1, 1),
            end_date=date(2026, 1, 1),
        )
    with pytest.raises(AccessDenied):
        services.post_appoint(
            actor=city.other_staff,
            user=city.student,
            org=city.community,
            kind=PostKind.GRID_LEADER,
            start_date=date(2027, 1, 1),
        )
    assert Post.objects.count() == 1
