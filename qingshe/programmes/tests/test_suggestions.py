"""Pairing suggestions: ranking by distance, fit of open needs and coverage; scoping; reasons in
the current language; the score's bounds and determinism; a query count that does not grow with
the number of branches."""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshe.accounts.services import student_profile_save
from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.errors import ValidationFailed
from qingshe.needs.services import need_submit
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.orgs.services import org_update
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory
from qingshe.programmes import services
from qingshe.programmes import suggestions as sg
from qingshe.programmes.suggestions import suggest_for_user

LAT, LNG = 26.2650, 117.6350
KM_LAT = 1 / 111.2  # degrees of latitude per km (roughly)


def _place(city: SimpleNamespace, org: Organisation, north_km: float, east_km: float = 0.0) -> None:
    org_update(
        actor=city.league_admin,
        org=org,
        lat=round(LAT + north_km * KM_LAT, 6),
        lng=round(LNG + east_km * KM_LAT / 0.897, 6),  # cos(26.3°) ≈ 0.897
    )


def _students(
    city: SimpleNamespace, branch: Organisation, major: str, skills: list[list[str]]
) -> None:
    for i, mine in enumerate(skills):
        user = UserFactory(name=f"{major}学生{i}")
        MembershipFactory(user=user, org=branch, role=Role.STUDENT)
        student_profile_save(
            actor=city.league_admin, user=user, branch=branch, major=major, grade=2024, skills=mine
        )


def _need(community: Organisation, **kw: Any) -> None:
    staff = UserFactory(name=f"{community.name}工作人员{random.random()}")
    MembershipFactory(user=staff, org=community, role=Role.COMMUNITY_STAFF)
    base = {"title": "社区需求", "project_type": "governance", "service_field": "governance"}
    need_submit(actor=staff, community=community, **{**base, **kw})


def _for(result: list[sg.BranchSuggestions], branch: Organisation) -> list[sg.Suggestion]:
    return next(r.suggestions for r in result if r.branch == branch)


def _names(suggestions: list[sg.Suggestion]) -> list[str]:
    return [s.community.name for s in suggestions]


def _propose(
    city: SimpleNamespace, programme: Any, unit: Organisation, community: Organisation
) -> Any:
    return services.pairing_propose(
        actor=city.league_admin,
        programme=programme,
        unit=unit,
        community=community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )


@pytest.fixture
def placed(city: SimpleNamespace) -> SimpleNamespace:
    """The campus at the origin; 白沙 1 km north, 富华 5 km north, 列西 10 km south."""
    _place(city, city.university, 0)
    _place(city, city.community, 1)
    _place(city, city.community2, 5)
    _place(city, city.other_community, -10)
    return city


def test_closer_community_ranks_higher_all_else_equal(placed, programme) -> None:
    result = suggest_for_user(user=placed.league_admin, programme=programme)
    ranked = _for(result, placed.branch)
    assert _names(ranked) == ["白沙社区", "富华社区", "列西社区"]
    assert [round(s.distance_km, 1) for s in ranked] == [1.0, 5.0, 10.0]
    assert ranked[0].distance_score > ranked[1].distance_score > ranked[2].distance_score
    assert all(0 <= s.score <= 1 for s in ranked)
    assert {r.branch for r in result} == {placed.branch, placed.branch2}


