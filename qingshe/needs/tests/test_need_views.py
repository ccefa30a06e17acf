"""Need pages: ordering on a phone (resident, and staff for a resident), possible duplicates and
"follow this instead", the board (filters, counts, pagination, empty), a need's page with every
button through to closing, photos, my orders, home panels; outsiders get 404; bounded queries."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshe.needs import services
from qingshe.needs.models import Need, NeedFollower, NeedPhoto, NeedWindow
from qingshe.needs.tests.needs_support import image_bytes, in_progress, photo, submit

HX = {"HTTP_HX_REQUEST": "true"}
ORDER = "/needs/order/"


def _day(days: int = 2) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _step2(city: Any, **extra: Any) -> dict[str, Any]:
    return {
        "step": "2",
        "community": city.community.pk,
        "title": "楼道灯坏了",
        "description": "",
        "project_type": "governance",
        "day": _day(),
        "period": "afternoon",
        "address": "3号楼",
        **extra,
    }


# --- ordering -----------------------------------------------------------------------------------
def test_resident_orders_in_two_steps(client, city, media_root) -> None:
    client.force_login(city.resident)
    page = client.get(ORDER).content.decode()
    assert 'class="order"' in page and "您需要什么帮助" in page and "社区治理" in page
    assert 'name="resident"' not in page  # residents order for themselves
    html = client.post(
        ORDER, {"step": "1", "community": city.community.pk, "title": "", "project_type": ""}, **HX
    ).content.decode()
    assert "请简要说明需要什么" in html and "请点选您需要的帮助类别" in html and "<html" not in html
    html = client.post(
        ORDER,
        {
            "step": "1",
            "community": city.community.pk,
            "title": "楼道灯坏了",
            "project_type": "governance",
        },
        **HX,
    ).content.decode()
    assert 'name="step" value="2"' in html and "哪一天" in html and "是不是这些中的一个" not in html
    response = client.post(ORDER, {**_step2(city), "urgent": "on", "photos": [photo("灯.jpg")]})
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/needs/{need.pk}/"
    assert (
        need.reporter == city.resident and need.urgency == 1 and need.service_field == "governance"
    )
    window = NeedWindow.objects.get(need=need)
    start = timezone.localtime(window.starts_at)
    assert (start.date().isoformat(), start.strftime("%H:%M")) == (_day(), "14:00")
    assert need.photos.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "点单已提交" in page and "待受理" in page and "楼道灯坏了" in page


@pytest.mark.parametrize(
    ("extra", "message", "status"),
    [
        ({"day": "2020-01-01"}, "这一天已经过去", 422),
        ({"day": ""}, "请选择日期", 422),
        ({"photos": [photo("病毒.jpg", data=b"<script>alert(1)</script>")]}, "不是照片", 422),
        ({"photos": [photo("动图.gif", data=image_bytes("GIF"))]}, "格式不支持", 422),
    ],
)
def test_bad_order_is_refused_and_nothing_written(
    client, city, media_root, extra, message, status
) -> None:
    client.force_login(city.resident)
    response = client.post(ORDER, _step2(city, **extra))
    assert response.status_code == status
    assert message in response.content.decode()
    assert not Need.objects.exists() and not NeedPhoto.objects.exists()


def test_possible_duplicates_and_follow_instead(client, city, neighbour) -> None:
    original = submit(city, title="3号楼楼道灯不亮")
    # The neighbouring community's centre, about 150 m north.
    city.community2.lat, city.community2.lng = (
        city.community.lat + Decimal("0.00135"),
        city.community.lng,
    )
    city.community2.save(update_fields=["lat", "lng"])
    client.force_login(neighbour)
    html = client.post(
        ORDER,
        {
            "step": "1",
            "community": city.community2.pk,
            "title": "楼道灯坏了",
            "project_type": "governance",
        },
    ).content.decode()
    assert (
        "是不是这些中的一个" in html
        and "3号楼楼道灯不亮" in html
        and "关注这个，不再重复提交" in html
    )
    assert "同类需求" in html
    response = client.post(reverse("needs:follow", args=[original.pk]))
    assert response.status_code == 302 and response["Location"] == f"/needs/{original.pk}/"
    assert NeedFollower.objects.filter(need=original, user=neighbour).exists()
    page = client.get(response["Location"]).content.decode()
    assert (
        "您已关注这个需求" in page and not Need.objects.filter(community=city.community2).exists()
    )
    # Someone from another district cannot follow it, nor open it.
    client.force_login(city.other_resident)
    assert client.post(reverse("needs:follow", args=[original.pk])).status_code == 404


def test_staff_order_for_a_resident(client, city, media_root) -> None:
    city.resident.volunteer_no = "QS20260000001"
    city.resident.save(update_fields=["volunteer_no"])
    client.force_login(city.staff)
    html = client.post(
        ORDER,
        {
            "step": "1",
            "community": city.community.pk,
            "title": "帮我学手机",
            "project_type": "governance",
            "resident": "无此人",
        },
    ).content.decode()
    assert "本社区没有这个志愿者编号或姓名的居民" in html
    html = client.post(
        ORDER,
        {
            "step": "1",
            "community": city.community.pk,
            "title": "帮我学手机",
            "project_type": "governance",
            "resident": "QS20260000001",
        },
    ).content.decode()
    assert "正在为居民甲代录点单" in html and "更多设置" in html
    data = _step2(
        city,
        title="帮我学手机",
        resident="QS20260000001",
        resident_id=city.resident.pk,
        people_needed=2,
        urgency=2,
        work_kind="skilled",
        minutes_each=90,
    )
    response = client.post(ORDER, data)
    need = Need.objects.get()
    assert response.status_code == 302
    assert (need.reporter, need.entered_by, need.people_needed, need.urgency) == (
        city.resident,
        city.staff,
        2,
        2,
    )
    # Head counts out of range: a clear message, nothing written.
    for bad, words in ((0, "至少需要1人"), (10000, "最多可申请500人")):
        response = client.post(ORDER, {**data, "people_needed": bad})
        assert response.status_code == 422 and words in response.content.decode()
    assert Need.objects.count() == 1


def test_who_may_order(client, city) -> None:
    client.force_login(city.student)
    assert client.get(ORDER).status_code == 403


# --- the board ----------------------------------------------------------------------------------
def test_board_filters_counts_and_pages(client, city, django_assert_max_num_queries) -> None:
    for i in range(22):
        submit(city, title=f"需求{i}")
    urgent = submit(city, title="紧急的事", urgency=2)
    services.need_reject(actor=city.staff, need=submit(city, title="被拒绝的"), reason="不属实")
    client.force_login(city.staff)
    with django_assert_max_num_queries(12):
        html = client.get("/needs/").content.decode()
    assert "需求看板" in html and "共 23 个需求" in html and "第 1 页，共 2 页" in html
    assert html.index("紧急的事") < html.index("需求0") and "特急" in html
    assert "不予受理" in html and "被拒绝的" not in html
    html = client.get("/needs/", {"state": "rejected"}, **HX).content.decode()
    assert "被拒绝的" in html and "<html" not in html and "需求0" not in html
    html = client.get("/needs/", {"urgency": "2", "state": "all"}).content.decode()
    assert "共 1 个需求" in html and urgent.title in html
    html = client.get("/needs/", {"q": "没有这种需求"}).content.decode()
    assert "没有符合筛选条件的需求" in html
    html = client.get(
        "/needs/", {"state": "nonsense", "urgency": "x", "page": "99"}
    ).content.decode()
    assert "共 23 个需求" in html  # unknown filters are ignored, a page past the end shows the last


def test_board_for_others(client, city) -> None:
    submit(city)
    client.force_login(city.resident)
    assert client.get("/needs/")["Location"] == "/needs/mine/"
    client.force_login(city.other_staff)
    html = client.get("/needs/").content.decode()
    assert "没有符合筛选条件的需求" in html and "帮老人学用智能手机" not in html


# --- a need's page ------------------------------------------------------------------------------
def test_outsiders_get_404(client, city, media_root) -> None:
    need = submit(city, photos=[photo()])
    shot = need.photos.get()
    for outsider in (city.other_staff, city.student, city.other_resident):
        client.force_login(outsider)
        assert client.get(f"/needs/{need.pk}/").status_code == 404
        assert client.get(f"/needs/{need.pk}/photos/{shot.pk}/").status_code == 404
        assert client.post(f"/needs/{need.pk}/triage/", {"decision": "accept"}).status_code == 404
    client.logout()
    assert client.get(f"/needs/{need.pk}/")["Location"].startswith("/accounts/login/")


def test_photo_is_served_inline_never_sniffed(client, city, media_root) -> None:
    need = submit(city, photos=[photo("家里.png", data=image_bytes("PNG"))])
    shot = need.photos.get()
    client.force_login(city.staff)
    response = client.get(f"/needs/{need.pk}/photos/{shot.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="need-{need.pk}-{shot.pk}.png"'
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client.get(f"/needs/{need.pk}/photos/{shot.pk + 1}/").status_code == 404


def test_a_need_from_order_to_close_through_the_pages(
    client, city, panel, media_root, django_assert_max_num_queries
) -> None:
    need = submit(city)
    client.force_login(city.staff)
    with django_assert_max_num_queries(25):
        page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "受理" in page and "不予受理" in page and "居民甲" in page
    # Turning down needs a reason: the error comes back in the part, nothing moves.
    html = client.post(
        f"/needs/{need.pk}/triage/", {"decision": "reject", "reason": ""}, **HX
    ).content.decode()
    assert "请向居民说明原因" in html and Need.objects.get().state == "submitted"
    assert (
        client.post(f"/needs/{need.pk}/triage/", {"decision": "reject", "reason": ""}).status_code
        == 422
    )
    html = client.post(
        f"/needs/{need.pk}/triage/", {"decision": "accept", "urgency": "1"}, **HX
    ).content.decode()
    assert "需求已受理" in html and "已受理" in html
    assert client.post(f"/needs/{need.pk}/triage/", {"decision": "accept"}).status_code == 409
    need = in_progress_from_accepted(need, city)
    # The student reports it done with a photo; the panel verifies with evidence.
    client.force_login(city.student)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "报告完成" in page and "居民甲" not in page  # the reporter's name is for the community
    html = client.post(
        f"/needs/{need.pk}/complete/", {"done-text": "已上门教会", "done-photos": [photo()]}, **HX
    ).content.decode()
    assert "已报告完成" in html and Need.objects.get().state == "claimed_done"
    client.force_login(panel)
    html = client.post(f"/needs/{need.pk}/verify/", {"verify-text": ""}, **HX).content.decode()
    assert "请说明您是如何核实的" in html
    html = client.post(
        f"/needs/{need.pk}/verify/", {"verify-text": "电话回访", "verify-photos": [photo()]}, **HX
    ).content.decode()
    assert "已核实完成" in html and Need.objects.get().state == "verified"
    # The resident says it is not solved; it is done and verified again; the staff close it.
    client.force_login(city.resident)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "问题解决了吗" in page
    response = client.post(f"/needs/{need.pk}/reopen/", {"reopen-text": "还是不会用"})
    assert response.status_code == 302 and Need.objects.get().state == "in_progress"
    services.need_report_done(actor=city.student, need=need, note="再次上门")
    client.force_login(city.staff)
    html = client.post(
        f"/needs/{need.pk}/send-back/", {"back-text": "老人还不会"}, **HX
    ).content.decode()
    assert "已退回承办人" in html
    services.need_report_done(actor=city.student, need=need, note="第三次上门")
    services.need_verify(actor=panel, need=need, evidence="上门查看")
    html = client.post(f"/needs/{need.pk}/close/", {"close-text": "办结"}, **HX).content.decode()
    assert "需求已办结" in html and Need.objects.get().state == "closed"
    page = client.get(f"/needs/{need.pk}/").content.decode()
    for words in (
        "待受理",
        "已受理",
        "已报完成",
        "已核实",
        "重新办理：问题没有解决",
        "核实后退回",
        "已办结",
        "还是不会用",
    ):
        assert words in page, words
    assert page.count('class="need__photos"') == 1 and page.count("/photos/") >= 2


def in_progress_from_accepted(need: Need, city: Any) -> Need:
    from qingshe.needs.tests.needs_support import start_work

    return start_work(need, city.student, city.staff)


def test_duplicate_and_not_responsible_through_the_page(client, city, neighbour) -> None:
    original = submit(city, title="3号楼楼道灯不亮")
    again = submit(city, title="楼道灯坏了")
    third = submit(city, title="路灯不亮")
    client.force_login(city.staff)
    page = client.get(f"/needs/{again.pk}/").content.decode()
    assert f'value="{original.pk}"' in page
    html = client.post(
        f"/needs/{again.pk}/triage/", {"decision": "duplicate"}, **HX
    ).content.decode()
    assert "请选择与之重复的需求" in html
    html = client.post(
        f"/needs/{again.pk}/triage/", {"decision": "duplicate", "original": original.pk}, **HX
    ).content.decode()
    assert "已标记为重复" in html and f"/needs/{original.pk}/" in html
    html = client.post(
        f"/needs/{third.pk}/triage/",
        {"decision": "not_responsible", "reason": "市政路灯", "refer_to": "区城管局"},
        **HX,
    ).content.decode()
    assert "非社区职责" in html and "请联系：区城管局" in html
    # The duplicate's reporter now follows the original and sees it.
    client.force_login(city.resident)
    assert client.get(f"/needs/{original.pk}/").status_code == 200


def test_residents_orders_and_photos(client, city, neighbour, media_root) -> None:
    need = submit(city)
    other = submit(city, actor=city.staff, title="社区的事")
    NeedFollower.objects.create(need=other, user=city.resident)
    client.force_login(city.resident)
    html = client.get("/needs/mine/").content.decode()
    assert "我的点单" in html and need.title in html and "社区的事" in html and "已关注" in html
    html = client.post(
        f"/needs/{need.pk}/photos/", {"photo-photos": [photo()]}, **HX
    ).content.decode()
    assert "照片已上传" in html and need.photos.count() == 1
    html = client.post(
        f"/needs/{need.pk}/photos/", {"photo-photos": [photo("a.txt", data=b"hello")]}, **HX
    ).content.decode()
    assert "不是照片" in html and need.photos.count() == 1
    response = client.post(f"/needs/{other.pk}/unfollow/")
    assert response["Location"] == "/needs/mine/"
    client.force_login(neighbour)
    assert "您还没有点过单" in client.get("/needs/mine/").content.decode()


def test_home_panels(client, city, panel) -> None:
    submit(city, title="等待受理的需求")
    done = in_progress(city, title="已经做完的需求")
    services.need_report_done(actor=city.student, need=done, note="完成")
    client.force_login(city.staff)
    html = client.get("/").content.decode()
    assert "待受理的需求" in html and "等待受理的需求" in html and "已经做完的需求" in html
    client.force_login(panel)
    html = client.get("/").content.decode()
    assert "已报完成、待核实的需求" in html and "待受理的需求" not in html
    client.force_login(city.resident)
    html = client.get("/").content.decode()
    assert "我的点单" in html and "已报完成" in html


def test_pages_have_no_inline_code(client, city) -> None:
    need = submit(city)
    client.force_login(city.staff)
    for url in ("/needs/", ORDER, f"/needs/{need.pk}/", "/needs/mine/"):
        html = client.get(url).content.decode()
        assert "<script>" not in html and " style=" not in html and "onclick" not in html, url
