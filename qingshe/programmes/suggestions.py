"""Pairing suggestions (结对建议): communities ranked for each unpaired class branch of a programme.

A branch is *unpaired* when it has no live (proposed, approved or active) pairing in the
programme. Its candidates are the communities on the programme's receiving side: the communities
under the districts, streets or communities in the programme's scope, or, when the scope names
only universities and departments, every community of the owner's city.

The score of a (branch, community) pair is a weighted mean of three components, each in [0, 1]:

``distance`` (就近就便)
    ``1 / (1 + d / DISTANCE_HALF_KM)`` where ``d`` is the great-circle (haversine) distance in km
    from the campus to the community: 1 next door, 0.5 at ``DISTANCE_HALF_KM`` (5 km), 0.33 at
    10 km. The campus is the branch itself or its nearest ancestor that has a location (normally
    the university). When either location is unknown the component is
    ``UNKNOWN_DISTANCE_SCORE`` (0.5): neither favoured nor penalised.

``fit`` (需求与专业、特长相符)
    Over the community's open needs (``Need.OPEN_STATES``): a need that asks for skills or majors
    matches the branch by ``max(skill part, major part)``. The skill part is the mean, over the
    skills it wants, of the branch's strength in each: ``min(1, students who have it /
    SKILL_FULL_HOLDERS)`` (3 students make a full match: one student's hobby is not a team's
    capacity). The major part is 1 if one of the majors it wants is a major of the branch's
    students. A need that asks for neither matches anyone by ``UNREQUIRED_MATCH`` (0.25: anyone
    can help, but it is not the substantive work students look for). Each match is weighted by
    the kind of work
    (``WORK_KIND_WEIGHT``: labour 1, skilled 2, professional 3), summed to ``raw``, and squashed
    to ``raw / (raw + FIT_HALF)`` so that more (and more substantive) matching needs score
    higher without bound: one fully matching professional need gives 0.5.

``coverage`` (每个社区都有人服务)
    ``1 / (1 + n)`` where ``n`` is the number of live pairings the community already has in the
    programme: 1 for a community nobody serves yet, 0.5 with one pairing, 0.33 with two.

``score = Σ weight_i × component_i / Σ weight_i`` with the weights of ``WEIGHTS`` (distance 0.40,
fit 0.35, coverage 0.25) unless the caller passes its own. Ties are broken by distance (unknown
last), then by the community's ID, so the ranking is deterministic. A community whose pairing
with this branch was rejected in this programme is not suggested to it again.

The whole programme is computed in one call with a fixed number of queries (scope, branches,
campus locations, pairings, communities, open needs, their skills, the students' majors, their
skills), whatever the number of branches; everything after that is plain Python over
precomputed per-branch and per-community sets. See docs/decisions/0005-pairing-suggestions.md.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from qingshe.accounts.models import StudentProfile
from qingshe.core import access
from qingshe.core.errors import ValidationFailed
from qingshe.lib.geo import LatLng, haversine_km
from qingshe.needs.models import Need, WorkKind
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.programmes.models import Pairing, Programme

# --- the score's parameters (documented in the module docstring) -------------------------------
WEIGHTS: dict[str, float] = {"distance": 0.40, "fit": 0.35, "coverage": 0.25}
DISTANCE_HALF_KM = 5.0
UNKNOWN_DISTANCE_SCORE = 0.5
FIT_HALF = 3.0
SKILL_FULL_HOLDERS = 3
# A need "fits" the branch (and is named in the reasons) from this match on.
FITS_FROM = 0.5
UNREQUIRED_MATCH = 0.25
WORK_KIND_WEIGHT: dict[str, float] = {
    WorkKind.LABOUR: 1.0,
    WorkKind.SKILLED: 2.0,
    WorkKind.PROFESSIONAL: 3.0,
}
SUBSTANTIVE_KINDS = frozenset({WorkKind.SKILLED, WorkKind.PROFESSIONAL})
# Kinds of organisation whose subtree holds communities (the receiving side of a programme).
RECEIVING_KINDS = frozenset(
    {OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE, OrgKind.STREET, OrgKind.COMMUNITY}
)
# Who sees the suggestions of the branches in their subtree (the programme's own league admins
# see every branch of the programme).
SUBTREE_ROLES = frozenset(
    {Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN, Role.BRANCH_SECRETARY}
)
MAX_NAMES_IN_REASON = 5


# --- results ------------------------------------------------------------------------------------
@dataclass
class Suggestion:
    community: Organisation
    score: float
    distance_km: float | None
    reasons: list[str]
    distance_score: float
    fit_score: float
    coverage_score: float
    matching_needs: int = 0
    matched: list[str] = field(default_factory=list)
    live_pairings: int = 0


@dataclass
class BranchSuggestions:
    branch: Organisation
    suggestions: list[Suggestion]
    campus: Organisation | None = None


# --- the pure part: profiles and the score ------------------------------------------------------


@dataclass(frozen=True)
class NeedProfile:
    skills: tuple[str, ...]  # sorted: the sums below always add in the same order
    majors: frozenset[str]
    work_kind: str = WorkKind.LABOUR

    @property
    def weight(self) -> float:
        return WORK_KIND_WEIGHT.get(self.work_kind, 1.0)

    @property
    def requires(self) -> bool:
        return bool(self.skills or self.majors)


@dataclass(frozen=True)
class CommunityProfile:
    pk: int
    location: LatLng | None
    needs: tuple[NeedProfile, ...] = ()
    live_pairings: int = 0


@dataclass(frozen=True)
class BranchProfile:
    pk: int
    campus: LatLng | None
    majors: frozenset[str] = frozenset()
    # skill → strength, min(1, holders / SKILL_FULL_HOLDERS)
    skills: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Components:
    score: float
    distance_km: float | None
    distance: float
    fit: float
    coverage: float


def normalised_weights(weights: Mapping[str, float] | None = None) -> tuple[float, float, float]:
    """(distance, fit, coverage) weights summing to 1; unknown keys or negative values refused."""
    given = dict(WEIGHTS if weights is None else weights)
    unknown = set(given) - set(WEIGHTS)
    if unknown:
        raise ValidationFailed(
            "invalid_weights", _("Unknown score components: %s") % ", ".join(sorted(unknown))
        )
    values = [float(given.get(k, 0.0)) for k in ("distance", "fit", "coverage")]
    if any(v < 0 or math.isnan(v) or math.isinf(v) for v in values) or sum(values) <= 0:
        raise ValidationFailed(
            "invalid_weights", _("Weights are non-negative numbers, not all zero.")
        )
    total = sum(values)
    return values[0] / total, values[1] / total, values[2] / total


def distance_component(distance_km: float | None) -> float:
    if distance_km is None:
        return UNKNOWN_DISTANCE_SCORE
    return 1.0 / (1.0 + max(0.0, distance_km) / DISTANCE_HALF_KM)


def skill_strength(holders: int) -> float:
    return min(1.0, max(0, holders) / SKILL_FULL_HOLDERS)


def signature_match(
    wanted_skills: tuple[str, ...],
    wanted_majors: frozenset[str],
    majors: frozenset[str],
    skills: Mapping[str, float],
) -> float:
    """How well a branch with these majors and skill strengths meets a need that wants these
    skills and majors (at least one of them), 0–1."""
    skill_part = (
        sum(skills.get(name, 0.0) for name in wanted_skills) / len(wanted_skills)
        if wanted_skills
        else 0.0
    )
    major_part = 0.0 if wanted_majors.isdisjoint(majors) else 1.0
    return max(skill_part, major_part)


def need_match(need: NeedProfile, majors: frozenset[str], skills: Mapping[str, float]) -> float:
    """How well a branch with these majors and skill strengths meets one need, 0–1."""
    if not need.requires:
        return UNREQUIRED_MATCH
    return signature_match(need.skills, need.majors, majors, skills)


Term = tuple[tuple[str, ...], frozenset[str], float]


def fit_terms(needs: Iterable[NeedProfile]) -> tuple[float, list[Term]]:
    """The fit's terms that do not depend on the branch: what needs that ask for nothing in
    particular contribute to anyone, and the needs that ask for something grouped by what they
    ask (wanted skills, wanted majors → total weight), in a fixed order. Communities post much
    the same needs, so a branch's match with each kind is worked out once."""
    base = 0.0
    grouped: dict[tuple[tuple[str, ...], tuple[str, ...]], float] = {}
    for need in needs:
        if need.requires:
            key = (need.skills, tuple(sorted(need.majors)))
            grouped[key] = grouped.get(key, 0.0) + need.weight
        else:
            base += UNREQUIRED_MATCH * need.weight
    return base, [(s, frozenset(m), w) for (s, m), w in sorted(grouped.items())]


