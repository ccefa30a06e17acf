"""Export to Excel on a programme's pairing suggestions page (结对推荐): one row per class branch
the page lists (branches without a live pairing, within what the person looks after), with the
three communities the page suggests, their score and the page's reasons. Someone who cannot see
the page gets its 404 and no file; an unknown format goes back to the page with a message; more
branches than the synchronous limit go through a background job with the same rows."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from qingshe.core.exports import services as exports
from qingshe.core.exports.models import ExportJob
from qingshe.core.tests.export_helpers import sheet
from qingshe.orgs.models import Organisation
from qingshe.orgs.services import org_update
from qingshe.programmes import services
from qingshe.programmes.models import Programme
from qingshe.programmes.suggestions import suggest_for_user

pytestmark = pytest.mark.django_db

UNKNOWN_FORMAT = "列表只能导出为 Excel（.xlsx）文件，本次未导出任何内容。"
HEADER = [
    "团支部",
    "推荐社区1", "推荐得分1", "推荐理由1",
    "推荐社区2", "推荐得分2", "推荐理由2",
    "推荐社区3", "推荐得分3", "推荐理由3",
]  # fmt: skip


def _place(city: SimpleNamespace, org: Organisation, north_km: float) -> None:
    org_update(
        actor=city.league_admin, org=org, lat=round(26.265 + north_km / 111.2, 6), lng=117.635
    )


@pytest.fixture
def placed(city: SimpleNamespace) -> SimpleNamespace:
    """The campus at the origin; 白沙 1 km north, 富华 5 km north, 列西 10 km south."""
    _place(city, city.university, 0)
    _place(city, city.community, 1)
    _place(city, city.community2, 5)
    _place(city, city.other_community, -10)
    return city


def _url(programme: Programme) -> str:
    return reverse("programmes:suggestions", args=[programme.pk])


def _expected(user: Any, programme: Programme) -> list[list[Any]]:
    """The rows the page shows, as the file should hold them."""
    rows = []
    for r in suggest_for_user(user=user, programme=programme, limit_per_branch=3):
        cells: list[Any] = [r.branch.display_name]
        for s in r.suggestions:
            cells += [s.community.display_name, round(s.score * 100), "；".join(s.reasons)]
        rows.append(cells + [None] * (len(HEADER) - len(cells)))
    return rows


def test_export_holds_the_branches_and_suggestions_the_page_shows(
    client: Any, placed: SimpleNamespace, programme: Programme
) -> None:
    city = placed
    services.pairing_propose(  # 旅游管理班 has a live pairing: the page no longer lists it
        actor=city.league_admin,
        programme=programme,
        unit=city.branch,
        community=city.community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )
    client.force_login(city.league_admin)
    html = client.get(_url(programme)).content.decode()
    assert "导出 Excel" in html and "export=xlsx" in html
    rows = sheet(client.get(_url(programme), {"export": "xlsx"}))
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == ["2024级会计学班团支部"]
    (row,) = rows[1:]
    # best first, as on the page: 白沙 is 1 km away, 列西 10 km
    assert [row[1], row[4], row[7]] == ["白沙社区", "富华社区", "列西社区"]
    assert (
        html.index("白沙社区</strong>")
        < html.index("富华社区</strong>")
        < html.index("列西社区</strong>")
    )
    assert 0 < row[2] <= 100 and isinstance(row[5], int)
    for community, reasons in ((row[1], row[3]), (row[4], row[6]), (row[7], row[9])):
        assert community in html
        for reason in reasons.split("；"):
            assert reason in html  # the page's own words
    assert rows[1:] == _expected(city.league_admin, programme)


def test_export_is_the_persons_own_part_of_the_page(
    client: Any, placed: SimpleNamespace, programme: Programme
) -> None:
    """A branch secretary's page lists their own branch only: so does their file."""
    client.force_login(placed.league_admin)
    everyone = sheet(client.get(_url(programme), {"export": "xlsx"}))
    assert sorted(r[0] for r in everyone[1:]) == ["2024级会计学班团支部", "2024级旅游管理班团支部"]
    client.force_login(placed.secretary)
    own = sheet(client.get(_url(programme), {"export": "xlsx"}))
    assert [r[0] for r in own[1:]] == ["2024级旅游管理班团支部"]
    assert own[1:] == _expected(placed.secretary, programme)


def test_who_cannot_see_the_page_gets_no_file(
    client: Any, placed: SimpleNamespace, programme: Programme
) -> None:
    from qingshe.accounts.tests.factories import UserFactory
    from qingshe.orgs.models import OrgKind, Role
    from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory

    stranger = UserFactory(name="外市管理员")
    MembershipFactory(
        user=stranger,
        org=OrganisationFactory(kind=OrgKind.CITY_COMMITTEE, name="共青团远方市委员会"),
        role=Role.LEAGUE_ADMIN,
    )
    for user in (placed.staff, placed.student, placed.resident, stranger):
        client.force_login(user)
        response = client.get(_url(programme), {"export": "xlsx"})
        assert response.status_code == 404
        assert not response.get("Content-Type", "").startswith(exports.XLSX)
    client.logout()
    response = client.get(_url(programme), {"export": "xlsx"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ExportJob.objects.exists()


def test_unknown_format_goes_back_to_the_page_with_a_message(
    client: Any, placed: SimpleNamespace, programme: Programme
) -> None:
    client.force_login(placed.league_admin)
    response = client.get(_url(programme), {"export": "csv"})
    assert response.status_code == 302 and response["Location"] == _url(programme)
    page = client.get(response["Location"])
    assert page.status_code == 200 and "只能导出为 Excel" in page.content.decode()
    assert UNKNOWN_FORMAT in page.content.decode()
    assert not ExportJob.objects.exists()


def test_more_branches_than_the_limit_run_as_a_job_with_the_same_rows(
    client: Any,
    placed: SimpleNamespace,
    programme: Programme,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The job keeps the branch IDs and the programme: the worker works the suggestions out again
    for that programme (not another one covering the same branches), the same."""
    client.force_login(placed.league_admin)
    at_once = sheet(client.get(_url(programme), {"export": "xlsx"}))
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(_url(programme), {"export": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert job.spec == "programmes.suggestions" and job.state == "done" and job.done == 2
    assert job.params == {"programme": programme.pk}
    assert sheet(client.get(f"/exports/{job.pk}/download/")) == at_once
    client.force_login(placed.secretary)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
