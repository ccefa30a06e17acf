"""Verification by the community's evaluation panel, residents' one-tap rating by signed link,
'not solved' reopens; only verified needs count as solved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.models import Notification
from qingshe.council import selectors, services
from qingshe.council.models import RatingInvite, Verification
from qingshe.needs import services as need_services
from qingshe.needs.models import Need
from qingshe.needs.tests.needs_support import reported_done

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(council):
    need = reported_done(council)
    need_services.need_follow(actor=council.resident2, need=need)
    return need


def _token(need, user):
    return services.rating_token(RatingInvite.objects.get(need=need, user=user))


def test_panel_verifies_and_residents_get_links(council, done, django_capture_on_commit_callbacks):
    c = council
    with django_capture_on_commit_callbacks(execute=True):
        v = services.council_verify(actor=c.panel, need=done, evidence="上门查看，老人已会用。")
    done.refresh_from_db()
    assert done.state == Need.State.VERIFIED and v.outcome == Verification.Outcome.VERIFIED
    assert set(RatingInvite.objects.values_list("user_id", flat=True)) == {
        c.resident.pk,
        c.resident2.pk,
    }
    note = Notification.objects.get(user=c.resident2, kind="council.rate")
    assert note.url.startswith("/council/rate/")


def test_panel_of_another_community_is_refused(council, done):
    c = council
    for outsider in (c.other_panel, c.member, c.student):
        with pytest.raises(AccessDenied):
            services.council_verify(actor=outsider, need=done, evidence="看过了")
    done.refresh_from_db()
    assert done.state == Need.State.CLAIMED_DONE and not Verification.objects.exists()


def test_evidence_required_and_send_back(council, done):
    c = council
    with pytest.raises(ValidationFailed) as exc:
        services.council_verify(actor=c.panel, need=done, evidence="  ")
    assert exc.value.field == "evidence"
    services.council_send_back(actor=c.panel, need=done, reason="还没教会挂号")
    done.refresh_from_db()
    assert done.state == Need.State.IN_PROGRESS


def test_rating_once_and_not_solved_reopens(council, done, django_capture_on_commit_callbacks):
    c = council
    services.council_verify(actor=c.panel, need=done, evidence="上门查看。")
    services.rating_submit(token=_token(done, c.resident2), outcome="solved", stars=5)
    with pytest.raises(Conflict) as exc:
        services.rating_submit(token=_token(done, c.resident2), outcome="not_solved", stars=1)
    assert exc.value.code == "link_used"
    with django_capture_on_commit_callbacks(execute=True):
        services.rating_submit(
            token=_token(done, c.resident), outcome="not_solved", stars=1, comment="还是不会"
        )
    done.refresh_from_db()
    assert done.state == Need.State.IN_PROGRESS
    assert Notification.objects.filter(user=c.student, kind="need.reopened").exists()  # the team


def test_expired_forged_and_bad_ratings_write_nothing(council, done):
    c = council
    services.council_verify(actor=c.panel, need=done, evidence="上门查看。")
    token = _token(done, c.resident)
    with pytest.raises(Conflict) as exc:
        services.rating_submit(
            token=token, outcome="solved", stars=5, now=timezone.now() + timedelta(days=15)
        )
    assert exc.value.code == "link_expired"
    with pytest.raises(NotFound):
        services.rating_submit(token=token[:-2] + "xx", outcome="solved", stars=5)
    with pytest.raises(ValidationFailed):
        services.rating_submit(token=token, outcome="solved", stars=6)
    with pytest.raises(ValidationFailed):
        services.rating_submit(token=token, outcome="great", stars=4)
    assert not RatingInvite.objects.filter(used_at__isnull=False).exists()


def test_only_verified_counts_as_solved(council, done):
    c = council
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    assert (
        selectors.solved_count(community=c.community, start=start, end=end) == 0
    )  # reported done only
    services.council_verify(actor=c.panel, need=done, evidence="上门查看。")
    assert selectors.solved_count(community=c.community, start=start, end=end) == 1
