"""Care API: the paths of the contract, the same visibility as the pages (404 for everyone
else), bad input with clear Chinese errors and nothing written, de-identified counts, and logs
that never carry a beneficiary's ID number or phone."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.care import services
from qingshe.care.models import Beneficiary, HelpRelationship, Visit
from qingshe.care.tests.conftest import CHILD_ID, CHILD_PHONE, GUARDIAN_PHONE, past
from qingshe.core.models import AuditEvent
from qingshe.credit.models import LedgerEntry


def _child_payload(care: Any, **over: Any) -> dict[str, Any]:
    body = {
        "community": care.community.pk,
        "kind": "migrant_child",
        "name": "陈小星",
        "birth_date": str(timezone.localdate().replace(year=timezone.localdate().year - 9)),
        "guardian_name": "陈母",
        "guardian_phone": "13700001111",
        "address": "白沙社区7号楼",
        "consent_given_by": "guardian",
        "consent_guardian_relation": "母亲",
    }
    body.update(over)
    return body


def test_care_role_records_and_lists_masked(care: Any) -> None:
    client = api_client(care.care_staff)
    r = client.api_post("/beneficiaries", _child_payload(care))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["name_masked"] == "陈**" and body["minor"] and "name" not in body
    listing = client.api_get("/beneficiaries").json()
    assert listing["count"] == 2 and {i["name_masked"] for i in listing["items"]} == {
        "陈**",
        "林**",
    }
    assert AuditEvent.objects.filter(action="care.beneficiary.list", actor=care.care_staff).exists()


def test_minor_without_guardian_consent_is_refused(care: Any) -> None:
    before = Beneficiary.objects.count()
    r = api_client(care.care_staff).api_post(
        "/beneficiaries", _child_payload(care, consent_given_by=None)
    )
    body = assert_error(r, 422, "guardian_consent_required")
    assert body["detail"] == "未满14周岁的儿童，须有监护人同意书在案方可登记。"
    assert Beneficiary.objects.count() == before


@pytest.mark.parametrize(
    "who", ["classmate", "university_admin", "staff_without_care", "league_admin", "other_staff"]
)
def test_outsiders_get_404_for_the_child(care: Any, who: str) -> None:
    client = api_client(getattr(care, who))
    assert_error(client.api_get(f"/beneficiaries/{care.child.pk}"), 404, "not_found")
    assert_error(
        client.api_post(f"/beneficiaries/{care.child.pk}/reveal", {"reason": "想看看"}),
        404,
        "not_found",
    )
    assert client.api_get("/beneficiaries").json() == {"items": [], "count": 0}
    assert client.api_get("/help-relationships").json()["count"] == 0
    assert_error(
        client.api_get(f"/help-relationships/{care.relationship.pk}/visits"), 404, "not_found"
    )


def test_former_helper_after_hand_over_gets_404(care: Any) -> None:
    services.relationship_hand_over(
        actor=care.care_staff,
        relationship=care.relationship,
        new_helper=care.next_tutor,
        reason="毕业",
    )
    old = api_client(care.tutor)
    assert_error(old.api_get(f"/beneficiaries/{care.child.pk}"), 404, "not_found")
    r = old.api_post(
        f"/help-relationships/{care.relationship.pk}/visits",
        {"started_at": past().isoformat(), "minutes": 60, "done": "辅导作业"},
    )
    assert_error(r, 404, "not_found")
    assert not Visit.objects.exists()
    new = api_client(care.next_tutor)
    assert new.api_get(f"/beneficiaries/{care.child.pk}").status_code == 200


def test_league_admin_sees_counts_only(care: Any) -> None:
    visit = services.visit_log(
        actor=care.tutor,
        relationship=care.relationship,
        started_at=past(),
        minutes=120,
        done="辅导作业",
    )
    services.visit_confirm(actor=care.supervisor, visit=visit)
    client = api_client(care.league_admin)
    stats = client.api_get("/care/stats").json()
    assert stats["helped"] == 1 and stats["hours"] == "2.0"
    assert stats["rows"] == [
        {
            "kind": "migrant_child",
            "label": "外来务工人员子女",
            "helped": 1,
            "relationships": 1,
            "hours": "2.0",
        }
    ]
    assert "林" not in str(stats)
    assert_error(client.api_get(f"/beneficiaries/{care.child.pk}"), 404, "not_found")
    assert_error(api_client(care.classmate).api_get("/care/stats"), 404, "not_found")


def test_supervisor_reads_are_audited_with_reason(care: Any) -> None:
    client = api_client(care.supervisor)
    assert client.api_get(f"/beneficiaries/{care.child.pk}").status_code == 200
    assert_error(
        client.api_post(f"/beneficiaries/{care.child.pk}/reveal", {}), 422, "reason_required"
    )
    r = client.api_post(f"/beneficiaries/{care.child.pk}/reveal", {"reason": "核实家庭情况"})
    assert r.status_code == 200 and r.json()["name"] == "林小雨"
    reads = AuditEvent.objects.filter(
        actor=care.supervisor, object_id=str(care.child.pk), action__startswith="care.beneficiary"
    )
    assert {e.action for e in reads} == {"care.beneficiary.view", "care.beneficiary.reveal"}
    assert (
        reads.filter(action="care.beneficiary.view").count() == 3
    )  # detail, and each reveal attempt
    assert reads.get(action="care.beneficiary.reveal").data["reason"] == "核实家庭情况"


def test_relationship_api_and_duplicate_tutor(care: Any) -> None:
    client = api_client(care.care_staff)
    today = timezone.localdate()
    payload = {
        "beneficiary": care.child.pk,
        "mode": "one_to_one",
        "helpers": [care.classmate.volunteer_no],
        "subject": "数学",
        "term_start": str(today),
        "term_end": str(today + timedelta(days=700)),
        "goals": "数学辅导",
        "supervisor": care.supervisor.volunteer_no,
    }
    body = assert_error(client.api_post("/help-relationships", payload), 409, "duplicate_tutor")
    assert "数学" in body["detail"]
    assert HelpRelationship.objects.count() == 1
    r = client.api_post("/help-relationships", {**payload, "subject": "语文"})
    assert r.status_code == 201, r.content
    assert r.json()["helpers"] == [
        {"volunteer_no": care.classmate.volunteer_no, "name": "同班同学"}
    ]
    assert client.api_get("/help-relationships").json()["count"] == 2
    assert_error(
        client.api_post(
            "/help-relationships", {**payload, "subject": "英语", "helpers": ["QS000"]}
        ),
        422,
        "unknown_volunteer",
    )


def test_visit_flow_through_the_api(care: Any) -> None:
    tutor = api_client(care.tutor)
    r = tutor.api_post(
        f"/help-relationships/{care.relationship.pk}/visits",
        {
            "started_at": past().isoformat(),
            "minutes": 95,
            "done": "讲解应用题",
            "observations": "作业完成较好",
        },
    )
    assert r.status_code == 201, r.content
    visit_id = r.json()["id"]
    assert r.json()["state"] == "pending" and r.json()["hours"] is None
    assert_error(
        api_client(care.care_staff).api_post(f"/visits/{visit_id}/confirm"), 403, "not_supervisor"
    )
    assert_error(
        api_client(care.classmate).api_post(f"/visits/{visit_id}/confirm"), 404, "not_found"
    )
    ok = api_client(care.supervisor).api_post(f"/visits/{visit_id}/confirm")
    assert ok.status_code == 200 and ok.json()["hours"] == "1.5"
    assert LedgerEntry.objects.get(user=care.tutor).hours == 1.5
    listed = tutor.api_get(f"/help-relationships/{care.relationship.pk}/visits").json()
    assert listed["count"] == 1 and listed["items"][0]["state"] == "confirmed"


def test_visit_by_supervisor_or_bad_duration_is_refused(care: Any) -> None:
    sup = api_client(care.supervisor)
    body = {"started_at": past().isoformat(), "minutes": 60, "done": "辅导作业"}
    assert_error(
        sup.api_post(f"/help-relationships/{care.relationship.pk}/visits", body),
        403,
        "not_assigned",
    )
    r = api_client(care.tutor).api_post(
        f"/help-relationships/{care.relationship.pk}/visits", {**body, "minutes": 5}
    )
    assert assert_error(r, 422, "invalid_duration")["detail"] == "一次走访时长为15分钟至12小时。"
    assert not Visit.objects.exists()


def test_logs_never_contain_id_or_phone(care: Any, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    client = api_client(care.care_staff)
    payload = _child_payload(
        care, name="赵小明", birth_date=None, id_number="110101201001010015", phone=CHILD_PHONE
    )
    r = client.api_post("/beneficiaries", payload)
    client.api_post("/beneficiaries", payload)  # a conflict: errors are logged too
    client.api_post("/beneficiaries", {**payload, "id_number": CHILD_ID[:-1] + "9"})  # bad checksum
    api_client(care.supervisor).api_post(
        f"/beneficiaries/{care.child.pk}/reveal", {"reason": "核实监护人电话"}
    )
    client.api_get("/beneficiaries")
    text = "\n".join(
        f"{rec.getMessage()} {rec.args!r} {getattr(rec, 'exc_text', '')}" for rec in caplog.records
    )
    events = " ".join(str(e.data) for e in AuditEvent.objects.all())
    for secret in (CHILD_ID, GUARDIAN_PHONE, CHILD_PHONE, "110101201001010015", "赵小明", "林小雨"):
        assert secret not in text
        assert secret not in events
    assert r.status_code == 201, r.content


def test_openapi_documents_the_care_paths(db: Any) -> None:
    schema = api_client().get("/api/v1/openapi.json").json()
    for path in (
        "/beneficiaries",
        "/help-relationships",
        "/help-relationships/{relationship_id}/visits",
        "/care/stats",
    ):
        assert f"/api/v1{path}" in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/help-relationships/{relationship_id}/visits"]
