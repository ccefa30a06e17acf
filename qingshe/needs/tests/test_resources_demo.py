"""The demo's resource list, bounties in every state of a claim, and tasks in every state; the
logins have something to see; removed by the reset; the step is fast."""

from datetime import date

import pytest

from qingshe.demo.builder import build_demo, reset_demo
from qingshe.demo.testing import statements_of_step
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


@pytest.mark.django_db
def test_demo_resources_step_is_fast() -> None:
    """At size 1 the step stays within a fixed number of database statements (750 when this was
    written, SQLite and PostgreSQL alike): counted, not timed, so that a slower machine cannot
    fail it; the steps after it are not built."""
    count = statements_of_step("resources", seed=7, size=1.0, today=TODAY)
    assert count <= 900, count
    assert Resource.objects.exists()
