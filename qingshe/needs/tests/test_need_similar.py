"""Possible duplicates at intake: the same project type within ~250 m, or alike wording in the
same community; ranked, at most five, each with its reason; one bounded query."""

from decimal import Decimal

import pytest

from qingshe.needs import services
from qingshe.needs.models import Need
from qingshe.needs.similar import TEXT_THRESHOLD, bigrams, dice, similar_needs, text_similarity
from qingshe.needs.tests.needs_support import BASE, submit

# Rewordings of one problem, as residents write them, and different problems of one community.
SAME = [
    ("楼道灯坏了", "3号楼楼道灯不亮"),
    ("帮老人学用智能手机", "老年人智能手机使用辅导"),
    ("小区垃圾分类点气味大", "垃圾分类投放点太臭了"),
    ("电动车堵住消防通道", "消防通道被电动车堵了"),
    ("孩子放学后没人辅导作业", "放学后作业辅导"),
]
DIFFERENT = [
    ("楼道灯坏了", "帮老人学用智能手机"),
    ("四点半课堂作业辅导", "老年人智能手机使用辅导"),
    ("电动车堵住消防通道", "想办一场邻里写春联活动"),
    ("独居老人需要定期上门看看", "小区健身器材损坏"),
    ("防诈骗知识讲座", "垃圾分类宣传"),
]


def test_bigrams_ignore_spaces_punctuation_and_case() -> None:
    assert bigrams("楼道 灯，坏了！") == bigrams("楼道灯坏了") == {"楼道", "道灯", "灯坏", "坏了"}
    assert (
        bigrams("WiFi") == {"wi", "if", "fi"} and bigrams("灯") == {"灯"} and bigrams("") == set()
    )
    assert dice(set(), {"a"}) == 0.0


@pytest.mark.parametrize(("a", "b"), SAME)
def test_rewordings_reach_the_threshold(a: str, b: str) -> None:
    assert text_similarity(a, "", b, "") >= TEXT_THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_problems_stay_below(a: str, b: str) -> None:
    assert text_similarity(a, "", b, "") < 0.2


def test_description_counts_too() -> None:
    # A short title, restated in the other need's description.
    assert text_similarity("路灯坏了", "", "请尽快处理", "小区门口的路灯坏了三天") >= TEXT_THRESHOLD


def test_alike_text_in_the_same_community(city) -> None:
    lamp = submit(city, title="3号楼楼道灯不亮", project_type="culture_sport")
    submit(city, title="四点半课堂作业辅导", project_type="after_school")
    found = similar_needs(community=city.community, project_type="governance", title="楼道灯坏了")
    assert [s.need for s in found] == [lamp]
    assert found[0].distance_m is None and "相似度" in found[0].reasons[0]


def _at(city, north_m: float, **kw) -> Need:
    lat = Decimal(str(round(float(city.community.lat) + north_m / 111_320, 6)))
    return submit(city, lat=lat, lng=city.community.lng, **kw)


def test_same_type_nearby_across_the_street_but_not_beyond(city, neighbour) -> None:
    here = _at(city, 0, title="修理健身器材")
    near = services.need_submit(
        actor=neighbour,
        community=city.community2,
        title="健身器材松动",
        project_type="governance",
        service_field="governance",
        lat=Decimal(str(round(float(city.community.lat) + 200 / 111_320, 6))),
        lng=city.community.lng,
    )
    far = _at(city, 400, title="完全不同的事情")
    other_type = _at(city, 100, title="另一类事情", project_type="survey")
    found = similar_needs(
        community=city.community,
        project_type="governance",
        title="孩子的事",
        lat=city.community.lat,
        lng=city.community.lng,
    )
    assert [s.need for s in found] == [here, near]
    assert 190 <= found[1].distance_m <= 210 and found[1].reasons == ["同类需求，相距约200米"]
    assert far not in [s.need for s in found] and other_type not in [s.need for s in found]


def test_only_open_needs_ranked_at_most_five(city) -> None:
    needs = [submit(city, title=f"楼道灯坏了{i}号楼") for i in range(7)]
    services.need_reject(actor=city.staff, need=needs[0], reason="已修好")
    found = similar_needs(community=city.community, project_type="governance", title="楼道灯坏了")
    assert len(found) == 5 and needs[0] not in [s.need for s in found]
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert similar_needs(
        community=city.community,
        project_type="governance",
        title="楼道灯坏了",
        exclude_id=needs[1].pk,
    )


def test_one_query_whatever_the_city(city, django_assert_num_queries) -> None:
    for i in range(5):
        submit(city, title=f"需求{i}")
        services.need_submit(
            actor=city.other_staff, community=city.other_community, **{**BASE, "title": f"别处{i}"}
        )
    with django_assert_num_queries(1):
        similar_needs(community=city.community, project_type="governance", title="需求")