def test_matching_open_needs_rank_above_non_matching_at_equal_distance(city, programme) -> None:
    _place(city, city.university, 0)
    _place(city, city.community, 20)
    _place(city, city.community2, 4)  # 4 km north …
    _place(city, city.other_community, -4)  # … and 4 km south
    # 法律咨询: three students (a full match); 摄影: two; 调解: one.
    _students(
        city,
        city.branch,
        "法学",
        [["法律咨询", "摄影"], ["法律咨询", "摄影"], ["法律咨询", "调解"]],
    )
    _need(city.community2, skills=["驾驶"], work_kind="labour")
    _need(city.other_community, skills=["法律咨询"], work_kind="professional")
    _need(city.other_community, skills=["摄影"], work_kind="skilled")
    _need(city.other_community, majors=["法学"], work_kind="professional")
    _need(
        city.other_community, skills=["调解", "驾驶"], work_kind="skilled"
    )  # one student: too thin
    ranked = _for(suggest_for_user(user=city.league_admin, programme=programme), city.branch)
    assert _names(ranked)[:2] == ["列西社区", "富华社区"]
    top, other = ranked[0], ranked[1]
    assert top.distance_km == pytest.approx(other.distance_km, abs=0.01)
    assert top.fit_score > other.fit_score == 0
    assert top.matching_needs == 3 and set(top.matched) == {"法律咨询", "摄影", "法学"}
    assert "调解" not in top.matched
    fit_reason = next(r for r in top.reasons if "摄影" in r)
    assert "法律咨询" in fit_reason and "3" in fit_reason
    # The other branch (no students with these skills) sees no fit there.
    ranked2 = _for(suggest_for_user(user=city.league_admin, programme=programme), city.branch2)
    assert next(s for s in ranked2 if s.community == city.other_community).fit_score == 0


def test_substantive_needs_count_more_than_labour(city, programme) -> None:
    _students(city, city.branch, "护理学", [["急救"]])
    _need(city.community, skills=["急救"], work_kind="labour")
    _need(city.community2, skills=["急救"], work_kind="professional")
    ranked = _for(suggest_for_user(user=city.league_admin, programme=programme), city.branch)
    by_name = {s.community.name: s for s in ranked}
    assert by_name["富华社区"].fit_score > by_name["白沙社区"].fit_score > 0
    assert _names(ranked)[0] == "富华社区"


def test_unpaired_community_ranks_above_a_paired_one(city, programme) -> None:
    _place(city, city.university, 0)
    _place(city, city.community, 3)
    _place(city, city.community2, -3)
    _place(city, city.other_community, 30)
    _propose(city, programme, city.branch2, city.community)
    ranked = _for(suggest_for_user(user=city.league_admin, programme=programme), city.branch)
    assert _names(ranked)[:2] == ["富华社区", "白沙社区"]
    assert ranked[0].coverage_score == 1.0 and ranked[1].coverage_score == 0.5
    assert ranked[1].live_pairings == 1


def test_a_paired_branch_gets_no_suggestions(placed, programme) -> None:
    pairing = _propose(placed, programme, placed.branch, placed.community)
    result = suggest_for_user(user=placed.league_admin, programme=programme)
    assert [r.branch for r in result] == [placed.branch2]
    assert suggest_for_user(user=placed.secretary, programme=programme) == []
    # Rejected: the branch is unpaired again, but that community is not suggested to it again.
    services.pairing_reject(actor=placed.league_admin, pairing=pairing, reason="距离太远")
    again = _for(suggest_for_user(user=placed.secretary, programme=programme), placed.branch)
    assert placed.community not in [s.community for s in again] and again


def test_scoping_by_who_asks(placed, programme) -> None:
    def branches(user: Any) -> list[Organisation]:
        return [r.branch for r in suggest_for_user(user=user, programme=programme)]

    both = [placed.branch, placed.branch2]
    assert sorted(branches(placed.league_admin), key=lambda b: b.pk) == sorted(
        both, key=lambda b: b.pk
    )
    assert set(branches(placed.university_admin)) == set(both)
    assert set(branches(placed.department_admin)) == set(both)
    assert branches(placed.secretary) == [placed.branch]
    for nobody in (placed.staff, placed.student, placed.resident, placed.district_admin):
        assert branches(nobody) == []
    # A branch out of the programme's scope is never suggested for.
    other_uni = OrganisationFactory(
        kind=OrgKind.UNIVERSITY_COMMITTEE, name="外校团委", parent=placed.city
    )
    other_dept = OrganisationFactory(
        kind=OrgKind.DEPARTMENT_COMMITTEE, name="外校系团委", parent=other_uni
    )
    outside = OrganisationFactory(kind=OrgKind.CLASS_BRANCH, name="外校班团支部", parent=other_dept)
    assert outside not in branches(placed.league_admin)


