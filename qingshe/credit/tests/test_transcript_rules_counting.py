"""The transcript counts each ledger entry by the rules of the programme its activity belongs to
(Programme.transcript_rules): two programmes with different rules give different transcripts, the
department's list and Excel agree with the transcript, the page and the PDF say which rules
applied."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from qingshe.credit import selectors, transcript
from qingshe.credit.tests.test_certificates import pdf_text
from qingshe.duty.models import Activity, DutyMode
from qingshe.programmes import services as programmes
from qingshe.programmes.models import Pairing, Programme
from qingshe.programmes.services_transcript_rules import programme_transcript_rules_set


def _programme(city: Any, *, owner: Any, actor: Any, name: str) -> Programme:
    return programmes.programme_create(
        actor=actor,
        owner=owner,
        name=name,
        year=2026,
        scope=[city.university, city.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )


@pytest.fixture
def two(city: Any) -> Any:
    """The city's programme keeps the default rules; the district's counts vacation duty as
    volunteer service, does not count stage duty, and counts at most 5 volunteer hours."""
    city_p = _programme(city, owner=city.city, actor=city.league_admin, name="社区青春行动")
    district_p = _programme(
        city, owner=city.district, actor=city.district_admin, name="东湖区青年志愿行动"
    )
    programme_transcript_rules_set(
        actor=city.district_admin,
        programme=district_p,
        rules={
            "duty_modes": {
                "regular": "volunteer",
                "stage": "excluded",
                "concentrated": "volunteer",
            },
            "hour_caps": {"volunteer": "5"},
        },
    )
    return city_p, district_p


def _serve_in(serve: Any, programme: Programme, user: Any, *, title: str, **kw: Any) -> None:
    attendance = serve(user, title=title, **kw)
    Activity.objects.filter(pk=attendance.shift.activity_id).update(programme=programme)


# (regular, concentrated, stage) as (weekdays ago, hour): two sets that do not overlap in time
FIRST = ((4, 9), (3, 8), (2, 14))
SECOND = ((2, 18), (1, 8), (4, 14))


def _same_service(serve: Any, programme: Programme, user: Any, tag: str, when: Any = FIRST) -> None:
    """2 h of regular duty, 8 h of 三下乡 and 3 h at a major event."""
    (d1, h1), (d2, h2), (d3, h3) = when
    _serve_in(serve, programme, user, title=f"敬老院陪伴{tag}", days_ago=d1, hour=h1, minutes=120)
    _serve_in(
        serve,
        programme,
        user,
        title=f"三下乡{tag}",
        days_ago=d2,
        hour=h2,
        minutes=480,
        mode=DutyMode.CONCENTRATED,
    )
    _serve_in(
        serve,
        programme,
        user,
        title=f"邻里节{tag}",
        days_ago=d3,
        hour=h3,
        minutes=180,
        mode=DutyMode.STAGE,
    )


def test_two_programmes_with_different_rules_give_different_transcripts(city, serve, two) -> None:
    city_p, district_p = two
    _same_service(serve, city_p, city.student, "甲")
    _same_service(serve, district_p, city.student2, "乙")

    a = transcript.transcript_of(city.student)
    assert (a.volunteer_hours, a.practice_hours) == (Decimal("5.0"), Decimal("8.0"))
    assert not a.programme_rules  # the default rules: nothing to say
    assert [r["activity"] for r in a.module("social_practice").rows] == ["三下乡甲"]

    b = transcript.transcript_of(city.student2)
    # 2 h regular + 8 h 三下乡 count as volunteer service, capped at 5; the major event not at all
    assert (b.volunteer_hours, b.practice_hours) == (Decimal("5.0"), Decimal("0"))
    vol = b.module("volunteer")
    assert vol.capped and vol.recorded_hours == Decimal("10.0")
    assert sorted(r["activity"] for r in vol.rows) == ["三下乡乙", "敬老院陪伴乙"]
    assert b.module("social_practice").rows == []
    assert [n.programme for n in b.programme_rules] == ["2026 东湖区青年志愿行动"]
    assert "阶段性报到（重大活动）：不计入" in b.programme_rules[0].text

    # The department's list counts the same way.
    totals = selectors.hours_by_person([city.student.pk, city.student2.pk])
    assert totals[city.student.pk]["volunteer"] == Decimal("5.0")
    assert totals[city.student.pk]["social_practice"] == Decimal("8.0")
    assert totals[city.student2.pk]["volunteer"] == Decimal("5.0")
    assert totals[city.student2.pk]["social_practice"] == Decimal("0")


def test_one_person_in_two_programmes_is_counted_by_each_programme_s_rules(
    city, serve, two
) -> None:
    city_p, district_p = two
    _same_service(serve, city_p, city.student, "市")
    _same_service(serve, district_p, city.student, "区", SECOND)
    t = transcript.transcript_of(city.student)
    # city: 2 + 3 volunteer, 8 practice; district: min(2 + 8, 5) volunteer
    assert (t.volunteer_hours, t.practice_hours) == (Decimal("10.0"), Decimal("8.0"))
    assert t.module("volunteer").recorded_hours == Decimal("15.0")


def test_changing_a_programme_s_rules_changes_the_transcript(city, serve, two) -> None:
    city_p, _ = two
    _same_service(serve, city_p, city.student, "")
    before = transcript.transcript_of(city.student)
    programme_transcript_rules_set(
        actor=city.league_admin,
        programme=city_p,
        rules={
            "duty_modes": {
                "regular": "volunteer",
                "stage": "volunteer",
                "concentrated": "volunteer",
            }
        },
    )
    after = transcript.transcript_of(city.student)
    assert (before.volunteer_hours, before.practice_hours) == (Decimal("5.0"), Decimal("8.0"))
    assert (after.volunteer_hours, after.practice_hours) == (Decimal("13.0"), Decimal("0"))


def test_a_pairing_s_programme_counts_when_the_activity_names_none(city, serve, two) -> None:
    _, district_p = two
    pairing = programmes.pairing_propose(
        actor=city.district_admin,
        programme=district_p,
        unit=city.branch,
        community=city.community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )
    attendance = serve(city.student, title="结对服务", mode=DutyMode.STAGE, minutes=180)
    Activity.objects.filter(pk=attendance.shift.activity_id).update(pairing=pairing)
    assert Pairing.objects.get().programme == district_p
    t = transcript.transcript_of(city.student)
    assert t.volunteer_hours == Decimal("0")  # the district does not count stage duty
    assert t.module("volunteer").rows == []


def test_entries_of_no_programme_count_by_the_default_rules(city, serve) -> None:
    serve(city.student, mode=DutyMode.STAGE, minutes=180)
    serve(city.student, mode=DutyMode.CONCENTRATED, minutes=240, days_ago=3, hour=8)
    t = transcript.transcript_of(city.student)
    assert (t.volunteer_hours, t.practice_hours) == (Decimal("3.0"), Decimal("4.0"))


def test_page_and_pdf_say_which_programme_s_rules_applied(
    city, serve, two, student_profile
) -> None:
    from django.test import Client

    _, district_p = two
    _same_service(serve, district_p, city.student, "")
    client = Client()
    client.force_login(city.student)
    html = client.get("/credit/transcript/").content.decode()
    assert "2026 东湖区青年志愿行动对其活动记录的计分规则" in html
    assert "共记录10.0小时，按计划规定的上限计入" in html
    text = pdf_text(transcript.transcript_pdf(transcript.transcript_of(city.student)))
    assert "东湖区青年志愿行动" in text and "不计入" in text
