"""References for the dispatch engine (Django-free): the exact optimum with CP-SAT, an upper
bound from the flow relaxation over every feasible pair, and the greedy first-come baseline.
Used by bench/bench_matching.py and the tests; not by the application.

All three read the same candidates as the engine (every feasible (need, volunteer) pair with its
feasible time, engine.Options(per_need_base=None)) and score with the same integer scores, so
objectives compare exactly.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from qingshe.needs.dispatch import engine
from qingshe.needs.dispatch.engine import (
    SCALE,
    Assignment,
    NeedSpec,
    Options,
    Plan,
    PlanStats,
    VolunteerSpec,
    Weights,
)

COMPLETE = Options(per_need_base=None)
TRACE = 0


@dataclass(frozen=True)
class Exact:
    objective: float  # of the best plan found
    bound: float  # CP-SAT's proven upper bound (equal to objective when optimal)
    optimal: bool
    status: str
    seconds: float
    candidates: int
    plan: Plan


def candidates(
    needs: Sequence[NeedSpec], volunteers: Sequence[VolunteerSpec], weights: Weights
) -> tuple[engine._Data, engine._Candidates]:
    """Every feasible pair, with its score and feasible time."""
    d = engine._Data(needs, volunteers, weights, COMPLETE)
    lists = engine._Lists(d)
    c = engine._generate(d, lists, np.flatnonzero(d.n_heads > 0), None)
    return d, c


def flow_bound(
    needs: Sequence[NeedSpec],
    volunteers: Sequence[VolunteerSpec],
    weights: Weights = Weights(),  # noqa: B008
) -> tuple[float, int]:
    """An upper bound on the optimum: the flow relaxation (engine._flow: overlaps and minute
    caps relaxed to counts) over every feasible pair. Returns (bound, candidate pairs)."""
    d, c = candidates(needs, volunteers, weights)
    _chosen, value = engine._flow(d, c, break_ties=False)
    return value / SCALE, len(c.n)


def conflicts(d: engine._Data, c: engine._Candidates) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of candidates (p, q) of one volunteer that cannot both be served: each has one
    feasible range, in the same block of the volunteer's time, and neither order fits
    (earliest start first). Redundant with no-overlap, but linear: it tightens CP-SAT's LP."""
    single = np.flatnonzero(np.diff(c.p_off) == 1)
    if not len(single):
        z = np.zeros(0, dtype=np.int64)
        return z, z
    a, b = c.p_a[c.p_off[single]], c.p_b[c.p_off[single]]
    dur = d.n_dur[c.n[single]]
    big = d.span + 1
    ka, kb = c.v[single] * big + a, c.v[single] * big + b
    order = np.argsort(ka, kind="stable")
    single, a, b, dur, ka, kb = single[order], a[order], b[order], dur[order], ka[order], kb[order]
    run = np.maximum.accumulate(kb)
    first = np.ones(len(ka), dtype=bool)
    first[1:] = ka[1:] >= run[:-1]
    block = np.cumsum(first) - 1
    size = np.bincount(block)
    start = np.flatnonzero(first)
    # Every (i, j), i < j, within a block.
    left = np.repeat(np.arange(len(ka)), size[block] - (np.arange(len(ka)) - start[block]) - 1)
    offs = np.arange(len(left)) - np.searchsorted(left, left, side="left")
    right = left + 1 + offs
    a1, b1, d1 = a[left], b[left], dur[left]
    a2, b2, d2 = a[right], b[right], dur[right]
    fits = (np.maximum(a2, a1 + d1) + d2 <= b2) | (np.maximum(a1, a2 + d2) + d1 <= b1)
    return single[left[~fits]], single[right[~fits]]


def _plan_from(
    d: engine._Data,
    c: engine._Candidates,
    picks: list[tuple[int, int]],
    seconds: float,
    solver: str,
) -> Plan:
    """A Plan from (pair index, start) picks, with the engine's reasons and objective."""
    assignments = []
    objective = 0
    per_v: dict[int, int] = {}
    for p, start in picks:
        n, v = int(c.n[p]), int(c.v[p])
        end = start + int(d.n_dur[n])
        per_v[v] = per_v.get(v, 0) + 1
        objective += int(c.s[p])
        assignments.append(
            Assignment(
                need_id=d.needs[n].id,
                volunteer_id=d.volunteers[v].id,
                start=start,
                end=end,
                score=int(c.s[p]) / SCALE,
                reasons=engine._reasons(d, n, v, start, end),
            )
        )
    objective -= sum(d.pen_total(k) for k in per_v.values())
    assignments.sort(key=lambda a: (a.need_id, a.start, a.volunteer_id))
    return Plan(
        assignments=assignments,
        unfilled=[],
        objective=objective / SCALE,
        stats=PlanStats(candidates=len(c.n), seconds=seconds, solver=solver),
    )


