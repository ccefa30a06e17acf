"""Care pages: who sees what (404 for everyone else), the reason asked before a supervisor sees
the details, visits logged and confirmed from the pages, counts only for admins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qingshe.care import services
from qingshe.care.models import Visit
from qingshe.care.tests.conftest import past
from qingshe.core.models import AuditEvent
from qingshe.credit.models import LedgerEntry


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    "who", ["classmate", "university_admin", "staff_without_care", "league_admin", "resident"]
)
def test_outsiders_get_404(care: Any, who: str) -> None:
    c = _client(getattr(care, who))
    assert c.get(f"/care/beneficiaries/{care.child.pk}/").status_code == 404
    assert c.get(f"/care/relationships/{care.relationship.pk}/").status_code == 404
    page = c.get("/care/").content.decode()
    assert "林**" not in page and "林小雨" not in page


def test_former_helper_gets_404(care: Any) -> None:
    services.relationship_hand_over(
        actor=care.care_staff,
        relationship=care.relationship,
        new_helper=care.next_tutor,
        reason="毕业",
    )
    c = _client(care.tutor)
    assert c.get(f"/care/beneficiaries/{care.child.pk}/").status_code == 404
    assert c.get(f"/care/relationships/{care.relationship.pk}/").status_code == 404
    body = (
        _client(care.next_tutor)
        .get(f"/care/relationships/{care.relationship.pk}/")
        .content.decode()
    )
    assert "交接记录" in body and "毕业" in body


def test_supervisor_gives_a_reason_and_each_read_is_audited(care: Any) -> None:
    c = _client(care.supervisor)
    page = c.get(f"/care/beneficiaries/{care.child.pk}/").content.decode()
    assert "林**" in page and "林小雨" not in page and "查看详细信息的理由" in page
    bad = c.post(f"/care/beneficiaries/{care.child.pk}/", {"reason": ""})
    assert bad.status_code == 422 and "请说明查看此人详细信息的理由" in bad.content.decode()
    ok = c.post(
        f"/care/beneficiaries/{care.child.pk}/", {"reason": "核实监护情况"}
    ).content.decode()
    assert "林小雨" in ok and "139****4321" in ok
    reads = AuditEvent.objects.filter(actor=care.supervisor, object_id=str(care.child.pk))
    assert reads.filter(action="care.beneficiary.view").count() == 3
    assert reads.get(action="care.beneficiary.reveal").data["reason"] == "核实监护情况"


def test_helper_sees_details_without_reason(care: Any) -> None:
    page = _client(care.tutor).get(f"/care/beneficiaries/{care.child.pk}/").content.decode()
    assert "林小雨" in page and "13987654321" in page


def test_log_and_confirm_from_the_pages(care: Any) -> None:
    day = timezone.localdate() - timedelta(days=2)
    r = _client(care.tutor).post(
        f"/care/relationships/{care.relationship.pk}/visits/",
        {
            "day": day.isoformat(),
            "start": "15:00",
            "minutes": 90,
            "done": "辅导数学作业",
            "concern_priority": "urgent",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.get()
    sup = _client(care.supervisor)
    assert "待您确认的走访" in sup.get("/care/").content.decode()
    assert sup.post(f"/care/visits/{visit.pk}/confirm/").status_code == 302
    assert LedgerEntry.objects.get(user=care.tutor).hours == 1.5


def test_bad_visit_shows_error_and_writes_nothing(care: Any) -> None:
    r = _client(care.tutor).post(
        f"/care/relationships/{care.relationship.pk}/visits/",
        {
            "day": timezone.localdate().isoformat(),
            "start": "00:00",
            "minutes": 5,
            "done": "辅导",
            "concern_priority": "urgent",
        },
    )
    assert r.status_code == 422 and "一次走访时长为15分钟至12小时。" in r.content.decode()
    assert not Visit.objects.exists()


def test_league_admin_sees_counts_only(care: Any) -> None:
    v = services.visit_log(
        actor=care.tutor,
        relationship=care.relationship,
        started_at=past(),
        minutes=60,
        done="辅导作业",
    )
    services.visit_confirm(actor=care.supervisor, visit=v)
    page = _client(care.league_admin).get("/care/").content.decode()
    assert "去标识化统计" in page and "外来务工人员子女" in page and "林" not in page


def test_export_only_for_care_role_with_contacts_masked(care: Any) -> None:
    from qingshe.care.tests.conftest import CHILD_ID, GUARDIAN_PHONE

    for who in ("supervisor", "tutor", "league_admin", "staff_without_care"):
        assert _client(getattr(care, who)).get("/care/export.csv").status_code == 404
    r = _client(care.care_staff).get("/care/export.csv")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    body = r.content.decode("utf-8-sig")
    assert "林小雨" in body and "139****4321" in body and "350402********0012" in body
    assert GUARDIAN_PHONE not in body and CHILD_ID not in body and "3号楼2单元501" not in body
    header = body.splitlines()[0].split(",")
    assert "姓名" in header and "年龄" in header and "时长" not in header  # a person's age
    assert AuditEvent.objects.filter(
        action="care.beneficiary.export", actor=care.care_staff
    ).exists()


def test_campaign_households_visible_only_to_the_assigned(care: Any) -> None:
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=care.care_staff,
        community=care.community,
        kind="spring_festival",
        title="春节走访慰问",
        starts_on=today,
        ends_on=today + timedelta(days=30),
    )
    services.household_add(
        actor=care.care_staff,
        campaign=campaign,
        beneficiary=care.child,
        volunteers=[care.classmate],
    )
    assert _client(care.student2).get(f"/care/campaigns/{campaign.pk}/").status_code == 404
    assert _client(care.supervisor).get(f"/care/campaigns/{campaign.pk}/").status_code == 404
    c = _client(care.classmate)
    assert "林**" in c.get(f"/care/campaigns/{campaign.pk}/").content.decode()
    r = c.post(
        f"/care/campaigns/{campaign.pk}/",
        {
            "household": campaign.households.get().pk,
            "visited_on": today.isoformat(),
            "given": "米面油一套",
        },
    )
    assert r.status_code == 302
    assert campaign.households.get().given == "米面油一套"


def test_home_panel_for_the_supervisor_without_names(care: Any) -> None:
    services.visit_log(
        actor=care.tutor,
        relationship=care.relationship,
        started_at=past(),
        minutes=60,
        done="辅导作业",
        concern="孩子情绪低落",
        concern_priority="urgent",
    )
    page = _client(care.supervisor).get("/").content.decode()
    assert (
        "结对帮扶待办" in page
        and f"结对帮扶 #{care.relationship.pk} 的关注事项" in page
        and "待确认" in page
    )
    assert "林" not in page
    assert "结对帮扶待办" not in _client(care.staff_without_care).get("/").content.decode()


def test_relationship_page_reads_are_audited(care: Any) -> None:
    _client(care.supervisor).get(f"/care/relationships/{care.relationship.pk}/")
    event = AuditEvent.objects.get(action="care.relationship.view", actor=care.supervisor)
    assert event.data == {"why": "page.detail", "beneficiary": care.child.pk}
