import pytest

from qingshe.lib.geo import haversine_km, haversine_m


def test_known_distances() -> None:
    # one degree of latitude is about 111.2 km anywhere
    assert haversine_km((26.0, 117.6), (27.0, 117.6)) == pytest.approx(111.2, abs=0.1)
    assert haversine_km((26.2654, 117.6389), (26.2654, 117.6389)) == 0
    # ~15 m, the check-in tests' "at the venue"
    assert 10 < haversine_m((26.2654, 117.6389), (26.2655, 117.6390)) < 20


def test_symmetric() -> None:
    a, b = (26.26, 117.63), (26.30, 117.70)
    assert haversine_km(a, b) == pytest.approx(haversine_km(b, a))
