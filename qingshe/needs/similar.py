"""Possible duplicates at intake: open needs like the one being ordered.

Two reasons make a need "like" a new one:
- the same project type, within settings.QINGSHE_DISPATCH["duplicate_radius_m"] (about 250 m)
  of the new one's place — the same broken lamp reported by two neighbours;
- similar wording in the same community: Chinese has no spaces between words, so texts are
  compared by their sets of character bigrams (Dice coefficient), which needs no word list and
  is robust to small rewordings ("楼道灯坏了" / "3号楼楼道灯不亮").

Cheap by construction: one query, bounded to the open needs of the community and of the other
communities of its street inside a small box around the place, newest first, at most
CANDIDATES rows; the scoring is done in Python on those.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from qingshe.lib.geo import haversine_m
from qingshe.needs.models import Need
from qingshe.orgs.models import Organisation

# Two texts at least this alike (Dice coefficient of character bigrams, 0–1) are shown. Chosen
# on pairs in tests/test_need_similar.py: rewordings of one problem score 0.3–0.7, different
# problems of the same community below 0.2.
TEXT_THRESHOLD = 0.3
CANDIDATES = 300
LIMIT = 5
METRES_PER_DEGREE = 111_320.0


def _normalise(text: str) -> str:
    return "".join(ch for ch in (text or "").lower() if ch.isalnum())


def bigrams(text: str) -> set[str]:
    t = _normalise(text)
    if len(t) < 2:
        return {t} if t else set()
    return {t[i : i + 2] for i in range(len(t) - 1)}


def dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def text_similarity(title_a: str, desc_a: str, title_b: str, desc_b: str) -> float:
    """How alike two needs' texts are, 0–1: the better of titles alone and title with description
    (a short title restated in a longer description still matches)."""
    return max(
        dice(bigrams(title_a), bigrams(title_b)),
        dice(bigrams(f"{title_a}{desc_a}"), bigrams(f"{title_b}{desc_b}")),
    )


@dataclass
class SimilarNeed:
    need: Need
    score: float
    distance_m: float | None = None
    text_score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _street_path(community: Organisation) -> str:
    parts = community.path.strip("/").split("/")[:-1]
    return "/" + "/".join(parts) + "/" if parts else community.path


def similar_needs(
    *,
    community: Organisation,
    project_type: str,
    title: str,
    description: str = "",
    lat: Any = None,
    lng: Any = None,
    exclude_id: int | None = None,
    limit: int = LIMIT,
) -> list[SimilarNeed]:
    """Open needs like the one described, best first, each with the reasons to show."""
    radius = float(settings.QINGSHE_DISPATCH["duplicate_radius_m"])
    if lat in (None, "") or lng in (None, ""):
        lat, lng = community.lat, community.lng
    point = (float(lat), float(lng)) if lat is not None and lng is not None else None

    q = Q(community_id=community.pk)
    if point is not None and project_type:
        dlat = radius / METRES_PER_DEGREE
        dlng = radius / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(point[0]))))
        q |= Q(
            community__path__startswith=_street_path(community),
            project_type=project_type,
            lat__range=(point[0] - dlat, point[0] + dlat),
            lng__range=(point[1] - dlng, point[1] + dlng),
        )
    rows = Need.objects.filter(q, state__in=Need.OPEN_STATES).select_related("community")
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    found: list[SimilarNeed] = []
    for need in rows.order_by("-created_at", "-pk")[:CANDIDATES]:
        item = SimilarNeed(need=need, score=0.0)
        if (
            point is not None
            and need.project_type == project_type
            and need.lat is not None
            and need.lng is not None
        ):
            d = haversine_m(point, (float(need.lat), float(need.lng)))
            if d <= radius:
                item.distance_m = d
                item.score += 0.5 * (1 - d / radius) + 0.2
                item.reasons.append(
                    _("The same kind of need at the same place")
                    if d < 10
                    else _("The same kind of need, about %(m)d m away") % {"m": round(d / 10) * 10}
                )
        if need.community_id == community.pk:
            sim = text_similarity(title, description, need.title, need.description)
            if sim >= TEXT_THRESHOLD:
                item.text_score = sim
                item.score += sim
                item.reasons.append(
                    _("Worded much the same (%(pct)d%% alike)") % {"pct": round(sim * 100)}
                )
        if item.reasons:
            found.append(item)
    found.sort(key=lambda s: (-s.score, -s.need.created_at.timestamp(), -s.need.pk))
    return found[:limit]