def solve_exact(
    needs: Sequence[NeedSpec],
    volunteers: Sequence[VolunteerSpec],
    weights: Weights = Weights(),  # noqa: B008
    *,
    time_limit_s: float = 600.0,
    workers: int = 2,
    hint: Plan | None = None,
) -> Exact:
    """The optimum by CP-SAT over every feasible pair: a Boolean per pair, its start a variable
    whose domain is the pair's feasible time (less the duration), an optional interval of the
    need's duration; per need at most the head count; per volunteer the minutes cap and no
    overlap; the spread penalty as Booleans for the 2nd, 3rd … service (convex, so the cheapest
    are taken first). `hint` (e.g. the engine's plan) is given to the solver as a start."""
    started = time.perf_counter()
    d, c = candidates(needs, volunteers, weights)
    t0 = d.t0
    model = cp_model.CpModel()
    P = len(c.n)
    x = [model.new_bool_var(f"x{p}") for p in range(P)]
    starts = []
    by_need: dict[int, list[int]] = {}
    by_vol: dict[int, list[int]] = {}
    intervals: dict[int, list[cp_model.IntervalVar]] = {}
    for p in range(P):
        n, v = int(c.n[p]), int(c.v[p])
        dur = int(d.n_dur[n])
        lo, hi = c.p_off[p], c.p_off[p + 1]
        ranges = [
            [int(a) + t0, int(b) + t0 - dur]
            for a, b in zip(c.p_a[lo:hi], c.p_b[lo:hi], strict=True)
        ]
        s = model.new_int_var_from_domain(cp_model.Domain.from_intervals(ranges), f"s{p}")
        starts.append(s)
        intervals.setdefault(v, []).append(
            model.new_optional_fixed_size_interval_var(s, dur, x[p], f"i{p}")
        )
        by_need.setdefault(n, []).append(p)
        by_vol.setdefault(v, []).append(p)
    for n, ps in by_need.items():
        if len(ps) > d.n_heads[n]:
            model.add(sum(x[p] for p in ps) <= int(d.n_heads[n]))
    for p, q in zip(*(arr.tolist() for arr in conflicts(d, c)), strict=True):
        model.add_at_most_one([x[p], x[q]])
    # How many services fit in each block of a volunteer's time (redundant, linear).
    pair_block, _bv, block_len, block_min, inside = engine._blocks(d, c)
    in_block: dict[int, list[int]] = {}
    for p, b in enumerate(pair_block.tolist()):
        if b >= 0:
            in_block.setdefault(b, []).append(p)
    for b, ps in in_block.items():
        most = int(block_len[b] // block_min[b])
        if len(ps) > most:
            model.add(sum(x[p] for p in ps) <= most)
    penalties = []
    extra: dict[int, list[cp_model.IntVar]] = {}
    for v, ps in by_vol.items():
        durs = [int(d.n_dur[c.n[p]]) for p in ps]
        if sum(durs) > d.v_cap[v]:
            model.add(sum(dd * x[p] for dd, p in zip(durs, ps, strict=True)) <= int(d.v_cap[v]))
        if len(ps) > 1:
            model.add_no_overlap(intervals[v])
            z = [model.new_bool_var(f"z{v}_{j}") for j in range(2, len(ps) + 1)]
            model.add(sum(z) >= sum(x[p] for p in ps) - 1)
            penalties += [(d.pen(j), zj) for j, zj in zip(range(2, len(ps) + 1), z, strict=True)]
            extra[v] = z
    model.maximize(
        sum(int(c.s[p]) * x[p] for p in range(P)) - sum(w * z for w, z in penalties if w)
    )
    if hint is not None:
        index = {(int(c.n[p]), int(c.v[p])): p for p in range(P)}
        need_index = {n.id: i for i, n in enumerate(needs)}
        vol_index = {v.id: i for i, v in enumerate(volunteers)}
        chosen = {}
        for a in hint.assignments:
            p = index.get((need_index[a.need_id], vol_index[a.volunteer_id]))
            if p is not None:
                chosen[p] = a.start
        for p in range(P):
            model.add_hint(x[p], p in chosen)
            model.add_hint(
                starts[p], chosen.get(p, model.proto.variables[starts[p].index].domain[0])
            )
        for v, z in extra.items():
            k = sum(1 for p in by_vol[v] if p in chosen)
            for j, zj in enumerate(z, start=2):
                model.add_hint(zj, j <= k)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    seconds = time.perf_counter() - started
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        empty = _plan_from(d, c, [], seconds, "cp-sat")
        return Exact(0.0, solver.best_objective_bound / SCALE, False, name, seconds, P, empty)
    picks = [(p, solver.value(starts[p])) for p in range(P) if solver.boolean_value(x[p])]
    result = _plan_from(d, c, picks, seconds, "cp-sat")
    return Exact(
        objective=solver.objective_value / SCALE,
        bound=solver.best_objective_bound / SCALE,
        optimal=status == cp_model.OPTIMAL,
        status=name,
        seconds=seconds,
        candidates=P,
        plan=result,
    )


def greedy_first_come(
    needs: Sequence[NeedSpec],
    volunteers: Sequence[VolunteerSpec],
    weights: Weights = Weights(),  # noqa: B008
) -> Plan:
    """Dispatch by hand, first come first served: needs in the order they came (by id), each
    given the first volunteers who answered (by id) who can still serve it — free in a window,
    under their cap, not overlapping what they already took, meeting every hard constraint.
    Reads each need's pool lazily (volunteers by id, 256 at a time) so that it runs at any
    size."""
    started = time.perf_counter()
    d = engine._Data(needs, volunteers, weights, engine.Options())
    lists = engine._Lists(d)
    vid = np.array([v.id for v in volunteers], dtype=np.int64)
    rn, rc, _rs = lists.reach(np.flatnonzero(d.n_heads > 0))
    jobs: dict[int, list[tuple[int, list[tuple[int, int]]]]] = {}
    minutes = np.zeros(d.V, dtype=np.int64)
    taken: list[tuple[int, int, int, int]] = []  # need, volunteer, score, job index
    for n in sorted(np.unique(rn).tolist(), key=lambda n: needs[n].id):
        lo, hi = np.searchsorted(rn, n, side="left"), np.searchsorted(rn, n, side="right")
        ids = lists.everyone(rc[lo:hi])
        ids = ids[ids >= 0]
        pool = lists.members[engine._ranges(lists.l_start[ids], lists.l_len[ids])]
        pool = pool[np.argsort(vid[pool], kind="stable")]
        left = int(d.n_heads[n])
        dur = int(d.n_dur[n])
        for at in range(0, len(pool), 256):
            chunk = pool[at : at + 256]
            sel, score, pp, pa, pb = d.evaluate(np.full(len(chunk), n, dtype=np.int64), chunk)
            for i, v in enumerate(chunk[sel].tolist()):
                if minutes[v] + dur > d.v_cap[v]:
                    continue
                ranges = [
                    (int(x) + d.t0, int(y) + d.t0)
                    for x, y in zip(pa[pp == i], pb[pp == i], strict=True)
                ]
                mine = jobs.get(v, [])
                if engine.schedule([*mine, (dur, ranges)]) is None:
                    continue
                jobs.setdefault(v, []).append((dur, ranges))
                minutes[v] += dur
                taken.append((n, v, int(score[i]), len(jobs[v]) - 1))
                left -= 1
                if not left:
                    break
            if not left:
                break
    starts = {v: engine.schedule(js) for v, js in jobs.items()}
    reasons = engine._Reasons(d)
    assignments = []
    objective = -sum(d.pen_total(len(js)) for js in jobs.values())
    for n, v, score, j in taken:
        start = starts[v][j]  # type: ignore[index]
        end = start + int(d.n_dur[n])
        objective += score
        km = None
        if d.n_local[n] and d.v_loc[v]:
            km = float(engine._haversine(d.n_lat[n], d.n_lng[n], d.v_lat[v], d.v_lng[v]))
        assignments.append(
            Assignment(
                need_id=needs[n].id,
                volunteer_id=volunteers[v].id,
                start=start,
                end=end,
                score=score / SCALE,
                reasons=reasons(n, v, start, end, km),
            )
        )
    assignments.sort(key=lambda a: (a.need_id, a.start, a.volunteer_id))
    return Plan(
        assignments=assignments,
        unfilled=[],
        objective=objective / SCALE,
        stats=PlanStats(
            candidates=0, seconds=time.perf_counter() - started, solver="greedy first-come"
        ),
    )


@dataclass(frozen=True)
class Bound:
    value: float  # an upper bound on the optimum
    iterations: int
    seconds: float
    candidates: int


def _best_schedule(
    book: engine._Book, cap: int, ps: list[int], r: list[float], pen_step: int, budget: int = 2_000
) -> tuple[float, list[int], bool]:
    """The most valuable set of pairs one volunteer can serve (cap, no overlap), by value
    r (already less any price) and the spread penalty: depth-first, best value first, at most
    `budget` nodes. Returns (value, set, whether the search finished: the set is optimal)."""
    order = sorted(range(len(ps)), key=lambda i: -r[i])
    ps = [ps[i] for i in order]
    r = [r[i] for i in order]
    best: list[Any] = [0.0, []]
    nodes = [0]
    # How many more services fit in m minutes at most: the shortest durations first.
    shortest = np.cumsum(np.sort(book.dur[ps])).tolist()

    def visit(i: int, chosen: list[int], value: float, minutes: int) -> None:
        nodes[0] += 1
        if value > best[0]:
            best[0], best[1] = value, list(chosen)
        k = len(chosen)
        # Each later pair at a penalty no lower than if all before it were taken, and no more
        # of them than fit in the minutes left: an upper bound, since r is sorted. The terms
        # only fall (r falls, the penalty rises), so the sum stops at the first one that is
        # not positive.
        room = bisect.bisect_right(shortest, cap - minutes)
        optimistic = value
        for j in range(i, min(len(r), i + room)):
            term = r[j] - pen_step * (k + j - i)
            if term <= 0:
                break
            optimistic += term
        if i >= len(ps) or optimistic <= best[0] or nodes[0] > budget:
            return
        p = ps[i]
        gain = r[i] - pen_step * k
        dur = int(book.dur[p])
        if gain > 0 and minutes + dur <= cap:
            trial = [*chosen, p]
            if engine.schedule([book.job(q) for q in trial]) is not None:
                visit(i + 1, trial, value + gain, minutes + dur)
        visit(i + 1, chosen, value, minutes)

    visit(0, [], 0.0, 0)
    return best[0], best[1], nodes[0] <= budget


def _price(
    d: engine._Data, c: engine._Candidates, lam: np.ndarray
) -> tuple[np.ndarray, dict[int, list[int]]]:
    """For prices λ on needs: each volunteer's best value alone (score − λ, less the spread
    penalty, under its cap and without overlap) and a set it can serve (pair indices into
    `c`). Exact: the greedy set when it is feasible, else a depth-first search; when the search
    runs out of budget the value is the greedy one (an upper bound) and the set the best found.
    Only the pairs it checks get their time tables made (engine._Book over a few pairs)."""
    pen, cap = d.pen_step, d.v_cap
    r = c.s - lam[c.n]
    idx = np.flatnonzero(r > 0)
    idx = idx[np.lexsort((-r[idx], c.v[idx]))]
    v = c.v[idx]
    k = np.arange(len(idx)) - np.searchsorted(v, v, side="left")
    marginal = r[idx] - pen * k
    take = marginal > 0
    sel, sel_v = idx[take], v[take]
    size = np.bincount(sel_v, minlength=d.V)
    value = np.bincount(sel_v, weights=marginal[take], minlength=d.V)
    suspect: set[int] = set()
    multi = np.flatnonzero(size > 1)
    if len(multi):
        dur = d.n_dur[c.n]
        minutes = np.bincount(sel_v, weights=dur[sel], minlength=d.V)
        over = multi[minutes[multi] > cap[multi]]
        suspect.update(over.tolist())
        check = np.setdiff1d(multi, over)
        rows_of = sel[np.isin(sel_v, check)]  # the greedy sets to check, by volunteer
        book = engine._Book(d, _subset(c, rows_of))
        local = np.full(len(c.n), -1, dtype=np.int64)
        local[rows_of] = np.arange(len(rows_of))
        for kk in np.unique(size[check]).tolist():
            vs = check[size[check] == kk]
            if len(vs):
                rows = np.searchsorted(sel_v, vs, side="left")
                ok = book.feasible(local[sel[rows[:, None] + np.arange(kk)[None, :]]])
                suspect.update(vs[~ok].tolist())
    sets: dict[int, list[int]] = {}
    starts = np.searchsorted(sel_v, np.arange(d.V + 1), side="left")
    for vol in np.flatnonzero(size).tolist():
        sets[vol] = sel[starts[vol] : starts[vol + 1]].tolist()
    if suspect:
        sus = np.array(sorted(suspect), dtype=np.int64)
        theirs = idx[np.isin(v, sus)]
        book = engine._Book(d, _subset(c, np.sort(theirs)))
        local = np.full(len(c.n), -1, dtype=np.int64)
        local[np.sort(theirs)] = np.arange(len(theirs))
        for vol in sus.tolist():
            lo, hi = np.searchsorted(v, vol, side="left"), np.searchsorted(v, vol, side="right")
            ps = idx[lo:hi]
            budget = 3_000 if len(ps) <= 12 else 300
            found, got, exact = _best_schedule(
                book, int(cap[vol]), local[ps].tolist(), r[ps].tolist(), pen, budget
            )
            back = {int(local[q]): int(q) for q in ps}
            sets[vol] = [back[q] for q in got]  # a schedule in any case
            if exact:
                value[vol] = found  # else the greedy value stays: an upper bound
    return value, sets


def _above(d: engine._Data, lists: engine._Lists, floor: np.ndarray) -> engine._Candidates:
    """Every feasible pair whose integer score exceeds its need's floor, read from the
    engine's lists down to the floor (no list entry below it can score above it)."""
    needs = np.flatnonzero(d.n_heads > 0)
    sn, sl, sub = lists.lists_for(needs)
    # An entry's score is at most its list's bound + its key + 1e-5 (engine._Lists): read every
    # entry whose key could put it above the floor, with a margin.
    x = (floor[sn] - 0.5) / SCALE - 1e-4 - (d.n_base[sn] + sub)
    count = lists.count_above(sl, x)
    ends = np.cumsum(count)
    got_n, got_v, got_s, got_pp, got_a, got_b = [], [], [], [], [], []
    base, lo = 0, 0
    while lo < len(sn):
        hi = max(lo + 1, int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + 4_000_000)))
        rows = np.arange(lo, hi)
        idx = engine._ranges(lists.l_start[sl[rows]], count[rows])
        pn = np.repeat(sn[rows], count[rows])
        pv = lists.members[idx]
        _u, first, _k = engine._unique_first(pn * d.V + pv)
        first.sort()
        pn, pv = pn[first], pv[first]
        sel, score, pp, a, b = d.evaluate(pn, pv, floor[pn])
        got_n.append(pn[sel])
        got_v.append(pv[sel])
        got_s.append(score)
        got_pp.append(pp + base)
        got_a.append(a)
        got_b.append(b)
        base += len(sel)
        lo = hi
    if not got_n:  # no need with a head to fill: no pair
        none = np.zeros(0, dtype=np.int64)
        return engine._Candidates(
            none, none, none, np.zeros(1, dtype=np.int64), none, none, np.zeros(d.N, dtype=bool)
        )
    cn, cv, cs = (np.concatenate(x) for x in (got_n, got_v, got_s))
    pp, pa, pb = (np.concatenate(x) for x in (got_pp, got_a, got_b))
    # A need whose lists fell in two chunks may have met a volunteer twice: keep one.
    _u, keep, _k = engine._unique_first(cn * d.V + cv)
    keep.sort()
    new_of_old = np.full(len(cn), -1, dtype=np.int64)
    new_of_old[keep] = np.arange(len(keep))
    pnew = new_of_old[pp]
    ok = pnew >= 0
    order = np.lexsort((pa[ok], pnew[ok]))
    p_off = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(np.bincount(pnew[ok], minlength=len(keep)), out=p_off[1:])
    return engine._Candidates(
        cn[keep], cv[keep], cs[keep], p_off, pa[ok][order], pb[ok][order], np.zeros(d.N, dtype=bool)
    )