def fit_raw(branch: BranchProfile, community: CommunityProfile) -> float:
    """Σ match × weight over the community's open needs (in the order of fit_terms, so that
    every way of computing it adds the same numbers in the same order)."""
    raw, terms = fit_terms(community.needs)
    for skills, majors, weight in terms:
        raw += signature_match(skills, majors, branch.majors, branch.skills) * weight
    return raw


def fit_component(raw: float) -> float:
    return raw / (raw + FIT_HALF) if raw > 0 else 0.0


def coverage_component(live_pairings: int) -> float:
    return 1.0 / (1.0 + max(0, live_pairings))


def combine(
    weights: tuple[float, float, float], distance: float, fit: float, coverage: float
) -> float:
    # Distance and coverage first: they do not depend on the branch's students, and the fast
    # path adds them once per campus and community.
    score = (weights[0] * distance + weights[2] * coverage) + weights[1] * fit
    return min(1.0, max(0.0, score))


def score_pair(
    branch: BranchProfile,
    community: CommunityProfile,
    weights: tuple[float, float, float],
    distance_km: float | None = None,
) -> Components:
    """The score of one (branch, community) pair. Pass `distance_km` if already known."""
    if distance_km is None and branch.campus is not None and community.location is not None:
        distance_km = haversine_km(branch.campus, community.location)
    d = distance_component(distance_km)
    f = fit_component(fit_raw(branch, community))
    c = coverage_component(community.live_pairings)
    return Components(combine(weights, d, f, c), distance_km, d, f, c)


