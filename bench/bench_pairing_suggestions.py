"""Pairing suggestions for a whole programme: `suggest_for_user` against a plain nested loop.

Builds the demo city (size 10: ~800 branches × ~200 communities; --quick: size 1) in a throwaway
in-memory SQLite database, then times, on the same data in the same run:

- `suggest_for_user` for the city committee's league admin over the whole programme (best of 3):
  a fixed number of queries, then plain Python over precomputed sets;
- the naive way: for each unpaired branch, for each candidate community, read what the score needs
  with per-pair ORM queries (the branch's majors, skills, campus; the community's open needs and
  their skills, its pairings) and score the pair with the same formula. At size 10 that is
  hundreds of thousands of queries, so it is timed on an evenly spaced sample of branches and
  extrapolated linearly ("baseline_extrapolated_from": the sample's size).

A second reference, "in_memory_loop_seconds", loads the data in bulk like `suggest_for_user` and
writes the same reasons, but scores every pair on its own (`suggestions.rank`), without the
per-campus and per-kind-of-need precomputation: it separates the gain of bulk loading from that
of the precomputation.

Both must rank the same communities first for every sampled branch (asserted; the in-memory loop
for every branch). Everything is
rolled back at the end, so other benchmarks find the database as they left it.
"""

from __future__ import annotations

import os
import time
from datetime import date
from typing import Any

KEY = "pairing_suggestions"
TODAY = date(2026, 11, 22)
SEED = 2026
LIMIT = 5
READ_STEPS = {
    "geography",
    "universities",
    "partners",
    "logins",
    "students",
    "staff",
    "residents",
    "posts",
    "needs",
    "programmes",
}


def _setup_django(*, quick: bool) -> str:
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshe.test_settings")
        # A throwaway database whatever the environment names: never a real one.
        os.environ["DATABASE_URL"] = "sqlite://:memory:"
        django.setup()
    from bench.schema import build_schema

    return build_schema(from_models=quick)


def _naive(
    programme: Any, branches: list[Any], communities: list[Any], weights: Any
) -> dict[int, list[int]]:
    """The plain nested loop: every (branch, community) pair reads its own data."""
    from django.db.models import Count

    from qingshe.accounts.models import StudentProfile
    from qingshe.needs.models import Need
    from qingshe.orgs.models import Organisation
    from qingshe.programmes import suggestions as sg
    from qingshe.programmes.models import Pairing

    top: dict[int, list[int]] = {}
    for branch in branches:
        scored = []
        for community in communities:
            if Pairing.objects.filter(
                programme=programme, unit=branch, community=community, state=Pairing.State.REJECTED
            ).exists():
                continue
            majors = frozenset(
                m.strip()
                for m in StudentProfile.objects.filter(branch=branch).values_list(
                    "major", flat=True
                )
                if m and m.strip()
            )
            skills = {
                name: sg.skill_strength(n)
                for name, n in StudentProfile.skills.through.objects.filter(
                    studentprofile__branch=branch
                )
                .values_list("skill__name")
                .annotate(n=Count("studentprofile_id", distinct=True))
                .order_by()
            }
            ids = [int(p) for p in branch.path.strip("/").split("/") if p]
            located = {
                o.pk: o
                for o in Organisation.objects.filter(
                    pk__in=ids, lat__isnull=False, lng__isnull=False
                )
            }
            campus = next((located[i] for i in reversed(ids) if i in located), None)
            needs = []
            for need in Need.objects.filter(
                community=community, state__in=Need.OPEN_STATES
            ).order_by("pk"):
                needs.append(
                    sg.NeedProfile(
                        skills=tuple(sorted(s.name for s in need.skills.all())),
                        majors=frozenset(
                            str(m).strip() for m in need.majors or [] if str(m).strip()
                        ),
                        work_kind=need.work_kind,
                    )
                )
            live = Pairing.objects.filter(
                programme=programme, community=community, state__in=Pairing.LIVE_STATES
            ).count()
            b = sg.BranchProfile(
                pk=branch.pk,
                campus=(float(campus.lat), float(campus.lng)) if campus is not None else None,
                majors=majors,
                skills=skills,
            )
            c = sg.CommunityProfile(
                pk=community.pk,
                location=(float(community.lat), float(community.lng))
                if community.lat is not None and community.lng is not None
                else None,
                needs=tuple(needs),
                live_pairings=live,
            )
            comp = sg.score_pair(b, c, weights)
            scored.append((sg.sort_key(community.pk, comp), community.pk))
        scored.sort()
        top[branch.pk] = [pk for _key, pk in scored[:LIMIT]]
    return top


