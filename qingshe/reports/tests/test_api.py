"""API of typical cases: multipart submission with photos, bad input with Chinese messages and
nothing written, who sees and reviews what, resubmission, photos with safe headers, the public
list of featured cases."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from qingshe.api.tests.utils import API, api_client, assert_error
from qingshe.core.models import Notification
from qingshe.programmes.models import Programme
from qingshe.reports.models import CasePhoto, TypicalCase
from qingshe.reports.services import case_review
from qingshe.reports.tests.conftest import TEXT, fake_pdf, padded_jpeg, photo, photos, stored_files

MB = 1024 * 1024


def _post_case(
    client: Any,
    programme: Programme,
    department: Any,
    *,
    text: str = TEXT,
    files: list[Any] | None = None,
    **extra: Any,
) -> Any:
    data: dict[str, Any] = {
        "programme": programme.pk,
        "department": department.pk,
        "title": "四点半课堂",
        "text": text,
        "photos": files if files is not None else photos(5),
        **extra,
    }
    return client.post(f"{API}/cases", data)


def test_department_admin_submits_with_photos(
    city: SimpleNamespace, programme: Programme, media_root: Path
) -> None:
    client = api_client(city.department_admin)
    r = _post_case(client, programme, city.department)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "submitted" and body["state_label"] == "已提交"
    assert body["chars"] == 1020 and body["photo_count"] == 5
    assert [p["order"] for p in body["photos"]] == [1, 2, 3, 4, 5]
    assert all(p["size"] >= MB for p in body["photos"])
    assert body["actions"] == {"review": False, "resubmit": False}

    image = client.get(body["photos"][0]["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["X-Content-Type-Options"] == "nosniff" and "private" in image["Cache-Control"]
    thumb = client.get(body["photos"][0]["thumbnail_url"])
    assert thumb.status_code == 200 and len(thumb.getvalue()) < len(image.getvalue())


@pytest.mark.parametrize(
    ("change", "code", "detail"),
    [
        (
            {"text": "社区" * 499 + "行"},
            "text_too_short",
            "典型案例正文至少 1000 字，当前只有 999 字。",
        ),
        ({"files": 4}, "photos_too_few", "典型案例至少需要 5 张照片，当前只有 4 张。"),
        (
            {"small": True},
            "photo_too_small",
            "“小照片.jpg”只有 0.9 MB，典型案例的每张照片至少 1 MB。",
        ),
        (
            {"pdf": True},
            "photo_not_image",
            "“材料.jpg”不是照片，请上传 JPEG、PNG 或 WebP 格式的图片。",
        ),
        ({"files": 0}, "photos_too_few", "典型案例至少需要 5 张照片，当前只有 0 张。"),
    ],
)
def test_bad_input_answers_422_and_writes_nothing(
    city: SimpleNamespace,
    programme: Programme,
    media_root: Path,
    change: dict[str, Any],
    code: str,
    detail: str,
) -> None:
    files = photos(change["files"]) if "files" in change else photos(5)
    if change.get("small"):
        files[1] = photo("小照片.jpg", data=padded_jpeg(int(0.9 * MB)))
    if change.get("pdf"):
        files[3] = photo("材料.jpg", data=fake_pdf())
    r = _post_case(
        api_client(city.department_admin),
        programme,
        city.department,
        text=change.get("text", TEXT),
        files=files,
    )
    body = assert_error(r, 422, code)
    assert body["detail"] == detail
    assert (
        not TypicalCase.objects.exists()
        and not CasePhoto.objects.exists()
        and stored_files(media_root) == []
    )


def test_english_messages_for_an_english_client(
    city: SimpleNamespace, programme: Programme, media_root: Path
) -> None:
    r = _post_case(
        api_client(city.department_admin, language="en"),
        programme,
        city.department,
        files=photos(4),
    )
    assert (
        assert_error(r, 422, "photos_too_few")["detail"]
        == "A typical case needs at least 5 photos; it has 4."
    )


def test_who_may_submit(city: SimpleNamespace, programme: Programme, media_root: Path) -> None:
    assert_error(
        _post_case(api_client(city.secretary), programme, city.department), 403, "forbidden"
    )
    # A department the caller cannot see is not found, named by its field.
    body = assert_error(
        _post_case(api_client(city.other_staff), programme, city.department), 404, "not_found"
    )
    assert body["field"] in {"programme", "department"}
    assert api_client().post(f"{API}/cases", {}).status_code == 401
    assert not TypicalCase.objects.exists()


def test_who_sees_a_case(city: SimpleNamespace, submit: Any) -> None:
    case = submit()
    for viewer in (city.department_admin, city.secretary, city.university_admin, city.league_admin):
        client = api_client(viewer)
        assert client.get(f"{API}/cases/{case.pk}").status_code == 200, viewer
        assert client.get(f"{API}/cases").json()["count"] == 1
    for outsider in (city.student, city.other_staff, city.district_admin, city.resident):
        client = api_client(outsider)
        assert_error(client.get(f"{API}/cases/{case.pk}"), 404, "not_found")
        assert_error(
            client.get(f"{API}/cases/{case.pk}/photos/{case.photos.first().pk}"), 404, "not_found"
        )
        assert client.get(f"{API}/cases").json() == {"items": [], "count": 0}


def test_review_through_the_api(
    city: SimpleNamespace, submit: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = submit()
    assert_error(
        api_client(city.university_admin).post(
            f"{API}/cases/{case.pk}/review", {"decision": "accept"}, content_type="application/json"
        ),
        403,
        "forbidden",
    )
    league = api_client(city.league_admin)
    assert league.api_get(f"/cases/{case.pk}").json()["actions"]["review"] is True
    assert league.api_get("/cases", {"to_review": "true"}).json()["count"] == 1
    assert_error(
        league.api_post(f"/cases/{case.pk}/review", {"decision": "return"}), 422, "reason_required"
    )
    assert_error(
        league.api_post(f"/cases/{case.pk}/review", {"decision": "publish"}), 422, "invalid_input"
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = league.api_post(
            f"/cases/{case.pk}/review", {"decision": "return", "note": "请补充服务数据"}
        )
    assert (
        r.status_code == 200
        and r.json()["state"] == "returned"
        and r.json()["review_note"] == "请补充服务数据"
    )
    assert Notification.objects.filter(user=city.department_admin, kind="case.returned").exists()
    assert_error(
        league.api_post(f"/cases/{case.pk}/review", {"decision": "accept"}), 409, "invalid_state"
    )
    assert league.api_get("/cases", {"to_review": "true"}).json()["count"] == 0


def test_returned_case_resubmitted_through_the_api(
    city: SimpleNamespace, submit: Any, media_root: Path
) -> None:
    case = case_review(actor=city.league_admin, case=submit(), decision="return", note="请更换照片")
    client = api_client(city.department_admin)
    assert client.api_get(f"/cases/{case.pk}").json()["actions"]["resubmit"] is True
    old = list(case.photos.order_by("order").values_list("pk", flat=True))
    # Keeping two and adding two is one short: refused, nothing changed.
    r = client.post(
        f"{API}/cases/{case.pk}/resubmit",
        {
            "title": "修改稿",
            "text": TEXT,
            "keep": f"{old[0]},{old[1]}",
            "photos": [photo("新1.jpg", seed=6), photo("新2.jpg", seed=7)],
        },
    )
    assert (
        assert_error(r, 422, "photos_too_few")["detail"]
        == "典型案例至少需要 5 张照片，当前只有 4 张。"
    )
    assert list(case.photos.order_by("order").values_list("pk", flat=True)) == old
    r = client.post(
        f"{API}/cases/{case.pk}/resubmit",
        {
            "title": "修改稿",
            "text": TEXT,
            "keep": f"{old[0]},{old[1]},{old[4]}",
            "photos": [photo("新1.jpg", seed=6), photo("新2.jpg", seed=7)],
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "submitted" and body["title"] == "修改稿"
    assert [p["id"] for p in body["photos"][:3]] == [old[0], old[1], old[4]] and len(
        body["photos"]
    ) == 5
    assert_error(
        client.post(f"{API}/cases/{case.pk}/resubmit", {"title": "再改", "text": TEXT}),
        409,
        "invalid_state",
    )
    assert_error(
        api_client(city.secretary).post(
            f"{API}/cases/{case.pk}/resubmit", {"title": "再改", "text": TEXT}
        ),
        403,
        "forbidden",
    )


def test_featured_cases_are_public(city: SimpleNamespace, submit: Any) -> None:
    featured = case_review(actor=city.league_admin, case=submit(title="精选"), decision="feature")
    submit(title="未审核")
    anonymous = api_client()
    body = anonymous.get(f"{API}/cases/featured").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (
        item["title"] == "精选"
        and len(item["photos"]) == 5
        and item["page_url"] == f"/cases/featured/{featured.pk}/"
    )
    assert "submitted_by" not in item and "review_note" not in item
    assert anonymous.get(item["thumbnails"][0]).status_code == 200
    assert anonymous.get(f"{API}/cases/{featured.pk}").status_code == 401


def test_list_filters_and_query_count(
    city: SimpleNamespace, submit: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(4):
        submit(title=f"案例{i}")
    case_review(
        actor=city.league_admin, case=TypicalCase.objects.earliest("pk"), decision="feature"
    )
    client = api_client(city.university_admin)
    with django_assert_max_num_queries(8):
        body = client.api_get("/cases", {"page_size": 3}).json()
    assert body["count"] == 4 and len(body["items"]) == 3
    assert client.api_get("/cases", {"state": "featured"}).json()["count"] == 1
    assert (
        client.api_get(
            "/cases",
            {
                "department": city.department.pk,
                "programme": TypicalCase.objects.earliest("pk").programme_id,
            },
        ).json()["count"]
        == 4
    )
    assert_error(client.api_get("/cases", {"state": "lost"}), 422, "invalid_input")