def sort_key(community_pk: int, components: Components) -> tuple[float, float, int]:
    """Best first: higher score, then nearer (unknown last), then the lower community ID."""
    km = components.distance_km
    return (-components.score, math.inf if km is None else km, community_pk)


def rank(
    branch: BranchProfile,
    communities: Iterable[CommunityProfile],
    weights: tuple[float, float, float],
    limit: int,
    *,
    excluded: frozenset[int] = frozenset(),
) -> list[tuple[CommunityProfile, Components]]:
    """The `limit` best communities for one branch, best first, one pair at a time. Same
    input, same order, whatever the order in which the communities come."""
    scored = (
        (sort_key(c.pk, comp), c, comp)
        for c in communities
        if c.pk not in excluded
        for comp in (score_pair(branch, c, weights),)
    )
    return [(c, comp) for _key, c, comp in heapq.nsmallest(limit, scored, key=lambda t: t[0])]


class Ranker:
    """`rank` for many branches against the same communities: what does not depend on the
    branch is computed once (the fit's terms per community, distance and coverage per campus
    and community), and a branch's match with each kind of need once per branch. The same
    arithmetic in the same order as `score_pair`, so the same scores to the last bit."""

    def __init__(
        self, communities: Sequence[CommunityProfile], weights: tuple[float, float, float]
    ) -> None:
        self.communities = list(communities)
        self.weights = weights
        self.pks = [c.pk for c in self.communities]
        self.coverage = [coverage_component(c.live_pairings) for c in self.communities]
        self.kinds: list[tuple[tuple[str, ...], frozenset[str]]] = []
        kind_index: dict[tuple[tuple[str, ...], frozenset[str]], int] = {}
        self.terms: list[tuple[float, tuple[tuple[int, float], ...]]] = []
        for community in self.communities:
            base, terms = fit_terms(community.needs)
            indexed = []
            for skills, majors, weight in terms:
                key = (skills, majors)
                if key not in kind_index:
                    kind_index[key] = len(self.kinds)
                    self.kinds.append(key)
                indexed.append((kind_index[key], weight))
            self.terms.append((base, tuple(indexed)))
        self._campus: dict[LatLng | None, tuple[list[float | None], list[float], list[float]]] = {}

    def _for_campus(
        self, campus: LatLng | None
    ) -> tuple[list[float | None], list[float], list[float]]:
        """Per community: km (None if unknown), the distance component, and the part of the
        score that does not depend on the students (distance and coverage)."""
        if campus not in self._campus:
            wd, _wf, wc = self.weights
            kms = [
                haversine_km(campus, c.location)
                if campus is not None and c.location is not None
                else None
                for c in self.communities
            ]
            ds = [distance_component(km) for km in kms]
            fixed = [wd * d + wc * c for d, c in zip(ds, self.coverage, strict=True)]
            self._campus[campus] = (kms, ds, fixed)
        return self._campus[campus]

    def rank(
        self, branch: BranchProfile, limit: int, excluded: frozenset[int] = frozenset()
    ) -> list[tuple[CommunityProfile, Components]]:
        kms, ds, fixed = self._for_campus(branch.campus)
        wf = self.weights[1]
        majors, skills = branch.majors, branch.skills
        match = [signature_match(s, m, majors, skills) for s, m in self.kinds]
        keyed = []
        pks = self.pks
        for i, (raw, terms) in enumerate(self.terms):
            if pks[i] in excluded:
                continue
            for k, weight in terms:
                raw += match[k] * weight
            f = raw / (raw + FIT_HALF) if raw > 0 else 0.0
            score = min(1.0, max(0.0, fixed[i] + wf * f))
            km = kms[i]
            keyed.append((-score, math.inf if km is None else km, pks[i], i, f))
        best = heapq.nsmallest(limit, keyed)
        return [
            (self.communities[i], Components(-neg, kms[i], ds[i], f, self.coverage[i]))
            for neg, _km, _pk, i, f in best
        ]


