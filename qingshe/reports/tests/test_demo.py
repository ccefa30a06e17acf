"""The demo's typical cases: every state for the department admin's login, featured cases of
other departments for the public page, five photos of at least 1 MB each, dated on the demo's
calendar; the reset removes the cases and their files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qingshe.demo.builder import build_demo, reset_demo
from qingshe.orgs.models import Membership, Role
from qingshe.reports import selectors
from qingshe.reports.models import CasePhoto, TypicalCase
from qingshe.reports.tests.conftest import MB, stored_files

TODAY = date(2026, 11, 22)


@pytest.mark.django_db
def test_demo_cases_in_every_state(media_root: Path) -> None:
    timings: list[str] = []
    ctx = build_demo(seed=2026, size=0.2, today=TODAY, log=timings.append)
    admin = ctx.logins["department_admin"]
    department = Membership.objects.get(user=admin, role=Role.DEPARTMENT_ADMIN).org
    own = TypicalCase.objects.filter(department=department)
    assert set(own.values_list("state", flat=True)) == set(TypicalCase.State.values)
    assert own.get(state=TypicalCase.State.RETURNED).review_note
    featured = selectors.featured_cases()
    assert featured.count() >= 2 and featured.exclude(department=department).exists()
    for case in TypicalCase.objects.prefetch_related("photos"):
        assert case.submitted_at is not None
        assert case.submitted_at.date() <= TODAY and case.created_at == case.submitted_at
        assert len(case.text) >= case.programme.case_min_chars
        photos = list(case.photos.all())
        assert len(photos) == 5 and all(p.size >= MB for p in photos)
        assert all(Path(p.file.path).is_file() and Path(p.thumbnail.path).is_file() for p in photos)
    # The logins see them: the league's inbox, the department's own list.
    league = ctx.logins["league_admin"]
    assert selectors.cases_to_review(user=league).filter(department=department).count() == 1
    assert selectors.case_list_for_user(user=admin).count() == 4
    assert any("cases" in line for line in timings)

    reset_demo()
    assert not TypicalCase.objects.exists() and not CasePhoto.objects.exists()
    assert stored_files(media_root / "cases") == []
