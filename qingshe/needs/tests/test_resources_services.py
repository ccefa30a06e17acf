"""The resource list's services: offering, changing, withdrawing, linking to a project group;
who may, and bad input that writes nothing."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.needs import selectors, services
from qingshe.needs.models import ProjectGroup, Resource
from qingshe.needs.tests.bounty_fixtures import partner, partner_contact, resource  # noqa: F401

TODAY = timezone.localdate()


def _offer(actor: Any, owner: Any, **kw: Any) -> Resource:
    fields = {"kind": "venue", "title": "会议室", "availability_note": "工作日 9:00-17:00"}
    fields.update(kw)
    return services.resource_create(actor=actor, owner=owner, **fields)


def test_partner_contact_offers_goods(partner: Any, partner_contact: Any) -> None:
    r = _offer(
        partner_contact,
        partner,
        kind="goods",
        title="  积分兑换礼品  ",
        quantity="150.5",
        unit="份",
        available_from=TODAY,
        available_until=TODAY + timedelta(days=30),
    )
    assert r.title == "积分兑换礼品" and r.quantity == Decimal("150.50") and r.state == "available"
    assert r.address == "白沙路1号"  # the unit's address when none is given
    assert r.created_by == partner_contact
    assert AuditEvent.objects.filter(action="resource.create", object_id=str(r.pk)).exists()


def test_universities_and_departments_offer_too(city: SimpleNamespace) -> None:
    assert (
        _offer(city.university_admin, city.university, kind="venue", title="学术报告厅").owner
        == city.university
    )
    assert (
        _offer(
            city.department_admin, city.department, kind="skills", title="会计专业记账辅导"
        ).owner
        == city.department
    )
    # The university's admin manages its departments' resources too.
    assert _offer(
        city.university_admin, city.department, kind="internship", title="暑期见习岗位"
    ).pk


@pytest.mark.parametrize("who", ["secretary", "student", "staff", "resident", "department_admin"])
def test_only_the_owners_contacts_and_admins_offer(
    city: SimpleNamespace, partner: Any, who: str
) -> None:
    # A department admin manages the department's resources, not a partner's.
    with pytest.raises(AccessDenied):
        _offer(getattr(city, who), partner)
    assert not Resource.objects.exists()


def test_league_admins_manage_partner_resources(city: SimpleNamespace, partner: Any) -> None:
    assert _offer(city.league_admin, partner).owner == partner


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"kind": "land"}, "invalid_choice", "kind"),
        ({"title": "   "}, "title_required", "title"),
        ({"title": "长" * 121}, "title_too_long", "title"),
        ({"quantity": 0}, "invalid_quantity", "quantity"),
        ({"quantity": "-3"}, "invalid_quantity", "quantity"),
        ({"quantity": "abc"}, "invalid_quantity", "quantity"),
        ({"quantity": "1.005"}, "invalid_quantity", "quantity"),
        ({"quantity": "NaN"}, "invalid_quantity", "quantity"),
        ({"unit": "份"}, "quantity_required", "quantity"),
        (
            {"available_from": TODAY + timedelta(days=5), "available_until": TODAY},
            "invalid_dates",
            "available_until",
        ),
        ({"available_until": TODAY - timedelta(days=1)}, "date_in_past", "available_until"),
        ({"availability_note": "x" * 201}, "note_too_long", "availability_note"),
    ],
)
def test_bad_input_is_refused(
    partner: Any, partner_contact: Any, fields: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _offer(partner_contact, partner, **fields)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not Resource.objects.exists()


def test_owner_must_be_a_partner_university_or_department(city: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _offer(city.secretary, city.branch)
    assert exc.value.code == "invalid_owner"
    with pytest.raises(ValidationFailed):
        _offer(city.staff, city.community)


def test_update_and_withdraw(
    city: SimpleNamespace,
    resource: Resource,
    partner_contact: Any,
    group: ProjectGroup,
    django_capture_on_commit_callbacks: Any,
) -> None:
    updated = services.resource_update(
        actor=partner_contact,
        resource=resource,
        kind="goods",
        title="积分兑换生活用品",
        quantity=300,
        unit="份",
        available_from=resource.available_from,
        available_until=resource.available_until,
    )
    assert updated.quantity == 300 and updated.title == "积分兑换生活用品"
    with pytest.raises(AccessDenied):
        services.resource_update(
            actor=city.secretary, resource=resource, kind="goods", title="改名"
        )
    with pytest.raises(ValidationFailed):
        services.resource_update(
            actor=partner_contact, resource=resource, kind="goods", title="x", quantity=-1
        )
    resource.refresh_from_db()
    assert resource.quantity == 300
    services.resource_link_group(actor=city.secretary, resource=resource, group=group)
    with pytest.raises(AccessDenied):
        services.resource_withdraw(actor=city.secretary, resource=resource)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_withdraw(actor=partner_contact, resource=resource, reason="库存已用完")
    resource.refresh_from_db()
    assert resource.state == "withdrawn"
    assert Notification.objects.filter(user=city.secretary, kind="resource.withdrawn").exists()
    with pytest.raises(Conflict) as exc:
        services.resource_withdraw(actor=partner_contact, resource=resource)
    assert exc.value.code == "resource_withdrawn"
    with pytest.raises(Conflict):
        services.resource_update(
            actor=partner_contact, resource=resource, kind="goods", title="再上架"
        )


def test_link_and_unlink_a_group(
    city: SimpleNamespace,
    resource: Resource,
    partner_contact: Any,
    group: ProjectGroup,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with pytest.raises(AccessDenied):
        services.resource_link_group(actor=city.student, resource=resource, group=group)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_link_group(actor=city.secretary, resource=resource, group=group)
    assert list(resource.groups.all()) == [group]
    # The resource's contact hears of it; the secretary (who linked) does not.
    assert Notification.objects.filter(user=partner_contact, kind="resource.link").exists()
    assert not Notification.objects.filter(user=city.secretary).exists()
    with pytest.raises(Conflict) as exc:
        services.resource_link_group(actor=partner_contact, resource=resource, group=group)
    assert exc.value.code == "already_linked"
    assert list(selectors.group_resources(group=group)) == [resource]
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_unlink_group(actor=partner_contact, resource=resource, group=group)
    assert not resource.groups.exists()
    assert Notification.objects.filter(user=city.secretary, kind="resource.link").exists()
    with pytest.raises(Conflict) as exc:
        services.resource_unlink_group(actor=partner_contact, resource=resource, group=group)
    assert exc.value.code == "not_linked"


def test_no_link_to_a_closed_group_or_a_withdrawn_resource(
    city: SimpleNamespace,
    resource: Resource,
    partner_contact: Any,
    group: ProjectGroup,
    dept_group: ProjectGroup,
) -> None:
    services.project_group_close(actor=city.department_admin, group=dept_group)
    with pytest.raises(Conflict) as exc:
        services.resource_link_group(
            actor=city.department_admin, resource=resource, group=dept_group
        )
    assert exc.value.code == "group_closed"
    services.resource_withdraw(actor=partner_contact, resource=resource)
    with pytest.raises(Conflict) as exc:
        services.resource_link_group(actor=city.secretary, resource=resource, group=group)
    assert exc.value.code == "resource_withdrawn"
    assert not resource.groups.exists()