def _in_memory_loop(
    programme: Any, branches: list[Any], communities: list[Any]
) -> tuple[float, dict[int, list[int]]]:
    from qingshe.programmes import suggestions as sg
    from qingshe.programmes.models import Pairing

    started = time.perf_counter()
    live: dict[int, int] = {}
    rejected: dict[int, set[int]] = {}
    for unit_id, community_id, state in Pairing.objects.filter(programme=programme).values_list(
        "unit_id", "community_id", "state"
    ):
        if state in Pairing.LIVE_STATES:
            live[community_id] = live.get(community_id, 0) + 1
        elif state == Pairing.State.REJECTED:
            rejected.setdefault(unit_id, set()).add(community_id)
    profiles, _campus = sg._branch_profiles(branches)
    community_profiles = sg._community_profiles(communities, live)
    weights = sg.normalised_weights()
    top = {}
    for p in profiles:
        ranked = sg.rank(
            p, community_profiles, weights, LIMIT, excluded=frozenset(rejected.get(p.pk, ()))
        )
        for c, comp in ranked:
            sg.explain(p, c, comp)  # the same reasons as suggest_for_user gives
        top[p.pk] = [c.pk for c, _comp in ranked]
    return time.perf_counter() - started, top


def run(*, quick: bool) -> dict[str, object]:
    schema = _setup_django(quick=quick)
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from qingshe.accounts.models import User
    from qingshe.demo.builder import build_demo, demo_city, reset_demo
    from qingshe.demo.steps import STEPS
    from qingshe.programmes import suggestions as sg
    from qingshe.programmes.models import Programme

    size = 1.0 if quick else 10.0
    sample = 5 if quick else 16
    with transaction.atomic():
        if demo_city() is not None:
            reset_demo()
        started = time.perf_counter()
        # Only the steps suggestions read (the city, its people and posts, needs and the
        # programme): duty history, dispatch, points and the rest would add minutes at size 10
        # and change nothing here.
        wanted = [s for s in STEPS if s.name in READ_STEPS]
        ctx = build_demo(seed=SEED, size=size, today=TODAY, log=lambda _line: None, steps=wanted)
        build_seconds = time.perf_counter() - started
        programme = Programme.objects.get(pk=ctx.extra["programme"].pk)
        admin_pk = ctx.logins["league_admin"].pk

        timings = []
        for _ in range(3):
            admin = User.objects.get(pk=admin_pk)  # no cached grants: every run pays for them
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = sg.suggest_for_user(
                    user=admin, programme=programme, limit_per_branch=LIMIT
                )
                timings.append(time.perf_counter() - started)
        seconds = min(timings)

        branches = [r.branch for r in result]
        communities = sg.candidate_communities(programme, list(programme.scope.all()))
        step = max(1, len(branches) // sample)
        sampled = branches[::step][:sample]
        started = time.perf_counter()
        naive = _naive(programme, sampled, communities, sg.normalised_weights())
        sampled_seconds = time.perf_counter() - started
        baseline_seconds = sampled_seconds * len(branches) / max(1, len(sampled))
        fast = {r.branch.pk: [s.community.pk for s in r.suggestions] for r in result}
        # A second, fairer reference: the data loaded in bulk as suggest_for_user does, but every
        # pair scored on its own (sg.rank: no per-campus or per-kind-of-need precomputation).
        loop_seconds, loop_top = _in_memory_loop(programme, branches, communities)
        for branch in sampled:
            assert naive[branch.pk][:1] == fast[branch.pk][:1], branch.name
            assert naive[branch.pk] == fast[branch.pk], branch.name
        assert loop_top == fast
        transaction.set_rollback(True)

    figures: dict[str, object] = {
        "size": size,
        "branches": len(branches),
        "communities": len(communities),
        "pairs_scored": len(branches) * len(communities),
        "seconds": round(seconds, 4),
        "queries": len(queries.captured_queries),
        "baseline_seconds": round(baseline_seconds, 3),
        "ratio": round(baseline_seconds / seconds, 1),
        "in_memory_loop_seconds": round(loop_seconds, 3),
        "in_memory_loop_ratio": round(loop_seconds / seconds, 1),
        "db": connection.vendor,
        "demo_build_seconds": round(build_seconds, 2),
        "schema": schema,
        "same_top_suggestions": True,
    }
    if len(sampled) < len(branches):
        figures["baseline_extrapolated_from"] = len(sampled)
    return figures