# --- reasons ------------------------------------------------------------------------------------
def _names(values: Iterable[str]) -> str:
    items = list(values)
    shown = pgettext("list separator", ", ").join(items[:MAX_NAMES_IN_REASON])
    return shown + (pgettext("list continues", "…") if len(items) > MAX_NAMES_IN_REASON else "")


def explain(
    branch: BranchProfile, community: CommunityProfile, components: Components
) -> tuple[list[str], int, list[str]]:
    """Reasons in the current language, the number of matching needs and what matched."""
    reasons: list[str] = []
    if components.distance_km is None:
        reasons.append(_("Distance unknown: the campus or the community has no location on file"))
    else:
        reasons.append(
            _("About %(km)s km from the campus") % {"km": f"{components.distance_km:.1f}"}
        )
    matching = substantive = 0
    hits: dict[str, int] = defaultdict(int)
    for need in community.needs:
        if not need.requires or need_match(need, branch.majors, branch.skills) < FITS_FROM:
            continue
        matched = {n for n in need.skills if branch.skills.get(n, 0.0) > 0} | (
            need.majors & branch.majors
        )
        if matched:
            matching += 1
            substantive += need.work_kind in SUBSTANTIVE_KINDS
            for name in matched:
                hits[name] += 1
    names = sorted(hits, key=lambda n: (-hits[n], n))
    if matching:
        reasons.append(
            ngettext(
                "%(count)d open need fits the branch's majors or skills: %(names)s",
                "%(count)d open needs fit the branch's majors or skills: %(names)s",
                matching,
            )
            % {"count": matching, "names": _names(names)}
        )
        if substantive:
            reasons.append(
                ngettext(
                    "%(count)d of them asks for skilled or professional work",
                    "%(count)d of them ask for skilled or professional work",
                    substantive,
                )
                % {"count": substantive}
            )
    elif community.needs:
        reasons.append(_("Its open needs do not ask for the branch's majors or skills"))
    else:
        reasons.append(_("The community has posted no open needs yet"))
    if community.live_pairings == 0:
        reasons.append(_("No branch is paired with this community yet"))
    else:
        reasons.append(
            ngettext(
                "Already paired with %(count)d unit in this programme",
                "Already paired with %(count)d units in this programme",
                community.live_pairings,
            )
            % {"count": community.live_pairings}
        )
    return reasons, matching, names


