"""Hostile input (issue 11 item 5): oversized bodies, file names that climb out of the upload
folder, pages and scripts disguised as photos, SQL metacharacters in filters.

- A body over DATA_UPLOAD_MAX_MEMORY_SIZE (lowered here) is refused with 400/413 and a clear
  message, page and API, and nothing is written.
- A photo named `../../etc/passwd.jpg` is stored under a generated name inside MEDIA_ROOT.
- An SVG or HTML file named .jpg/.png is refused by content (422), nothing stored.
- Every string query parameter of every API list (from the OpenAPI schema), and the `q` of the
  list pages, given `' OR 1=1 --`, `%`, `_` and `\\`: no 5xx; text searches find nothing (the demo
  city has no such text), so LIKE wildcards and quotes are taken literally.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import get_resolver
from PIL import Image

from qingshe.accounts.models import User
from qingshe.accounts.services import token_issue
from qingshe.needs.models import Need, NeedPhoto

API = "/api/v1"
METACHARACTERS = ("' OR 1=1 --", "%", "_", "\\", "'; DROP TABLE needs_need; --")
# Query parameters that search text: with the values above they must find nothing.
TEXT_SEARCH = {"q", "search", "name", "title"}

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
# A GIF header followed by a page: "polyglot" files pass a magic-number check.
GIF_HTML = b"GIF89a<html><script>alert(1)</script></html>"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def _api(user: Any) -> Client:
    raw, _token = token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans")


def _need(city: SimpleNamespace) -> Need:
    from qingshe.needs import services

    return services.need_submit(
        actor=city.resident,
        community=city.community,
        title="换灯泡",
        project_type="governance",
        service_field="technology",
    )


# --- oversized bodies ----------------------------------------------------------------------------
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=20_000)
def test_an_oversized_api_body_is_refused_and_nothing_written(city: SimpleNamespace) -> None:
    before = Need.objects.count()
    body = {
        "community": city.community.pk,
        "title": "大请求",
        "project_type": "governance",
        "service_field": "technology",
        "description": "长" * 30_000,
    }
    r = _api(city.resident).post(f"{API}/needs", json.dumps(body), content_type="application/json")
    assert r.status_code == 413, r.status_code
    payload = r.json()
    assert payload["code"] == "request_too_large", payload
    assert "请求内容过大" in payload["detail"]
    assert Need.objects.count() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=20_000)
def test_an_oversized_form_post_is_refused_and_nothing_written(city: SimpleNamespace) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(city.resident)
    before = Need.objects.count()
    r = client.post(
        "/needs/order/",
        {"step": "2", "community": str(city.community.pk), "description": "长" * 30_000},
    )
    assert r.status_code == 400
    text = r.content.decode()
    assert "无法识别该请求" in text and "分次少量提交" in text
    assert Need.objects.count() == before


@override_settings(QINGSHE_MAX_REQUEST_MB=1)
def test_a_huge_upload_is_refused_before_anything_reads_it(city: SimpleNamespace) -> None:
    """Files are not counted by DATA_UPLOAD_MAX_MEMORY_SIZE and the CSRF check parses any POST,
    signed in or not: the ceiling (QINGSHE_MAX_REQUEST_MB) refuses the body unread."""
    blob = SimpleUploadedFile("big.jpg", b"\xff" * (2 * 1024 * 1024), "image/jpeg")
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/accounts/login/", {"username": "x", "password": "y", "file": blob}
    )
    assert page.status_code == 413
    assert "分次少量提交" in page.content.decode()
    need = _need(city)
    blob.seek(0)
    files_before = _media_files()
    r = _api(city.resident).post(f"{API}/needs/{need.pk}/photos", {"files": [blob]})
    assert r.status_code == 413
    assert r.json()["code"] == "request_too_large"
    assert "最多 1 MB" in r.json()["detail"]
    assert not NeedPhoto.objects.filter(need=need).exists()
    assert _media_files() == files_before
    # Below the ceiling the same endpoint works.
    small = _api(city.resident).post(
        f"{API}/needs/{need.pk}/photos",
        {"files": [SimpleUploadedFile("ok.jpg", _jpeg(), "image/jpeg")]},
    )
    assert small.status_code == 201


def test_a_photo_over_the_size_limit_is_refused_clearly(
    city: SimpleNamespace, settings: Any
) -> None:
    settings.QINGSHE_PHOTO_MAX_BYTES = 2_000
    need = _need(city)
    big = io.BytesIO()
    Image.effect_noise((300, 300), 80).convert("RGB").save(big, "JPEG", quality=95)
    assert len(big.getvalue()) > 2_000
    r = _api(city.resident).post(
        f"{API}/needs/{need.pk}/photos",
        {"files": [SimpleUploadedFile("big.jpg", big.getvalue(), "image/jpeg")]},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "photo_too_large"
    assert "MB" in r.json()["detail"] or "兆" in r.json()["detail"]
    assert not NeedPhoto.objects.filter(need=need).exists()


# --- upload names and disguised files ------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["../../etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg", "/etc/x.jpg"]
)
def test_a_climbing_file_name_is_stored_under_a_generated_name(
    city: SimpleNamespace, name: str
) -> None:
    need = _need(city)
    r = _api(city.resident).post(
        f"{API}/needs/{need.pk}/photos",
        {"files": [SimpleUploadedFile(name, _jpeg(), "image/jpeg")]},
    )
    assert r.status_code == 201, r.content[:300]
    photo = NeedPhoto.objects.get(need=need)
    stored = Path(photo.file.path).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    assert stored.is_relative_to(media)
    assert stored.parent == media / "needs" / str(need.pk)
    assert "passwd" not in photo.file.name and "win.ini" not in photo.file.name
    assert ".." not in photo.file.name
    assert not (media.parent / "etc").exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("cat.jpg", SVG, "image/jpeg"),
        ("cat.png", SVG, "image/svg+xml"),
        ("cat.png", HTML, "image/png"),
        ("cat.jpg", GIF_HTML, "image/jpeg"),
    ],
)
def test_a_page_or_script_disguised_as_a_photo_is_refused(
    city: SimpleNamespace, name: str, content: bytes, content_type: str
) -> None:
    need = _need(city)
    files_before = _media_files()
    r = _api(city.resident).post(
        f"{API}/needs/{need.pk}/photos",
        {"files": [SimpleUploadedFile(name, content, content_type)]},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "photo_not_image"
    assert "JPEG" in r.json()["detail"]
    assert not NeedPhoto.objects.filter(need=need).exists()
    assert _media_files() == files_before


def _media_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_a_disguised_file_is_refused_on_the_page_too(city: SimpleNamespace) -> None:
    need = _need(city)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(city.resident)
    r = client.post(
        f"/needs/{need.pk}/photos/",
        {"photos": [SimpleUploadedFile("cat.jpg", SVG, "image/jpeg")], "stage": "intake"},
    )
    assert r.status_code in (200, 302, 422)
    assert not NeedPhoto.objects.filter(need=need).exists()


def test_an_accepted_photo_is_served_as_an_image_not_sniffed(city: SimpleNamespace) -> None:
    need = _need(city)
    api = _api(city.resident)
    r = api.post(
        f"{API}/needs/{need.pk}/photos",
        {"files": [SimpleUploadedFile("x.html", _jpeg(), "text/html")]},
    )
    assert r.status_code == 201
    photo = NeedPhoto.objects.get(need=need)
    got = api.get(f"{API}/needs/{need.pk}/photos/{photo.pk}")
    assert got["Content-Type"] == "image/jpeg"
    assert got["X-Content-Type-Options"] == "nosniff"


# --- SQL metacharacters in filters ---------------------------------------------------------------
@pytest.fixture
def demo(db: Any) -> None:
    from qingshe.demo.builder import build_demo

    build_demo(seed=2026, size=0.05, today=date(2026, 11, 22), log=lambda _line: None)


def _string_query_params(operation: dict[str, Any]) -> list[str]:
    names = []
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query" or parameter["name"] in ("page", "page_size"):
            continue
        schema = parameter.get("schema", {})
        kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
        if "string" in kinds:
            names.append(parameter["name"])
    return names


@pytest.mark.django_db
def test_sql_metacharacters_in_every_api_list_filter(demo: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    failures: list[str] = []
    searched = 0
    tried = 0
    for login in ("league_admin", "community_staff", "student"):
        client = _api(User.objects.get(username=login))
        for path, operations in schema["paths"].items():
            operation = operations.get("get")
            if not operation or "{" in path:
                continue
            for name in _string_query_params(operation):
                for value in METACHARACTERS:
                    r = client.get(path, {name: value})
                    tried += 1
                    if r.status_code >= 500:
                        failures.append(f"{login} GET {path}?{name}={value!r}: {r.status_code}")
                        continue
                    if r.status_code not in (200, 403, 404, 422):
                        failures.append(f"{login} GET {path}?{name}={value!r}: {r.status_code}")
                        continue
                    if r.status_code == 200 and name in TEXT_SEARCH:
                        body = r.json()
                        count = body.get("count") if isinstance(body, dict) else len(body)
                        searched += 1
                        if count:
                            failures.append(
                                f"{login} GET {path}?{name}={value!r}: {count} rows found"
                            )
    assert tried > 100 and searched > 10, (tried, searched)
    assert not failures, "\n".join(failures[:50])


def _list_pages() -> list[str]:
    from qingshe.core.tests.test_access_matrix import _pages

    pages = []
    for route in _pages(get_resolver().url_patterns):
        if "<" in route or route.startswith(("api/", "admin/", "static/", "media/", "^", "i18n/")):
            continue
        pages.append("/" + route)
    return pages


@pytest.mark.django_db
def test_sql_metacharacters_in_the_search_of_every_list_page(demo: None) -> None:
    failures: list[str] = []
    empty = 0
    for login in ("league_admin", "community_staff"):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
        client.force_login(User.objects.get(username=login))
        for url in _list_pages():
            baseline = client.get(url)
            if baseline.status_code != 200 or not baseline.get("Content-Type", "").startswith(
                "text/html"
            ):
                continue
            for value in METACHARACTERS:
                r = client.get(url, {"q": value, "state": value, "month": value, "status": value})
                if r.status_code >= 500:
                    failures.append(f"{login} GET {url}?q={value!r}: {r.status_code}")
                elif r.status_code == 200 and b'name="q"' in r.content:
                    empty += 1
    assert empty > 10, empty
    assert not failures, "\n".join(failures[:50])


@pytest.mark.django_db
def test_the_need_board_search_takes_wildcards_literally(demo: None) -> None:
    """The control of the sweep above: a search by % or _ finds nothing, a search by real text
    finds its rows (so "nothing" is not a broken search)."""
    client = _api(User.objects.get(username="league_admin"))
    everything = client.get(f"{API}/needs").json()["count"]
    assert everything > 5
    some = Need.objects.order_by("pk").first()
    assert client.get(f"{API}/needs", {"q": some.title[:4]}).json()["count"] >= 1
    for value in METACHARACTERS:
        assert client.get(f"{API}/needs", {"q": value}).json()["count"] == 0, value


# --- roster imports: climbing names, disguised files, formulas echoed back -----------------------
def test_an_import_with_a_climbing_name_is_stored_under_a_generated_name(
    city: SimpleNamespace,
) -> None:
    from qingshe.imports.models import ImportJob
    from qingshe.imports.tests.conftest import rows, upload, workbook_bytes

    api = _api(city.league_admin)
    # The job is not run (its task waits for the commit): the upload stays where it was stored.
    r = api.post(
        f"{API}/imports",
        {"file": upload(workbook_bytes(students=rows(2)), "../../../etc/<b>名册</b>.xlsx")},
    )
    assert r.status_code == 202, r.content[:300]
    job = ImportJob.objects.get(pk=r.json()["id"])
    stored = Path(job.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert job.file.name.startswith("imports/") and ".." not in job.file.name
    assert "名册" not in job.file.name
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(city.league_admin)
    body = page.get(f"/imports/{job.pk}/").content.decode()
    assert "<b>名册</b>" not in body


@pytest.mark.parametrize("content", [HTML, SVG, b"PK\x03\x04" + HTML])
def test_a_page_disguised_as_a_workbook_is_refused(city: SimpleNamespace, content: bytes) -> None:
    from qingshe.imports.models import ImportJob
    from qingshe.imports.tests.conftest import upload

    files_before = _media_files()
    r = _api(city.league_admin).post(f"{API}/imports", {"file": upload(content, "名册.xlsx")})
    assert r.status_code == 422, r.content[:300]
    assert r.json()["detail"]
    assert not ImportJob.objects.exists()
    assert _media_files() == files_before


def test_the_import_error_file_does_not_turn_typed_text_into_formulas(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    """The rows with errors go back to the uploader as they were: a name typed as
    =HYPERLINK(...) (a text cell in the upload) must come back as text, not as a live formula."""
    from openpyxl import load_workbook

    from qingshe.imports.tests.conftest import rows, upload, workbook_bytes

    students = rows(3)
    students[1][1] = "12"  # an invalid phone: the row goes to the error file
    upload_book = load_workbook(io.BytesIO(workbook_bytes(students=students)))
    sheet = next(ws for ws in upload_book.worksheets if ws.max_row >= 4)
    # A text cell (openpyxl would write a formula for a plain "=…" value).
    sheet["A3"].value = '=HYPERLINK("http://evil.example","点我")'
    sheet["A3"].data_type = "s"
    buffer = io.BytesIO()
    upload_book.save(buffer)
    api = _api(city.league_admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"{API}/imports", {"file": upload(buffer.getvalue()), "valid_only": "true"})
    assert r.status_code == 202, r.content[:300]
    job = api.get(f"{API}/imports/{r.json()['id']}").json()
    assert job["error_rows"] == 1 and job["error_file_url"]
    got = api.get(job["error_file_url"])
    content = b"".join(got.streaming_content) if got.streaming else got.content
    book = load_workbook(io.BytesIO(content))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [str(c.value) for c in cells]
    assert any(v.startswith("'=HYPERLINK") for v in values), " | ".join(values)


@pytest.mark.parametrize("name", ["../../etc/cron.d/x", "..\\..\\boot", "a/b:c*?<>|", "..", "  . "])
def test_a_person_s_name_cannot_climb_out_of_the_transcripts_zip(name: str) -> None:
    """The department's transcripts ZIP names each PDF after the student: a "/" or ".." in a
    typed name would put the entry elsewhere on the disk of whoever unpacks it (zip slip)."""
    from qingshe.credit.tasks import _entry_name

    entry = _entry_name(SimpleNamespace(name=name, volunteer_no="QZ0001"))
    assert entry.startswith("QZ0001-") and entry.endswith(".pdf")
    assert "/" not in entry and "\\" not in entry and ".." not in entry
    assert _entry_name(SimpleNamespace(name="王浩然", volunteer_no="QZ0002")) == "QZ0002-王浩然.pdf"


# --- redirects named in a form -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("https://evil.example/phish", False),
        ("//evil.example/phish", False),
        ("/care/visits/", True),
    ],
)
def test_a_form_s_next_cannot_send_the_person_to_another_site(
    care_world: SimpleNamespace, target: str, kept: bool
) -> None:
    """care's confirm/reject buttons go back to `next`: only a page of this site (it was an
    open redirect)."""
    from qingshe.care import services as care_services
    from qingshe.care.tests.conftest import past

    c = care_world
    visit = care_services.visit_log(
        actor=c.tutor, relationship=c.relationship, started_at=past(), minutes=60, done="辅导作业"
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(c.supervisor)
    r = client.post(f"/care/visits/{visit.pk}/confirm/", {"next": target})
    assert r.status_code == 302
    location = r["Location"]
    assert location == (target if kept else f"/care/relationships/{c.relationship.pk}/")
    assert "evil.example" not in location


@pytest.fixture
def care_world(city: SimpleNamespace) -> SimpleNamespace:
    from qingshe.care.tests.conftest import care

    return care.__wrapped__(city)
