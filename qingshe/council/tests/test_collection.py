"""Collection, weekly summary and monthly list: boundaries in Asia/Shanghai, merging duplicates
through needs' mechanism, ranking, the secretary's edits."""

from __future__ import annotations

from datetime import date

import pytest

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.council import services
from qingshe.council.models import ListItem, MonthlyList, WeeklySummary
from qingshe.council.services.common import week_start_of
from qingshe.council.tests.conftest import local, need_at
from qingshe.needs.models import Need, NeedFollower

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 20, 10)


def test_week_boundary_is_monday_midnight_local(council):
    c = council
    sunday_late = need_at(c, "周日深夜报的", local(2026, 11, 15, 23, 59))  # Sunday 15:59 UTC
    monday_early = need_at(c, "周一凌晨报的", local(2026, 11, 16, 0, 1))  # Sunday 16:01 UTC
    assert week_start_of(date(2026, 11, 15)) == date(2026, 11, 9)
    week1 = services.weekly_summary_build(
        actor=c.staff, community=c.community, week_start=date(2026, 11, 9), now=NOW
    )
    week2 = services.weekly_summary_build(
        actor=c.staff, community=c.community, week_start=date(2026, 11, 16), now=NOW
    )
    assert list(week1.needs.all()) == [sunday_late]
    assert list(week2.needs.all()) == [monday_early]


def test_month_boundary_is_local_midnight(council):
    c = council
    october = need_at(c, "十月最后一刻", local(2026, 10, 31, 23, 59))
    november = need_at(c, "十一月第一刻", local(2026, 11, 1, 0, 0))
    oct_list = services.monthly_list_build(
        actor=c.staff, community=c.community, year=2026, month=10, now=NOW
    )
    nov_list = services.monthly_list_build(
        actor=c.staff, community=c.community, year=2026, month=11, now=NOW
    )
    assert [i.need for i in oct_list.items.all()] == [october]
    assert [i.need for i in nov_list.items.all()] == [november]
    # The week of Monday 26 October overlaps both months and is summarised once.
    assert (
        WeeklySummary.objects.filter(community=c.community, week_start=date(2026, 10, 26)).count()
        == 1
    )


def test_merge_keeps_every_reporter_as_follower_and_ranks_by_affected(council):
    c = council
    parking = need_at(c, "小区停车难", local(2026, 11, 3, 9))
    parking2 = need_at(c, "停车位不够", local(2026, 11, 4, 9), actor=c.resident2)
    parking3 = need_at(c, "晚上没处停车", local(2026, 11, 5, 9), actor=c.resident3)
    urgent = need_at(c, "楼道灯坏了", local(2026, 11, 2, 9), urgency=1)
    services.summary_merge(actor=c.staff, need=parking2, original=parking, reason="同一问题")
    services.summary_merge(actor=c.staff, need=parking3, original=parking)
    parking2.refresh_from_db()
    assert (
        parking2.state == Need.State.DUPLICATE and parking2.original_id == parking.pk
    )  # linked, not deleted
    assert set(NeedFollower.objects.filter(need=parking).values_list("user_id", flat=True)) == {
        c.resident2.pk,
        c.resident3.pk,
    }
    mlist = services.monthly_list_build(
        actor=c.staff, community=c.community, year=2026, month=11, now=NOW
    )
    items = list(mlist.items.order_by("rank"))
    assert [(i.need_id, i.affected) for i in items] == [(parking.pk, 3), (urgent.pk, 1)]
    assert items[1].urgency == 1


