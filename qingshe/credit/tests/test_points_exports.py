"""My points and the partner circle export what their pages show to Excel: the person's own
movements (newest first), the circle's units of the person's city with the search applied;
nobody else's movements, no unit of another city."""

from __future__ import annotations

from django.test import Client

from qingshe.core.tests.export_helpers import sheet
from qingshe.credit import services_rewards
from qingshe.orgs.models import OrgKind
from qingshe.orgs.tests.factories import OrganisationFactory


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_my_points_export_is_my_movements(city, rules, earn, reward) -> None:  # type: ignore[no-untyped-def]
    earn(city.student, days_ago=3, minutes=120)
    services_rewards.reward_redeem(actor=city.student, reward=reward)
    earn(city.student2, days_ago=1, minutes=60, title="社区图书角整理")
    c = _client(city.student)
    assert "export=xlsx" in c.get("/credit/points/").content.decode()
    rows = sheet(c.get("/credit/points/", {"export": "xlsx"}))
    assert rows[0] == ["记录时间", "事由", "类型", "积分规则", "积分", "变动后余额"]
    # newest first, as on the page
    assert [(r[1], r[4], r[5]) for r in rows[1:]] == [
        ("兑换：图书兑换券", -20, 0),
        ("敬老院陪伴：2.0 小时 × 10 分", 20, 20),
    ]
    assert rows[2][3] == "志愿服务时长积分"
    # another student: their own movement only; someone without points: none
    rows = sheet(_client(city.student2).get("/credit/points/", {"export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == ["社区图书角整理：1.0 小时 × 10 分"]
    assert len(sheet(_client(city.other_resident).get("/credit/points/", {"export": "xlsx"}))) == 1


def test_partner_circle_export_is_the_city_units_with_the_search(city, partner, reward) -> None:  # type: ignore[no-untyped-def]
    OrganisationFactory(kind=OrgKind.PARTNER, name="青州爱心超市", parent=city.city)
    c = _client(city.student)
    rows = sheet(c.get("/credit/partners/", {"export": "xlsx"}))
    assert rows[0][:4] == ["伙伴单位", "地址", "资源", "可兑换奖励"]
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"青州书香书店", "青州爱心超市"}  # not the other city's 沙县小吃店
    assert by_name["青州书香书店"][1] == "青州市东湖区白沙路8号" and by_name["青州书香书店"][3] == 1
    rows = sheet(c.get("/credit/partners/", {"q": "书店", "export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["青州书香书店"]
    # the other city's contact: their own city's unit only
    rows = sheet(_client(partner.other_contact).get("/credit/partners/", {"export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["沙县小吃店"]
