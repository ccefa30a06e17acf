"""The demo's project groups: members in every state, the logins' rows, removed by the reset."""

from datetime import date

import pytest

from qingshe.demo.builder import build_demo, reset_demo
from qingshe.needs import selectors
from qingshe.needs.models import ProjectGroup, ProjectMember

TODAY = date(2026, 11, 22)


@pytest.mark.django_db
def test_demo_project_groups() -> None:
    ctx = build_demo(seed=2026, size=0.2, today=TODAY, log=lambda _line: None)
    assert ProjectGroup.objects.filter(owner__kind="department_committee").exists()
    assert ProjectGroup.objects.filter(owner__kind="class_branch").exists()
    states = set(ProjectMember.objects.values_list("state", flat=True))
    assert states == {"applied", "accepted", "declined", "left"}
    assert ProjectMember.objects.filter(role="leader").exists()
    student = ctx.logins["student"]
    mine = dict(
        ProjectMember.objects.filter(user=student).values_list("state", "group__owner__kind")
    )
    assert mine == {"accepted": "class_branch", "applied": "department_committee"}
    assert selectors.applications_waiting_for(user=ctx.logins["branch_secretary"]).exists()
    assert selectors.applications_waiting_for(user=ctx.logins["department_admin"]).exists()
    reset_demo()
    assert not ProjectGroup.objects.exists()
