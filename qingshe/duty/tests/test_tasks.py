"""Duty's periodic tasks and `qingshe duty-tick`: reminders once per sign-up and kind, to the
right people; forgotten check-outs closed; confirmations chased once a day."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from qingshe.core.models import Notification
from qingshe.duty import qr, services, tasks
from qingshe.duty.hours import confirmation_due
from qingshe.duty.models import Attendance, SignUp
from qingshe.duty.tests.conftest import at

VENUE = {"lat": 26.2655, "lng": 117.6390}


@pytest.fixture(autouse=True)
def chinese():  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"):
        yield


def _token(d, minutes):  # type: ignore[no-untyped-def]
    return qr.make_token(
        shift_id=d.shift.pk, shift_secret=d.shift.qr_secret, now=at(d, minutes).timestamp()
    )


def _signed_up(city, duty):  # type: ignore[no-untyped-def]
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    services.shift_sign_up(actor=city.student2, shift=duty.shift)
    services.shift_sign_up(actor=city.secretary, shift=duty.shift)  # waitlisted: no reminder


def _run(task, django_capture_on_commit_callbacks, **kwargs):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return task.enqueue(**kwargs).return_value


# --- reminders ----------------------------------------------------------------------------------
def test_reminders_a_day_and_an_hour_before_once_each(
    city, duty, django_capture_on_commit_callbacks
) -> None:
    _signed_up(city, duty)
    remind = tasks.send_shift_reminders
    # Two days before: nothing yet.
    assert (
        _run(remind, django_capture_on_commit_callbacks, now_iso=at(duty, -48 * 60).isoformat())[
            "reminders"
        ]
        == 0
    )
    # 23 h before, then the next ticks: the day reminder once.
    for minutes in (-23 * 60, -23 * 60 + 10, -22 * 60):
        _run(remind, django_capture_on_commit_callbacks, now_iso=at(duty, minutes).isoformat())
    day = Notification.objects.filter(kind=tasks.REMIND_DAY)
    assert sorted(day.values_list("user__name", flat=True)) == sorted(
        [city.student.name, city.student2.name]
    )
    assert day.first().url == f"/duty/shifts/{duty.shift.pk}/"
    assert "敬老院陪伴" in day.first().title and "09:00" in day.first().title
    # 50 and 40 minutes before: the hour reminder once.
    for minutes in (-50, -40):
        _run(remind, django_capture_on_commit_callbacks, now_iso=at(duty, minutes).isoformat())
    assert Notification.objects.filter(kind=tasks.REMIND_HOUR).count() == 2
    assert Notification.objects.filter(kind=tasks.REMIND_DAY).count() == 2
    assert not Notification.objects.filter(
        user=city.secretary, kind__startswith="duty.reminder"
    ).exists()
    # After the start: nothing more.
    assert (
        _run(remind, django_capture_on_commit_callbacks, now_iso=at(duty, 5).isoformat())[
            "reminders"
        ]
        == 0
    )


def test_reminder_in_the_recipients_language(
    city, duty, django_capture_on_commit_callbacks
) -> None:
    city.student.language = "en"
    city.student.save(update_fields=["language"])
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    _run(
        tasks.send_shift_reminders,
        django_capture_on_commit_callbacks,
        now_iso=at(duty, -30).isoformat(),
    )
    note = Notification.objects.get(user=city.student)
    assert note.title.startswith("In an hour: 敬老院陪伴")


def test_no_reminder_for_cancelled_signups_or_activities(
    city, duty, django_capture_on_commit_callbacks
) -> None:
    _signed_up(city, duty)
    services.shift_cancel(actor=city.student, signup=SignUp.objects.get(user=city.student))
    _run(
        tasks.send_shift_reminders,
        django_capture_on_commit_callbacks,
        now_iso=at(duty, -30).isoformat(),
    )
    kinds = set(
        Notification.objects.filter(kind=tasks.REMIND_HOUR).values_list("user__name", flat=True)
    )
    # The waitlisted secretary was promoted into the freed place and is reminded; the student is not.
    assert kinds == {city.student2.name, city.secretary.name}
    services.activity_cancel(actor=city.staff, activity=duty.activity, reason="暴雨")
    Notification.objects.all().delete()
    assert (
        _run(
            tasks.send_shift_reminders,
            django_capture_on_commit_callbacks,
            now_iso=at(duty, -20).isoformat(),
        )["reminders"]
        == 0
    )


# --- forgotten check-outs -----------------------------------------------------------------------
def test_close_forgotten_checkouts(city, duty) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    services.checkin(actor=city.student, token=_token(duty, 0), now=at(duty, 0), **VENUE)
    assert tasks.close_forgotten_checkouts.enqueue(
        now_iso=at(duty, 60).isoformat()
    ).return_value == {"closed": 0}
    assert tasks.close_forgotten_checkouts.enqueue(
        now_iso=at(duty, 5 * 60).isoformat()
    ).return_value == {"closed": 1}
    attendance = Attendance.objects.get()
    assert attendance.auto_checkout and attendance.checkout_at == at(duty, 120)
    assert attendance.state == Attendance.State.PENDING
    assert tasks.close_forgotten_checkouts.enqueue(
        now_iso=at(duty, 6 * 60).isoformat()
    ).return_value == {"closed": 0}


# --- chasing confirmations ----------------------------------------------------------------------
def _pending(city, duty):  # type: ignore[no-untyped-def]
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    services.checkin(actor=city.student, token=_token(duty, 0), now=at(duty, 0), **VENUE)
    return services.checkout(actor=city.student, token=_token(duty, 120), now=at(duty, 120))


def test_chase_confirmations_once_a_day_to_the_confirmers(
    city, duty, django_capture_on_commit_callbacks
) -> None:
    _pending(city, duty)
    due = confirmation_due(duty.day)
    chase = tasks.chase_confirmations
    # Long before the deadline: nothing.
    assert (
        _run(chase, django_capture_on_commit_callbacks, today_iso=duty.day.isoformat())[
            "notifications"
        ]
        == 0
    )
    # Three working days before it (or fewer): the community's staff, once that day.
    soon = due - timedelta(days=1)
    assert (
        _run(chase, django_capture_on_commit_callbacks, today_iso=soon.isoformat())["notifications"]
        == 1
    )
    assert (
        _run(chase, django_capture_on_commit_callbacks, today_iso=soon.isoformat())["notifications"]
        == 0
    )
    note = Notification.objects.get(kind=tasks.chase_kind(soon))
    assert note.user == city.staff and note.url == f"/duty/confirm/?org={city.community.pk}"
    assert "白沙社区" in note.title and due.isoformat() in note.body
    # Next day: again (a daily chase).
    assert (
        _run(chase, django_capture_on_commit_callbacks, today_iso=due.isoformat())["notifications"]
        == 1
    )
    # Overdue: the staff and the league committee above (who alone may confirm it now).
    late = due + timedelta(days=1)
    _run(chase, django_capture_on_commit_callbacks, today_iso=late.isoformat())
    told = set(
        Notification.objects.filter(kind=tasks.chase_kind(late)).values_list("user_id", flat=True)
    )
    assert told == {city.staff.pk, city.league_admin.pk, city.district_admin.pk}
    assert city.other_staff.pk not in told
    overdue_note = Notification.objects.get(kind=tasks.chase_kind(late), user=city.league_admin)
    assert "逾期" in overdue_note.title


def test_chase_skips_confirmed(city, duty, django_capture_on_commit_callbacks) -> None:
    attendance = _pending(city, duty)
    services.attendance_confirm(actor=city.staff, attendance=attendance)
    late = confirmation_due(duty.day) + timedelta(days=1)
    assert (
        _run(
            tasks.chase_confirmations,
            django_capture_on_commit_callbacks,
            today_iso=late.isoformat(),
        )["notifications"]
        == 0
    )


# --- the command --------------------------------------------------------------------------------
def test_duty_tick_runs_all_three(city, duty, django_capture_on_commit_callbacks) -> None:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("duty-tick", "--now", at(duty, -30).isoformat(), stdout=out)
    text = out.getvalue()
    assert "reminders" in text and "checkouts" in text and "confirmations" in text
    assert Notification.objects.filter(user=city.student, kind=tasks.REMIND_HOUR).count() == 1


def test_duty_tick_rejects_a_bad_time(db) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("duty-tick", "--now", "yesterday")
