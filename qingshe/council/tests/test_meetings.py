"""Council meetings: agenda from the finalised list, resolutions that move the need, closing."""

from __future__ import annotations

from datetime import date

import pytest

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import Notification
from qingshe.council import services
from qingshe.council.models import Meeting, Resolution
from qingshe.council.tests.conftest import need_at
from qingshe.council.tests.council_support import final_list, open_meeting, this_month
from qingshe.needs.models import Need
from qingshe.orgs.models import OrgKind
from qingshe.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(council):
    return OrganisationFactory(
        kind=OrgKind.VOLUNTEER_TEAM, name="白沙青年志愿服务队", parent=council.community
    )


def test_meeting_needs_a_final_list(council):
    c = council
    need_at(c, "甲")
    year, month = this_month()
    draft = services.monthly_list_build(
        actor=c.staff, community=c.community, year=year, month=month
    )
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_create(
            actor=c.member, monthly_list=draft, held_on=date.today(), title="会"
        )
    assert exc.value.code == "list_not_final"
    assert not Meeting.objects.exists()


def test_resolutions_move_the_needs(council, team, django_capture_on_commit_callbacks):
    c = council
    meeting = open_meeting(c)
    parking, corridor = list(meeting.agenda.items.order_by("rank"))
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_resolve(
            actor=c.member,
            meeting=meeting,
            item=parking,
            kind="assign",
            team=team,
            reason="交给志愿服务队",
        )
    parking.need.refresh_from_db()
    assert parking.need.state == Need.State.ACCEPTED  # ready for dispatch
    assert Notification.objects.filter(user=c.resident, kind="council.resolution").exists()
    services.meeting_resolve(
        actor=c.member, meeting=meeting, item=corridor, kind="refer", refer_to="物业公司"
    )
    corridor.need.refresh_from_db()
    assert corridor.need.state == Need.State.NOT_RESPONSIBLE
    with pytest.raises(Conflict):
        services.meeting_resolve(
            actor=c.member, meeting=meeting, item=corridor, kind="decline", reason="重复"
        )
    assert Resolution.objects.count() == 2


def test_decline_needs_a_reason_and_assign_an_assignee(council, team):
    c = council
    meeting = open_meeting(c)
    item = meeting.agenda.items.order_by("rank").first()
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_resolve(actor=c.member, meeting=meeting, item=item, kind="decline")
    assert exc.value.field == "reason"
    with pytest.raises(ValidationFailed):
        services.meeting_resolve(actor=c.member, meeting=meeting, item=item, kind="assign")
    with pytest.raises(ValidationFailed):
        services.meeting_resolve(
            actor=c.member, meeting=meeting, item=item, kind="assign", team=c.branch
        )
    with pytest.raises(ValidationFailed):
        services.meeting_resolve(actor=c.member, meeting=meeting, item=item, kind="vote")
    item.need.refresh_from_db()
    assert item.need.state == Need.State.SUBMITTED and not Resolution.objects.exists()


def test_resolution_on_another_communitys_list_is_refused(council, team):
    c = council
    meeting = open_meeting(c)
    need_at(c, "列西的问题", actor=c.other_resident, community=c.other_community)
    year, month = this_month()
    other = services.monthly_list_build(
        actor=c.other_staff, community=c.other_community, year=year, month=month
    )
    foreign = other.items.get()
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_resolve(
            actor=c.member, meeting=meeting, item=foreign, kind="decline", reason="不管"
        )
    assert exc.value.code == "invalid_item"
    foreign.need.refresh_from_db()
    assert foreign.need.state == Need.State.SUBMITTED and not Resolution.objects.exists()


def test_only_this_communitys_council(council):
    c = council
    mlist = final_list(c)
    for outsider in (c.other_member, c.resident, c.student):
        with pytest.raises(AccessDenied):
            services.meeting_create(
                actor=outsider, monthly_list=mlist, held_on=date.today(), title="会"
            )


def test_close_with_minutes_and_attendance(council, team):
    c = council
    meeting = open_meeting(c)
    with pytest.raises(ValidationFailed):
        services.meeting_close(
            actor=c.member, meeting=meeting, minutes=" ", attendee_ids=[c.member.pk]
        )
    with pytest.raises(ValidationFailed):
        services.meeting_close(
            actor=c.member, meeting=meeting, minutes="纪要", attendee_ids=[c.other_member.pk]
        )
    with pytest.raises(ValidationFailed):
        services.meeting_close(actor=c.member, meeting=meeting, minutes="纪要", attendee_ids=[])
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.OPEN
    services.meeting_close(
        actor=c.member,
        meeting=meeting,
        minutes="<script>alert(1)</script>讨论了两项",
        attendee_ids=[c.member.pk, c.member2.pk, c.council_secretary.pk],
        guests=3,
    )
    meeting.refresh_from_db()
    assert (
        meeting.state == Meeting.State.CLOSED
        and meeting.attendees.count() == 3
        and meeting.guests == 3
    )
    item = meeting.agenda.items.first()
    with pytest.raises(Conflict):
        services.meeting_resolve(
            actor=c.member, meeting=meeting, item=item, kind="assign", team=team
        )


def test_assignee_of_another_city_is_refused(council):
    c = council
    meeting = open_meeting(c)
    elsewhere = OrganisationFactory(kind=OrgKind.CITY_COMMITTEE, name="共青团别市委员会")
    foreign_team = OrganisationFactory(
        kind=OrgKind.VOLUNTEER_TEAM, name="别市志愿队", parent=elsewhere
    )
    item = meeting.agenda.items.order_by("rank").first()
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_resolve(
            actor=c.member, meeting=meeting, item=item, kind="assign", team=foreign_team
        )
    assert exc.value.field == "team" and not Resolution.objects.exists()
