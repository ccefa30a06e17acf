"""The dispatch engine (qingshe/needs/dispatch, Django-free): every hard constraint, reasons
and causes, determinism, check_plan, and a property test against the exact optimum (CP-SAT)
on small random instances. No database."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshe.needs.dispatch import exact, instances
from qingshe.needs.dispatch.engine import (
    CAUSES,
    Assignment,
    NeedSpec,
    Options,
    Plan,
    PlanStats,
    VolunteerSpec,
    Weights,
    check_plan,
    plan,
)

H = 60
DAY = 24 * H
LAT, LNG = 26.2650, 117.6350
KM_LAT = 1 / 111.2  # degrees of latitude per km


def need(id: int = 1, **kw: Any) -> NeedSpec:
    values: dict[str, Any] = {
        "id": id,
        "head_count": 1,
        "duration": 60,
        "windows": ((9 * H, 12 * H),),
        "lat": LAT,
        "lng": LNG,
        "remote": False,
        "skills": frozenset(),
        "majors": frozenset(),
        "required_skills": frozenset(),
        "required_courses": frozenset(),
        "needs_insurance": False,
        "urgency": 0,
        "work_kind": "labour",
        "max_km": 5.0,
    }
    values.update(kw)
    return NeedSpec(**values)


def vol(id: int = 1, km: float = 0.5, **kw: Any) -> VolunteerSpec:
    values: dict[str, Any] = {
        "id": id,
        "free": ((8 * H, 18 * H),),
        "cap": 480,
        "lat": LAT + km * KM_LAT,
        "lng": LNG,
        "skills": frozenset(),
        "major": "",
        "courses": frozenset(),
        "insured": ((0, 10 * DAY),),
        "minutes_this_month": 0,
    }
    values.update(kw)
    return VolunteerSpec(**values)


def pairs(p: Plan) -> set[tuple[int, int]]:
    return {(a.need_id, a.volunteer_id) for a in p.assignments}


def causes(p: Plan, need_id: int) -> dict[str, dict[str, Any]]:
    (u,) = [u for u in p.unfilled if u.need_id == need_id]
    return {c.code: dict(c.params) for c in u.causes}


def solve(needs: list[NeedSpec], vols: list[VolunteerSpec], **kw: Any) -> Plan:
    p = plan(needs, vols, **kw)
    assert check_plan(needs, vols, p) == []
    return p


# --- a plain assignment and its reasons ---------------------------------------------------------
def test_assigns_a_free_volunteer_inside_the_window_with_reasons() -> None:
    p = solve([need()], [vol()])
    (a,) = p.assignments
    assert (a.need_id, a.volunteer_id) == (1, 1)
    assert a.start >= 9 * H and a.end <= 12 * H and a.end - a.start == 60
    codes = [r.code for r in a.reasons]
    assert codes[0] == "window" and "distance" in codes and codes[-1] == "fairness"
    reason = {r.code: r.params for r in a.reasons}
    assert reason["window"] == {"start": a.start, "end": a.end}
    assert reason["distance"]["km"] == 0.5
    assert reason["fairness"] == {"minutes_this_month": 0}
    assert p.unfilled == [] and p.objective == a.score > 0
    assert p.stats.candidates == 1 and p.stats.solver.startswith("ortools")


def test_reasons_name_skills_major_kind_of_work_urgency_training_and_insurance() -> None:
    n = need(
        skills=frozenset({3, 7}),
        majors=frozenset({"法学"}),
        work_kind="professional",
        urgency=2,
        required_courses=frozenset({4}),
        needs_insurance=True,
    )
    v = vol(skills=frozenset({3, 7, 9}), major="法学", courses=frozenset({4}))
    (a,) = solve([n], [v]).assignments
    reason = {r.code: dict(r.params) for r in a.reasons}
    assert reason["skills"] == {"skills": [3, 7]}
    assert reason["major"] == {"major": "法学"}
    assert reason["work_kind"] == {"work_kind": "professional"}
    assert reason["urgency"] == {"urgency": 2}
    assert reason["trained"] == {"courses": [4]}
    assert "insured" in reason


def test_remote_work_says_so_instead_of_a_distance() -> None:
    (a,) = solve([need(remote=True)], [vol(km=300)]).assignments
    codes = {r.code for r in a.reasons}
    assert "remote" in codes and "distance" not in codes


# --- hard constraints, each on its own ---------------------------------------------------------
def test_never_assigns_someone_untrained() -> None:
    n = need(required_courses=frozenset({1}))
    p = solve([n], [vol(1), vol(2, courses=frozenset({1}))])
    assert pairs(p) == {(1, 2)}
    p = solve([n], [vol(1), vol(3, courses=frozenset({2}))])
    assert p.assignments == []
    assert causes(p, 1)["no_one_trained"] == {"count": 2, "remaining": 0}


def test_never_assigns_someone_without_a_required_skill() -> None:
    n = need(required_skills=frozenset({5}), skills=frozenset({5, 6}))
    p = solve([n], [vol(1, skills=frozenset({6})), vol(2, skills=frozenset({5}))])
    assert pairs(p) == {(1, 2)}
    p = solve([n], [vol(1, skills=frozenset({6}))])
    assert causes(p, 1)["no_required_skill"]["remaining"] == 0


def test_never_assigns_someone_uninsured_over_the_interval() -> None:
    n = need(needs_insurance=True)
    p = solve([n], [vol(1, insured=())])
    assert p.assignments == []
    assert causes(p, 1)["no_one_insured"] == {"count": 1, "remaining": 0}
    # Insured from 10:30 only: served then, not at 9:00.
    (a,) = solve([n], [vol(2, insured=((10 * H + 30, 5 * DAY),))]).assignments
    assert a.start >= 10 * H + 30
    # Insured only until 9:30: a 60-minute service cannot fit.
    assert solve([n], [vol(3, insured=((0, 9 * H + 30),))]).assignments == []


def test_never_assigns_someone_busy_in_every_window() -> None:
    n = need(windows=((9 * H, 12 * H), (DAY + 14 * H, DAY + 16 * H)))
    busy = vol(1, free=((8 * H, 9 * H + 30), (12 * H, 18 * H), (DAY + 15 * H + 30, DAY + 18 * H)))
    p = solve([n], [busy])
    assert p.assignments == []
    assert causes(p, 1) == {"no_one_free_in_window": {"count": 1, "remaining": 0}}
    assert "no_one_free_in_window" in CAUSES
    # Free for exactly the duration, at the end of the second window: served there.
    (a,) = solve([n], [vol(2, free=((DAY + 15 * H, DAY + 16 * H),))]).assignments
    assert (a.start, a.end) == (DAY + 15 * H, DAY + 16 * H)


def test_never_assigns_someone_too_far_unless_the_work_is_remote() -> None:
    far = vol(1, km=12)
    p = solve([need(max_km=5)], [far])
    assert p.assignments == []
    assert causes(p, 1) == {"too_far": {"count": 1, "remaining": 0}}
    assert pairs(solve([need(max_km=15)], [far])) == {(1, 1)}
    assert pairs(solve([need(max_km=5, remote=True)], [far])) == {(1, 1)}


def test_a_volunteer_without_a_base_is_not_sent_to_a_place_but_can_work_remotely() -> None:
    nowhere = vol(1, lat=None, lng=None)
    assert solve([need()], [nowhere]).assignments == []
    assert pairs(solve([need(remote=True)], [nowhere])) == {(1, 1)}
    # A need without a location has no distance to check.
    assert pairs(solve([need(lat=None, lng=None)], [nowhere])) == {(1, 1)}


def test_never_plans_more_than_the_weekly_cap() -> None:
    needs = [need(1), need(2, windows=((14 * H, 17 * H),))]
    p = solve(needs, [vol(1, cap=90)])
    assert len(p.assignments) == 1
    (u,) = p.unfilled
    assert causes(p, u.need_id)["caps_reached"]["remaining"] == 0
    # A cap below the duration: never.
    assert solve([need()], [vol(2, cap=59)]).assignments == []


def test_never_plans_one_volunteer_twice_at_overlapping_times() -> None:
    same_hour = [need(1, windows=((9 * H, 10 * H),)), need(2, windows=((9 * H, 10 * H),))]
    p = solve(same_hour, [vol(1)])
    assert len(p.assignments) == 1
    (u,) = p.unfilled
    assert "taken_by_better_matches" in causes(p, u.need_id)
    # Room for both one after the other: both, without overlap.
    p = solve([need(1, windows=((9 * H, 11 * H),)), need(2, windows=((9 * H, 11 * H),))], [vol(1)])
    (a, b) = sorted(p.assignments, key=lambda a: a.start)
    assert a.end <= b.start


def test_never_plans_one_volunteer_twice_on_one_need() -> None:
    p = solve([need(head_count=3)], [vol(1)])
    assert len(p.assignments) == 1
    (u,) = p.unfilled
    assert (u.wanted, u.filled) == (3, 1)


def test_never_exceeds_the_head_count() -> None:
    p = solve([need(head_count=2)], [vol(i) for i in range(1, 6)])
    assert len(p.assignments) == 2 and p.unfilled == []


def test_nothing_to_plan() -> None:
    assert solve([], [vol()]).assignments == []
    p = solve([need()], [])
    assert p.assignments == [] and [u.need_id for u in p.unfilled] == [1]
    p = solve([need(windows=())], [vol()])
    assert causes(p, 1) == {"no_one_free_in_window": {"count": 1, "remaining": 0}}
    assert solve([need(head_count=0)], [vol()]).unfilled == []


# --- what the score prefers --------------------------------------------------------------------
def test_prefers_who_served_less_this_month() -> None:
    p = solve([need()], [vol(1, minutes_this_month=1200), vol(2, minutes_this_month=0)])
    assert pairs(p) == {(1, 2)}


def test_prefers_the_nearer() -> None:
    assert pairs(solve([need()], [vol(1, km=4.2), vol(2, km=0.2)])) == {(1, 2)}


def test_prefers_matching_skills_and_majors_more_for_substantive_work() -> None:
    matching = vol(1, skills=frozenset({3}), major="法学", minutes_this_month=1200, km=3)
    other = vol(2, km=0.1)
    n = need(skills=frozenset({3}), majors=frozenset({"法学"}), work_kind="professional")
    assert pairs(solve([n], [matching, other])) == {(1, 1)}
    # Weights are explicit: without skill, major and kind of work, distance and fairness win.
    plain = Weights(skill=0, major=0, work_kind=0)
    assert pairs(solve([n], [matching, other], weights=plain)) == {(1, 2)}


def test_urgent_needs_first_when_people_are_short() -> None:
    needs = [need(1, urgency=0), need(2, urgency=2)]  # the same hour: one can be served
    needs = [replace(n, windows=((9 * H, 10 * H),)) for n in needs]
    assert pairs(solve(needs, [vol(1)])) == {(2, 1)}


def test_spreads_the_load() -> None:
    needs = [need(1, windows=((9 * H, 10 * H),)), need(2, windows=((14 * H, 15 * H),))]
    p = solve(needs, [vol(1), vol(2)])
    assert {a.volunteer_id for a in p.assignments} == {1, 2}


def test_volunteers_no_list_reached_are_offered_to_needs_left_short() -> None:
    # Lists of one: both needs list only volunteer 1, the nearest, who can serve one of them
    # (the same hour); volunteer 2 is in no first list. Without the idle lists need 2 stays
    # short; with them it gets volunteer 2.
    hour = ((9 * H, 10 * H),)
    needs = [need(1, windows=hour, urgency=2), need(2, windows=hour)]
    vols = [vol(1, km=0.2), vol(2, km=3.0)]
    narrow = {"per_need_base": 1, "per_need_per_head": 0, "contested": 0, "expansions": 0}
    without = solve(needs, vols, options=Options(**narrow, idle_base=0))
    assert pairs(without) == {(1, 1)}
    with_idle = solve(needs, vols, options=Options(**narrow, idle_base=1, idle_per_head=0))
    assert pairs(with_idle) == {(1, 1), (2, 2)}
    assert with_idle.unfilled == []


# --- determinism, check_plan, a generated city -------------------------------------------------
def test_same_input_same_plan() -> None:
    inst = instances.generate(60, 300, seed=7)
    one = plan(inst.needs, inst.volunteers)
    two = plan(inst.needs, inst.volunteers)
    assert one.assignments == two.assignments
    assert one.unfilled == two.unfilled and one.objective == two.objective
    assert instances.generate(60, 300, seed=7) == inst


def test_a_generated_city_is_planned_within_every_rule_and_beats_first_come() -> None:
    inst = instances.generate(150, 750, seed=3)
    p = solve(inst.needs, inst.volunteers)
    first_come = exact.greedy_first_come(inst.needs, inst.volunteers)
    assert check_plan(inst.needs, inst.volunteers, first_come) == []
    assert p.objective > first_come.objective
    bound, _pairs = exact.flow_bound(inst.needs, inst.volunteers)
    assert p.objective <= bound
    assert len(p.assignments) + sum(u.wanted - u.filled for u in p.unfilled) == sum(
        n.head_count for n in inst.needs
    )


def test_check_plan_reports_every_kind_of_violation() -> None:
    needs = [
        need(1, head_count=1, required_skills=frozenset({5}), required_courses=frozenset({1})),
        need(2, needs_insurance=True, max_km=1),
    ]
    vols = [vol(1, cap=90, insured=(), km=3), vol(2)]

    def a(n: int, v: int, start: int, end: int) -> Assignment:
        return Assignment(need_id=n, volunteer_id=v, start=start, end=end, score=1.0, reasons=())

    bad = Plan(
        assignments=[
            a(1, 1, 9 * H, 10 * H),  # no skill, no training
            a(1, 2, 9 * H, 10 * H),  # head count exceeded (and the same checks)
            a(2, 1, 9 * H + 30, 10 * H + 30),  # overlap, cap, insurance, distance
            a(2, 1, 18 * H, 19 * H),  # twice on need 2, outside window and free time
            a(2, 2, 11 * H, 11 * H + 30),  # too short
        ],
        unfilled=[],
        objective=0.0,
        stats=PlanStats(candidates=0, seconds=0.0, solver="hand"),
    )
    text = "\n".join(check_plan(needs, vols, bad))
    for words in (
        "missing required skills",
        "missing training",
        "2 assigned, 1 wanted",
        "overlap",
        "minutes planned, cap 90",
        "not insured",
        "km away",
        "assigned twice",
        "not inside one of the need's windows",
        "not inside the volunteer's free time",
        "lasts 30 minutes",
    ):
        assert words in text, words


# --- against the optimum -----------------------------------------------------------------------
@st.composite
def small_instances(draw: st.DrawFn) -> tuple[list[NeedSpec], list[VolunteerSpec]]:
    def interval() -> tuple[int, int]:
        start = draw(st.integers(0, 1)) * DAY + draw(st.integers(16, 34)) * 30
        return start, start + draw(st.integers(2, 8)) * 30

    needs = []
    for i in range(draw(st.integers(1, 6))):
        duration = draw(st.sampled_from((30, 60, 90, 120)))
        windows = tuple(
            (a, max(b, a + duration))
            for a, b in (interval() for _ in range(draw(st.integers(1, 2))))
        )
        needs.append(
            need(
                i + 1,
                head_count=draw(st.integers(1, 3)),
                duration=duration,
                windows=windows,
                lat=LAT + draw(st.floats(0, 0.08)),
                lng=LNG + draw(st.floats(0, 0.08)),
                remote=draw(st.booleans()),
                skills=draw(st.frozensets(st.integers(1, 3), max_size=2)),
                majors=draw(st.frozensets(st.sampled_from(("a", "b")), max_size=1)),
                required_skills=draw(st.sampled_from((frozenset(), frozenset({1})))),
                required_courses=draw(st.sampled_from((frozenset(), frozenset(), frozenset({1})))),
                needs_insurance=draw(st.booleans()),
                urgency=draw(st.integers(0, 2)),
                work_kind=draw(st.sampled_from(("labour", "skilled", "professional"))),
                max_km=draw(st.sampled_from((2.0, 5.0, 15.0))),
            )
        )
    vols = []
    for j in range(draw(st.integers(1, 8))):
        vols.append(
            vol(
                j + 1,
                free=tuple(interval() for _ in range(draw(st.integers(1, 3)))),
                cap=draw(st.sampled_from((30, 60, 90, 120, 180, 300))),
                lat=LAT + draw(st.floats(0, 0.08)),
                lng=LNG + draw(st.floats(0, 0.08)),
                skills=draw(st.frozensets(st.integers(1, 3), max_size=2)),
                major=draw(st.sampled_from(("a", "b", "c"))),
                courses=draw(st.sampled_from((frozenset(), frozenset({1})))),
                insured=draw(st.sampled_from((((0, 3 * DAY),), ((0, DAY + 10 * H),), ()))),
                minutes_this_month=draw(st.sampled_from((0, 0, 60, 300, 900))),
            )
        )
    return needs, vols


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_plans_are_valid_and_within_half_a_percent_of_the_optimum(
    case: tuple[list[NeedSpec], list[VolunteerSpec]],
) -> None:
    needs, vols = case
    p = plan(needs, vols)
    assert check_plan(needs, vols, p) == []
    best = exact.solve_exact(needs, vols, time_limit_s=30, workers=1)
    assert best.optimal
    assert check_plan(needs, vols, best.plan) == []
    assert p.objective <= best.objective + 1e-9
    assert p.objective >= 0.995 * best.objective - 1e-9
    assert check_plan(needs, vols, exact.greedy_first_come(needs, vols)) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_the_lagrangian_bound_is_never_below_the_optimum(
    case: tuple[list[NeedSpec], list[VolunteerSpec]],
) -> None:
    """The bench's reference at sizes CP-SAT cannot prove: it must bound the proven optimum."""
    needs, vols = case
    p = plan(needs, vols)
    best = exact.solve_exact(needs, vols, time_limit_s=30, workers=1)
    assert best.optimal
    bound = exact.lagrangian_bound(needs, vols, start=p, inner_steps=50)
    assert bound.value >= best.objective - 1e-6


