"""Pages of typical cases: the submit form (with its server-side character count), a case's page
with its photos, review buttons and outsiders, editing a returned case, the review inbox, the
public featured pages, home panels and the navigation."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from qingshe.programmes.models import Programme
from qingshe.reports.models import CasePhoto, TypicalCase
from qingshe.reports.services import case_review
from qingshe.reports.tests.conftest import TEXT, fake_pdf, photo, photos, stored_files

HX = {"HTTP_HX_REQUEST": "true"}


def _form(programme: Programme, department: Any, **kw: Any) -> dict[str, Any]:
    return {
        "programme": programme.pk,
        "department": department.pk,
        "title": "四点半课堂",
        "text": TEXT,
        "photos": photos(5),
        **kw,
    }


def test_submit_page_and_a_good_submission(
    city: SimpleNamespace, programme: Programme, media_root: Path, client: Any
) -> None:
    client.force_login(city.department_admin)
    page = client.get("/cases/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        "报送典型案例" in html and "正文不少于 1000 字，照片不少于 5 张、每张不小于 1024 KB" in html
    )
    assert 'hx-post="/cases/count/"' in html and "已写 0 字（至少 1000 字）" in html
    assert "<script" not in html.split("</head>")[1]  # no inline script in the page's body
    r = client.post("/cases/new/", _form(programme, city.department))
    case = TypicalCase.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/"
    assert case.photos.count() == 5
    html = client.get(r["Location"]).content.decode()
    assert "典型案例已提交，等待团委审核。" in html and "已提交" in html and "1020 字" in html
    assert (
        html.count(f"/cases/{case.pk}/photos/") >= 10
    )  # five thumbnails, each linking to its photo


def test_bad_submission_shows_the_message_and_keeps_the_text(
    city: SimpleNamespace, programme: Programme, media_root: Path, client: Any
) -> None:
    client.force_login(city.department_admin)
    files = photos(5)
    files[2] = photo("会议纪要.jpg", data=fake_pdf())
    r = client.post("/cases/new/", _form(programme, city.department, photos=files))
    html = r.content.decode()
    assert r.status_code == 422
    assert "“会议纪要.jpg”不是照片，请上传 JPEG、PNG 或 WebP 格式的图片。" in html
    assert "社区青春行动社区青春行动" in html  # the text stays in the form
    r = client.post("/cases/new/", _form(programme, city.department, text="社区" * 499 + "行"))
    html = r.content.decode()
    assert (
        "典型案例正文至少 1000 字，当前只有 999 字。" in html
        and "已写 999 字（至少 1000 字）" in html
        and "还差 1 字" in html
    )
    r = client.post("/cases/new/", _form(programme, city.department, photos=photos(4)))
    assert "典型案例至少需要 5 张照片，当前只有 4 张。" in r.content.decode()
    assert (
        not TypicalCase.objects.exists()
        and not CasePhoto.objects.exists()
        and stored_files(media_root) == []
    )


def test_live_character_count(city: SimpleNamespace, programme: Programme, client: Any) -> None:
    client.force_login(city.department_admin)
    r = client.post(
        "/cases/count/", {"text": "社区 青春\n行动" * 10, "programme": programme.pk}, **HX
    )
    html = r.content.decode()
    assert r.status_code == 200 and html.strip().startswith('<p id="case-count"')
    assert (
        "已写 60 字（至少 1000 字）" in html
        and "还差 940 字" in html
        and "case-count--short" in html
    )
    Programme.objects.filter(pk=programme.pk).update(case_min_chars=50)
    html = client.post(
        "/cases/count/", {"text": "社区 青春\n行动" * 10, "programme": programme.pk}, **HX
    ).content.decode()
    assert "已写 60 字（至少 50 字）" in html and "case-count--ok" in html and "还差" not in html


def test_who_may_submit_and_see(city: SimpleNamespace, submit: Any, client: Any) -> None:
    case = submit()
    photo_id = case.photos.first().pk
    for outsider in (city.student, city.other_staff, city.district_admin):
        client.force_login(outsider)
        assert client.get(f"/cases/{case.pk}/").status_code == 404
        assert client.get(f"/cases/{case.pk}/photos/{photo_id}/").status_code == 404
        assert client.get(f"/cases/{case.pk}/photos/{photo_id}/thumb/").status_code == 404
        assert client.get("/cases/new/").status_code == 403
        assert "四点半课堂" not in client.get("/cases/").content.decode()
    client.force_login(city.secretary)  # sees the department's cases, cannot submit or review
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "周末课堂" in html and "/review/" not in html
    assert client.get("/cases/new/").status_code == 403
    assert client.post(f"/cases/{case.pk}/review/", {"decision": "accept"}).status_code == 403
    client.logout()
    assert client.get(f"/cases/{case.pk}/").status_code == 302  # to the login page


def test_photo_is_served_with_safe_headers(city: SimpleNamespace, submit: Any, client: Any) -> None:
    case = submit()
    p = case.photos.get(order=1)
    client.force_login(city.university_admin)
    r = client.get(f"/cases/{case.pk}/photos/{p.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff" and r["Cache-Control"].startswith("private")
    assert r["Content-Disposition"].startswith("inline;")
    thumb = client.get(f"/cases/{case.pk}/photos/{p.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_league_reviews_from_the_case_page(city: SimpleNamespace, submit: Any, client: Any) -> None:
    case = submit()
    client.force_login(city.league_admin)
    inbox = client.get("/cases/review/").content.decode()
    assert "周末课堂" in inbox and "待审核的典型案例" in inbox
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "采用" in html and "列为精选并公开展示" in html and "退回修改" in html
    # Returning without comments: the message lands on the comments field (htmx: 200 partial).
    r = client.post(f"/cases/{case.pk}/review/", {"decision": "return", "note": ""}, **HX)
    assert r.status_code == 200 and "请说明需要修改的内容。" in r.content.decode()
    assert TypicalCase.objects.get().state == TypicalCase.State.SUBMITTED
    r = client.post(f"/cases/{case.pk}/review/", {"decision": "feature", "note": "写得好"}, **HX)
    html = r.content.decode()
    assert r.status_code == 200 and html.strip().startswith('<div id="workflow"')
    assert "已完成：案例现为“精选展示”。" in html and "在公开页面查看" in html
    r = client.post(f"/cases/{case.pk}/review/", {"decision": "feature"})
    assert r.status_code == 409 and "该案例已经是“精选展示”。" in r.content.decode()
    assert "周末课堂" not in client.get("/cases/review/").content.decode()
    client.force_login(city.university_admin)
    assert client.get("/cases/review/").status_code == 403


def test_returned_case_is_edited_on_its_page(
    city: SimpleNamespace, submit: Any, client: Any, media_root: Path
) -> None:
    case = case_review(
        actor=city.league_admin, case=submit(), decision="return", note="请补充服务数据"
    )
    client.force_login(city.department_admin)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "请补充服务数据" in html and f'href="/cases/{case.pk}/edit/"' in html
    page = client.get(f"/cases/{case.pk}/edit/").content.decode()
    assert (
        "修改并重新提交案例" in page and "请补充服务数据" in page and page.count('name="keep"') == 5
    )
    old = list(case.photos.order_by("order").values_list("pk", flat=True))
    r = client.post(f"/cases/{case.pk}/edit/", {"title": "修改稿", "text": TEXT, "keep": old[:4]})
    assert r.status_code == 422 and "当前只有 4 张" in r.content.decode()
    r = client.post(
        f"/cases/{case.pk}/edit/",
        {"title": "修改稿", "text": TEXT, "keep": old[:4], "photos": [photo("补.jpg", seed=9)]},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert (
        case.state == TypicalCase.State.SUBMITTED
        and case.title == "修改稿"
        and case.photos.count() == 5
    )
    assert (
        client.get(f"/cases/{case.pk}/edit/").status_code == 302
    )  # no longer returned: back to the case
    client.force_login(city.secretary)
    assert client.get(f"/cases/{case.pk}/edit/").status_code in (302, 403)


def test_public_featured_pages(city: SimpleNamespace, submit: Any, client: Any) -> None:
    featured = case_review(
        actor=city.league_admin,
        case=submit(title="四点半课堂的故事"),
        decision="feature",
        note="好",
    )
    hidden = submit(title="还在审核")
    r = client.get("/cases/featured/")  # anonymous
    html = r.content.decode()
    assert (
        r.status_code == 200
        and "精选典型案例" in html
        and "四点半课堂的故事" in html
        and "还在审核" not in html
    )
    assert city.department_admin.name not in html and city.league_admin.name not in html
    r = client.get(f"/cases/featured/{featured.pk}/")
    html = r.content.decode()
    assert r.status_code == 200 and "社区青春行动" in html and city.department.name in html
    assert city.department_admin.name not in html and city.league_admin.name not in html
    first = featured.photos.get(order=1)
    img = client.get(f"/cases/featured/{featured.pk}/photos/{first.pk}/thumb/")
    assert img.status_code == 200 and img["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/cases/featured/{hidden.pk}/").status_code == 404
    assert (
        client.get(f"/cases/featured/{hidden.pk}/photos/{hidden.photos.first().pk}/").status_code
        == 404
    )
    # Taken off the page, it is gone for the public.
    case_review(actor=city.league_admin, case=featured, decision="accept")
    assert client.get(f"/cases/featured/{featured.pk}/").status_code == 404


def test_list_page_query_count(
    city: SimpleNamespace, submit: Any, client: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(3):
        submit(title=f"案例{i}")
    client.force_login(city.university_admin)
    client.get("/cases/")  # warm the session
    with django_assert_max_num_queries(12):
        html = client.get("/cases/").content.decode()
    assert "共 3 个案例" in html and "照片 5 张" in html
    with django_assert_max_num_queries(12):
        r = client.get("/cases/?state=returned", **HX)
    assert "暂无典型案例。" in r.content.decode() and "<html" not in r.content.decode()
    for _i in range(2):
        case_review(
            actor=city.league_admin,
            case=TypicalCase.objects.filter(state="submitted").earliest("pk"),
            decision="feature",
        )
    client.logout()
    with django_assert_max_num_queries(6):
        html = client.get("/cases/featured/").content.decode()
    assert html.count("featured-card__title") == 2


def test_home_panels_and_navigation(
    city: SimpleNamespace, programme: Programme, submit: Any, client: Any
) -> None:
    case = submit()
    submit(title="第二个")
    case_review(actor=city.league_admin, case=case, decision="return", note="请修改")
    client.force_login(city.league_admin)
    html = client.get("/").content.decode()
    assert "待审核的典型案例" in html and "第二个" in html and 'href="/cases/"' in html
    client.force_login(city.department_admin)
    html = client.get("/").content.decode()
    assert "本院系的典型案例" in html and "已退回修改：周末课堂" in html
    assert "2026 社区青春行动：已报送典型案例 1 个，应报 3 个" in html and "还差 2 个" in html
    client.force_login(city.student)
    html = client.get("/").content.decode()
    assert 'href="/cases/"' not in html and "本院系的典型案例" not in html


def test_no_open_programme_says_so(
    city: SimpleNamespace, programme: Programme, client: Any
) -> None:
    Programme.objects.filter(pk=programme.pk).update(state=Programme.State.CLOSED)
    client.force_login(city.department_admin)
    html = client.get("/cases/new/").content.decode()
    assert (
        "目前没有覆盖本院系的进行中的年度计划，暂时无处报送案例。" in html
        and 'name="title"' not in html
    )
