"""The dispatch engine (派单): which volunteer serves which need, when. Django-free.

`plan(needs, volunteers, weights)` returns a `Plan`: assignments with a score and machine-readable
reasons, the needs left (partly) unfilled with their causes, the objective and statistics.
`check_plan` lists every hard-constraint violation of a plan (the tests and the bench require
none). The Django layer builds the specs (times as integer minutes on a common clock, intervals
half-open) and translates reasons and causes; see docs/decisions/0007-dispatch-engine.md.

Method (numpy for the data, OR-Tools for the optimisation; deterministic):

1. Candidates (_Lists, _generate). Volunteers are grouped in clusters that adapt to density,
   each with a centre and a radius, so a need reaches a cluster by the triangle inequality.
   Per cluster (and "anywhere", for remote work) there are lists of everyone and of the holders
   of each training course, sorted by fairness, and per need profile (skills wanted, majors,
   kind of work) lists sorted by the profile's bonus plus fairness: an entry's score is then
   bounded by its list's bound plus its key. A threshold algorithm reads each need's lists in
   rounds down to a falling level and stops when its k-th best feasible candidate scores at
   least what any unread entry could (exact top k by score); each pair read is checked (cap,
   distance, required skills and courses, then windows ∩ free time ∩ insured time) only if it
   can still enter. Runs of equal keys are read from a place that depends on the need. A second
   list per need among the volunteers few needs listed lets the flow spread the load.
2. Min-cost flow (_flow): source → need (head count) → [block: a connected stretch of the
   volunteer's feasible time, as many services as its length allows] → volunteer (at most as
   many as its cap allows shortest first; the k-th unit costs the spread penalty) → sink, and a
   bypass for heads left short. Every plan over the candidates is a flow, so the flow's value
   bounds them from above. The plan's flow breaks ties among equal scores by seeded noise below
   one unit of score, which makes the solve faster (see _flow).
3. Repair (_repair): each volunteer keeps the best schedulable subset of what the flow gave
   (subsets × orders, earliest start), under its cap.
4. Polish (_polish): rounds of short ejection chains around the needs with free heads, each a
   min-cost flow over the moves found (_improve), re-packing busy volunteers who could serve
   short needs (_repack), replacing a need's service by a better volunteer (_replace); needs
   still short whose lists were cut get longer lists (Options.expansions) and are polished
   again.
5. Output: each volunteer's services at their earliest starts in a feasible order, reasons,
   and for each short need the funnel of causes over every volunteer (_causes).
"""

from __future__ import annotations

import gc
import itertools
import math
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from ortools.graph.python import min_cost_flow

from qingshe.lib.geo import EARTH_RADIUS_KM, haversine_km

WIDE = 4  # ranges per pair checked in numpy
MAX_SET = 4  # services per volunteer checked in numpy
NEVER = 1 << 61  # a time after every other
SCALE = 1000  # scores are integers of 1/SCALE: the flow needs integer costs, CP-SAT too
TIE_SPREAD, TIE_SEED = 256, 2026  # the first flow's tie-breaking (see _flow)
KIND_FACTOR = {"labour": 0.0, "skilled": 0.5, "professional": 1.0}
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
DAY = 24 * 60
# Distances are scored in steps of 500 m: a few hundred metres across a campus make no
# difference to anyone, and equal scores let the search stop early (see _generate).
KM_STEP = 0.5
Interval = tuple[int, int]


# --- interface ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NeedSpec:
    id: int
    head_count: int
    duration: int
    windows: tuple[Interval, ...]
    lat: float | None
    lng: float | None
    remote: bool
    skills: frozenset[int]
    majors: frozenset[str]
    required_skills: frozenset[int]
    required_courses: frozenset[int]
    needs_insurance: bool
    urgency: int
    work_kind: str
    max_km: float


@dataclass(frozen=True, slots=True)
class VolunteerSpec:
    id: int
    free: tuple[Interval, ...]
    cap: int
    lat: float | None
    lng: float | None
    skills: frozenset[int]
    major: str
    courses: frozenset[int]
    insured: tuple[Interval, ...]
    minutes_this_month: int


@dataclass(frozen=True)
class Weights:
    """The score of one assignment is `assigned + urgency·level + skill·(share of the wanted
    skills held) + major·(major fits) + work_kind·factor·max(skill share, major fits) +
    distance·1/(1 + km/distance_half_km) + fairness·1/(1 + minutes_this_month /
    fairness_half_minutes)`, where factor is 0 for labour, 0.5 for skilled and 1 for
    professional work and remote work scores distance 0.5 (as at distance_half_km). The plan
    maximises the sum of scores minus `spread·(k − 1)` for a volunteer's k-th service in the
    plan."""

    assigned: float = 1.0
    urgency: float = 0.25
    skill: float = 0.3
    major: float = 0.2
    work_kind: float = 0.3
    distance: float = 0.25
    distance_half_km: float = 5.0
    fairness: float = 0.2
    fairness_half_minutes: float = 600.0
    spread: float = 0.15


@dataclass(frozen=True)
class Options:
    """Tuning of the search, not of the result's meaning. `per_need_base=None` keeps every
    feasible candidate (the exact reference uses that)."""

    per_need_base: int | None = 8
    per_need_per_head: int = 3
    # A second list per need among the volunteers few needs listed first (fewer than
    # `contested`): what the flow needs to spread the load where everyone wants the same
    # people. 0 turns it off.
    spread_base: int = 6
    spread_per_head: int = 2
    contested: int = 2
    expansions: int = 2
    expansion_factor: int = 16
    threads: int = 2
    cluster_min: int = 64
    augment_rounds: int = 30
    # After polishing, a third list per need among the volunteers the plan left without a
    # service, which replacement then swaps in (see _idle_candidates). 0 turns it off.
    idle_base: int = 4
    idle_per_head: int = 2


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cause:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assignment:
    need_id: int
    volunteer_id: int
    start: int
    end: int
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Unfilled:
    need_id: int
    wanted: int
    filled: int
    causes: tuple[Cause, ...]


@dataclass(frozen=True)
class PlanStats:
    candidates: int
    seconds: float
    solver: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    assignments: list[Assignment]
    unfilled: list[Unfilled]
    objective: float
    stats: PlanStats


# Funnel of an unfilled need's causes, in the order they are applied.
CAUSES = (
    "too_far",
    "no_required_skill",
    "no_one_trained",
    "no_one_free_in_window",
    "no_one_insured",
    "caps_reached",
    "taken_by_better_matches",
    "left_unassigned",
)


