"""Demo step 'council': the logins' community has a monthly list sent to the council, a closed
meeting with resolutions, and a work feedback form; removed by the reset."""

from datetime import date

import pytest

from qingshe.council.models import FeedbackForm, Meeting, MonthlyList, Resolution, Verification
from qingshe.demo.builder import build_demo, reset_demo
from qingshe.demo.steps import STEPS


@pytest.mark.django_db
def test_demo_council() -> None:
    names = [s.name for s in STEPS]
    upto = STEPS[: names.index("council") + 1]
    ctx = build_demo(seed=2026, size=0.2, today=date(2026, 11, 22), log=lambda _l: None, steps=upto)
    community = ctx.extra["login_community"]
    mlist = MonthlyList.objects.get(community=community)
    assert mlist.state == MonthlyList.State.FINAL and mlist.items.exists()
    meeting = Meeting.objects.get(community=community)
    assert meeting.state == Meeting.State.CLOSED and meeting.attendees.count() == 3
    assert Resolution.objects.filter(meeting=meeting).exists()
    assert FeedbackForm.objects.filter(pairing__community=community).exists()
    verified = Verification.objects.filter(need__community=community).first()
    assert verified is not None and verified.invites.filter(used_at__isnull=False).exists()
    reset_demo(steps=upto)
    assert not MonthlyList.objects.exists() and not Meeting.objects.exists()
