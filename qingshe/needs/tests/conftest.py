from types import SimpleNamespace
from typing import Any

import pytest

from qingshe.accounts.tests.factories import UserFactory
from qingshe.needs import services
from qingshe.needs.models import ProjectGroup, ProjectMember
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

STATEMENT = "我会摄影和剪辑，想为社区做宣传。"


@pytest.fixture
def instructor(city: SimpleNamespace) -> Any:
    user = UserFactory(name="指导老师")
    MembershipFactory(user=user, org=city.department, role=Role.INSTRUCTOR)
    return user


@pytest.fixture
def group(city: SimpleNamespace, instructor: Any) -> ProjectGroup:
    return services.project_group_create(
        actor=city.secretary,
        owner=city.branch,
        name="社区宣传项目组",
        goal="为白沙社区运营公众号，每月推送四篇。",
        project_type="league_building",
        service_field="policy",
        instructor=instructor,
        responsibilities=["拍摄活动照片", "撰写推文", "剪辑短视频"],
    )


@pytest.fixture
def dept_group(city: SimpleNamespace) -> ProjectGroup:
    return services.project_group_create(
        actor=city.department_admin,
        owner=city.department,
        name="社会调查项目组",
        goal="调查社区居民需求并形成调研报告。",
        project_type="survey",
        service_field="governance",
    )


@pytest.fixture
def application(city: SimpleNamespace, group: ProjectGroup) -> ProjectMember:
    return services.project_join_apply(actor=city.student, group=group, statement=STATEMENT)


# --- needs (test_need_*.py) -------------------------------------------------------------------
@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Uploaded photos go to a temporary directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def panel(city: SimpleNamespace) -> Any:
    """A member of the community's evaluation panel (青年评议团)."""
    user = UserFactory(name="评议团成员")
    MembershipFactory(user=user, org=city.community, role=Role.PANEL_MEMBER)
    return user


@pytest.fixture
def neighbour(city: SimpleNamespace) -> Any:
    """A resident of the other community of the same street."""
    user = UserFactory(name="富华居民")
    MembershipFactory(user=user, org=city.community2, role=Role.RESIDENT)
    return user