# --- small helpers -----------------------------------------------------------------------------
def _normalise(intervals: Sequence[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals merged, empty ones dropped."""
    out: list[list[int]] = []
    for a, b in sorted((int(a), int(b)) for a, b in intervals if b > a):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of range(s, s + n) for each (s, n)."""
    lengths = lengths.astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts.astype(np.int64) - (np.cumsum(lengths) - lengths), lengths)
    return shift + np.arange(total, dtype=np.int64)


def _order(*keys: np.ndarray) -> np.ndarray:
    """np.lexsort(keys) (the last key first, ties in input order) for integer keys: where the
    keys and the index fit in one int64 together, one sort of those values (numpy sorts int64
    values several times faster than it sorts indices, stably or not)."""
    m = len(keys[0])
    if m < 2:
        return np.arange(m, dtype=np.int64)
    packed = np.arange(m, dtype=np.int64)
    scale = m
    for k in keys:
        lo, hi = int(k.min()), int(k.max())
        if scale * (hi - lo + 1) >= 1 << 62:
            return np.lexsort(keys)
        if hi > lo:
            packed += (k.astype(np.int64) - lo) * scale
        scale *= hi - lo + 1
    packed.sort()
    return packed % m


# numpy 2's np.unique hashes int64 keys, which is slow on the structured keys used here (need ×
# volunteer); these sort.
def _unique(a: np.ndarray) -> np.ndarray:
    s = np.sort(a)
    keep = np.ones(len(s), dtype=bool)
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def _unique_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = _order(a)
    s = a[order]
    keep = np.ones(len(s), dtype=bool)
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = np.cumsum(keep) - 1
    return s[keep], inverse


def _unique_first(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted unique values, the index of each one's first occurrence, and counts."""
    order = _order(a)
    s = a[order]
    keep = np.ones(len(s), dtype=bool)
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    starts = np.flatnonzero(keep)
    counts = np.diff(np.append(starts, len(s)))
    return s[keep], order[keep], counts


def _in_sorted(a: np.ndarray, sorted_b: np.ndarray) -> np.ndarray:
    """Membership of each element of a in the sorted array sorted_b."""
    if not len(sorted_b):
        return np.zeros(len(a), dtype=bool)
    i = np.minimum(np.searchsorted(sorted_b, a), len(sorted_b) - 1)
    return sorted_b[i] == a


def _haversine(
    lat1: np.ndarray, lng1: np.ndarray, lat2: np.ndarray, lng2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _masks(sets: Sequence[frozenset[Any]], index: Mapping[Any, int], words: int) -> np.ndarray:
    """Each set as a bit mask (bit i: the id `index` maps to i; ids it does not map are left
    out), rows of `words` 64-bit words."""
    counts = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    get = index.get
    bits = np.fromiter(
        (get(x, -1) for ids in sets for x in ids), dtype=np.int64, count=int(counts.sum())
    )
    owner = np.repeat(np.arange(len(sets), dtype=np.int64), counts)
    keep = bits >= 0
    out = np.zeros((len(sets), words), dtype=np.uint64)
    b = bits[keep]
    np.bitwise_or.at(
        out, (owner[keep], b // 64), np.left_shift(np.uint64(1), (b % 64).astype(np.uint64))
    )
    return out


def _has_all(have: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.all((have & want) == want, axis=1)


def schedule(jobs: Sequence[tuple[int, Sequence[Interval]]]) -> list[int] | None:
    """Start times for jobs `(duration, ranges)` (a job runs `duration` inside one range) so that
    none overlap, or None. Exact: every order is tried (earliest start in a fixed order is
    optimal for that order); past 7 jobs only the order by latest end."""
    k = len(jobs)
    if k == 0:
        return []
    if k == 1:
        d, pcs = jobs[0]
        return next(([a] for a, b in pcs if b - a >= d), None)
    by_deadline = sorted(range(k), key=lambda i: (max(b for _a, b in jobs[i][1]), i))
    orders: Any = itertools.permutations(by_deadline) if k <= 7 else [tuple(by_deadline)]
    for order in orders:
        t = -(1 << 62)
        starts = [0] * k
        for i in order:
            d, pcs = jobs[i]
            for a, b in pcs:
                s = max(a, t)
                if s + d <= b:
                    break
            else:
                break
            starts[i] = s
            t = s + d
        else:
            return starts
    return None


# --- the problem as arrays ---------------------------------------------------------------------
class _Data:
    def __init__(
        self,
        needs: Sequence[NeedSpec],
        volunteers: Sequence[VolunteerSpec],
        weights: Weights,
        options: Options,
    ) -> None:
        self.needs, self.volunteers, self.weights, self.options = (
            needs,
            volunteers,
            weights,
            options,
        )
        N, V = len(needs), len(volunteers)
        self.N, self.V = N, V
        windows = [
            sorted({(int(a), int(b)) for a, b in n.windows if b - a >= n.duration}) for n in needs
        ]
        ends = [t for ws in windows for w in ws for t in w]
        self.t0 = min(ends) if ends else 0
        self.span = (max(ends) - self.t0 + 1) if ends else 1
        t0, t1 = self.t0, self.t0 + self.span - 1

        # Needs.
        skill_ids = sorted({s for n in needs for s in n.skills | n.required_skills})
        self.skill_bit = {s: i for i, s in enumerate(skill_ids)}
        course_ids = sorted({c for n in needs for c in n.required_courses})
        self.course_bit = {c: i for i, c in enumerate(course_ids)}
        majors = sorted({m for n in needs for m in n.majors})
        self.major_index = {m: i for i, m in enumerate(majors)}
        self.sw = max(1, (len(skill_ids) + 63) // 64)
        self.cw = max(1, (len(course_ids) + 63) // 64)
        self.mw = max(1, (len(majors) + 63) // 64)
        self.n_heads = np.array([max(0, n.head_count) for n in needs], dtype=np.int64)
        self.n_dur = np.array([max(1, n.duration) for n in needs], dtype=np.int64)
        self.n_lat = np.array([np.nan if n.lat is None else n.lat for n in needs], dtype=np.float64)
        self.n_lng = np.array([np.nan if n.lng is None else n.lng for n in needs], dtype=np.float64)
        self.n_remote = np.array([n.remote for n in needs], dtype=bool)
        self.n_local = ~self.n_remote & ~np.isnan(self.n_lat) & ~np.isnan(self.n_lng)
        self.n_maxkm = np.array([n.max_km for n in needs], dtype=np.float64)
        self.n_cos = np.cos(np.radians(np.nan_to_num(self.n_lat)))
        self.n_ins = np.array([n.needs_insurance for n in needs], dtype=bool)
        want = [n.skills | n.required_skills for n in needs]
        self.n_skill = _masks(want, self.skill_bit, self.sw)
        self.n_nskill = np.array([len(w) for w in want], dtype=np.int64)
        self.n_rskill = _masks([n.required_skills for n in needs], self.skill_bit, self.sw)
        self.n_rcourse = _masks([n.required_courses for n in needs], self.course_bit, self.cw)
        self.n_needs_skill = self.n_rskill.any(axis=1)
        self.n_needs_course = self.n_rcourse.any(axis=1)
        self.n_major = _masks([n.majors for n in needs], self.major_index, self.mw)
        self.n_kind = np.array([KIND_FACTOR.get(n.work_kind, 0.0) for n in needs], dtype=np.float64)
        self.n_base = np.array(
            [weights.assigned + weights.urgency * max(0, min(2, n.urgency)) for n in needs],
            dtype=np.float64,
        )
        w_off = [0]
        w_s: list[int] = []
        w_e: list[int] = []
        for ws in windows:
            w_s += [a - t0 for a, _b in ws]
            w_e += [b - t0 for _a, b in ws]
            w_off.append(len(w_s))
        self.w_off = np.array(w_off, dtype=np.int64)
        self.w_s = np.array(w_s, dtype=np.int64)
        self.w_e = np.array(w_e, dtype=np.int64)

        # Volunteers.
        self.v_cap = np.array([max(0, v.cap) for v in volunteers], dtype=np.int64)
        self.v_lat = np.array(
            [np.nan if v.lat is None else v.lat for v in volunteers], dtype=np.float64
        )
        self.v_lng = np.array(
            [np.nan if v.lng is None else v.lng for v in volunteers], dtype=np.float64
        )
        self.v_loc = ~np.isnan(self.v_lat) & ~np.isnan(self.v_lng)
        self.v_skill = _masks([v.skills for v in volunteers], self.skill_bit, self.sw)
        self.v_course = _masks([v.courses for v in volunteers], self.course_bit, self.cw)
        self.v_major = np.array(
            [self.major_index.get(v.major, -1) for v in volunteers], dtype=np.int64
        )
        self.v_fair = weights.fairness / (
            1.0
            + np.array([max(0, v.minutes_this_month) for v in volunteers], dtype=np.float64)
            / weights.fairness_half_minutes
        )
        self.f_off, self.f_s, self.f_e, self.f_key = self._csr([v.free for v in volunteers], t0, t1)
        self.i_off, self.i_s, self.i_e, self.i_key = self._csr(
            [v.insured for v in volunteers], t0, t1
        )
        # Where each volunteer's intervals reach each day of the plan: a look-up, not a search.
        days = self.span // DAY + 1
        start = np.arange(V, dtype=np.int64)[:, None] * self.span + DAY * np.arange(days)[None, :]
        self.f_day = np.searchsorted(self.f_key, start, side="right")
        self.i_day = np.searchsorted(self.i_key, start, side="right")
        self.pen_step = round(SCALE * weights.spread)
        # Need profiles (skills wanted, majors that fit, kind of work): the bonus a volunteer
        # gets from a need depends on its profile only.
        self.profiles: dict[tuple[Any, ...], int] = {}
        prof = []
        for n, spec in enumerate(needs):
            wanted = frozenset(want[n])
            if not wanted and not spec.majors:
                prof.append(-1)
                continue
            key = (wanted, frozenset(spec.majors), float(self.n_kind[n]))
            prof.append(self.profiles.setdefault(key, len(self.profiles)))
        self.n_profile = np.array(prof, dtype=np.int64)

    def _csr(
        self, lists: Sequence[Sequence[Interval]], t0: int, t1: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each volunteer's intervals clipped to the planning span, sorted, overlapping or
        touching ones merged: (offsets, starts, ends, owner·span + end) relative to t0."""
        V = len(lists)
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=V)
        chain = itertools.chain.from_iterable
        flat = np.fromiter(chain(chain(lists)), dtype=np.int64, count=2 * int(counts.sum()))
        owner = np.repeat(np.arange(V, dtype=np.int64), counts)
        a = np.clip(flat[0::2], t0, t1) - t0
        b = np.clip(flat[1::2], t0, t1) - t0
        keep = b > a
        big = self.span + 1
        ka = owner[keep] * big + a[keep]
        kb = owner[keep] * big + b[keep]
        order = _order(ka)
        ka, kb = ka[order], kb[order]
        if len(ka):
            run = np.maximum.accumulate(kb)
            first = np.ones(len(ka), dtype=bool)
            first[1:] = ka[1:] > run[:-1]
            at = np.flatnonzero(first)
            ka, kb = ka[at], np.maximum.reduceat(kb, at)
        own = ka // big
        s, e = ka - own * big, kb - own * big
        off = np.zeros(V + 1, dtype=np.int64)
        np.cumsum(np.bincount(own, minlength=V), out=off[1:])
        return off, s, e, own * self.span + e

    def pen(self, k: int) -> int:
        """Spread penalty of a volunteer's k-th service (integer units)."""
        return self.pen_step * max(0, k - 1)

    def pen_total(self, k: int) -> int:
        return self.pen_step * k * (k - 1) // 2

    # -- evaluation of (need, volunteer) pairs ----------------------------------------------
    def intersect(
        self,
        qv: np.ndarray,
        qlo: np.ndarray,
        qhi: np.ndarray,
        qdur: np.ndarray,
        insured: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each query (volunteer, [lo, hi)), the parts of it inside the volunteer's free (or
        insured) intervals that are at least `dur` long: (query index, lo, hi)."""
        off, s, e, day = (
            (self.i_off, self.i_s, self.i_e, self.i_day)
            if insured
            else (self.f_off, self.f_s, self.f_e, self.f_day)
        )
        qi = np.arange(len(qv), dtype=np.int64)
        j = day[qv, qlo // DAY]  # the first interval ending after the day of lo begins
        end = off[qv + 1]
        out_i, out_a, out_b = [], [], []
        while len(qi):
            keep = j < end
            qi, j, end = qi[keep], j[keep], end[keep]
            if not len(qi):
                break
            sj = s[j]
            keep = sj < qhi[qi]
            qi, j, end, sj = qi[keep], j[keep], end[keep], sj[keep]
            if not len(qi):
                break
            a = np.maximum(sj, qlo[qi])
            b = np.minimum(e[j], qhi[qi])
            good = b - a >= qdur[qi]
            out_i.append(qi[good])
            out_a.append(a[good])
            out_b.append(b[good])
            j = j + 1
        if not out_i:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z
        i_a, a_a, b_a = np.concatenate(out_i), np.concatenate(out_a), np.concatenate(out_b)
        order = _order(a_a, i_a)
        return i_a[order], a_a[order], b_a[order]

    def static_stage(self, pn: np.ndarray, pv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First failing static check of each pair (0 = none; 1 far, 2 skill, 3 course) and,
        where it was needed to decide, the great-circle km (else NaN)."""
        stage = np.zeros(len(pn), dtype=np.int8)
        km = np.full(len(pn), np.nan)
        local = self.n_local[pn]
        if local.any():
            li = np.flatnonzero(local)
            ln, lv = pn[li], pv[li]
            # A flat-earth distance first (within 1 % of the great circle below a few hundred
            # km); the great circle only where that could be on the wrong side of the limit.
            dy = (self.v_lat[lv] - self.n_lat[ln]) * KM_PER_DEGREE
            dx = (self.v_lng[lv] - self.n_lng[ln]) * KM_PER_DEGREE * self.n_cos[ln]
            flat = np.sqrt(dx * dx + dy * dy)
            limit = self.n_maxkm[ln]
            far = ~self.v_loc[lv] | ~(flat <= limit * 1.01 + 0.1)
            near = flat <= limit * 0.99 - 0.1
            unsure = np.flatnonzero(~far & ~near)
            if len(unsure):
                u, un, uv = li[unsure], ln[unsure], lv[unsure]
                exact = _haversine(self.n_lat[un], self.n_lng[un], self.v_lat[uv], self.v_lng[uv])
                km[u] = exact
                far[unsure] = ~(exact <= limit[unsure])
            stage[li[far]] = 1
        # Only pairs still in whose need requires something are looked at.
        at = np.flatnonzero((stage == 0) & self.n_needs_skill[pn])
        lack = ~_has_all(self.v_skill[pv[at]], self.n_rskill[pn[at]])
        stage[at[lack]] = 2
        at = np.flatnonzero((stage == 0) & self.n_needs_course[pn])
        lack = ~_has_all(self.v_course[pv[at]], self.n_rcourse[pn[at]])
        stage[at[lack]] = 3
        return stage, km

    def pieces(
        self, pn: np.ndarray, pv: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Feasible time of each pair: pieces (pair index, lo, hi), sorted, each at least the
        need's duration long, inside one window, the free time and (if needed) insured time;
        and a per-pair flag 'free in a window before insurance' for the funnel."""
        cnt = self.w_off[pn + 1] - self.w_off[pn]
        q = np.repeat(np.arange(len(pn), dtype=np.int64), cnt)
        wi = _ranges(self.w_off[pn], cnt)
        dur = self.n_dur[pn]
        i, a, b = self.intersect(pv[q], self.w_s[wi], self.w_e[wi], dur[q], insured=False)
        pair = q[i]
        free_any = np.zeros(len(pn), dtype=bool)
        free_any[pair] = True
        ins = self.n_ins[pn[pair]]
        if ins.any():
            k = np.flatnonzero(ins)
            i2, a2, b2 = self.intersect(pv[pair[k]], a[k], b[k], dur[pair[k]], insured=True)
            keep = ~ins
            pair = np.concatenate([pair[keep], pair[k[i2]]])
            a = np.concatenate([a[keep], a2])
            b = np.concatenate([b[keep], b2])
            order = _order(a, pair)
            pair, a, b = pair[order], a[order], b[order]
        return pair, a, b, free_any

    def scores(self, pn: np.ndarray, pv: np.ndarray, km: np.ndarray) -> np.ndarray:
        w = self.weights
        share = np.zeros(len(pn))
        has = self.n_nskill[pn] > 0
        if has.any():
            common = np.bitwise_count(self.v_skill[pv] & self.n_skill[pn]).sum(axis=1)
            share[has] = common[has] / self.n_nskill[pn][has]
        vm = self.v_major[pv]
        fits = np.zeros(len(pn))
        ok = vm >= 0
        if ok.any():
            word, bit = vm[ok] // 64, (vm[ok] % 64).astype(np.uint64)
            fits[ok] = ((self.n_major[pn[ok], word] >> bit) & np.uint64(1)).astype(np.float64)
        dist = np.full(len(pn), 0.5)
        known = ~np.isnan(km)
        dist[known] = 1.0 / (1.0 + np.floor(km[known] / KM_STEP) * KM_STEP / w.distance_half_km)
        total = (
            self.n_base[pn]
            + w.skill * share
            + w.major * fits
            + w.work_kind * self.n_kind[pn] * np.maximum(share, fits)
            + w.distance * dist
            + self.v_fair[pv]
        )
        return np.rint(total * SCALE).astype(np.int64)

    def evaluate(
        self,
        pn: np.ndarray,
        pv: np.ndarray,
        floor: np.ndarray | None = None,
        allowed: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Feasible pairs among (pn, pv) scoring above `floor` (per pair; None: any), of
        `allowed` volunteers (None: all): (index into the input, score, piece → index into
        the output, piece lo, piece hi). The cheap checks and the score come first, the time
        only for what is left."""
        ok = self.v_cap[pv] >= self.n_dur[pn]
        if allowed is not None:
            ok &= allowed[pv]
        idx = np.flatnonzero(ok)
        stage, km = self.static_stage(pn[idx], pv[idx])
        keep = stage == 0
        idx, km = idx[keep], km[keep]
        need = np.flatnonzero(np.isnan(km) & self.n_local[pn[idx]])
        if len(need):
            n_, v_ = pn[idx[need]], pv[idx[need]]
            km[need] = _haversine(self.n_lat[n_], self.n_lng[n_], self.v_lat[v_], self.v_lng[v_])
        score = self.scores(pn[idx], pv[idx], km)
        if floor is not None:
            keep = score > floor[idx]
            idx, score = idx[keep], score[keep]
        pair, a, b, _free = self.pieces(pn[idx], pv[idx])
        has = np.zeros(len(idx), dtype=bool)
        has[pair] = True
        new_index = np.cumsum(has) - 1
        return idx[has], score[has], new_index[pair], a, b


# --- candidate lists ---------------------------------------------------------------------------
KEY_BITS = 38  # list keys are integers of 2^-38 (see _Lists)


class _Lists:
    """Candidate lists. Each list holds volunteers of one cluster (or "anywhere", column `C`)
    in decreasing order of a key: fairness for everyone (family 0) and for the holders of a
    training course (family 1); for the volunteers who match a need profile (skills wanted,
    majors that fit, kind of work: family 2) the profile's bonus plus fairness, so that the
    score of an entry is at most base + best distance score + key, and the bound is exact but
    for the distance.

    Clusters adapt to density: a volunteer belongs to the finest grid cell (1, 2, 4 … km)
    holding at least `Options.cluster_min` not yet clustered volunteers, so a campus is a
    cluster of its own and homes scattered over the city share larger ones.

    Keys are stored as integers, floor(key·2^38) less the volunteer's rank (fairness, then
    input order): all distinct, so a level cuts a list at one place; an entry's key is at most
    its integer key·2^-38 + V·2^-38 (below 1e-5 for up to 2.7 million volunteers)."""

    def __init__(self, d: _Data, only: np.ndarray | None = None) -> None:
        """Lists of all volunteers, or of those where `only` is true."""
        self.d = d
        profiles, need_profile = d.profiles, d.n_profile
        V = d.V
        order = np.lexsort((np.arange(V), -d.v_fair))
        rank = np.empty(V, dtype=np.int64)
        rank[order] = np.arange(V)
        cluster = np.full(V, -1, dtype=np.int64)
        located = np.flatnonzero(d.v_loc)
        C = 0
        if len(located):
            lat0 = float(np.mean(d.v_lat[located]))
            shrink = max(0.05, math.cos(math.radians(lat0)))
            left = located
            size = 1.0
            while len(left):
                cell = size / KM_PER_DEGREE
                cy = np.floor(d.v_lat[left] / cell).astype(np.int64)
                cx = np.floor(d.v_lng[left] * shrink / cell).astype(np.int64)
                keys, inverse = _unique_inverse(cy * (1 << 32) + cx)
                counts = np.bincount(inverse, minlength=len(keys))
                big_enough = counts >= d.options.cluster_min
                if size >= 256.0:
                    big_enough[:] = True
                ids = np.cumsum(big_enough) - 1 + C
                take = big_enough[inverse]
                cluster[left[take]] = ids[inverse[take]]
                C += int(big_enough.sum())
                left = left[~take]
                size *= 2
        self.C = C
        if C:
            members = cluster[located]
            count = np.bincount(members, minlength=C)
            self.c_lat = np.bincount(members, weights=d.v_lat[located], minlength=C) / count
            self.c_lng = np.bincount(members, weights=d.v_lng[located], minlength=C) / count
            dist = _haversine(
                self.c_lat[members], self.c_lng[members], d.v_lat[located], d.v_lng[located]
            )
            self.c_rad = np.zeros(C)
            np.maximum.at(self.c_rad, members, dist)
            self.c_rad += 1e-6
        else:
            self.c_lat = self.c_lng = self.c_rad = np.zeros(0)

        # Memberships (volunteer, family, key, value).
        w = d.weights
        fam_v: list[np.ndarray] = [np.arange(V, dtype=np.int64)]
        fam_k: list[np.ndarray] = [np.zeros(V, dtype=np.int64)]
        fam_f: list[np.ndarray] = [np.zeros(V, dtype=np.int64)]
        fam_x: list[np.ndarray] = [d.v_fair]
        self.holders: dict[int, int] = {}
        for b in range(len(d.course_bit)):
            holders = np.flatnonzero((d.v_course[:, b // 64] >> np.uint64(b % 64)) & np.uint64(1))
            self.holders[b] = len(holders)
            fam_v.append(holders)
            fam_k.append(np.full(len(holders), b, dtype=np.int64))
            fam_f.append(np.ones(len(holders), dtype=np.int64))
            fam_x.append(d.v_fair[holders])
        for (skills, _majors, kind), pid in profiles.items():
            n = int(np.flatnonzero(need_profile == pid)[0])
            share = np.zeros(V)
            if skills:
                common = np.bitwise_count(d.v_skill & d.n_skill[n]).sum(axis=1)
                share = common / len(skills)
            fits = np.zeros(V)
            vm = d.v_major
            ok = vm >= 0
            fits[ok] = (
                (d.n_major[n, vm[ok] // 64] >> (vm[ok] % 64).astype(np.uint64)) & np.uint64(1)
            ).astype(np.float64)
            bonus = w.skill * share + w.major * fits + w.work_kind * kind * np.maximum(share, fits)
            holders = np.flatnonzero(bonus > 0)
            fam_v.append(holders)
            fam_k.append(np.full(len(holders), pid, dtype=np.int64))
            fam_f.append(np.full(len(holders), 2, dtype=np.int64))
            fam_x.append(bonus[holders] + d.v_fair[holders])
        lv, lk, lf, lx = (np.concatenate(a) for a in (fam_v, fam_k, fam_f, fam_x))
        if only is not None:
            keep = only[lv]
            lv, lk, lf, lx = lv[keep], lk[keep], lf[keep], lx[keep]
        # Each membership once in its cluster's list and once in the list "anywhere".
        in_cluster = cluster[lv] >= 0
        mv = np.concatenate([lv[in_cluster], lv])
        mk = np.concatenate([lk[in_cluster], lk])
        mf = np.concatenate([lf[in_cluster], lf])
        mx = np.concatenate([lx[in_cluster], lx])
        mc = np.concatenate([cluster[lv][in_cluster], np.full(len(lv), C, dtype=np.int64)])
        self.kmax = int(max(len(d.course_bit), len(profiles), 1))
        composite = (mf * self.kmax + mk) * (C + 1) + mc
        key = np.floor(mx * 2.0**KEY_BITS).astype(np.int64) - rank[mv]
        order = np.lexsort((-key, composite))
        self.members = mv[order]
        self.key = key[order]
        value = mx[order]
        keys, first, counts = _unique_first(composite[order])
        self.l_start = first.astype(np.int64)
        self.l_len = counts.astype(np.int64)
        n_lists = len(keys)
        list_of_pos = np.repeat(np.arange(n_lists, dtype=np.int64), self.l_len)
        top = np.int64(1) << (KEY_BITS + 4)
        self.sorted_key = list_of_pos * top + (top - 1 - np.clip(self.key, 0, top - 1))
        self.top = top
        self.table = np.full(3 * self.kmax * (C + 1), -1, dtype=np.int64)
        self.table[keys] = np.arange(n_lists, dtype=np.int64)
        # Runs of equal key within a list ("ties": minutes served this month come in steps, a
        # third of students have none). Which members of a run a need reads first is arbitrary
        # for the bound, so each need starts at its own place in the run: needs that rank
        # volunteers alike (remote work, one campus) then see different ones.
        new_run = np.ones(len(value), dtype=bool)
        new_run[1:] = (value[1:] != value[:-1]) | (list_of_pos[1:] != list_of_pos[:-1])
        run_first = np.flatnonzero(new_run)
        run_of = np.cumsum(new_run) - 1
        self.run_start = run_first[run_of]
        self.run_len = np.diff(np.append(run_first, len(value)))[run_of]
        self.need_profile = need_profile

    def list_ids(self, family: int, key: int, columns: np.ndarray) -> np.ndarray:
        return self.table[(family * self.kmax + key) * (self.C + 1) + columns]

    def reach(self, needs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(need, column, upper bound of the distance score) for every column a need can take
        candidates from: the clusters within its limit (triangle inequality on the cluster's
        centre and radius), or "anywhere" for remote needs and needs without a location."""
        d, C, w = self.d, self.C, self.d.weights
        rn, rc, rs = [], [], []
        local = d.n_local[needs]
        other = needs[~local]
        rn.append(other)
        rc.append(np.full(len(other), C, dtype=np.int64))
        rs.append(np.full(len(other), 0.5 * w.distance))
        ln = needs[local]
        if C and len(ln):
            step = max(1, 4_000_000 // C)
            for lo in range(0, len(ln), step):
                chunk = ln[lo : lo + step]
                dist = _haversine(
                    d.n_lat[chunk][:, None],
                    d.n_lng[chunk][:, None],
                    self.c_lat[None, :],
                    self.c_lng[None, :],
                )
                near = np.maximum(0.0, dist - self.c_rad[None, :])
                i, j = np.nonzero(near <= d.n_maxkm[chunk][:, None])
                rn.append(chunk[i])
                rc.append(j.astype(np.int64))
                rs.append(
                    w.distance
                    / (1.0 + np.floor(near[i, j] / KM_STEP) * KM_STEP / w.distance_half_km)
                )
        n, c, s = np.concatenate(rn), np.concatenate(rc), np.concatenate(rs)
        order = _order(c, n)
        return n[order], c[order], s[order]

    def lists_for(self, needs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(need, list, bound of every entry's score less its key) for each list a need reads,
        grouped by need: in each column it reaches, the need profile's list (exact bonus) and,
        unless the need requires a skill (then every candidate matches the profile), everyone
        (no bonus) or, when it requires training, the holders of its rarest course."""
        d = self.d
        rn, rc, rs = self.reach(needs)
        # Per need: family 0, key 0 (everyone); -1 (none) when it requires a skill; family 1,
        # key its rarest course when it requires training.
        need_fam = np.zeros(d.N, dtype=np.int64)
        need_key = np.zeros(d.N, dtype=np.int64)
        for n in _unique(rn).tolist():
            spec = d.needs[n]
            if spec.required_skills:
                need_fam[n] = -1
            elif spec.required_courses:
                need_fam[n] = 1
                need_key[n] = min(
                    (d.course_bit[c] for c in spec.required_courses),
                    key=lambda b: (self.holders.get(b, 0), b),
                )
        fam, base = need_fam[rn], need_key[rn]
        ids = [np.where(fam >= 0, self.list_ids(np.maximum(fam, 0), base, rc), -1)]
        prof = self.need_profile[rn]
        ids.append(
            np.where(prof >= 0, self.list_ids(np.full(len(rn), 2), np.maximum(prof, 0), rc), -1)
        )
        ln = np.concatenate([rn, rn])
        ls = np.concatenate(ids)
        lb = np.concatenate([rs, rs])
        ok = ls >= 0
        ln, ls, lb = ln[ok], ls[ok], lb[ok]
        order = _order(ls, ln)
        return ln[order], ls[order], lb[order]

    def count_above(self, lists: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """How many entries of each list have a key above `floor` (a prefix)."""
        f = np.clip(np.floor(floor * 2.0**KEY_BITS), -1, self.top - 1).astype(np.int64)
        return (
            np.searchsorted(self.sorted_key, lists * self.top + (self.top - 1 - f), side="left")
            - self.l_start[lists]
        )

    def key_at(self, pos: np.ndarray) -> np.ndarray:
        return self.key[pos] / 2.0**KEY_BITS

    def at(self, pos: np.ndarray, need: np.ndarray) -> np.ndarray:
        """The member read at position `pos` by `need`: positions within a run of equal keys
        are rotated by an offset that depends on the need and the run."""
        start, length = self.run_start[pos], self.run_len[pos]
        offset = (need * 2654435761 + start * 40503) % length
        return self.members[start + (pos - start + offset) % length]

    def everyone(self, columns: np.ndarray) -> np.ndarray:
        """Everyone's list in each column (-1 where empty)."""
        return self.list_ids(
            np.zeros(len(columns), dtype=np.int64), np.zeros(len(columns), dtype=np.int64), columns
        )


@dataclass
class _Candidates:
    n: np.ndarray  # need index per pair
    v: np.ndarray  # volunteer index per pair
    s: np.ndarray  # integer score per pair
    p_off: np.ndarray  # CSR over pieces
    p_a: np.ndarray
    p_b: np.ndarray
    truncated: np.ndarray  # per need: feasible candidates may exist beyond those kept

    def pieces(self, p: int, t0: int) -> list[Interval]:
        lo, hi = self.p_off[p], self.p_off[p + 1]
        return [
            (int(a) + t0, int(b) + t0)
            for a, b in zip(self.p_a[lo:hi], self.p_b[lo:hi], strict=True)
        ]


def _group_max(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, -np.inf)
    np.maximum.at(out, keys, values)
    return out


def _generate(
    d: _Data,
    lists: _Lists,
    needs: np.ndarray,
    k_need: np.ndarray | None,
    allowed: np.ndarray | None = None,
    above: np.ndarray | None = None,
) -> _Candidates:
    """Each need's best `k_need` feasible candidates by score (all, if None), of those
    scoring above `above` (per need, integer score; None: any): a threshold algorithm over its
    lists. Entries are read in rounds down to a level λ (a score bound);
    a need is done when its k-th best score found is at least λ, since every entry not read
    scores at most λ (each list's bound: base + best bonus + best distance score + fairness)."""
    sn, sl, sub = lists.lists_for(needs)
    L = len(sn)
    length = lists.l_len[sl]
    start = lists.l_start[sl]
    ubl = d.n_base[sn] + sub
    done_pos = np.zeros(L, dtype=np.int64)
    theta = np.full(d.N, -np.inf) if above is None else above.astype(np.float64)
    level = np.full(d.N, np.inf)
    complete = k_need is None
    lists_per_need = np.bincount(sn, minlength=d.N)
    depth = np.ones(d.N, dtype=np.int64)
    if not complete:
        depth = np.maximum(2, -(-2 * k_need // np.maximum(1, lists_per_need)))
    got_n, got_v, got_s, got_pp, got_a, got_b = [], [], [], [], [], []
    base = 0
    found = np.zeros(0, dtype=np.int64)
    top_n = top_s = np.zeros(0, dtype=np.int64)
    active = np.unique(sn) if L else np.zeros(0, dtype=np.int64)
    rounds = 0
    while len(active):
        rounds += 1
        is_active = np.zeros(d.N, dtype=bool)
        is_active[active] = True
        rows = np.flatnonzero(is_active[sn] & (done_pos < length))
        if complete:
            new_end = length[rows]
            level[active] = -np.inf
        else:
            # λ of a need: the highest bound found `depth` entries down any of its lists, so
            # each list gives at most `depth` entries above it.
            q = depth[sn[rows]]
            deep = q < length[rows]
            u = np.full(len(rows), -np.inf)
            at = start[rows[deep]] + q[deep]
            u[deep] = ubl[rows[deep]] + lists.key_at(at)
            level[active] = np.minimum(level[active], _group_max(sn[rows], u, d.N)[active])
            lam = level[sn[rows]]
            new_end = np.where(
                np.isinf(lam), length[rows], lists.count_above(sl[rows], lam - ubl[rows])
            )
            new_end = np.maximum(new_end, done_pos[rows])
        take = new_end - done_pos[rows]
        state = np.repeat(rows, take)
        idx = _ranges(start[rows] + done_pos[rows], take)
        done_pos[rows] = new_end
        pn = sn[state]
        pv = lists.at(idx, pn)
        # A volunteer in several of a need's lists: read once per round; one read in an
        # earlier round is dropped after evaluation (cheaper than remembering every read).
        _uniq, fresh, _counts = _unique_first(pn * d.V + pv)
        fresh.sort()
        pn, pv = pn[fresh], pv[fresh]
        floor = None if complete else theta[pn]
        sel, score, pp, a, b = d.evaluate(pn, pv, floor, allowed)
        fk = pn[sel] * d.V + pv[sel]
        new = ~_in_sorted(fk, found)
        found = np.sort(np.concatenate([found, fk[new]]))
        keep = new[pp]
        got_n.append(pn[sel][new])
        got_v.append(pv[sel][new])
        got_s.append(score[new])
        got_pp.append((np.cumsum(new) - 1)[pp[keep]] + base)
        got_a.append(a[keep])
        got_b.append(b[keep])
        base += int(new.sum())
        if complete:
            break
        # θ: each active need's k-th best score so far (from its best k so far and the new).
        cn = np.concatenate([top_n, got_n[-1]])
        cs = np.concatenate([top_s, got_s[-1]])
        order = _order(-cs, cn)
        cn, cs = cn[order], cs[order]
        rank = np.arange(len(cn)) - np.searchsorted(cn, cn, side="left")
        keep = rank < k_need[cn]
        top_n, top_s = cn[keep], cs[keep]
        kth = rank == k_need[cn] - 1
        theta[cn[kth]] = cs[kth]
        # An entry not read scores at most λ + V·2^-KEY_BITS (≤ λ + 1e-5, see _Lists), so
        # its integer score is at most floor(λ·SCALE + 0.51): if θ reaches that, it cannot
        # enter the top k.
        finished = (theta[active] >= np.floor(level[active] * SCALE + 0.51)) | np.isinf(
            level[active]
        )
        active = active[~finished]
        depth[active] *= 2
    truncated = np.zeros(d.N, dtype=bool)
    truncated[sn[done_pos < length]] = True
    if not got_n:
        z = np.zeros(0, dtype=np.int64)
        return _Candidates(z, z, z, np.zeros(1, dtype=np.int64), z, z, truncated)
    cn, cv, cs = np.concatenate(got_n), np.concatenate(got_v), np.concatenate(got_s)
    pp, pa, pb = np.concatenate(got_pp), np.concatenate(got_a), np.concatenate(got_b)
    order = _order(cv, -cs, cn)
    if not complete:
        sorted_n = cn[order]
        first_of = np.searchsorted(sorted_n, sorted_n, side="left")
        keep = np.arange(len(order)) - first_of < k_need[sorted_n]
        truncated[sorted_n[~keep]] = True
        order = order[keep]
    # Pieces follow their pairs into the new order.
    new_of_old = np.full(len(cn), -1, dtype=np.int64)
    new_of_old[order] = np.arange(len(order))
    pnew = new_of_old[pp]
    ok = pnew >= 0
    porder = _order(pa[ok], pnew[ok])
    p_pair = pnew[ok][porder]
    p_off = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(np.bincount(p_pair, minlength=len(order)), out=p_off[1:])
    return _Candidates(
        cn[order], cv[order], cs[order], p_off, pa[ok][porder], pb[ok][porder], truncated
    )


def _merge(a: _Candidates, b: _Candidates, V: int) -> _Candidates:
    """a's pairs plus b's pairs not in a (pieces kept); a's indices are unchanged."""
    new = ~_in_sorted(b.n * V + b.v, np.sort(a.n * V + a.v))
    idx = np.flatnonzero(new)
    lens = np.diff(b.p_off)[idx]
    pidx = _ranges(b.p_off[idx], lens)
    p_off = np.concatenate([a.p_off, a.p_off[-1] + np.cumsum(lens)])
    return _Candidates(
        np.concatenate([a.n, b.n[idx]]),
        np.concatenate([a.v, b.v[idx]]),
        np.concatenate([a.s, b.s[idx]]),
        p_off,
        np.concatenate([a.p_a, b.p_a[pidx]]),
        np.concatenate([a.p_b, b.p_b[pidx]]),
        a.truncated | b.truncated,
    )


# --- the flow ----------------------------------------------------------------------------------
def _blocks(
    d: _Data, c: _Candidates
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Blocks: per volunteer, the connected stretches of time its candidates' feasible ranges
    cover (two candidates in different blocks never overlap). Returns (block of each pair, or
    -1 when its ranges lie in several blocks; volunteer of each block; length of each block;
    shortest duration in it; pairs lying wholly in it)."""
    P = len(c.n)
    dur = d.n_dur[c.n]
    piece_pair = np.repeat(np.arange(P, dtype=np.int64), np.diff(c.p_off))
    big = d.span + 1
    ka, kb = c.v[piece_pair] * big + c.p_a, c.v[piece_pair] * big + c.p_b
    order = _order(ka)
    ka, kb, pp = ka[order], kb[order], piece_pair[order]
    run = np.maximum.accumulate(kb)
    first = np.ones(len(ka), dtype=bool)
    first[1:] = ka[1:] >= run[:-1]
    block = np.cumsum(first) - 1
    at = np.flatnonzero(first)
    B = len(at)
    block_v = ka[at] // big
    block_len = np.maximum.reduceat(kb, at) - ka[at]
    block_min = np.minimum.reduceat(dur[pp], at)
    lo = np.full(P, B, dtype=np.int64)
    hi = np.full(P, -1, dtype=np.int64)
    np.minimum.at(lo, pp, block)
    np.maximum.at(hi, pp, block)
    pair_block = np.where(lo == hi, lo, -1)
    inside = np.bincount(pair_block[pair_block >= 0], minlength=B)
    return pair_block, block_v, block_len, block_min, inside


def _volunteer_bounds(
    d: _Data, c: _Candidates, blocks: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(volunteers with candidates, volunteer of each pair as an index into them, most
    services each can do): no more than their candidate needs, than fit in their minutes
    cap shortest first, than fit in their blocks (length // shortest duration)."""
    dur = d.n_dur[c.n]
    vols, v_of_pair = _unique_inverse(c.v)
    nv = len(vols)
    pairs_per_v = np.bincount(v_of_pair, minlength=nv)
    by_dur = _order(dur, v_of_pair)
    csum = np.cumsum(dur[by_dur])
    group_first = np.cumsum(pairs_per_v) - pairs_per_v
    before = np.where(group_first > 0, csum[np.maximum(group_first - 1, 0)], 0)
    within = csum - np.repeat(before, pairs_per_v)
    fits = np.bincount(
        v_of_pair[by_dur], weights=within <= d.v_cap[vols][v_of_pair[by_dur]], minlength=nv
    ).astype(np.int64)
    _pb, block_v, block_len, block_min, _inside = blocks
    slots = np.bincount(
        np.searchsorted(vols, block_v), weights=block_len // block_min, minlength=nv
    ).astype(np.int64)
    return vols, v_of_pair, np.minimum(np.minimum(pairs_per_v, fits), slots)


class _FlowGraph(NamedTuple):
    """The arcs of `_flow`'s graph (source 0, sink 1, needs 2…N+1, volunteers from `v0`, block
    nodes from `b0`), in the order: source → need, the bypass source → sink, one arc per pair,
    block → volunteer, volunteer → sink (the k-th unit of each volunteer)."""

    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    costs: np.ndarray
    total: int  # heads to place: the source's supply
    M: int  # the shift making costs non-negative (a filled head costs M − score)
    vols: np.ndarray  # volunteer indices of the volunteer nodes
    v0: int
    nodes: int


def _flow_graph(d: _Data, c: _Candidates) -> _FlowGraph:
    """The graph `_flow` solves (see there); also read by exact.py for the flow's duals."""
    P, N = len(c.n), d.N
    blocks = _blocks(d, c)
    pair_block, block_v, block_len, block_min, inside = blocks
    vols, v_of_pair, kv = _volunteer_bounds(d, c, blocks)
    nv = len(vols)
    cap_b = np.minimum(block_len // block_min, inside)
    noded = np.flatnonzero(inside > cap_b)
    v0 = 2 + N
    b0 = v0 + nv
    block_node = np.full(len(block_v), -1, dtype=np.int64)
    block_node[noded] = b0 + np.arange(len(noded))
    target = v0 + v_of_pair
    has_node = (pair_block >= 0) & (block_node[np.maximum(pair_block, 0)] >= 0)
    target[has_node] = block_node[pair_block[has_node]]
    total = int(d.n_heads.sum())
    M = int(c.s.max()) + 1
    rep = np.repeat(np.arange(nv, dtype=np.int64), kv)
    kth = _ranges(np.zeros(nv, dtype=np.int64), kv)
    tails = np.concatenate(
        [np.zeros(N + 1, dtype=np.int64), 2 + c.n, b0 + np.arange(len(noded)), v0 + rep]
    )
    heads = np.concatenate(
        [
            2 + np.arange(N),
            [1],
            target,
            v0 + np.searchsorted(vols, block_v[noded]),
            np.ones(len(rep), dtype=np.int64),
        ]
    )
    caps = np.concatenate(
        [
            d.n_heads,
            [total],
            np.ones(P, dtype=np.int64),
            cap_b[noded],
            np.ones(len(rep), dtype=np.int64),
        ]
    )
    costs = np.concatenate(
        [
            np.zeros(N, dtype=np.int64),
            [M],
            M - c.s,
            np.zeros(len(noded), dtype=np.int64),
            d.pen_step * kth,
        ]
    )
    return _FlowGraph(
        tails.astype(np.int64),
        heads.astype(np.int64),
        caps.astype(np.int64),
        costs.astype(np.int64),
        total,
        M,
        vols,
        v0,
        b0 + len(noded),
    )


def _flow(d: _Data, c: _Candidates, *, break_ties: bool = True) -> tuple[np.ndarray, int]:
    """Optimal flow over candidates `c`: source → need (head count) → [block] → volunteer
    → sink, and source → sink for heads left unfilled. A block takes as many services as its
    length allows (length // shortest duration), a volunteer at most `_volunteer_bounds`, the
    k-th unit costing the spread penalty of a k-th service. Costs are shifted to be
    non-negative (a filled head costs M − score, an unfilled one M).

    Every plan over these candidates is a flow of this graph (overlaps and minute caps are
    relaxed to counts), so the flow's value bounds their objectives from above. Returns the
    chosen pairs (the plan's first draft, repaired next) and the flow's value.

    Scores come in few distinct values, so many flows tie for the optimum and the solver
    (cost scaling) spends its time among them. With `break_ties` every cost is multiplied by
    TIE_SPREAD and each pair's arc gets a seeded extra below TIE_SPREAD: the solve is about a
    quarter faster at 10k (measured 2026-11-23, six solves of the same graph each, alternating:
    3.4 s on average against 4.4 s; 3.75 s with a spread of 16), and its flow is optimal for
    the true costs up to less than one unit (1/SCALE of a point) per head placed (there:
    93,546.200 against 93,546.374). The value returned is then that flow's, at true costs: no
    longer a bound (exact.flow_bound asks for the exact solve)."""
    P = len(c.n)
    if P == 0:
        return np.zeros(0, dtype=bool), 0
    g = _flow_graph(d, c)
    costs = g.costs
    pairs = slice(d.N + 1, d.N + 1 + P)
    if break_ties:
        costs = costs * TIE_SPREAD
        costs[pairs] += np.random.default_rng(TIE_SEED).integers(0, TIE_SPREAD, P)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(g.tails, g.heads, g.caps, costs)
    flow.set_nodes_supplies(np.array([0, 1]), np.array([g.total, -g.total]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed: {status}")
    f = flow.flows(np.arange(len(costs)))
    return f[pairs] > 0, g.M * g.total - int(f @ g.costs)


# --- per-volunteer state -----------------------------------------------------------------------
class _Book:
    """What each volunteer does in the plan being built."""

    def __init__(self, d: _Data, c: _Candidates) -> None:
        self.d = d
        self.jobs: dict[int, list[int]] = {}  # volunteer → candidate pair indices
        self.minutes = np.zeros(d.V, dtype=np.int64)
        self.count = np.zeros(d.V, dtype=np.int64)
        self.filled = np.zeros(d.N, dtype=np.int64)
        self._jobs: dict[int, tuple[int, list[Interval]]] = {}
        self._ranges: list[Interval] = []
        self._off: list[int] = []
        self._dur: list[int] = []
        self.in_plan = np.zeros(0, dtype=bool)
        self.use(c)

    def use(self, c: _Candidates) -> None:
        """Work on candidates `c` (the same pairs first, perhaps more after them)."""
        self.c = c
        in_plan = np.zeros(len(c.n), dtype=bool)
        in_plan[: len(self.in_plan)] = self.in_plan
        self.in_plan = in_plan
        self.dur = self.d.n_dur[c.n]
        # Each pair's feasible ranges, padded to WIDE columns (empty: [NEVER, NEVER)); pairs with
        # more ranges are checked in Python.
        count = np.diff(c.p_off)
        self.wide = count > WIDE
        self.pa = np.full((len(c.n), WIDE), NEVER, dtype=np.int64)
        self.pb = np.full((len(c.n), WIDE), NEVER, dtype=np.int64)
        for j in range(WIDE):
            has = np.flatnonzero(count > j)
            self.pa[has, j] = c.p_a[c.p_off[has] + j]
            self.pb[has, j] = c.p_b[c.p_off[has] + j]
        # The end of each pair's last range (what `feasible` orders by).
        self.deadline = np.where(self.pb < NEVER, self.pb, -NEVER).max(axis=1)

    def prefetch(self) -> None:
        """Every pair's feasible ranges as Python tuples at once, which `job` then slices: the
        plan starts it while the first flow's graph is built."""
        t0 = self.d.t0
        self._ranges = list(
            zip((self.c.p_a + t0).tolist(), (self.c.p_b + t0).tolist(), strict=True)
        )
        self._off = self.c.p_off.tolist()
        self._dur = self.dur.tolist()

    def job(self, p: int) -> tuple[int, list[Interval]]:
        got = self._jobs.get(p)
        if got is None:
            if p < len(self._dur):
                got = (self._dur[p], self._ranges[self._off[p] : self._off[p + 1]])
            else:
                got = (int(self.dur[p]), self.c.pieces(p, self.d.t0))
            self._jobs[p] = got
        return got

    def fits(self, v: int, p: int, instead_of: int | None = None) -> bool:
        """Whether v can also serve pair p (giving up pair `instead_of`, if given)."""
        minutes = self.minutes[v] + self.dur[p]
        current = self.jobs.get(v, [])
        if instead_of is not None:
            minutes -= self.dur[instead_of]
            current = [q for q in current if q != instead_of]
        if minutes > self.d.v_cap[v]:
            return False
        if not current:
            return True
        return schedule([self.job(q) for q in [*current, p]]) is not None

    def feasible(self, sets: np.ndarray) -> np.ndarray:
        """Whether each row of pairs (one volunteer's services) can all be served without
        overlap, each service at its earliest start in some order. In numpy: earliest deadline
        first, then (up to MAX_SET services) every other order; longer sets only in that order
        (a "no" may then be wrong, never a "yes": a move is missed, no plan is wrong); pairs
        with more than WIDE ranges in Python."""
        m, k = sets.shape
        out = np.zeros(m, dtype=bool)
        slow = self.wide[sets].any(axis=1)
        rows = np.flatnonzero(~slow)
        if len(rows):
            never = np.int64(NEVER)
            deadline = self.deadline
            by = np.argsort(deadline[sets[rows]], axis=1, kind="stable")
            ordered = np.take_along_axis(sets[rows], by, axis=1)
            pa, pb, dur = self.pa[ordered], self.pb[ordered], self.dur[ordered]
            # Too long for the time they span together: no order helps.
            hull = deadline[ordered].max(axis=1) - pa.min(axis=(1, 2))
            left = np.flatnonzero(dur.sum(axis=1) <= hull)
            # Every order (up to MAX_SET services) as a tree of prefixes, the earliest deadline
            # first: a row leaves a branch where its prefix fails (so does every order that
            # starts so) and every branch once an order fits it.
            found = np.zeros(len(ordered), dtype=bool)
            full = k <= MAX_SET
            # (rows, their time so far, services used as bits, how many), depth first; a stack,
            # not a recursive closure (that would be a reference cycle holding these arrays
            # while the plan runs with the collector paused).
            stack = [(left, np.full(len(left), -never), 0, 0)]
            while stack:
                at, t, used, depth = stack.pop()
                branches = []
                for j in range(k) if full else [depth]:
                    if used >> j & 1:
                        continue
                    keep = ~found[at]
                    at, t = at[keep], t[keep]
                    if not len(at):
                        break
                    start = np.maximum(pa[at, j, :], t[:, None])
                    fit = start + dur[at, j, None] <= pb[at, j, :]
                    start = np.where(fit, start, never).min(axis=1)
                    ok = start < never
                    if depth + 1 == k:
                        found[at[ok]] = True
                    elif ok.any():
                        branches.append(
                            (at[ok], start[ok] + dur[at[ok], j], used | 1 << j, depth + 1)
                        )
                stack.extend(reversed(branches))
            out[rows[found]] = True
        for i in np.flatnonzero(slow).tolist():
            out[i] = schedule([self.job(int(p)) for p in sets[i]]) is not None
        return out

    def table(self) -> np.ndarray:
        """Each volunteer's services this round, padded with -1 (rows: volunteers)."""
        planned = np.flatnonzero(self.in_plan)
        v = self.c.v[planned]
        order = _order(planned, v)
        planned, v = planned[order], v[order]
        width = int(self.count.max()) if len(planned) else 0
        out = np.full((self.d.V, max(1, width)), -1, dtype=np.int64)
        first = np.searchsorted(v, v, side="left")
        out[v, np.arange(len(v)) - first] = planned
        return out

    def add(self, p: int) -> None:
        n, v = int(self.c.n[p]), int(self.c.v[p])
        self.jobs.setdefault(v, []).append(p)
        self.minutes[v] += self.dur[p]
        self.count[v] += 1
        self.filled[n] += 1
        self.in_plan[p] = True

    def add_many(self, ps: np.ndarray) -> None:
        """`add` of each of `ps` (pairs not in the plan, of needs and volunteers with room), in
        their order."""
        n, v = self.c.n[ps], self.c.v[ps]
        np.add.at(self.minutes, v, self.dur[ps])
        np.add.at(self.count, v, 1)
        np.add.at(self.filled, n, 1)
        self.in_plan[ps] = True
        jobs = self.jobs
        for p, vv in zip(ps.tolist(), v.tolist(), strict=True):
            got = jobs.get(vv)
            if got is None:
                jobs[vv] = [p]
            else:
                got.append(p)

    def remove(self, p: int) -> None:
        n, v = int(self.c.n[p]), int(self.c.v[p])
        self.jobs[v].remove(p)
        if not self.jobs[v]:
            del self.jobs[v]
        self.minutes[v] -= self.dur[p]
        self.count[v] -= 1
        self.filled[n] -= 1
        self.in_plan[p] = False

    def objective(self) -> int:
        s = self.c.s
        return sum(int(s[ps].sum()) - self.d.pen_total(len(ps)) for ps in self.jobs.values())


def _repair(d: _Data, c: _Candidates, chosen: np.ndarray, book: _Book) -> int:
    """Give each volunteer the best schedulable subset of what the flow chose; returns how many
    chosen pairs were dropped. Sets that fit whole (most) are checked in numpy and added at
    once; the others in Python."""
    idx = np.flatnonzero(chosen)
    v = c.v[idx]
    order = _order(idx, v)
    idx, v = idx[order], v[order]
    _vols, first, counts = _unique_first(v)
    whole = counts == 1
    minutes = np.add.reduceat(book.dur[idx], first) if len(idx) else np.zeros(0, np.int64)
    fits = minutes <= d.v_cap[v[first]]
    for k in np.unique(counts[fits & (counts > 1)]).tolist():
        g = np.flatnonzero(fits & (counts == k))
        sets = idx[first[g][:, None] + np.arange(k)[None, :]]
        whole[g] = book.feasible(sets)
    book.add_many(idx[np.repeat(whole, counts)])
    dropped = 0
    for g in np.flatnonzero(~whole).tolist():
        ps = idx[first[g] : first[g] + counts[g]].tolist()
        vv = int(v[first[g]])
        jobs = [book.job(p) for p in ps]
        if sum(j[0] for j in jobs) <= d.v_cap[vv] and schedule(jobs) is not None:
            for p in ps:
                book.add(p)
            continue
        best = _best_subset(d, c, ps, jobs, int(d.v_cap[vv]))
        for p in best:
            book.add(p)
        dropped += len(ps) - len(best)
    return dropped


def _best_subset(
    d: _Data, c: _Candidates, ps: list[int], jobs: list[tuple[int, list[Interval]]], cap: int
) -> list[int]:
    k = len(ps)
    values = [int(c.s[p]) for p in ps]
    if k > 10:
        picked: list[int] = []
        for i in sorted(range(k), key=lambda i: (-values[i], ps[i])):
            trial = [*picked, i]
            if (
                sum(jobs[j][0] for j in trial) <= cap
                and schedule([jobs[j] for j in trial]) is not None
            ):
                picked = trial
        return [ps[i] for i in picked]
    best_val, best = 0, ()
    for size in range(k, 0, -1):
        for combo in itertools.combinations(range(k), size):
            val = sum(values[i] for i in combo) - d.pen_total(size)
            if val <= best_val or sum(jobs[i][0] for i in combo) > cap:
                continue
            if schedule([jobs[i] for i in combo]) is not None:
                best_val, best = val, combo
    return [ps[i] for i in best]


def _moves_direct(
    d: _Data, c: _Candidates, book: _Book, jobs: np.ndarray, pairs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Of `pairs` (not in the plan), those whose volunteer can take them on top of what it
    does, with the gain (score less the spread penalty of one more service)."""
    v = c.v[pairs]
    k = book.count[v]
    gain = c.s[pairs] - d.pen_step * k
    ok = (gain > 0) & (book.minutes[v] + book.dur[pairs] <= d.v_cap[v])
    for size in np.unique(k[ok & (k > 0)]).tolist():
        i = np.flatnonzero(ok & (k == size))
        sets = np.concatenate([jobs[v[i], :size], pairs[i, None]], axis=1)
        ok[i] = book.feasible(sets)
    return pairs[ok], gain[ok]


def _moves_swap(
    d: _Data, c: _Candidates, book: _Book, jobs: np.ndarray, pairs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(pair p, pair q) for `pairs` p (not in the plan) whose volunteer can take p instead of
    one of its services q of another need."""
    v = c.v[pairs]
    k = book.count[v]
    has = np.flatnonzero(k > 0)
    if not len(has):
        z = np.zeros(0, dtype=np.int64)
        return z, z
    p = np.repeat(pairs[has], k[has])
    vv = np.repeat(v[has], k[has])
    nth = _ranges(np.zeros(len(has), dtype=np.int64), k[has])
    q = jobs[vv, nth]
    kk = book.count[vv]
    ok = (c.n[q] != c.n[p]) & (book.minutes[vv] - book.dur[q] + book.dur[p] <= d.v_cap[vv])
    for size in np.unique(kk[ok & (kk > 1)]).tolist():
        i = np.flatnonzero(ok & (kk == size))
        rest = jobs[vv[i], :size]
        keep = rest != q[i, None]
        others = rest[keep].reshape(len(i), size - 1)
        ok[i] = book.feasible(np.concatenate([others, p[i, None]], axis=1))
    return p[ok], q[ok]


def _repack(d: _Data, c: _Candidates, book: _Book, limit: int = 8) -> int:
    """Let busy volunteers who could serve a short need choose again among what they do and
    those needs (their best schedulable set, exact over at most `limit` pairs): a volunteer
    may give up one service to take two shorter ones. Returns the number of volunteers
    changed; the needs they leave are offered again by _improve."""
    short = book.filled < d.n_heads
    open_pairs = np.flatnonzero(short[c.n] & ~book.in_plan & (book.count[c.v] > 0))
    if not len(open_pairs):
        return 0
    open_pairs = open_pairs[_order(-c.s[open_pairs], c.v[open_pairs])]
    changed = 0
    for v in _unique(c.v[open_pairs]).tolist():
        lo = np.searchsorted(c.v[open_pairs], v, side="left")
        hi = np.searchsorted(c.v[open_pairs], v, side="right")
        mine = list(book.jobs.get(v, ()))
        room = [int(p) for p in open_pairs[lo:hi] if book.filled[c.n[p]] < d.n_heads[c.n[p]]]
        ps = mine + room[: max(0, limit - len(mine))]
        if len(ps) == len(mine) or len(mine) > limit:
            continue
        jobs = [book.job(p) for p in ps]
        best = _best_subset(d, c, ps, jobs, int(d.v_cap[v]))
        now = int(c.s[mine].sum()) - d.pen_total(len(mine))
        if int(c.s[best].sum()) - d.pen_total(len(best)) <= now:
            continue
        for p in mine:
            if p not in best:
                book.remove(p)
        for p in best:
            if p not in mine:
                book.add(p)
        changed += 1
    return changed


def _improve(
    d: _Data,
    c: _Candidates,
    book: _Book,
    deadline: float | None,
    focus: np.ndarray | None = None,
) -> int:
    """Fill free heads and improve the plan by short ejection chains, a min-cost flow per round
    over the moves found around the needs with free heads (of those in `focus`, if given: a
    mask of needs): a volunteer takes the need on top
    of what it does (if that fits), or instead of one of its services (if that fits), whose
    need then takes another volunteer the same way or stays short. A volunteer moves at most
    once per round (one arc to the sink per volunteer, one per released service); each move is
    checked again when applied. Returns the number of moves applied."""
    s = c.s
    order = _order(c.v, -s, c.n)
    need_first = np.searchsorted(c.n[order], np.arange(d.N + 1))
    moves = 0
    for _round in range(d.options.augment_rounds):
        if deadline is not None and time.perf_counter() > deadline:
            break
        is_short = book.filled < d.n_heads
        if focus is not None:
            is_short &= focus
        short = np.flatnonzero(is_short)
        if not len(short):
            break
        lo, hi = need_first[short], need_first[short + 1]
        pairs = order[_ranges(lo, hi - lo)]
        pairs = pairs[~book.in_plan[pairs]]
        jobs = book.table()
        d1, g1 = _moves_direct(d, c, book, jobs, pairs)
        sp, sq = _moves_swap(d, c, book, jobs, pairs)
        reached = _unique(c.n[sq])
        reached = reached[book.filled[reached] >= d.n_heads[reached]]  # short ones are done
        lo, hi = need_first[reached], need_first[reached + 1]
        more = order[_ranges(lo, hi - lo)]
        d2, g2 = _moves_direct(d, c, book, jobs, more[~book.in_plan[more]])
        dp = np.concatenate([d1, d2])
        dg = np.concatenate([g1, g2])
        if not len(dp) and not len(sp):
            break
        # Nodes: 0 source, 1 sink, needs, "add" per volunteer, "release" per service.
        vols, v_node = _unique_inverse(c.v[dp])
        rels, r_node = _unique_inverse(sq)
        n0 = 2
        a0 = n0 + d.N
        r0 = a0 + len(vols)
        left = d.n_heads[short] - book.filled[short]
        supply = int(left.sum())
        touched = _unique(np.concatenate([short, reached, c.n[dp], c.n[sp], c.n[rels]]))
        tails = np.concatenate(
            [
                n0 + c.n[dp],
                n0 + c.n[sp],
                a0 + np.arange(len(vols)),
                r0 + np.arange(len(rels)),
                np.zeros(len(short), dtype=np.int64),
                n0 + touched,
            ]
        )
        heads_ = np.concatenate(
            [
                a0 + v_node,
                r0 + r_node,
                np.ones(len(vols), dtype=np.int64),
                n0 + c.n[rels],
                n0 + short,
                np.ones(len(touched), dtype=np.int64),
            ]
        )
        caps = np.concatenate(
            [
                np.ones(len(dp) + len(sp) + len(vols) + len(rels), dtype=np.int64),
                left,
                np.full(len(touched), supply + len(sp) + 1, dtype=np.int64),
            ]
        )
        costs = np.concatenate(
            [
                -dg,
                s[sq] - s[sp] + 1,  # +1: nothing is swapped for nothing
                np.zeros(len(vols) + len(rels) + len(short) + len(touched), dtype=np.int64),
            ]
        )
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads_, caps, costs)
        flow.set_nodes_supplies(np.array([0, 1]), np.array([supply, -supply]))
        if flow.solve() != flow.OPTIMAL or flow.optimal_cost() >= 0:
            break
        used = flow.flows(np.arange(len(dp) + len(sp))) > 0
        before = moves
        # Swaps first (each frees a head that a direct move may take), then direct moves.
        for i in np.flatnonzero(used[len(dp) :]).tolist():
            p, q = int(sp[i]), int(sq[i])
            n, v = int(c.n[p]), int(c.v[p])
            if (
                book.in_plan[q]
                and not book.in_plan[p]
                and book.filled[n] < d.n_heads[n]
                and book.fits(v, p, instead_of=q)
            ):
                book.remove(q)
                book.add(p)
                moves += 1
        for i in np.flatnonzero(used[: len(dp)]).tolist():
            p = int(dp[i])
            n, v = int(c.n[p]), int(c.v[p])
            if not book.in_plan[p] and book.filled[n] < d.n_heads[n] and book.fits(v, p):
                book.add(p)
                moves += 1
        if moves == before:
            break
    return moves


def _replace(d: _Data, c: _Candidates, book: _Book, rounds: int = 4) -> int:
    """Serve a need by someone better than who serves it now: a flow per round in which a
    need may give up one of its services (costing what it was worth, the volunteer's spread
    penalty less) to take a volunteer who can add it (worth its score less the spread penalty
    of one more service). Only needs whose best other candidate could beat their worst service
    take part. Returns the number of replacements."""
    s = c.s
    done = 0
    for _round in range(rounds):
        out = np.flatnonzero(~book.in_plan)
        planned = np.flatnonzero(book.in_plan)
        if not len(out) or not len(planned):
            break
        gain_ub = s[out] - d.pen_step * book.count[c.v[out]]
        best = np.full(d.N, -(1 << 60), dtype=np.int64)
        np.maximum.at(best, c.n[out], gain_ub)
        loss = s[planned] - d.pen_step * (book.count[c.v[planned]] - 1)
        keep = loss + 1 < best[c.n[planned]]
        drops, loss = planned[keep], loss[keep]
        if not len(drops):
            break
        worst = np.full(d.N, 1 << 60, dtype=np.int64)
        np.minimum.at(worst, c.n[drops], loss)
        pairs = out[gain_ub > worst[c.n[out]] + 1]
        dp, dg = _moves_direct(d, c, book, book.table(), pairs)
        if not len(dp):
            break
        vols, v_node = _unique_inverse(c.v[dp])
        n0, a0 = 2, 2 + d.N
        supply = len(drops)
        tails = np.concatenate(
            [np.zeros(supply + 1, dtype=np.int64), n0 + c.n[dp], a0 + np.arange(len(vols))]
        )
        heads_ = np.concatenate(
            [n0 + c.n[drops], [1], a0 + v_node, np.ones(len(vols), dtype=np.int64)]
        )
        caps = np.concatenate(
            [
                np.ones(supply, dtype=np.int64),
                [supply],
                np.ones(len(dp) + len(vols), dtype=np.int64),
            ]
        )
        # +1: nothing is replaced for nothing.
        costs = np.concatenate([loss + 1, [0], -dg, np.zeros(len(vols), dtype=np.int64)])
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads_, caps, costs)
        flow.set_nodes_supplies(np.array([0, 1]), np.array([supply, -supply]))
        if flow.solve() != flow.OPTIMAL or flow.optimal_cost() >= 0:
            break
        dropped = drops[flow.flows(np.arange(supply)) > 0]
        taken = dp[flow.flows(np.arange(supply + 1, supply + 1 + len(dp))) > 0]
        by_need: dict[int, list[int]] = {}
        for q in dropped.tolist():
            by_need.setdefault(int(c.n[q]), []).append(q)
        before = done
        for p in taken.tolist():
            n, v = int(c.n[p]), int(c.v[p])
            qs = by_need.get(n)
            if not qs:
                continue
            q = qs.pop()
            if not book.in_plan[q] or book.in_plan[p]:
                continue
            book.remove(q)
            if book.fits(v, p):
                book.add(p)
                done += 1
            else:
                book.add(q)
        if done == before:
            break
    return done


def _polish(
    d: _Data, c: _Candidates, book: _Book, deadline: float | None, *, improved: bool = False
) -> int:
    """_improve (unless `improved`: just done), then re-packing and replacement, each
    followed by _improve if it changed anything (what they free is offered again). Returns
    the number of changes."""
    moves = 0 if improved else _improve(d, c, book, deadline)
    for step in (_repack, _replace):
        before = book.in_plan.copy()
        changed = step(d, c, book)
        if changed:
            moves += changed + _improve(
                d, c, book, deadline, focus=_near_changes(d, c, book, before)
            )
    return moves


def _near_changes(d: _Data, c: _Candidates, book: _Book, before: np.ndarray) -> np.ndarray:
    """The needs (a mask) that are candidates of a volunteer whose services changed since
    `before`: only around them can what a step freed be taken again (the others' moves were
    all tried before it)."""
    moved = np.zeros(d.V, dtype=bool)
    moved[c.v[np.flatnonzero(before[: len(book.in_plan)] != book.in_plan)]] = True
    near = np.zeros(d.N, dtype=bool)
    near[c.n[moved[c.v]]] = True
    return near


# --- the plan ----------------------------------------------------------------------------------
class _Reasons:
    """Reasons of assignments, with what is the same for a need or a volunteer made once."""

    def __init__(self, d: _Data) -> None:
        self.d = d
        self._need: dict[int, tuple[Any, ...]] = {}
        self._cache: dict[tuple[str, Any], Reason] = {}

    def need(self, n: int) -> tuple[Any, ...]:
        got = self._need.get(n)
        if got is None:
            spec = self.d.needs[n]
            tail = []
            if spec.urgency > 0:
                tail.append(Reason("urgency", {"urgency": spec.urgency}))
            if spec.required_courses:
                tail.append(Reason("trained", {"courses": sorted(spec.required_courses)}))
            if spec.needs_insurance:
                tail.append(Reason("insured", {}))
            kind = KIND_FACTOR.get(spec.work_kind, 0.0) > 0
            got = (spec.skills | spec.required_skills, spec.majors, kind, tuple(tail))
            self._need[n] = got
        return got

    def cached(self, code: str, key: Any, params: dict[str, Any]) -> Reason:
        got = self._cache.get((code, key))
        if got is None:
            got = self._cache[(code, key)] = Reason(code, params)
        return got

    def __call__(
        self, n: int, v: int, start: int, end: int, km: float | None
    ) -> tuple[Reason, ...]:
        d = self.d
        spec, vol = d.needs[n], d.volunteers[v]
        wanted, majors, kind, tail = self.need(n)
        out = [Reason("window", {"start": start, "end": end})]
        common = tuple(sorted(wanted & vol.skills)) if wanted else ()
        if common:
            out.append(self.cached("skills", common, {"skills": list(common)}))
        fits = bool(vol.major) and vol.major in majors
        if fits:
            out.append(self.cached("major", vol.major, {"major": vol.major}))
        if kind and (common or fits):
            out.append(self.cached("work_kind", spec.work_kind, {"work_kind": spec.work_kind}))
        if spec.remote:
            out.append(self.cached("remote", None, {}))
        elif km is not None:
            tenth = round(km, 1)
            out.append(self.cached("distance", tenth, {"km": tenth}))
        out += tail
        minutes = vol.minutes_this_month
        out.append(self.cached("fairness", minutes, {"minutes_this_month": minutes}))
        return tuple(out)

    def many(
        self,
        pn: np.ndarray,
        pv: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        km: np.ndarray,
    ) -> list[tuple[Reason, ...]]:
        """What `__call__` gives for each assignment (km NaN: None), the checks in numpy: the
        skills in common as a mask over the needs' skills (bit i is the i-th smallest id, so
        a mask names a sorted tuple), the major by its index among the needs' majors."""
        d = self.d
        common = d.v_skill[pv] & d.n_skill[pn]
        has_common = common.any(axis=1).tolist()
        masks = common[:, 0].tolist() if d.sw == 1 else list(map(tuple, common.tolist()))
        skill_of_bit = sorted(d.skill_bit, key=d.skill_bit.__getitem__)
        vm = d.v_major[pv]
        fits = np.zeros(len(pn), dtype=bool)
        ok = vm >= 0
        if "" in d.major_index:  # an empty major fits nothing
            ok &= vm != d.major_index[""]
        if ok.any():
            word, bit = vm[ok] // 64, (vm[ok] % 64).astype(np.uint64)
            fits[ok] = ((d.n_major[pn[ok], word] >> bit) & np.uint64(1)).astype(bool)
        kind = d.n_kind[pn] > 0
        skilled: dict[Any, Reason] = {}

        def skills(mask: Any) -> Reason:
            got = skilled.get(mask)
            if got is None:
                words = [mask] if d.sw == 1 else list(mask)
                ids = tuple(
                    skill_of_bit[64 * w + b]
                    for w, word in enumerate(words)
                    for b in range(64)
                    if (word >> b) & 1
                )
                got = skilled[mask] = self.cached("skills", ids, {"skills": list(ids)})
            return got

        needs, vols, cached = d.needs, d.volunteers, self.cached
        remote = cached("remote", None, {})
        # What is the same for a need (remote, the work kind's reason, the tail) or a volunteer
        # (its major's and its fairness's reasons), made once.
        per_need: dict[int, tuple[bool, Reason, tuple[Reason, ...]]] = {}
        per_vol: dict[int, tuple[Reason | None, Reason]] = {}
        out = []
        for n, v, a, b, has, mask, fit, kd, k in zip(
            pn.tolist(),
            pv.tolist(),
            start.tolist(),
            end.tolist(),
            has_common,
            masks,
            fits.tolist(),
            kind.tolist(),
            km.tolist(),
            strict=True,
        ):
            nd = per_need.get(n)
            if nd is None:
                spec = needs[n]
                kind_reason = cached("work_kind", spec.work_kind, {"work_kind": spec.work_kind})
                nd = per_need[n] = (spec.remote, kind_reason, self.need(n)[3])
            vd = per_vol.get(v)
            if vd is None:
                vol = vols[v]
                minutes = vol.minutes_this_month
                major = cached("major", vol.major, {"major": vol.major}) if vol.major else None
                fair = cached("fairness", minutes, {"minutes_this_month": minutes})
                vd = per_vol[v] = (major, fair)
            r = [Reason("window", {"start": a, "end": b})]
            if has:
                r.append(skills(mask))
            if fit:
                r.append(vd[0])  # type: ignore[arg-type]  # a fitting major is not empty
            if kd and (has or fit):
                r.append(nd[1])
            if nd[0]:
                r.append(remote)
            elif k == k:
                tenth = round(k, 1)
                r.append(cached("distance", tenth, {"km": tenth}))
            r += nd[2]
            r.append(vd[1])
            out.append(tuple(r))
        return out


def _reasons(d: _Data, n: int, v: int, start: int, end: int) -> tuple[Reason, ...]:
    """The reasons of one assignment (the plan uses _Reasons for many)."""
    km = None
    need, vol = d.needs[n], d.volunteers[v]
    if d.n_local[n] and vol.lat is not None and vol.lng is not None:
        km = haversine_km((need.lat, need.lng), (vol.lat, vol.lng))  # type: ignore[arg-type]
    return _Reasons(d)(n, v, start, end, km)


def _assignments(d: _Data, c: _Candidates, book: _Book) -> tuple[list[Assignment], int]:
    """The plan's assignments (each volunteer's services at their earliest starts in a
    feasible order) and its objective in integer units."""
    planned = np.flatnonzero(book.in_plan)
    pv, pn = c.v[planned], c.n[planned]
    start = c.p_a[c.p_off[planned]] + d.t0  # alone: the earliest start
    several = np.flatnonzero(book.count[pv] > 1)
    at = {int(p): i for i, p in zip(several.tolist(), planned[several].tolist(), strict=True)}
    for v in _unique(pv[several]).tolist():
        ps = book.jobs[v]
        times = schedule([book.job(p) for p in ps])
        assert times is not None  # every service was added only if the set stays schedulable
        for p, t in zip(ps, times, strict=True):
            start[at[p]] = t
    end = start + d.n_dur[pn]
    km = np.full(len(planned), np.nan)
    local = np.flatnonzero(d.n_local[pn] & d.v_loc[pv])
    km[local] = _haversine(
        d.n_lat[pn[local]], d.n_lng[pn[local]], d.v_lat[pv[local]], d.v_lng[pv[local]]
    )
    reasons = _Reasons(d).many(pn, pv, start, end, km)
    need_ids = [d.needs[n].id for n in range(d.N)]
    vol_ids = [d.volunteers[v].id for v in range(d.V)]
    out = [
        Assignment(
            need_id=need_ids[n],
            volunteer_id=vol_ids[v],
            start=s,
            end=e,
            score=sc / SCALE,
            reasons=r,
        )
        for n, v, s, e, sc, r in zip(
            pn.tolist(),
            pv.tolist(),
            start.tolist(),
            end.tolist(),
            c.s[planned].tolist(),
            reasons,
            strict=True,
        )
    ]
    out.sort(key=lambda a: (a.need_id, a.start, a.volunteer_id))
    objective = int(c.s[planned].sum()) - sum(
        d.pen_total(k) for k in book.count[book.count > 1].tolist()
    )
    return out, objective


def _causes(d: _Data, lists: _Lists, book: _Book, short: list[int]) -> dict[int, tuple[Cause, ...]]:
    """The funnel of every short need: how many volunteers each check excluded, in the order
    of `CAUSES`, with how many were left after it."""
    out: dict[int, tuple[Cause, ...]] = {}
    if not short:
        return out
    plan_count = np.zeros(d.V, dtype=np.int64)
    for v, ps in book.jobs.items():
        plan_count[v] = len(ps)
    planned = np.flatnonzero(book.in_plan)
    on_need = np.sort(book.c.n[planned] * d.V + book.c.v[planned])
    needs = np.array(short, dtype=np.int64)
    local_of = np.full(d.N, -1, dtype=np.int64)
    local_of[needs] = np.arange(len(needs))
    counts = np.zeros((len(needs), len(CAUSES) + 2), dtype=np.int64)
    rn, rc, _rs = lists.reach(needs)
    ids = lists.everyone(rc)
    ok = ids >= 0
    rn, ids = rn[ok], ids[ok]
    lengths = lists.l_len[ids]
    pool = np.bincount(local_of[rn], weights=lengths, minlength=len(needs)).astype(np.int64)
    counts[:, 1] = d.V - pool
    ends = np.cumsum(lengths)
    lo = 0
    while lo < len(ids):
        hi = max(lo + 1, int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + 4_000_000)))
        pv = lists.members[_ranges(lists.l_start[ids[lo:hi]], lengths[lo:hi])]
        pn = np.repeat(rn[lo:hi], lengths[lo:hi])
        stage, _km = d.static_stage(pn, pv)
        stage = stage.astype(np.int64)
        alive = np.flatnonzero(stage == 0)
        pair, _a, _b, free_any = d.pieces(pn[alive], pv[alive])
        has = np.zeros(len(alive), dtype=bool)
        has[pair] = True
        stage[alive[~free_any]] = 4
        stage[alive[free_any & ~has]] = 5
        eligible = alive[has]
        ev, en = pv[eligible], pn[eligible]
        capped = d.v_cap[ev] - book.minutes[ev] < d.n_dur[en]
        mine = _in_sorted(en * d.V + ev, on_need)
        busy = plan_count[ev] > 0
        stage[eligible] = np.where(capped, 6, np.where(mine, 9, np.where(busy, 7, 8)))
        counts += np.bincount(
            local_of[pn] * counts.shape[1] + stage, minlength=counts.size
        ).reshape(counts.shape)
        lo = hi
    for i, n in enumerate(short):
        remaining = d.V
        causes = []
        for code, k in zip(CAUSES, counts[i, 1:9].tolist(), strict=True):
            remaining -= k
            if k:
                causes.append(Cause(code, {"count": k, "remaining": max(0, remaining)}))
        out[n] = tuple(causes)
    return out


def _candidates(d: _Data, lists: _Lists) -> tuple[_Candidates, np.ndarray | None]:
    """The plan's first candidates: each need's best by score, then its best among the
    volunteers few needs listed (Options). Returns them and the per-need list length."""
    opts = d.options
    all_needs = np.flatnonzero(d.n_heads > 0)
    k_need = None
    if opts.per_need_base is not None:
        k_need = opts.per_need_base + opts.per_need_per_head * d.n_heads
    c = _generate_split(d, lists, all_needs, k_need)
    if k_need is not None and opts.contested > 0:
        listed = np.bincount(c.v, minlength=d.V)
        k_spread = opts.spread_base + opts.spread_per_head * d.n_heads
        few = listed < opts.contested
        more = _generate_split(d, _Lists(d, only=few), all_needs, k_spread)
        c = _merge(c, more, d.V)
        c.truncated |= more.truncated
    return c, k_need


def _idle_candidates(d: _Data, c: _Candidates, book: _Book) -> _Candidates:
    """`c` plus each need's best (Options.idle_base + idle_per_head × heads) among the
    volunteers the plan leaves without a service, and the book moved onto them.

    The first lists are each need's best by score, and needs that rank alike want the same
    people: those end up busy, and many good volunteers are in no list the flow saw. An idle
    volunteer costs nothing to take (no spread penalty, nothing given up), so any of them who
    scores above a need's worst service is a gain that _replace can make and _improve can
    chain. Measured at 10,000 × 50,000 (2026-11-23): 93,441.8 → 93,662.4 for about 1 s; first
    lists 60 % longer (16 + 6 × heads) gave 93,707.1 for 2.6 s more, the flow's solve growing
    with its arcs."""
    opts = d.options
    idle = book.count == 0
    k_idle = opts.idle_base + opts.idle_per_head * d.n_heads
    # Only who could replace a need's worst service (as _replace counts it) is of use to a
    # full need; to a short one, anyone.
    planned = np.flatnonzero(book.in_plan)
    worth = c.s[planned] - d.pen_step * (book.count[c.v[planned]] - 1)
    above = np.full(d.N, 1 << 60, dtype=np.int64)
    np.minimum.at(above, c.n[planned], worth)
    above[book.filled < d.n_heads] = -(1 << 60)
    more = _generate_split(
        d, _Lists(d, only=idle), np.flatnonzero(d.n_heads > 0), k_idle, above=above
    )
    truncated = c.truncated
    c = _merge(c, more, d.V)
    c.truncated = truncated  # the idle lists say nothing about whether a need's lists were cut
    book.use(c)
    return c


def _generate_split(
    d: _Data,
    lists: _Lists,
    needs: np.ndarray,
    k_need: np.ndarray | None,
    above: np.ndarray | None = None,
) -> _Candidates:
    """_generate on `Options.threads` interleaved shares of the needs at once (numpy leaves
    the interpreter lock while it sorts and searches), merged in a fixed order: the same
    candidates as one call."""
    parts = max(1, min(d.options.threads, len(needs) // 500))
    if parts == 1:
        return _generate(d, lists, needs, k_need, above=above)
    with ThreadPoolExecutor(parts) as pool:
        done = list(
            pool.map(
                lambda i: _generate(d, lists, needs[i::parts], k_need, above=above),
                range(parts),
            )
        )
    out = done[0]
    for more in done[1:]:
        truncated = out.truncated | more.truncated
        out = _merge(out, more, d.V)
        out.truncated = truncated
    return out


def plan(
    needs: Sequence[NeedSpec],
    volunteers: Sequence[VolunteerSpec],
    weights: Weights = Weights(),  # noqa: B008 — frozen, shared safely
    *,
    time_limit_s: float | None = None,
    options: Options | None = None,
) -> Plan:
    """Assign volunteers to needs, maximising the total score under the hard constraints (see
    the module docstring for the method, `Weights` for the score). Deterministic.
    `time_limit_s` bounds the polishing rounds (the first draft, repaired, is always made)."""
    # The plan makes hundreds of thousands of short-lived Python objects (reasons, schedules)
    # among the many the specs hold: the cyclic collector's passes over all of them took a
    # third of the output phase and more elsewhere. The plan makes no cycles worth collecting;
    # the collector is left as it was found.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _plan(needs, volunteers, weights, time_limit_s, options)
    finally:
        if collecting:
            gc.enable()


def _plan(
    needs: Sequence[NeedSpec],
    volunteers: Sequence[VolunteerSpec],
    weights: Weights,
    time_limit_s: float | None,
    options: Options | None,
) -> Plan:
    started = time.perf_counter()
    deadline = None if time_limit_s is None else started + time_limit_s
    phases: dict[str, float] = {}
    phases_cpu: dict[str, float] = {}
    mark = [time.perf_counter(), time.process_time()]

    def lap(name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        phases[name] = round(phases.get(name, 0.0) + now - mark[0], 4)
        phases_cpu[name] = round(phases_cpu.get(name, 0.0) + cpu - mark[1], 4)
        mark[0], mark[1] = now, cpu

    opts = options or Options()
    d = _Data(needs, volunteers, weights, opts)
    lists = _Lists(d)
    lap("read")
    c, k_need = _candidates(d, lists)
    lap("candidates")
    # What does not depend on the flow's answer is made while its graph is built (numpy). The
    # solve itself keeps the interpreter lock (OR-Tools 9.15; measured 2026-11-23: a Python
    # loop ran at a fifth of its speed meanwhile, two halves of the graph solved in two
    # threads took as long as one after the other), so the overlap is small: the flow is the
    # plan's longest step, on one core.
    with ThreadPoolExecutor(1) as pool:
        solving = pool.submit(_flow, d, c)
        book = _Book(d, c)
        book.prefetch()
        chosen, first_flow = solving.result()
    lap("flow")
    dropped = _repair(d, c, chosen, book)
    lap("repair")
    # Fill what the flow's draft left free first; needs still short whose lists were cut get
    # longer lists (each expansion multiplies them by `expansion_factor`) and are filled the
    # same way; only then the more costly re-packing and replacement (_polish), once.
    moves = _improve(d, c, book, deadline)
    lap("improve")
    expansions = 0
    while (
        k_need is not None
        and expansions < opts.expansions
        and (deadline is None or time.perf_counter() < deadline)
    ):
        short = np.flatnonzero((book.filled < d.n_heads) & c.truncated)
        if not len(short):
            break
        expansions += 1
        k_need = k_need.copy()
        k_need[short] *= opts.expansion_factor
        more = _generate(d, lists, short, k_need)
        truncated = c.truncated.copy()
        truncated[short] = more.truncated[short]
        c = _merge(c, more, d.V)
        c.truncated = truncated
        book.use(c)
        lap("candidates")
        moves += _improve(d, c, book, deadline)
        lap("improve")
    moves += _polish(d, c, book, deadline, improved=True)
    lap("improve")
    if (
        k_need is not None
        and opts.idle_base > 0
        and (deadline is None or time.perf_counter() < deadline)
    ):
        c = _idle_candidates(d, c, book)
        lap("candidates")
        moves += _polish(d, c, book, deadline)
        lap("improve")

    assignments, objective = _assignments(d, c, book)
    lap("output")
    short = np.flatnonzero(book.filled < d.n_heads).tolist()
    causes = _causes(d, lists, book, short)
    lap("causes")
    unfilled = [
        Unfilled(
            need_id=needs[n].id,
            wanted=int(d.n_heads[n]),
            filled=int(book.filled[n]),
            causes=causes.get(n, ()),
        )
        for n in short
    ]
    seconds = time.perf_counter() - started
    return Plan(
        assignments=assignments,
        unfilled=unfilled,
        objective=objective / SCALE,
        stats=PlanStats(
            candidates=len(c.n),
            seconds=seconds,
            solver="ortools.min_cost_flow",
            details={
                "first_flow": first_flow / SCALE,
                "dropped_by_repair": dropped,
                "improving_moves": moves,
                "expansions": expansions,
                "phases": phases,
                "phases_cpu": phases_cpu,
            },
        ),
    )


# --- checking ----------------------------------------------------------------------------------
def _inside(a: int, b: int, intervals: Sequence[Interval]) -> bool:
    return any(x <= a and b <= y for x, y in intervals)


def check_plan(
    needs: Sequence[NeedSpec], volunteers: Sequence[VolunteerSpec], plan: Plan
) -> list[str]:
    """Every hard-constraint violation of `plan`, in words (empty when it respects them all)."""
    errors: list[str] = []
    need_by_id = {n.id: n for n in needs}
    vol_by_id = {v.id: v for v in volunteers}
    per_need: dict[int, list[int]] = {}
    per_vol: dict[int, list[tuple[int, int, int]]] = {}
    for a in plan.assignments:
        n, v = need_by_id.get(a.need_id), vol_by_id.get(a.volunteer_id)
        tag = f"need {a.need_id} / volunteer {a.volunteer_id} [{a.start}, {a.end})"
        if n is None or v is None:
            errors.append(f"{tag}: unknown need or volunteer")
            continue
        per_need.setdefault(n.id, []).append(v.id)
        per_vol.setdefault(v.id, []).append((a.start, a.end, n.id))
        if a.end - a.start != n.duration:
            errors.append(f"{tag}: lasts {a.end - a.start} minutes, the need {n.duration}")
        if not any(x <= a.start and a.end <= y for x, y in n.windows):
            errors.append(f"{tag}: not inside one of the need's windows")
        if not _inside(a.start, a.end, _normalise(v.free)):
            errors.append(f"{tag}: not inside the volunteer's free time")
        if not n.required_skills <= v.skills:
            errors.append(f"{tag}: missing required skills {sorted(n.required_skills - v.skills)}")
        if not n.required_courses <= v.courses:
            errors.append(f"{tag}: missing training {sorted(n.required_courses - v.courses)}")
        if n.needs_insurance and not _inside(a.start, a.end, _normalise(v.insured)):
            errors.append(f"{tag}: not insured over the interval")
        if not n.remote and n.lat is not None and n.lng is not None:
            if v.lat is None or v.lng is None:
                errors.append(
                    f"{tag}: the volunteer's base is unknown, the distance cannot be checked"
                )
            else:
                km = haversine_km((n.lat, n.lng), (v.lat, v.lng))
                if km > n.max_km + 1e-9:
                    errors.append(f"{tag}: {km:.3f} km away, limit {n.max_km} km")
    for need_id, vids in per_need.items():
        n = need_by_id[need_id]
        if len(vids) > n.head_count:
            errors.append(f"need {need_id}: {len(vids)} assigned, {n.head_count} wanted")
        if len(set(vids)) < len(vids):
            errors.append(f"need {need_id}: a volunteer assigned twice")
    for vol_id, items in per_vol.items():
        v = vol_by_id[vol_id]
        minutes = sum(e - s for s, e, _n in items)
        if minutes > v.cap:
            errors.append(f"volunteer {vol_id}: {minutes} minutes planned, cap {v.cap}")
        items.sort()
        for (_s1, e1, n1), (s2, _e2, n2) in itertools.pairwise(items):
            if s2 < e1:
                errors.append(f"volunteer {vol_id}: needs {n1} and {n2} overlap")
    return errors