def test_the_lagrangian_bound_of_a_city_where_no_one_can_serve_is_zero() -> None:
    """No feasible pair at all (a skill nobody holds): the bound is 0, not a crash (found by
    the property test above)."""
    needs, vols = [need(1, required_skills=frozenset({1}))], [vol(1)]
    p = plan(needs, vols)
    assert p.objective == 0
    assert exact.lagrangian_bound(needs, vols, start=p).value == 0


def test_the_lagrangian_bound_is_close_on_a_generated_city() -> None:
    """On a generated city where CP-SAT proves the optimum, the bound is within 1 % above it
    (a loose bound would make the bench's ratio say little)."""
    inst = instances.generate(40, 200, seed=7)
    p = plan(inst.needs, inst.volunteers)
    best = exact.solve_exact(inst.needs, inst.volunteers, time_limit_s=60, workers=1, hint=p)
    assert best.optimal
    bound = exact.lagrangian_bound(inst.needs, inst.volunteers, start=p)
    assert best.objective - 1e-6 <= bound.value <= 1.01 * best.objective


def test_shortest_distances_with_negative_arcs() -> None:
    """exact._shortest (Bellman–Ford over a flow's residual graph, whose backward arcs cost
    less than nothing): the distances from node 0; unreached nodes far away."""
    import numpy as np

    tails = np.array([0, 0, 1, 2, 3], dtype=np.int64)
    heads = np.array([1, 2, 3, 3, 1], dtype=np.int64)
    costs = np.array([5, 2, -4, 1, 6], dtype=np.int64)
    dist = exact._shortest(5, tails, heads, costs)
    assert dist[:4].tolist() == [0, 5, 2, 1]
    assert dist[4] > 1 << 50


