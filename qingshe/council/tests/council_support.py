"""Steps of the council loop done through the services, shared by the tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from qingshe.council import services
from qingshe.council.models import Meeting, MonthlyList
from qingshe.council.tests.conftest import need_at


def this_month() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, today.month


def final_list(c: Any, titles: tuple[str, ...] = ("楼道堆物清理", "小区停车难")) -> MonthlyList:
    for title in titles:
        need_at(c, title)
    year, month = this_month()
    mlist = services.monthly_list_build(
        actor=c.council_secretary, community=c.community, year=year, month=month
    )
    return services.monthly_list_finalise(actor=c.council_secretary, monthly_list=mlist)


def open_meeting(c: Any) -> Meeting:
    mlist = final_list(c)
    return services.meeting_create(
        actor=c.member, monthly_list=mlist, held_on=date.today(), title="十一月青年议事会"
    )