# --- loading (a fixed number of queries) --------------------------------------------------------
def _location(lat: Any, lng: Any) -> LatLng | None:
    if lat is None or lng is None:
        return None
    return float(lat), float(lng)


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _path_q(orgs: Iterable[Organisation], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for org in orgs:
        q |= Q(**{f"{prefix}path__startswith": org.path})
    return q


def visible_branches_q(*, user: Any, programme: Programme) -> Q | None:
    """Which branches `user` may see suggestions for; None when none at all."""
    if access.can(user, "programme.manage", programme.owner):
        return Q()
    if not access.has_role(user, SUBTREE_ROLES):
        return None
    return access.subtree_q(user, SUBTREE_ROLES)


def candidate_communities(
    programme: Programme, scope: Sequence[Organisation]
) -> list[Organisation]:
    receiving = [o for o in scope if o.kind in RECEIVING_KINDS]
    qs = Organisation.objects.filter(kind=OrgKind.COMMUNITY, is_active=True)
    if receiving:
        qs = qs.filter(_path_q(receiving))
    else:
        qs = qs.filter(path__startswith=f"/{programme.owner.city_id}/")
    return list(qs.order_by("pk"))


def _community_profiles(
    communities: Sequence[Organisation], live_count: Mapping[int, int]
) -> list[CommunityProfile]:
    ids = [c.pk for c in communities]
    needs: dict[int, list[tuple[int, str, list[str]]]] = defaultdict(list)
    open_needs = Need.objects.filter(community_id__in=ids, state__in=Need.OPEN_STATES)
    for pk, community_id, work_kind, majors in open_needs.order_by("pk").values_list(
        "pk", "community_id", "work_kind", "majors"
    ):
        needs[community_id].append((pk, work_kind, majors or []))
    skills: dict[int, set[str]] = defaultdict(set)
    for need_id, name in Need.skills.through.objects.filter(
        need__community_id__in=ids, need__state__in=Need.OPEN_STATES
    ).values_list("need_id", "skill__name"):
        skills[need_id].add(name)
    profiles = []
    for c in communities:
        profiles.append(
            CommunityProfile(
                pk=c.pk,
                location=_location(c.lat, c.lng),
                needs=tuple(
                    NeedProfile(
                        skills=tuple(sorted(skills.get(pk, ()))),
                        majors=frozenset(str(m).strip() for m in majors if str(m).strip()),
                        work_kind=work_kind,
                    )
                    for pk, work_kind, majors in needs.get(c.pk, [])
                ),
                live_pairings=live_count.get(c.pk, 0),
            )
        )
    return profiles


def _branch_profiles(
    branches: Sequence[Organisation],
) -> tuple[list[BranchProfile], dict[int, Organisation | None]]:
    """Profiles of the branches, and each branch's campus (the organisation whose location is
    used): the branch itself or its nearest ancestor with a location."""
    ancestor_ids = {i for b in branches for i in _path_ids(b.path)}
    located_orgs = {
        o.pk: o
        for o in Organisation.objects.filter(
            pk__in=ancestor_ids, lat__isnull=False, lng__isnull=False
        )
    }
    located = {pk: (float(o.lat), float(o.lng)) for pk, o in located_orgs.items()}  # type: ignore[arg-type]
    ids = [b.pk for b in branches]
    majors: dict[int, set[str]] = defaultdict(set)
    for branch_id, major in (
        StudentProfile.objects.filter(branch_id__in=ids)
        .values_list("branch_id", "major")
        .distinct()
    ):
        if major and major.strip():
            majors[branch_id].add(major.strip())
    skills: dict[int, dict[str, float]] = defaultdict(dict)
    for branch_id, name, holders in (
        StudentProfile.skills.through.objects.filter(studentprofile__branch_id__in=ids)
        .values_list("studentprofile__branch_id", "skill__name")
        .annotate(holders=Count("studentprofile_id", distinct=True))
        .order_by()
    ):
        skills[branch_id][name] = skill_strength(holders)
    profiles: list[BranchProfile] = []
    campus_of: dict[int, Organisation | None] = {}
    for b in branches:
        campus_id = next((i for i in reversed(_path_ids(b.path)) if i in located), None)
        campus_of[b.pk] = located_orgs[campus_id] if campus_id is not None else None
        profiles.append(
            BranchProfile(
                pk=b.pk,
                campus=located[campus_id] if campus_id is not None else None,
                majors=frozenset(majors.get(b.pk, ())),
                skills=skills.get(b.pk, {}),
            )
        )
    return profiles, campus_of


# --- the public API -----------------------------------------------------------------------------
def suggest_for_user(
    *,
    user: Any,
    programme: Programme,
    limit_per_branch: int = 5,
    weights: Mapping[str, float] | None = None,
) -> list[BranchSuggestions]:
    """For each unpaired class branch of `programme` that `user` looks after, the
    `limit_per_branch` best communities with their score, components and reasons (in the current
    language). The programme's league admins see every branch; university, department and other
    league admins the branches of their subtree; a branch secretary their own branch; anybody
    else nothing."""
    if int(limit_per_branch) < 1:
        raise ValidationFailed("invalid_limit", _("Ask for at least one suggestion per branch."))
    w = normalised_weights(weights)
    visible = visible_branches_q(user=user, programme=programme)
    if visible is None:
        return []
    scope = list(programme.scope.all())
    if not scope:
        return []
    pairings = list(
        Pairing.objects.filter(programme=programme).values_list("unit_id", "community_id", "state")
    )
    live_units = {u for u, _c, s in pairings if s in Pairing.LIVE_STATES}
    live_count: dict[int, int] = defaultdict(int)
    rejected: dict[int, set[int]] = defaultdict(set)
    for unit_id, community_id, state in pairings:
        if state in Pairing.LIVE_STATES:
            live_count[community_id] += 1
        elif state == Pairing.State.REJECTED:
            rejected[unit_id].add(community_id)
    branches = [
        b
        for b in Organisation.objects.filter(
            _path_q(scope), visible, kind=OrgKind.CLASS_BRANCH, is_active=True
        ).order_by("path")
        if b.pk not in live_units
    ]
    if not branches:
        return []
    communities = candidate_communities(programme, scope)
    return _suggest(
        branches=branches,
        communities=communities,
        live_count=live_count,
        rejected=rejected,
        weights=w,
        limit=int(limit_per_branch),
    )


def _suggest(
    *,
    branches: Sequence[Organisation],
    communities: Sequence[Organisation],
    live_count: Mapping[int, int],
    rejected: Mapping[int, set[int]],
    weights: tuple[float, float, float],
    limit: int,
) -> list[BranchSuggestions]:
    branch_profiles, campus_of = _branch_profiles(branches)
    community_profiles = _community_profiles(communities, live_count)
    org_by_id = {c.pk: c for c in communities}
    ranker = Ranker(community_profiles, weights)
    result = []
    for branch, profile in zip(branches, branch_profiles, strict=True):
        ranked = ranker.rank(profile, limit, frozenset(rejected.get(branch.pk, ())))
        suggestions = []
        for community, comp in ranked:
            reasons, matching, names = explain(profile, community, comp)
            suggestions.append(
                Suggestion(
                    community=org_by_id[community.pk],
                    score=comp.score,
                    distance_km=comp.distance_km,
                    reasons=reasons,
                    distance_score=comp.distance,
                    fit_score=comp.fit,
                    coverage_score=comp.coverage,
                    matching_needs=matching,
                    matched=names,
                    live_pairings=community.live_pairings,
                )
            )
        result.append(
            BranchSuggestions(branch=branch, suggestions=suggestions, campus=campus_of[branch.pk])
        )
    return result