def test_the_flow_prices_bound_a_generated_city_on_their_own() -> None:
    """The prices from the flow relaxation alone (no set rounds) already give a valid bound, at
    least the optimum and within 1 % of it."""
    inst = instances.generate(40, 200, seed=7)
    p = plan(inst.needs, inst.volunteers)
    best = exact.solve_exact(inst.needs, inst.volunteers, time_limit_s=60, workers=1, hint=p)
    assert best.optimal
    bound = exact.lagrangian_bound(inst.needs, inst.volunteers, start=p, iterations=0)
    assert best.objective - 1e-6 <= bound.value <= 1.01 * best.objective


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # volunteer
            st.frozensets(st.integers(0, 3), min_size=1, max_size=3),  # needs
            st.integers(1, 2000),  # value
        ),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.integers(1, 2), min_size=4, max_size=4),
)
def test_the_restricted_master_prices_are_an_exact_dual_value_above_its_optimum(
    columns: list[tuple[int, frozenset[int], int]], head_list: list[int]
) -> None:
    """exact._KnownSets.prices (the set phase's master, vectorised): the value it returns is
    L_K at the prices it returns (each volunteer's best known set at those prices, or none),
    the prices are at least the floor, and the value is at least the best integer choice of
    known sets (one per volunteer, within the head counts), found here by brute force."""
    import itertools

    import numpy as np

    known = exact._KnownSets(4)
    for v, ns, value in columns:
        known.add(v, sorted(ns), value)
    heads = np.array(head_list, dtype=np.float64)
    floor = np.array([0, 5, 0, 0], dtype=np.float64)
    lam, value = known.prices(np.zeros(4), heads, 0.0, 60, floor)
    assert (lam >= floor).all()
    sets: dict[int, list[tuple[list[int], int]]] = {}
    seen = set()
    for v, ns, val in columns:  # the first of equal sets counts, as in _KnownSets.add
        if (v, ns) not in seen:
            seen.add((v, ns))
            sets.setdefault(v, []).append((sorted(ns), val))
    dual = float(lam @ heads) + sum(
        max(0.0, *(val - sum(lam[n] for n in ns) for ns, val in options))
        for options in sets.values()
    )
    assert abs(dual - value) <= 1e-6 * max(1.0, abs(dual))
    best = 0
    vols = sorted(sets)
    for pick in itertools.product(*([None, *sets[v]] for v in vols)):
        load = np.zeros(4)
        total = 0
        for option in pick:
            if option is not None:
                load[option[0]] += 1
                total += option[1]
        if (load <= heads).all():
            best = max(best, total)
    assert value >= best - 1e-6


def test_the_first_flow_breaks_ties_without_losing_a_unit_of_score_per_head() -> None:
    """The plan's first flow adds seeded noise below one unit to break ties (faster to solve):
    its flow, valued at true costs, is at most one unit per head short of the exact optimum,
    and the same every time."""
    from qingshe.needs.dispatch import engine

    inst = instances.generate(150, 750, seed=3)
    d, c = exact.candidates(inst.needs, inst.volunteers, Weights())
    _exact_chosen, exact_value = engine._flow(d, c, break_ties=False)
    chosen, value = engine._flow(d, c)
    heads = int(d.n_heads.sum())
    assert exact_value - heads < value <= exact_value
    again, value_again = engine._flow(d, c)
    assert value_again == value and (again == chosen).all()
