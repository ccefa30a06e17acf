"""Distances on the ground (Django-free). One formula for the whole project: suggestions rank by
it, check-in compares it with a venue's radius, the demo places people with it."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)

LatLng = tuple[float, float]


def haversine_km(a: LatLng, b: LatLng) -> float:
    """Great-circle distance between two (latitude, longitude) points in degrees."""
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def haversine_m(a: LatLng, b: LatLng) -> float:
    return haversine_km(a, b) * 1000.0
