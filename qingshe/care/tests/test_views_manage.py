"""The care role's pages: record a beneficiary (a minor without the guardian's consent is
refused, nothing written), arrange help, hand over; nobody else reaches them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qingshe.care.models import Assignment, Beneficiary, HelpRelationship


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("who", ["supervisor", "tutor", "staff_without_care", "league_admin"])
def test_only_the_care_role_reaches_the_forms(care: Any, who: str) -> None:
    c = _client(getattr(care, who))
    assert c.get("/care/beneficiaries/new/").status_code == 404
    assert c.get(f"/care/beneficiaries/{care.child.pk}/help/").status_code == 404
    assert c.get(f"/care/relationships/{care.relationship.pk}/manage/").status_code == 404


def test_record_a_child_needs_the_guardians_consent(care: Any) -> None:
    c = _client(care.care_staff)
    data = {
        "community": care.community.pk,
        "kind": "migrant_child",
        "name": "黄小米",
        "birth_date": timezone.localdate().replace(year=timezone.localdate().year - 7).isoformat(),
        "guardian_name": "黄父",
        "guardian_phone": "13600001234",
        "consent_given_by": "",
    }
    r = c.post("/care/beneficiaries/new/", data)
    assert (
        r.status_code == 422
        and "未满14周岁的儿童，须有监护人同意书在案方可登记。" in r.content.decode()
    )
    assert Beneficiary.objects.count() == 1
    r = c.post(
        "/care/beneficiaries/new/",
        {**data, "consent_given_by": "guardian", "consent_guardian_relation": "父亲"},
    )
    assert r.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_arrange_and_hand_over(care: Any) -> None:
    c = _client(care.care_staff)
    today = timezone.localdate()
    r = c.post(
        f"/care/beneficiaries/{care.child.pk}/help/",
        {
            "mode": "one_to_one",
            "helpers": care.classmate.volunteer_no,
            "subject": "数学",
            "term_start": today.isoformat(),
            "term_end": today.replace(year=today.year + 1).isoformat(),
            "goals": "数学辅导",
            "supervisor": care.supervisor.volunteer_no,
        },
    )
    assert (
        r.status_code == 422 and "该对象在“数学”方面已有进行中的一对一帮扶。" in r.content.decode()
    )
    assert HelpRelationship.objects.count() == 1
    r = c.post(
        f"/care/relationships/{care.relationship.pk}/manage/",
        {
            "action": "hand_over",
            "new_helper": care.next_tutor.volunteer_no,
            "reason": "毕业离校",
        },
    )
    assert r.status_code == 302
    assert Assignment.objects.get(helper=care.next_tutor, ended_on__isnull=True)
    assert Assignment.objects.get(helper=care.tutor).end_reason == "毕业离校"


def test_campaign_from_the_pages(care: Any) -> None:
    from qingshe.care.models import Campaign

    assert _client(care.supervisor).get("/care/campaigns/new/").status_code == 404
    c = _client(care.care_staff)
    today = timezone.localdate()
    r = c.post(
        "/care/campaigns/new/",
        {
            "community": care.community.pk,
            "kind": "holiday_class",
            "title": "七彩假期·暑期课堂",
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert r.status_code == 422 and "活动结束日期须晚于开始日期。" in r.content.decode()
    assert not Campaign.objects.exists()
    r = c.post(
        "/care/campaigns/new/",
        {
            "community": care.community.pk,
            "kind": "holiday_class",
            "title": "七彩假期·暑期课堂",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=40)).isoformat(),
        },
    )
    campaign = Campaign.objects.get()
    assert r.status_code == 302
    assert (
        _client(care.classmate).get(f"/care/campaigns/{campaign.pk}/households/").status_code == 404
    )
    r = c.post(
        f"/care/campaigns/{campaign.pk}/households/",
        {"beneficiary": care.child.pk, "volunteers": care.classmate.volunteer_no},
    )
    assert r.status_code == 302
    assert "林**" in _client(care.classmate).get(f"/care/campaigns/{campaign.pk}/").content.decode()
