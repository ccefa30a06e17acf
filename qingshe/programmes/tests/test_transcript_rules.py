"""A programme's transcript counting rules: the schema and its default, the service (who may set
them, invalid rules refused whole), the API (GET/PUT /programmes/{id}/transcript-rules) and the
page (/programmes/<id>/transcript-rules/)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qingshe.accounts.tests.factories import UserFactory
from qingshe.api.tests.utils import API, api_client, assert_error
from qingshe.core.errors import AccessDenied, ValidationFailed
from qingshe.core.models import AuditEvent
from qingshe.duty.models import DutyMode
from qingshe.orgs.models import OrgKind, Role
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory
from qingshe.programmes import transcript_rules as tr
from qingshe.programmes.models import Programme
from qingshe.programmes.services_transcript_rules import programme_transcript_rules_set

PRACTICE_AS_VOLUNTEER = {
    "duty_modes": {"regular": "volunteer", "stage": "excluded", "concentrated": "volunteer"},
    "hour_caps": {"volunteer": 40, "social_practice": None},
}


def _put(user: Any, programme: Programme, payload: Any) -> Any:
    return api_client(user).put(
        f"{API}/programmes/{programme.pk}/transcript-rules",
        json.dumps(payload),
        content_type="application/json",
    )


@pytest.fixture
def stranger(city: Any) -> Any:
    other_city = OrganisationFactory(kind=OrgKind.CITY_COMMITTEE, name="共青团远方市委员会")
    user = UserFactory(name="外市管理员")
    MembershipFactory(user=user, org=other_city, role=Role.LEAGUE_ADMIN)
    return user


# --- schema -------------------------------------------------------------------------------------
def test_the_duty_modes_of_the_rules_are_duty_s() -> None:
    assert set(tr.DUTY_MODES) == set(DutyMode.values)


def test_a_new_programme_has_today_s_table(programme: Programme) -> None:
    programme.refresh_from_db()
    assert programme.transcript_rules == tr.default_rules()
    rules = tr.TranscriptRules.from_json(programme.transcript_rules)
    assert rules.is_default
    assert rules.module_of("concentrated") == "social_practice"
    assert rules.module_of("regular") == rules.module_of("stage") == "volunteer"


def test_validate_normalises_caps_and_fills_missing_ones() -> None:
    clean = tr.validate_rules(
        {"duty_modes": PRACTICE_AS_VOLUNTEER["duty_modes"], "hour_caps": {"volunteer": "12.34"}}
    )
    assert clean["hour_caps"] == {"volunteer": "12.3", "social_practice": None}
    assert tr.validate_rules({"duty_modes": PRACTICE_AS_VOLUNTEER["duty_modes"]})["hour_caps"] == {
        "volunteer": None,
        "social_practice": None,
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "transcript_rules"),
        ({"duty_modes": {}, "credits": 1}, "transcript_rules"),
        ({"hour_caps": {}}, "duty_modes"),
        ({"duty_modes": {"regular": "volunteer", "stage": "volunteer"}}, "duty_modes.concentrated"),
        ({"duty_modes": {**tr.default_rules()["duty_modes"], "online": "volunteer"}}, "duty_modes"),
        (
            {"duty_modes": {**tr.default_rules()["duty_modes"], "stage": "credits"}},
            "duty_modes.stage",
        ),
        (
            {"duty_modes": tr.default_rules()["duty_modes"], "hour_caps": {"volunteer": -1}},
            "hour_caps.volunteer",
        ),
        (
            {"duty_modes": tr.default_rules()["duty_modes"], "hour_caps": {"volunteer": "abc"}},
            "hour_caps.volunteer",
        ),
        (
            {"duty_modes": tr.default_rules()["duty_modes"], "hour_caps": {"volunteer": True}},
            "hour_caps.volunteer",
        ),
        (
            {"duty_modes": tr.default_rules()["duty_modes"], "hour_caps": {"volunteer": "NaN"}},
            "hour_caps.volunteer",
        ),
        (
            {
                "duty_modes": tr.default_rules()["duty_modes"],
                "hour_caps": {"social_practice": 10001},
            },
            "hour_caps.social_practice",
        ),
        (
            {"duty_modes": tr.default_rules()["duty_modes"], "hour_caps": {"training": 5}},
            "hour_caps",
        ),
    ],
)
def test_invalid_rules_are_refused_with_the_field(data: Any, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        tr.validate_rules(data)
    assert exc.value.code == "invalid_transcript_rules"
    assert exc.value.field == field


def test_rules_written_behind_the_services_back_read_as_the_default() -> None:
    assert tr.TranscriptRules.from_json({"duty_modes": "nonsense"}) == tr.DEFAULT


# --- service ------------------------------------------------------------------------------------
def test_the_committee_s_admin_sets_the_rules_audited(city: Any, programme: Programme) -> None:
    programme_transcript_rules_set(
        actor=city.league_admin, programme=programme, rules=PRACTICE_AS_VOLUNTEER
    )
    programme.refresh_from_db()
    assert programme.transcript_rules == {
        "duty_modes": {"regular": "volunteer", "stage": "excluded", "concentrated": "volunteer"},
        "hour_caps": {"volunteer": "40.0", "social_practice": None},
    }
    event = AuditEvent.objects.get(action="programme.transcript_rules")
    assert event.data["after"]["hour_caps"]["volunteer"] == "40.0"
    assert event.data["before"] == tr.default_rules()


@pytest.mark.parametrize(
    "who",
    ["district_admin", "university_admin", "department_admin", "secretary", "student", "staff"],
)
def test_only_the_programme_s_league_admins_may_set_the_rules(
    city: Any, programme: Programme, who: str
) -> None:
    with pytest.raises(AccessDenied):
        programme_transcript_rules_set(
            actor=getattr(city, who), programme=programme, rules=PRACTICE_AS_VOLUNTEER
        )
    programme.refresh_from_db()
    assert programme.transcript_rules == tr.default_rules()
    assert not AuditEvent.objects.filter(action="programme.transcript_rules").exists()


# --- API ----------------------------------------------------------------------------------------
def test_api_reads_and_replaces_the_rules(city: Any, programme: Programme) -> None:
    got = api_client(city.student).get(f"{API}/programmes/{programme.pk}/transcript-rules")
    assert got.status_code == 200, got.content
    assert got.json()["is_default"] is True
    assert got.json()["duty_modes"]["concentrated"] == "social_practice"
    assert "集中报到（假期）：社会实践" in got.json()["description"]

    r = _put(city.league_admin, programme, PRACTICE_AS_VOLUNTEER)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["is_default"] is False
    assert body["duty_modes"]["concentrated"] == "volunteer"
    assert body["hour_caps"] == {"volunteer": "40.0", "social_practice": None}
    assert "志愿服务最多计40.0小时" in body["description"]
    programme.refresh_from_db()
    assert programme.transcript_rules["duty_modes"]["stage"] == "excluded"


def test_api_refuses_others_and_hides_the_programme_from_strangers(
    city: Any, programme: Programme, stranger: Any
) -> None:
    assert_error(_put(city.university_admin, programme, PRACTICE_AS_VOLUNTEER), 403, "forbidden")
    assert_error(_put(city.student, programme, PRACTICE_AS_VOLUNTEER), 403, "forbidden")
    body = assert_error(_put(stranger, programme, PRACTICE_AS_VOLUNTEER), 404, "not_found")
    assert programme.name not in json.dumps(body, ensure_ascii=False)
    assert_error(
        api_client(stranger).get(f"{API}/programmes/{programme.pk}/transcript-rules"),
        404,
        "not_found",
    )
    assert_error(
        api_client().get(f"{API}/programmes/{programme.pk}/transcript-rules"),
        401,
        "not_authenticated",
    )
    programme.refresh_from_db()
    assert programme.transcript_rules == tr.default_rules()


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        (
            {
                "duty_modes": {
                    "regular": "volunteer",
                    "stage": "volunteer",
                    "concentrated": "credits",
                }
            },
            "duty_modes.concentrated",
            "集中报到（假期）只能计入志愿服务、社会实践或不计入",
        ),
        (
            {"duty_modes": tr.default_rules()["duty_modes"], "hour_caps": {"volunteer": -3}},
            "hour_caps.volunteer",
            "志愿服务计入时长上限须为大于0",
        ),
        (
            {"duty_modes": tr.default_rules()["duty_modes"], "bonus": 2},
            "transcript_rules",
            "计分规则中有无法识别的项目：bonus",
        ),
    ],
)
def test_api_bad_rules_answer_a_chinese_error_and_save_nothing(
    city: Any, programme: Programme, payload: Any, field: str, words: str
) -> None:
    body = assert_error(
        _put(city.league_admin, programme, payload), 422, "invalid_transcript_rules"
    )
    assert body["field"] == field
    assert words in body["detail"]
    programme.refresh_from_db()
    assert programme.transcript_rules == tr.default_rules()
    assert not AuditEvent.objects.filter(action="programme.transcript_rules").exists()


# --- page ---------------------------------------------------------------------------------------
def test_page_shows_and_saves_the_rules(client: Any, city: Any, programme: Programme) -> None:
    client.force_login(city.league_admin)
    detail = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert "第二课堂成绩单计分规则" in detail and "修改规则" in detail
    page = client.get(f"/programmes/{programme.pk}/transcript-rules/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="mode_concentrated"' in html and 'name="cap_volunteer"' in html
    r = client.post(
        f"/programmes/{programme.pk}/transcript-rules/",
        {
            "mode_regular": "volunteer",
            "mode_stage": "volunteer",
            "mode_concentrated": "volunteer",
            "cap_volunteer": "",
            "cap_social_practice": "16",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/programmes/{programme.pk}/"
    programme.refresh_from_db()
    assert programme.transcript_rules == {
        "duty_modes": {"regular": "volunteer", "stage": "volunteer", "concentrated": "volunteer"},
        "hour_caps": {"volunteer": None, "social_practice": "16.0"},
    }
    detail = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert "集中报到（假期）：志愿服务" in detail


def test_page_bad_cap_is_shown_at_its_field_and_nothing_is_saved(
    client: Any, city: Any, programme: Programme
) -> None:
    client.force_login(city.league_admin)
    r = client.post(
        f"/programmes/{programme.pk}/transcript-rules/",
        {
            "mode_regular": "volunteer",
            "mode_stage": "volunteer",
            "mode_concentrated": "excluded",
            "cap_volunteer": "很多",
        },
    )
    assert r.status_code == 200
    form = r.context["form"]
    assert "志愿服务计入时长上限须为大于0且不超过10000的小时数" in form.errors["cap_volunteer"][0]
    assert r.context["form"]["cap_volunteer"].value() == "很多"  # what was typed is kept
    programme.refresh_from_db()
    assert programme.transcript_rules == tr.default_rules()


def test_page_is_for_the_committee_s_admins_only(
    client: Any, city: Any, programme: Programme, stranger: Any
) -> None:
    client.force_login(city.university_admin)
    assert client.get(f"/programmes/{programme.pk}/transcript-rules/").status_code == 403
    assert "修改规则" not in client.get(f"/programmes/{programme.pk}/").content.decode()
    r = client.post(f"/programmes/{programme.pk}/transcript-rules/", {"mode_regular": "excluded"})
    assert r.status_code == 403
    client.force_login(stranger)
    assert client.get(f"/programmes/{programme.pk}/transcript-rules/").status_code == 404
    programme.refresh_from_db()
    assert programme.transcript_rules == tr.default_rules()