def test_candidates_are_the_receiving_side_of_the_scope(city) -> None:
    only_district = services.programme_create(
        actor=city.league_admin,
        owner=city.city,
        name="东湖试点",
        year=2026,
        scope=[city.university, city.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    ranked = _for(suggest_for_user(user=city.league_admin, programme=only_district), city.branch)
    assert {s.community for s in ranked} == {city.community, city.community2}
    # No district or street in scope: every community of the owner's city.
    universities_only = services.programme_create(
        actor=city.league_admin,
        owner=city.city,
        name="高校计划",
        year=2026,
        scope=[city.university],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    ranked = _for(
        suggest_for_user(user=city.league_admin, programme=universities_only), city.branch
    )
    assert {s.community for s in ranked} == {city.community, city.community2, city.other_community}


def test_reasons_in_chinese_by_default_and_english_on_request(placed, programme) -> None:
    _students(placed, placed.branch, "新闻学", [["摄影"], ["摄影"], ["摄影", "书法"]])
    _need(placed.community, skills=["摄影"], work_kind="skilled")
    # The default language, stated: an earlier test may leave another one active in the thread.
    with translation.override(django_settings.LANGUAGE_CODE):
        top = _for(suggest_for_user(user=placed.league_admin, programme=programme), placed.branch)[
            0
        ]
    assert top.community == placed.community
    assert top.reasons == [
        "距校区约 1.0 公里",
        "1 项待办需求与本支部专业或特长相符：摄影",
        "其中 1 项为技能或专业类工作",
        "该社区尚无结对团支部",
    ]
    with translation.override("en"):
        top = _for(suggest_for_user(user=placed.league_admin, programme=programme), placed.branch)[
            0
        ]
    assert top.reasons == [
        "About 1.0 km from the campus",
        "1 open need fits the branch's majors or skills: 摄影",
        "1 of them asks for skilled or professional work",
        "No branch is paired with this community yet",
    ]


def test_unknown_locations_are_neutral_and_said(city, programme) -> None:
    with translation.override(django_settings.LANGUAGE_CODE):
        ranked = _for(suggest_for_user(user=city.league_admin, programme=programme), city.branch)
    assert all(
        s.distance_km is None and s.distance_score == sg.UNKNOWN_DISTANCE_SCORE for s in ranked
    )
    assert "距离未知" in ranked[0].reasons[0]
    # all else equal, the order falls back on the community's ID: deterministic
    assert [s.community.pk for s in ranked] == sorted(s.community.pk for s in ranked)


def test_limit_and_weights(placed, programme) -> None:
    _propose(placed, programme, placed.branch2, placed.community)
    assert (
        len(
            _for(
                suggest_for_user(user=placed.league_admin, programme=programme, limit_per_branch=2),
                placed.branch,
            )
        )
        == 2
    )
    coverage_only = suggest_for_user(
        user=placed.league_admin,
        programme=programme,
        weights={"distance": 0, "fit": 0, "coverage": 1},
    )
    ranked = _for(coverage_only, placed.branch)
    assert ranked[-1].community == placed.community and ranked[-1].score == 0.5
    with pytest.raises(ValidationFailed):
        suggest_for_user(
            user=placed.league_admin, programme=programme, weights={"distance": -1, "fit": 1}
        )
    with pytest.raises(ValidationFailed):
        suggest_for_user(user=placed.league_admin, programme=programme, weights={"charm": 1})
    with pytest.raises(ValidationFailed):
        suggest_for_user(user=placed.league_admin, programme=programme, limit_per_branch=0)


def test_query_count_does_not_grow_with_the_branches(placed, programme) -> None:
    _students(placed, placed.branch, "法学", [["法律咨询"], ["摄影"]])
    _need(placed.community, skills=["法律咨询"], majors=["法学"], work_kind="professional")

    def count() -> tuple[int, int]:
        admin = type(placed.league_admin).objects.get(pk=placed.league_admin.pk)  # no cached grants
        with CaptureQueriesContext(connection) as ctx:
            result = suggest_for_user(user=admin, programme=programme)
        return len(ctx.captured_queries), len(result)

    few, n_few = count()
    for i in range(12):
        branch = OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2025级{i}班团支部", parent=placed.department
        )
        _students(placed, branch, f"专业{i}", [[f"特长{i}"], ["摄影"]])
    many, n_many = count()
    assert (n_few, n_many) == (2, 14)
    assert few == many <= 12


def test_query_count_bounded(placed, programme, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(12):
        suggest_for_user(user=placed.league_admin, programme=programme)


# --- the pure score: bounds and determinism (hypothesis) ----------------------------------------
SKILLS = ["摄影", "法律咨询", "急救", "编程", "书法", "驾驶"]
MAJORS = ["法学", "护理学", "软件工程", "新闻学"]
locations = st.one_of(
    st.none(),
    st.tuples(st.floats(min_value=-80, max_value=80), st.floats(min_value=-179, max_value=179)),
)
needs = st.builds(
    sg.NeedProfile,
    skills=st.lists(st.sampled_from(SKILLS), unique=True, max_size=3).map(
        lambda v: tuple(sorted(v))
    ),
    majors=st.frozensets(st.sampled_from(MAJORS), max_size=2),
    work_kind=st.sampled_from(["labour", "skilled", "professional"]),
)
branch_profiles = st.builds(
    sg.BranchProfile,
    pk=st.just(1),
    campus=locations,
    majors=st.frozensets(st.sampled_from(MAJORS), max_size=2),
    skills=st.dictionaries(
        st.sampled_from(SKILLS), st.integers(0, 6).map(sg.skill_strength), max_size=4
    ),
)


@st.composite
def community_lists(draw: Any) -> list[sg.CommunityProfile]:
    n = draw(st.integers(min_value=0, max_value=8))
    return [
        sg.CommunityProfile(
            pk=i + 1,
            location=draw(locations),
            needs=tuple(draw(st.lists(needs, max_size=6))),
            live_pairings=draw(st.integers(min_value=0, max_value=5)),
        )
        for i in range(n)
    ]


weights = st.fixed_dictionaries(
    {k: st.floats(min_value=0, max_value=10) for k in ("distance", "fit", "coverage")}
).filter(lambda w: sum(w.values()) > 0)


@settings(max_examples=200, deadline=None)
@given(branch=branch_profiles, communities=community_lists(), w=weights, seed=st.integers(0, 1000))
def test_scores_stay_in_bounds_and_ranking_is_deterministic(branch, communities, w, seed) -> None:
    norm = sg.normalised_weights(w)
    for community in communities:
        comp = sg.score_pair(branch, community, norm)
        for value in (comp.score, comp.distance, comp.fit, comp.coverage):
            assert 0.0 <= value <= 1.0
    first = [(c.pk, comp.score) for c, comp in sg.rank(branch, communities, norm, 5)]
    shuffled = list(communities)
    random.Random(seed).shuffle(shuffled)
    assert [(c.pk, comp.score) for c, comp in sg.rank(branch, shuffled, norm, 5)] == first
    # The precomputed path used for whole programmes gives the very same ranking and scores.
    fast = sg.Ranker(communities, norm).rank(branch, 5)
    assert [(c.pk, comp.score) for c, comp in fast] == first
    assert [comp for _c, comp in fast] == [
        comp for _c, comp in sg.rank(branch, communities, norm, 5)
    ]
