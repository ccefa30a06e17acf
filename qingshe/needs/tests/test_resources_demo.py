"""The demo's resource list, bounties in every state of a claim, and tasks in every state; the
logins have something to see; removed by the reset; the step is fast."""

from datetime import date

import pytest

from qingshe.demo.builder import build_demo, reset_demo
from qingshe.demo.steps import STEPS
from qingshe.needs import selectors
from qingshe.needs.models import BountyClaim, Need, ProjectTask, Resource

TODAY = date(2026, 11, 22)


@pytest.mark.django_db
def test_demo_resources_bounties_and_tasks() -> None:
    ctx = build_demo(seed=2026, size=0.2, today=TODAY, log=lambda _line: None)
    kinds = set(Resource.objects.values_list("kind", flat=True))
    assert kinds == set(Resource.Kind.values)
    assert Resource.objects.filter(state="withdrawn").exists()
    assert Resource.objects.filter(groups__isnull=False).exists()
    owners = set(Resource.objects.values_list("owner__kind", flat=True))
    assert owners == {"partner", "university_committee", "department_committee"}
    # Bounties: open, claimed, under way, reported done, carried out; a claim history.
    bounty_states = set(Need.objects.filter(is_bounty=True).values_list("state", flat=True))
    assert {"accepted", "claimed", "in_progress", "claimed_done", "closed"} <= bounty_states
    assert set(BountyClaim.objects.values_list("state", flat=True)) == {
        "active",
        "withdrawn",
        "done",
    }
    assert BountyClaim.objects.filter(state="active", assigned_group__isnull=False).exists()
    reopened = Need.objects.filter(is_bounty=True, state="accepted", claims__state="withdrawn")
    assert reopened.exists()
    assert Need.objects.filter(claims__state="withdrawn").filter(claims__state="active").exists()
    assert set(ProjectTask.objects.values_list("state", flat=True)) == set(ProjectTask.State.values)
    # The logins have something to see.
    partner, uni, student = (
        ctx.logins[k] for k in ("partner_contact", "university_admin", "student")
    )
    mine = selectors.resource_list_for_user(user=partner, mine=True, state="")
    assert mine.filter(state="available").exists() and mine.filter(state="withdrawn").exists()
    assert selectors.open_bounties_for(user=uni).exists()
    assert selectors.bounty_board_for_user(
        user=ctx.logins["community_staff"], status="taken"
    ).exists()
    assert ProjectTask.objects.filter(assignee=student, state="doing").exists()
    reset_demo()
    assert not Resource.objects.exists() and not BountyClaim.objects.exists()
    assert not ProjectTask.objects.exists()


def _seconds(lines: list[str], step: str) -> float:
    row = next(line for line in lines if line.split() and line.split()[0] == step)
    return float(row.split()[1])


@pytest.mark.django_db
def test_demo_resources_step_is_fast() -> None:
    """At size 1 the step adds at most 2 s (the steps after it are not needed to measure it)."""
    lines: list[str] = []
    names = [s.name for s in STEPS]
    build_demo(
        seed=7, size=1.0, today=TODAY, log=lines.append, steps=STEPS[: names.index("resources") + 1]
    )
    assert _seconds(lines, "resources") <= 2.0, lines
