from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from qingshe.programmes import services


@pytest.fixture
def programme(city: SimpleNamespace):  # type: ignore[no-untyped-def]
    return services.programme_create(
        actor=city.league_admin,
        owner=city.city,
        name="大学生社区实践计划",
        year=2026,
        scope=[city.university, city.district, city.other_district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )


@pytest.fixture
def call(city: SimpleNamespace, programme):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return services.call_open(
        actor=city.league_admin,
        programme=programme,
        title="2026年社区青春行动公开招募",
        criteria="优秀团支部优先；班级凝聚力强",
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=10),
    )


STATEMENT = "本支部曾获优秀团支部称号，班级凝聚力强，愿意长期服务社区。"