def _flow_prices(d: engine._Data, c: engine._Candidates) -> tuple[np.ndarray, np.ndarray, int]:
    """Prices from the flow relaxation over candidates `c` (engine._flow's graph, solved
    again here so that every arc's flow can be read): the head-count duals λ of the needs and
    the marginal value μ of each volunteer (0 for those without candidates), from shortest
    distances from the source in the residual graph of an optimal flow (no negative cycle
    there, so they are potentials: every residual arc has a non-negative reduced cost).
    With the source at 0 the sink is at M (the bypass arc for short heads costs M and its flow
    is never at capacity), a need's price is its distance (0 when it has room: the arc from the
    source reaches it at cost 0) and a volunteer's value is M less its distance. Returns (λ, μ,
    the flow's value)."""
    P, N = len(c.n), d.N
    if P == 0:
        return np.zeros(N), np.zeros(d.V), 0
    g = engine._flow_graph(d, c)
    tails, heads, caps, costs = g.tails, g.heads, g.caps, g.costs
    vols, v0, M, nodes = g.vols, g.v0, g.M, g.nodes
    nv = len(vols)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([0, 1]), np.array([g.total, -g.total]))
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min cost flow failed")
    value = g.M * g.total - int(flow.optimal_cost())
    f = flow.flows(np.arange(len(tails)))
    del flow
    fwd, back = f < caps, f > 0
    rt = np.concatenate([tails[fwd], heads[back]])
    rh = np.concatenate([heads[fwd], tails[back]])
    rw = np.concatenate([costs[fwd], -costs[back]])
    del g, tails, heads, caps, costs, f, fwd, back
    dist = _shortest(nodes, rt, rh, rw)
    reached = dist[2 : 2 + N] < np.int64(1) << 59  # a need without heads is not
    lam = np.where(reached, np.maximum(0, dist[2 : 2 + N]), 0).astype(np.float64)
    mu = np.zeros(d.V)
    mu[vols] = np.maximum(0, M - dist[v0 : v0 + nv])
    return lam, mu, value


