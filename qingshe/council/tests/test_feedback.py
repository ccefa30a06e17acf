"""Monthly work feedback forms: filed by the pairing's branch secretary once the month has
ended, confirmed or returned by the community, missing/late ones on the compliance page."""

from __future__ import annotations

from datetime import date

import pytest

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.council import services
from qingshe.council.models import FeedbackForm
from qingshe.council.tests.conftest import local
from qingshe.programmes import services as programme_services
from qingshe.programmes.models import Pairing
from qingshe.programmes.selectors import compliance_for_user

pytestmark = pytest.mark.django_db
DATA = {
    "activities_held": 3,
    "people_involved": 12,
    "hours": "18.5",
    "solved": "清理楼道堆物",
    "problems": "周末社区不开门",
    "next_plan": "开展防诈骗宣传",
}


@pytest.fixture
def pairing(city):
    programme = programme_services.programme_create(
        actor=city.league_admin,
        owner=city.city,
        name="大学生社区实践计划",
        year=2026,
        scope=[city.university, city.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    return Pairing.objects.create(
        programme=programme,
        unit=city.branch,
        community=city.community,
        state=Pairing.State.ACTIVE,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 6, 30),
        started_at=local(2026, 9, 10, 9),
    )


def test_file_confirm_and_return(city, pairing):
    c = city
    form = services.feedback_file(
        actor=c.secretary, pairing=pairing, year=2026, month=10, now=local(2026, 11, 3, 9), **DATA
    )
    assert (
        form.state == FeedbackForm.State.SUBMITTED
        and not form.is_late
        and str(form.hours) == "18.5"
    )
    services.feedback_return(actor=c.staff, form=form, comments="请补充参与人数明细")
    form = services.feedback_file(
        actor=c.secretary,
        pairing=pairing,
        year=2026,
        month=10,
        now=local(2026, 11, 7, 9),
        **{**DATA, "people_involved": 14},
    )
    # Lateness is that of the first filing: a form returned for corrections is not late for it.
    assert (
        form.state == FeedbackForm.State.SUBMITTED
        and not form.is_late
        and form.people_involved == 14
    )
    services.feedback_confirm(actor=c.staff, form=form)
    form.refresh_from_db()
    assert form.state == FeedbackForm.State.CONFIRMED and form.decided_by == c.staff
    with pytest.raises(Conflict):
        services.feedback_confirm(actor=c.staff, form=form)


def test_bad_input_writes_nothing(city, pairing):
    c = city
    with pytest.raises(ValidationFailed) as exc:
        services.feedback_file(
            actor=c.secretary,
            pairing=pairing,
            year=2026,
            month=11,
            now=local(2026, 11, 30, 23, 59),
            **DATA,
        )
    assert exc.value.code == "month_not_ended"
    services.feedback_file(
        actor=c.secretary,
        pairing=pairing,
        year=2026,
        month=10,
        now=local(2026, 11, 1, 0, 0),
        **DATA,
    )
    with pytest.raises(Conflict) as exc:
        services.feedback_file(
            actor=c.secretary,
            pairing=pairing,
            year=2026,
            month=10,
            now=local(2026, 11, 2, 9),
            **DATA,
        )
    assert exc.value.code == "already_filed"
    for bad in ({"hours": "很多"}, {"activities_held": -1}, {"next_plan": " "}):
        with pytest.raises(ValidationFailed):
            services.feedback_file(
                actor=c.secretary,
                pairing=pairing,
                year=2026,
                month=9,
                now=local(2026, 11, 2, 9),
                **{**DATA, **bad},
            )
    assert FeedbackForm.objects.count() == 1


def test_permissions(city, pairing):
    c = city
    for outsider in (c.student, c.staff, c.department_admin):
        with pytest.raises(AccessDenied):
            services.feedback_file(
                actor=outsider,
                pairing=pairing,
                year=2026,
                month=10,
                now=local(2026, 11, 3, 9),
                **DATA,
            )
    form = services.feedback_file(
        actor=c.secretary, pairing=pairing, year=2026, month=10, now=local(2026, 11, 3, 9), **DATA
    )
    for outsider in (c.secretary, c.other_staff, c.resident):
        with pytest.raises(AccessDenied):
            services.feedback_confirm(actor=outsider, form=form)


def test_missing_and_late_forms_on_the_compliance_page(city, pairing):
    c = city
    result = compliance_for_user(user=c.league_admin, programme=pairing.programme, month=(2026, 10))
    assert [(i.pairing, i.missing) for i in result.feedback_issues] == [(pairing, True)]
    services.feedback_file(
        actor=c.secretary,
        pairing=pairing,
        year=2026,
        month=10,
        now=local(2026, 11, 6, 0, 1),
        **DATA,
    )
    result = compliance_for_user(user=c.league_admin, programme=pairing.programme, month=(2026, 10))
    assert [(i.pairing, i.missing) for i in result.feedback_issues] == [(pairing, False)]  # late
    services.feedback_file(
        actor=c.secretary,
        pairing=pairing,
        year=2026,
        month=9,
        now=local(2026, 10, 5, 23, 59),
        **DATA,
    )
    assert (
        compliance_for_user(
            user=c.league_admin, programme=pairing.programme, month=(2026, 9)
        ).feedback_issues
        == []
    )


def test_monthly_scores_and_rankings(city, pairing):
    from qingshe.council.selectors_scores import monthly_scores

    c = city
    services.feedback_file(
        actor=c.secretary, pairing=pairing, year=2026, month=10, now=local(2026, 11, 3, 9), **DATA
    )
    form = FeedbackForm.objects.get()
    services.feedback_confirm(actor=c.staff, form=form)
    services.evaluation_submit(
        actor=c.student, kind="self", subject_org=c.branch, score=4, now=local(2026, 10, 20, 9)
    )
    services.evaluation_submit(
        actor=c.resident,
        kind="resident",
        subject_org=c.branch,
        community=c.community,
        score=5,
        now=local(2026, 10, 21, 9),
    )
    services.evaluation_submit(
        actor=c.student2,
        kind="self",
        subject_org=c.branch2,
        score=5,
        now=local(2026, 10, 31, 23, 59),
    )
    services.evaluation_submit(
        actor=c.student2, kind="self", subject_org=c.branch2, score=1, now=local(2026, 11, 1, 0, 0)
    )  # November: not counted in October
    scores = {s.org: s for s in monthly_scores(user=c.department_admin, year=2026, month=10)}
    # branch: 4.5/5 x 70 + 30 (confirmed) = 93.0; branch2 (no pairing): 5/5 x 100 = 100.0
    assert str(scores[c.branch].score) == "93.0" and str(scores[c.branch2].score) == "100.0"
    assert scores[c.branch2].rank_in_department == 1 and scores[c.branch].rank_in_department == 2
    assert monthly_scores(user=c.student, year=2026, month=10) == []


def test_missing_form_is_chased_once_a_day(city, pairing, django_capture_on_commit_callbacks):
    from qingshe.core.models import Notification
    from qingshe.council.tasks import chase_feedback_forms

    with django_capture_on_commit_callbacks(execute=True):
        assert chase_feedback_forms.enqueue(today_iso="2026-11-03").return_value == {"reminded": 1}
    assert (
        Notification.objects.get(user=city.secretary).url == f"/council/feedback/new/{pairing.pk}/"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert chase_feedback_forms.enqueue(today_iso="2026-11-03").return_value == {"reminded": 0}
    services.feedback_file(
        actor=city.secretary,
        pairing=pairing,
        year=2026,
        month=10,
        now=local(2026, 11, 4, 9),
        **DATA,
    )
    assert chase_feedback_forms.enqueue(today_iso="2026-11-04").return_value == {"reminded": 0}


def test_compliance_api_lists_missing_forms(city, pairing):
    from qingshe.api.tests.utils import api_client

    body = (
        api_client(city.league_admin)
        .api_get(f"/programmes/{pairing.programme_id}/compliance", {"month": "2026-10"})
        .json()
    )
    assert [
        (i["pairing"]["pairing_id"], i["missing"], i["filed_at"]) for i in body["feedback_issues"]
    ] == [(pairing.pk, True, None)]
