"""Who sees which needs: the community's staff, panel, council and league above see its needs;
a resident what they reported or follow; a student the needs of their own assignments; nobody
else. Board filters and counts; bounded queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.errors import NotFound
from qingshe.needs import selectors, services
from qingshe.needs.models import Need, NeedFollower
from qingshe.needs.selectors import NeedFilters
from qingshe.needs.tests.needs_support import BASE, in_progress, submit
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory


@pytest.fixture
def needs(city, neighbour):
    mine = submit(city)
    staff_posted = submit(city, actor=city.staff, title="社区环境整治")
    followed = submit(city, actor=city.staff, title="垃圾分类宣传")
    NeedFollower.objects.create(need=followed, user=neighbour)
    elsewhere = services.need_submit(actor=city.other_staff, community=city.other_community, **BASE)
    return mine, staff_posted, followed, elsewhere


def _ids(user, **kw):
    return set(
        selectors.need_list_for_user(user=user, filters=NeedFilters(**kw)).values_list(
            "pk", flat=True
        )
    )


def test_scoping(city, neighbour, panel, needs) -> None:
    mine, staff_posted, followed, elsewhere = needs
    community = {mine.pk, staff_posted.pk, followed.pk}
    council = UserFactory(name="议事会成员")
    MembershipFactory(user=council, org=city.community, role=Role.COUNCIL_MEMBER)
    for viewer in (city.staff, panel, council, city.district_admin):
        assert _ids(viewer) == community, viewer
    assert _ids(city.league_admin) == community | {elsewhere.pk}
    assert _ids(city.other_staff) == {elsewhere.pk}
    assert _ids(city.resident) == {mine.pk}
    assert _ids(neighbour) == {followed.pk}
    for outsider in (city.student, city.university_admin, city.secretary, city.other_resident):
        assert _ids(outsider) == set()
        with pytest.raises(NotFound):
            selectors.need_get_for_user(user=outsider, need_id=mine.pk)
    with pytest.raises(NotFound):
        selectors.need_get_for_user(user=city.staff, need_id=elsewhere.pk)


def test_students_see_the_needs_of_their_assignments(city) -> None:
    need = in_progress(city)
    submit(city, title="别的需求")
    assert _ids(city.student) == {need.pk}
    assert _ids(city.student2) == set()


def test_filters_and_counts(city, needs) -> None:
    mine, staff_posted, followed, _elsewhere = needs
    services.need_accept(actor=city.staff, need=staff_posted, urgency=2)
    services.need_reject(actor=city.staff, need=followed, reason="不予受理")
    assert _ids(city.staff, state="open") == {mine.pk, staff_posted.pk}
    assert _ids(city.staff, state="rejected") == {followed.pk}
    assert _ids(city.staff, urgency=2) == {staff_posted.pk}
    assert _ids(city.staff, project_type="survey") == set()
    assert _ids(city.staff, q="环境") == {staff_posted.pk}
    Need.objects.filter(pk=mine.pk).update(state_changed_at=timezone.now() - timedelta(days=4))
    assert _ids(city.staff, older_than_days=3) == {mine.pk}
    counts = selectors.need_board_counts(user=city.staff, filters=NeedFilters(state="rejected"))
    assert (
        counts["submitted"],
        counts["accepted"],
        counts["rejected"],
        counts["open"],
        counts["all"],
    ) == (1, 1, 1, 2, 3)
    # The most urgent first, then the longest waiting.
    order = list(selectors.need_list_for_user(user=city.staff).values_list("pk", flat=True))
    assert order[0] == staff_posted.pk and order[1] == mine.pk


def test_list_queries_do_not_grow(city, django_assert_num_queries) -> None:
    for i in range(12):
        submit(city, title=f"需求{i}")
    with django_assert_num_queries(2):  # memberships once (cached on the user), then the list
        rows = list(selectors.need_list_for_user(user=city.staff))
        assert [(n.community.name, n.reporter.name, n.follower_count) for n in rows][0] == (
            "白沙社区",
            "居民甲",
            0,
        )
    with django_assert_num_queries(1):
        selectors.need_board_counts(user=city.staff)
    with django_assert_num_queries(1):
        assert len(list(selectors.my_needs(user=city.resident))) == 12


def test_actions_follow_the_viewer(city, neighbour, panel) -> None:
    need = submit(city)
    staff = selectors.need_actions(user=city.staff, need=need)
    assert (
        staff["can_accept"]
        and staff["can_reject"]
        and not staff["can_follow"]
        and not staff["can_verify"]
    )
    resident = selectors.need_actions(user=city.resident, need=need)
    assert not any(v for k, v in resident.items() if k not in {"can_add_photo"})
    assert selectors.need_actions(user=neighbour, need=need)["can_follow"]
    assert not selectors.need_actions(user=panel, need=need)["can_accept"]


def test_a_neighbour_may_open_a_need_to_follow_it(city, neighbour) -> None:
    need = submit(city)
    with pytest.raises(NotFound):
        selectors.need_get_for_user(user=neighbour, need_id=need.pk)
    assert selectors.need_get_for_follow(user=neighbour, need_id=need.pk) == need
    with pytest.raises(NotFound):
        selectors.need_get_for_follow(user=city.other_resident, need_id=need.pk)


def test_residents_matching_for_staff(city) -> None:
    city.resident.volunteer_no = "QS20260000001"
    city.resident.save(update_fields=["volunteer_no"])
    twin = UserFactory(name="居民甲乙")
    MembershipFactory(user=twin, org=city.community, role=Role.RESIDENT)
    assert selectors.residents_matching(community=city.community, query="qs20260000001") == [
        city.resident
    ]
    assert len(selectors.residents_matching(community=city.community, query="居民甲")) == 2
    assert selectors.residents_matching(community=city.community, query="列西居民") == []
