from datetime import date

import pytest

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.programmes import selectors
from qingshe.programmes.services import programme_create
from qingshe.reports.models import TypicalCase
from qingshe.reports.services import case_review, case_submit, case_text_length

TEXT = "社区青春行动" * 170  # 1,020 characters


@pytest.fixture
def programme(city):  # type: ignore[no-untyped-def]
    return programme_create(
        actor=city.league_admin, owner=city.city, name="社区青春行动", year=2026, scope=[city.university],
        pairing_deadline=date(2026, 11, 15), start_deadline=date(2026, 11, 20), case_deadline=date(2026, 12, 31),
    )


def test_length_counts_characters_not_bytes() -> None:
    assert case_text_length("社区 青春\n行动") == 6
    assert len("社区".encode()) == 6


def test_department_submits_and_committee_reviews(city, programme) -> None:
    case = case_submit(actor=city.department_admin, programme=programme, department=city.department, title="周末课堂", text=TEXT)
    assert case.state == TypicalCase.State.SUBMITTED
    with pytest.raises(ValidationFailed):
        case_review(actor=city.league_admin, case=case, decision="return")
    case = case_review(actor=city.league_admin, case=case, decision="feature", note="写得好")
    assert case.state == TypicalCase.State.FEATURED


def test_short_text_and_outsiders_are_refused(city, programme) -> None:
    with pytest.raises(ValidationFailed) as err:
        case_submit(actor=city.department_admin, programme=programme, department=city.department, title="短", text="社区" * 499 + "行")
    assert err.value.code == "text_too_short" and "999" in str(err.value.message)
    with pytest.raises(AccessDenied):
        case_submit(actor=city.secretary, programme=programme, department=city.department, title="x", text=TEXT)
    assert not TypicalCase.objects.exists()


def test_returned_case_is_not_reviewed_again(city, programme) -> None:
    case = case_submit(actor=city.department_admin, programme=programme, department=city.department, title="周末课堂", text=TEXT)
    with pytest.raises(AccessDenied):
        case_review(actor=city.university_admin, case=case, decision="accept")
    case = case_review(actor=city.league_admin, case=case, decision="return", note="请补充照片说明")
    with pytest.raises(Conflict):
        case_review(actor=city.league_admin, case=case, decision="accept")


def test_compliance_counts_cases_per_department(city, programme) -> None:
    result = selectors.compliance_for_user(user=city.league_admin, programme=programme)
    assert [r.department for r in result.missing_cases] == [city.department]
    for i in range(3):
        case = case_submit(actor=city.department_admin, programme=programme, department=city.department, title=f"案例{i}", text=TEXT)
    case_review(actor=city.league_admin, case=case, decision="return", note="请修改")
    row = selectors.compliance_for_user(user=city.league_admin, programme=programme).departments[0]
    assert (row.cases_submitted, row.cases_required, row.cases_met) == (2, 3, False)
    case_submit(actor=city.department_admin, programme=programme, department=city.department, title="案例3", text=TEXT)
    result = selectors.compliance_for_user(user=city.league_admin, programme=programme)
    assert result.missing_cases == [] and result.departments[0].cases_met


def test_compliance_page_and_api_show_missing_cases(city, programme, client) -> None:
    from qingshe.api.tests.utils import api_client

    client.force_login(city.league_admin)
    html = client.get(f"/programmes/{programme.pk}/compliance/").content.decode()
    assert "典型案例未交足的院系" in html and "已提交 0 个，应交 3 个" in html
    body = api_client(city.league_admin).api_get(f"/programmes/{programme.pk}/compliance").json()
    row = body["departments"][0]
    assert (row["cases_submitted"], row["cases_required"], row["cases_met"]) == (0, 3, False)
    assert [r["department"]["id"] for r in body["missing_cases"]] == [city.department.pk]
    # someone outside the programme's committee and the department sees no case figures of it
    other = api_client(city.other_staff).api_get(f"/programmes/{programme.pk}/compliance").json()
    assert other.get("departments", []) == [] and other.get("missing_cases", []) == []
