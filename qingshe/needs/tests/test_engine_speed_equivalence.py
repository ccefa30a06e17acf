"""The dispatch engine's faster steps give what the plain ones give (no timings here).

Each check compares a step made for speed with the straightforward computation it replaces:
the packed-key sort with np.lexsort, the schedule check in numpy with `schedule`, the bulk
reasons with the one-at-a-time ones, the masks built at once with sets.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qingshe.needs.dispatch import engine, instances


@pytest.fixture(scope="module")
def city() -> tuple[engine._Data, engine._Candidates]:
    inst = instances.generate(120, 600, seed=7)
    d = engine._Data(inst.needs, inst.volunteers, engine.Weights(), engine.Options())
    c, _k = engine._candidates(d, engine._Lists(d))
    return d, c


@pytest.mark.parametrize("seed", range(6))
def test_order_is_lexsort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(0, 400))
    keys = (
        rng.integers(-5, 5, m),  # many ties: the input order must decide them
        rng.integers(0, 3, m),
        rng.integers(-(10**6), 10**6, m),
    )
    for k in range(1, 4):
        assert np.array_equal(engine._order(*keys[:k]), np.lexsort(keys[:k]))
    # Keys too wide to pack together: the same order through np.lexsort.
    wide = (rng.integers(0, 1 << 40, m), rng.integers(0, 1 << 40, m))
    assert np.array_equal(engine._order(*wide), np.lexsort(wide))


def test_unique_helpers_keep_first_occurrences() -> None:
    a = np.array([5, 3, 5, 1, 3, 3, 9], dtype=np.int64)
    values, first, counts = engine._unique_first(a)
    assert values.tolist() == [1, 3, 5, 9]
    assert first.tolist() == [3, 1, 0, 6]
    assert counts.tolist() == [1, 3, 2, 1]
    values, inverse = engine._unique_inverse(a)
    assert values[inverse].tolist() == a.tolist()


def test_masks_match_the_sets() -> None:
    index = {s: i for i, s in enumerate(range(100, 230))}  # 130 ids: three words
    sets = [frozenset(), frozenset({100}), frozenset({163, 164, 229, 999}), frozenset({228})]
    masks = engine._masks(sets, index, 3)
    assert masks.shape == (4, 3)
    for row, ids in zip(masks, sets, strict=True):
        bits = {64 * w + b for w in range(3) for b in range(64) if int(row[w]) >> b & 1}
        assert bits == {index[x] for x in ids if x in index}


def test_feasible_agrees_with_schedule(city: tuple[engine._Data, engine._Candidates]) -> None:
    d, c = city
    book = engine._Book(d, c)
    book.prefetch()
    rng = np.random.default_rng(11)
    checked = yes = 0
    # Pairs of one need at a time share a window, so sets of them often collide.
    by_need = [np.flatnonzero(c.n == n) for n in range(d.N)]
    for size in (2, 3, 4, 5):
        for _ in range(150):
            pool = np.concatenate([by_need[int(n)] for n in rng.integers(0, d.N, 3)])
            if len(pool) < size:
                continue
            sets = rng.choice(pool, size=(1, size), replace=False)
            got = bool(book.feasible(sets)[0])
            want = engine.schedule([book.job(int(p)) for p in sets[0]]) is not None
            if size <= engine.MAX_SET:
                assert got == want, sets
            else:
                assert not got or want  # longer sets: a "no" may be wrong, never a "yes"
            checked += 1
            yes += got
    assert checked > 400 and 0 < yes < checked


def test_feasible_tries_every_order() -> None:
    """Three services that fit in an order other than by deadline: A [0, 30) 20 min, B [0, 60)
    20 min, C in [10, 20) or [40, 50) 10 min fit as A, B, C only."""
    never = engine.NEVER
    book = engine._Book.__new__(engine._Book)
    book.wide = np.zeros(3, dtype=bool)
    book.pa = np.array([[0, never], [0, never], [10, 40]], dtype=np.int64)
    book.pb = np.array([[30, never], [60, never], [20, 50]], dtype=np.int64)
    book.dur = np.array([20, 20, 10], dtype=np.int64)
    book.deadline = np.array([30, 60, 50], dtype=np.int64)
    jobs = [(20, [(0, 30)]), (20, [(0, 60)]), (10, [(10, 20), (40, 50)])]
    assert engine.schedule(jobs) is not None
    for perm in itertools.permutations(range(3)):
        assert bool(book.feasible(np.array([perm]))[0])
    # Without B's slack no order fits.
    book.pb[1, 0] = 35
    book.deadline[1] = 35
    assert not book.feasible(np.array([[0, 1, 2]]))[0]
    assert engine.schedule([jobs[0], (20, [(0, 35)]), jobs[2]]) is None


def test_bulk_reasons_equal_single_ones(city: tuple[engine._Data, engine._Candidates]) -> None:
    d, c = city
    pn, pv = c.n, c.v
    start = c.p_a[c.p_off[:-1]] + d.t0
    end = start + d.n_dur[pn]
    km = np.full(len(pn), np.nan)
    local = np.flatnonzero(d.n_local[pn] & d.v_loc[pv])
    km[local] = engine._haversine(
        d.n_lat[pn[local]], d.n_lng[pn[local]], d.v_lat[pv[local]], d.v_lng[pv[local]]
    )
    reasons = engine._Reasons(d)
    bulk = reasons.many(pn, pv, start, end, km)
    single = [
        reasons(n, v, s, e, None if k != k else k)
        for n, v, s, e, k in zip(
            pn.tolist(), pv.tolist(), start.tolist(), end.tolist(), km.tolist(), strict=True
        )
    ]
    assert bulk == single
    codes = {r.code for rs in bulk for r in rs}
    assert {"window", "skills", "major", "distance", "fairness"} <= codes


def test_plan_leaves_the_collector_as_it_found_it() -> None:
    import gc

    inst = instances.generate(30, 150, seed=3)
    assert gc.isenabled()
    engine.plan(inst.needs, inst.volunteers)
    assert gc.isenabled()
    gc.disable()
    try:
        engine.plan(inst.needs, inst.volunteers)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("seed", range(3))
def test_lists_read_above_a_floor_give_the_best_above_it(seed: int) -> None:
    # The idle lists are read only above each need's worst service: per need, the same scores
    # as the best k of every feasible pair above that floor.
    inst = instances.generate(80, 400, seed=seed)
    d = engine._Data(inst.needs, inst.volunteers, engine.Weights(), engine.Options())
    rng = np.random.default_rng(seed)
    idle = rng.random(d.V) < 0.4
    lists = engine._Lists(d, only=idle)
    needs = np.flatnonzero(d.n_heads > 0)
    every = engine._generate(d, lists, needs, None)
    k = np.full(d.N, 3, dtype=np.int64)
    above = np.full(d.N, -(1 << 60), dtype=np.int64)
    with_pairs = np.unique(every.n)
    picked = rng.random(len(with_pairs)) < 0.7
    # Floors at a need's own scores, so that some of its pairs are above and some not.
    for n in with_pairs[picked].tolist():
        scores = np.sort(every.s[every.n == n])
        above[n] = scores[int(rng.integers(0, len(scores)))]
    got = engine._generate(d, lists, needs, k, above=above)
    assert np.all(idle[got.v])
    assert np.all(got.s > above[got.n])
    for n in needs.tolist():
        want = np.sort(every.s[(every.n == n) & (every.s > above[n])])[::-1][:3]
        assert np.sort(got.s[got.n == n])[::-1].tolist() == want.tolist()