def _shortest(nodes: int, tails: np.ndarray, heads: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Shortest distances from node 0 (Bellman–Ford, vectorised: each pass relaxes every arc
    at once; the graph has no negative cycle). Unreached nodes get a large value."""
    never = np.int64(1) << 60
    dist = np.full(nodes, never, dtype=np.int64)
    dist[0] = 0
    order = np.argsort(heads, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    into, first = np.unique(heads, return_index=True)
    for _pass in range(nodes):
        reach = dist[tails]
        best = np.minimum.reduceat(np.where(reach < never, reach + costs, never), first)
        now = np.minimum(dist[into], best)
        if np.array_equal(now, dist[into]):
            break
        dist[into] = now
    return dist


def _subset(c: engine._Candidates, idx: np.ndarray) -> engine._Candidates:
    """Pairs `idx` of `c` (sorted), with their pieces."""
    lens = np.diff(c.p_off)[idx]
    pi = engine._ranges(c.p_off[idx], lens)
    p_off = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(lens, out=p_off[1:])
    return engine._Candidates(
        c.n[idx], c.v[idx], c.s[idx], p_off, c.p_a[pi], c.p_b[pi], np.zeros(len(c.truncated), bool)
    )


def lagrangian_bound(
    needs: Sequence[NeedSpec],
    volunteers: Sequence[VolunteerSpec],
    weights: Weights = Weights(),  # noqa: B008
    *,
    start: Plan,
    iterations: int = 200,
    time_limit_s: float = 600.0,
    inner_steps: int = 300,
    flow_rounds: int = 8,
    per_volunteer: int = 16,
    margin: int = 100,
    smoothing: float = 0.5,
) -> Bound:
    """An upper bound on the optimum from the linear relaxation in which each volunteer chooses
    among the sets of services it can do alone (its feasible schedules, convexified: the
    tightest relaxation that keeps volunteers apart).

    For any prices λ ≥ 0 on the head counts, L(λ) = Σ λ·heads + Σ over volunteers of their
    best set valued at score − λ (less the spread penalty) is at least the optimum, and the
    relaxation's value is the smallest L(λ). Every L(λ) below is evaluated exactly: only pairs
    scoring above λ can count, so just those are read from the engine's lists (_above: no need
    to list the tens of millions of feasible pairs of a large city), and each volunteer's best
    set is found (_price). The bound is the smallest L(λ) met, valid however λ was chosen; how
    λ is chosen only decides how tight it is.

    1. Prices from the flow relaxation (`flow_rounds`): the engine's first candidates, the
       flow over them (engine._flow's graph), its duals (_flow_prices); L there; the pairs
       above those prices that the flow's duals say would improve it (score − λ above the
       volunteer's marginal value; each volunteer's best `per_volunteer`) join the flow, which
       is solved again, until almost none join. Its prices are nearly optimal for the flow
       relaxation, which differs from this one only where a volunteer's services overlap or
       exceed its minutes: L there is already close.
    2. Column generation on the sets (`iterations` rounds): every pair scoring above the best
       prices less `margin` is read once (the pool); prices are kept at least that floor, so
       L over the pool is L over every pair. Each round: prices for the sets known so far
       (the restricted master) by `inner_steps` subgradient steps on its Lagrangian dual; L
       there over the pool; the volunteers' best sets join the known ones. It stops when no
       set is new, after `iterations` rounds, or when the time is up.

    `start` (a plan) gives the first known sets. `candidates` in the result is the most pairs
    read at once."""
    started = time.perf_counter()
    d = engine._Data(needs, volunteers, weights, engine.Options())
    lists = engine._Lists(d)
    need_index = {n.id: i for i, n in enumerate(needs)}
    vol_index = {v.id: i for i, v in enumerate(volunteers)}
    heads = d.n_heads.astype(np.float64)
    known = _KnownSets(d.N)
    by_vol: dict[int, list[tuple[int, int]]] = {}
    for a in start.assignments:
        n, v = need_index[a.need_id], vol_index[a.volunteer_id]
        by_vol.setdefault(v, []).append((n, round(a.score * SCALE)))
    for v, items in by_vol.items():
        known.add(v, [n for n, _u in items], sum(u for _n, u in items) - d.pen_total(len(items)))
    floor_value = round(start.objective * SCALE)  # a feasible value: the master's is at least it
    best = np.inf
    best_lam = np.zeros(d.N)
    most = 0
    done = 0

    def out_of_time() -> bool:
        return time.perf_counter() - started > time_limit_s

    def learn(value: np.ndarray, sets: dict[int, list[int]], c: engine._Candidates) -> int:
        added = 0
        for vol in np.flatnonzero(value > 0).tolist():
            ps = sets.get(vol, [])
            added += known.add(vol, c.n[ps].tolist(), int(c.s[ps].sum()) - d.pen_total(len(ps)))
        return added

    # 1. The flow relaxation's prices.
    flow_c, _k = engine._candidates(d, lists)
    for rnd in range(1, flow_rounds + 1):
        lam, mu, flow_value = _flow_prices(d, flow_c)
        c = _above(d, lists, np.floor(lam).astype(np.int64))
        most = max(most, len(c.n))
        value, sets = _price(d, c, lam)
        bound = float(lam @ heads + value.sum())
        if bound < best:
            best, best_lam = bound, lam
        learn(value, sets, c)
        gain = c.s - lam[c.n] - mu[c.v]
        better = np.flatnonzero(gain > 0)
        better = better[np.lexsort((-gain[better], c.v[better]))]
        bv = c.v[better]
        rank = np.arange(len(better)) - np.searchsorted(bv, bv, side="left")
        better = np.sort(better[rank < per_volunteer])
        before = len(flow_c.n)
        flow_c = engine._merge(flow_c, _subset(c, better), d.V)
        del c
        if TRACE:
            print(
                f"  flow round {rnd} flow {flow_value / SCALE:.3f} L {bound / SCALE:.3f} "
                f"best {best / SCALE:.3f} pairs {before} +{len(flow_c.n) - before} "
                f"t {time.perf_counter() - started:.1f}",
                flush=True,
            )
        if len(flow_c.n) - before <= 0.0005 * before or out_of_time():
            break
    del flow_c
    if not iterations or out_of_time():
        return Bound(best / SCALE, 0, time.perf_counter() - started, most)
    # 2. Column generation on the sets, over the pool of pairs above the floor.
    floor = np.maximum(0, np.floor(best_lam) - margin).astype(np.int64)
    pool = _above(d, lists, floor)
    most = max(most, len(pool.n))
    lam = np.maximum(best_lam, floor)
    alpha = smoothing
    for done in range(1, iterations + 1):  # noqa: B007 — the count is reported
        if out_of_time():
            break
        lam, master = known.prices(np.maximum(lam, floor), heads, floor_value, inner_steps, floor)
        # Needs whose price the master pressed down to the floor: lower it, read their pairs
        # between the two floors into the pool.
        low = np.flatnonzero((lam <= floor) & (floor > 0))
        if len(low):
            lower = np.full(d.N, np.iinfo(np.int64).max // 4, dtype=np.int64)
            lower[low] = np.maximum(0, floor[low] - margin)
            pool = engine._merge(pool, _above(d, lists, lower), d.V)
            floor[low] = lower[low]
            most = max(most, len(pool.n))
        # Priced between the best prices so far and the master's (smoothing: the master's
        # prices swing while it knows few sets).
        at = alpha * np.maximum(best_lam, floor) + (1 - alpha) * lam
        value, sets = _price(d, pool, at)
        bound = float(at @ heads + value.sum())
        if bound < best:
            best, best_lam = bound, at
        added = learn(value, sets, pool)
        if TRACE:
            print(
                f"  round {done} master ≤ {master / SCALE:.3f} L {bound / SCALE:.3f} "
                f"bound {best / SCALE:.3f} "
                f"pool {len(pool.n)} lowered {len(low)} added {added} sets {len(known)} "
                f"alpha {alpha} t {time.perf_counter() - started:.1f}",
                flush=True,
            )
        if not added:
            if alpha == 0:
                break
            alpha = 0.0  # nothing new between: price at the master's prices once
        else:
            alpha = smoothing
    return Bound(best / SCALE, done, time.perf_counter() - started, most)


class _KnownSets:
    """The sets of services found so far (the restricted master's columns): each a volunteer,
    its needs and its value in integer units. Kept as numpy arrays, grown in chunks."""

    def __init__(self, n_needs: int) -> None:
        self.N = n_needs
        self.seen: set[tuple[int, ...]] = set()
        self.vol: list[int] = []
        self.value: list[int] = []
        self.needs: list[list[int]] = []
        self._vol = np.zeros(0, dtype=np.int64)
        self._value = np.zeros(0, dtype=np.float64)
        self._flat = np.zeros(0, dtype=np.int64)
        self._lens = np.zeros(0, dtype=np.int64)

    def add(self, vol: int, need_list: list[int], value: int) -> bool:
        key = (vol, *sorted(need_list))
        if not need_list or key in self.seen:
            return False
        self.seen.add(key)
        self.vol.append(vol)
        self.value.append(value)
        self.needs.append(need_list)
        return True

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self.vol:
            lens = np.fromiter(map(len, self.needs), dtype=np.int64, count=len(self.needs))
            flat = np.fromiter(
                (n for ns in self.needs for n in ns), dtype=np.int64, count=int(lens.sum())
            )
            self._vol = np.concatenate([self._vol, np.array(self.vol, dtype=np.int64)])
            self._value = np.concatenate([self._value, np.array(self.value, dtype=np.float64)])
            self._flat = np.concatenate([self._flat, flat])
            self._lens = np.concatenate([self._lens, lens])
            self.vol, self.value, self.needs = [], [], []
        return self._vol, self._value, self._flat, self._lens

    def __len__(self) -> int:
        return len(self._vol) + len(self.vol)

    def prices(
        self,
        lam: np.ndarray,
        heads: np.ndarray,
        floor_value: float,
        steps: int,
        lowest: np.ndarray,
    ) -> tuple[np.ndarray, float]:
        """Prices from `lam` (at least `lowest`) that lower the master's Lagrangian dual
        L_K(λ) = Σ λ·heads + Σ over volunteers of their best known set at λ (or none), by
        subgradient steps towards a target between the best L_K found and `floor_value`.
        Vectorised over the sets sorted by volunteer (each step two reduceat passes, no sort).
        Returns the prices of the lowest L_K met and it."""
        vol, value, flat, lens = self._arrays()
        by_vol = np.argsort(vol, kind="stable")
        vol_s, value_s, lens_s = vol[by_vol], value[by_vol], lens[by_vol]
        starts = np.zeros(len(vol), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        flat_s = flat[engine._ranges(starts[by_vol], lens_s)]  # the sets' needs, by volunteer
        set_start = np.zeros(len(vol), dtype=np.int64)
        np.cumsum(lens_s[:-1], out=set_start[1:])
        owner = np.repeat(np.arange(len(vol)), lens_s)
        first = np.ones(len(vol), dtype=bool)
        first[1:] = vol_s[1:] != vol_s[:-1]
        group_start = np.flatnonzero(first)
        group = np.cumsum(first) - 1
        lo = lowest.astype(np.float64)
        lam = np.maximum(lam, lo)
        best_lam, best_value = lam, np.inf
        step_size, last = 1.0, np.inf
        for _step in range(steps):
            reduced = value_s - np.add.reduceat(lam[flat_s], set_start)
            top = np.maximum.reduceat(reduced, group_start)
            dual = float(lam @ heads + top[top > 0].sum())
            if dual < best_value:
                best_value, best_lam = dual, lam
            # Per volunteer one best known set, when it is worth anything.
            top_g = top[group]
            hit = np.flatnonzero((reduced >= top_g) & (top_g > 0))
            keep = np.ones(len(hit), dtype=bool)
            keep[1:] = group[hit[1:]] != group[hit[:-1]]
            taken = np.zeros(len(vol), dtype=bool)
            taken[hit[keep]] = True
            g = heads - np.bincount(flat_s[taken[owner]], minlength=self.N)
            norm = float(g @ g)
            if norm == 0:
                break
            if dual > last:
                step_size *= 0.9
            last = dual
            target = floor_value + 0.3 * (best_value - floor_value)
            lam = np.maximum(lo, lam - step_size * (dual - target) / norm * g)
        return best_lam, best_value