def test_secretary_edits_then_finalises(council):
    c = council
    a = need_at(c, "甲", local(2026, 11, 3, 9))
    b = need_at(c, "乙", local(2026, 11, 4, 9))
    mlist = services.monthly_list_build(
        actor=c.council_secretary, community=c.community, year=2026, month=11, now=NOW
    )
    item_b = mlist.items.get(need=b)
    services.list_item_edit(actor=c.council_secretary, item=item_b, rank=1, note="居民反映强烈")
    assert list(mlist.items.order_by("rank").values_list("need_id", flat=True)) == [b.pk, a.pk]
    services.list_item_edit(actor=c.council_secretary, item=mlist.items.get(need=a), included=False)
    # Rebuilding a draft keeps the notes and exclusions.
    services.monthly_list_build(
        actor=c.council_secretary, community=c.community, year=2026, month=11, now=NOW
    )
    assert mlist.items.get(need=b).note == "居民反映强烈"
    assert mlist.items.get(need=a).included is False
    services.monthly_list_finalise(actor=c.council_secretary, monthly_list=mlist)
    mlist.refresh_from_db()
    assert mlist.state == MonthlyList.State.FINAL
    with pytest.raises(Conflict):
        services.monthly_list_build(
            actor=c.council_secretary, community=c.community, year=2026, month=11, now=NOW
        )
    with pytest.raises(Conflict):
        services.list_item_edit(actor=c.council_secretary, item=item_b, note="晚了")


def test_permissions_and_bad_input(council):
    c = council
    need_at(c, "甲", local(2026, 11, 3, 9))
    with pytest.raises(AccessDenied):
        services.monthly_list_build(
            actor=c.other_staff, community=c.community, year=2026, month=11, now=NOW
        )
    with pytest.raises(AccessDenied):
        services.monthly_list_build(
            actor=c.member, community=c.community, year=2026, month=11, now=NOW
        )
    with pytest.raises(ValidationFailed) as exc:
        services.monthly_list_build(
            actor=c.staff, community=c.community, year=2026, month=13, now=NOW
        )
    assert exc.value.code == "invalid_month" and "YYYY-MM" in str(exc.value.message)
    with pytest.raises(ValidationFailed):
        services.monthly_list_build(
            actor=c.staff, community=c.community, year=2026, month=12, now=NOW
        )
    with pytest.raises(ValidationFailed):
        services.weekly_summary_build(
            actor=c.staff, community=c.community, week_start=date(2026, 11, 17), now=NOW
        )
    with pytest.raises(ValidationFailed):
        services.monthly_list_build(actor=c.staff, community=c.street, year=2026, month=11, now=NOW)
    mlist = services.monthly_list_build(
        actor=c.staff, community=c.community, year=2026, month=11, now=NOW
    )
    with pytest.raises(ValidationFailed):
        services.list_item_edit(actor=c.staff, item=mlist.items.get(), rank=9)
    assert MonthlyList.objects.count() == 1 and ListItem.objects.count() == 1


def test_merge_across_communities_is_refused(council):
    c = council
    mine = need_at(c, "甲", local(2026, 11, 3, 9))
    theirs = need_at(
        c, "乙", local(2026, 11, 3, 9), actor=c.other_resident, community=c.other_community
    )
    with pytest.raises((AccessDenied, ValidationFailed)):
        services.summary_merge(actor=c.staff, need=mine, original=theirs)
    mine.refresh_from_db()
    assert mine.state == Need.State.SUBMITTED


def test_daily_job_refreshes_this_weeks_summaries(council, django_capture_on_commit_callbacks):
    from qingshe.core.models import Notification
    from qingshe.council.tasks import chase_feedback_forms, refresh_weekly_summaries

    c = council
    need = need_at(c, "周三报的", local(2026, 11, 18, 9))
    result = refresh_weekly_summaries.enqueue(now_iso=local(2026, 11, 19, 9).isoformat())
    assert result.return_value["summaries"] >= 3  # every active community, this week
    summary = WeeklySummary.objects.get(community=c.community, week_start=date(2026, 11, 16))
    assert list(summary.needs.all()) == [need]
    # After the due day nobody is chased.
    assert chase_feedback_forms.enqueue(today_iso="2026-11-06").return_value == {"reminded": 0}
    assert not Notification.objects.filter(kind__startswith="council.feedback.chase").exists()
