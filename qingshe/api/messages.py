"""The API's own user-visible messages, in one place so that qingshe/api/locale translates them.

Msgids are English; the zh_Hans catalog is in qingshe/api/locale. Everything here is lazy and
is rendered in the request's language (LocaleMiddleware, from Accept-Language; zh-hans default).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

# --- errors -------------------------------------------------------------------------------------
NOT_AUTHENTICATED = _("Please log in, or send a valid bearer token (Authorization: Bearer …).")
INVALID_CREDENTIALS = _("The login or the password is wrong.")
LOCKED_OUT = _(
    "Too many failed logins. This login is locked for %(minutes)s minutes; try again later."
)
CSRF_FAILED = _("The security check (CSRF token) failed; reload the page and try again.")
FORBIDDEN = _("You may not do this.")
NOT_FOUND = _("Not found.")
BAD_REQUEST = _("The request could not be understood.")
METHOD_NOT_ALLOWED = _("This method is not allowed here.")
THROTTLED = _("Too many requests; please slow down and try again later.")
TOO_LARGE = _("The request is too large: at most %(mb)s MB. Send less at once.")
SERVER_ERROR = _(
    "Something went wrong on our side. The error has been logged; please try again later."
)
INVALID_INPUT = _("Please check these fields: %(fields)s.")
INVALID_INPUT_GENERIC = _("The request's data is not valid.")
FIELD_PROBLEM = _("%(field)s (%(problem)s)")
LIST_SEPARATOR = _("; ")
REQUEST_BODY = _("request body")

# Why a field is invalid, by pydantic error type. Unknown types fall back to INVALID.
PROBLEM_MISSING = _("required")
PROBLEM_INT = _("must be a whole number")
PROBLEM_NUMBER = _("must be a number")
PROBLEM_BOOL = _("must be true or false")
PROBLEM_STRING = _("must be text")
PROBLEM_DATE = _("must be a date (YYYY-MM-DD)")
PROBLEM_DATETIME = _("must be a date and time (ISO 8601)")
PROBLEM_MIN = _("must be at least %(limit)s")
PROBLEM_MAX = _("must be at most %(limit)s")
PROBLEM_ABOVE = _("must be greater than %(limit)s")
PROBLEM_BELOW = _("must be less than %(limit)s")
PROBLEM_TOO_SHORT = _("is too short")
PROBLEM_TOO_LONG = _("is too long")
PROBLEM_CHOICE = _("is not one of the allowed values")
PROBLEM_JSON = _("is not valid JSON")
PROBLEM_LIST = _("must be a list")
PROBLEM_OBJECT = _("must be an object")
INVALID = _("is invalid")

# Human names of the query and body fields that the foundation's endpoints take.
FIELD_LABELS = {
    "page": _("page number"),
    "page_size": _("page size"),
    "login": _("login (mobile number or username)"),
    "password": _("password"),
    "q": _("search text"),
    "kind": _("kind of organisation"),
    "parent": _("parent organisation"),
    "role": _("role"),
    "id": _("ID"),
    "org_id": _("organisation ID"),
}

# --- API description (OpenAPI) ------------------------------------------------------------------
# OpenAPI documents are in English (like the identifiers); not translated.
API_DESCRIPTION = (
    "JSON API of 青社 Qingshe. Authenticate with `POST /auth/token` and send "
    "`Authorization: Bearer <token>`, or use the browser session (with the CSRF token for "
    "writes). Every list takes `page` and `page_size` (default 20, at most 200) and answers "
    '`{"items": [...], "count": N}`. Every error answers `{"detail": "<message in the '
    'request\'s language>", "code": "<stable code>"}` (plus `field` when one field is at fault).'
)

# --- labels and messages that live in other apps ------------------------------------------------
# The organisation kinds, roles, post kinds and the "not found" messages of the foundation's
# selectors reach API clients as text. Until accounts/ and orgs/ ship their own catalogs, this one
# translates the same msgids; an app's own catalog takes precedence (it comes first in
# INSTALLED_APPS). gettext_noop: makemessages extracts them, nothing is evaluated here.
_SHARED_MSGIDS = (
    gettext_noop("City league committee"),
    gettext_noop("District league committee"),
    gettext_noop("University league committee"),
    gettext_noop("Department league committee"),
    gettext_noop("Class league branch"),
    gettext_noop("Street"),
    gettext_noop("Community"),
    gettext_noop("Residential area"),
    gettext_noop("Grid"),
    gettext_noop("Partner unit"),
    gettext_noop("Volunteer team / youth association"),
    gettext_noop("League committee admin"),
    gettext_noop("University league admin"),
    gettext_noop("Department league admin"),
    gettext_noop("Branch secretary"),
    gettext_noop("Student member"),
    gettext_noop("Community staff"),
    gettext_noop("Community league secretary"),
    gettext_noop("Resident"),
    gettext_noop("Partner contact"),
    gettext_noop("Youth council member"),
    gettext_noop("Evaluation panel member"),
    gettext_noop("Instructor"),
    gettext_noop("Assistant to the community director"),
    gettext_noop("Deputy secretary of the community league branch"),
    gettext_noop("Grid group leader"),
    gettext_noop("Project group leader"),
    gettext_noop("Other post"),
    gettext_noop("Male"),
    gettext_noop("Female"),
    gettext_noop("No such organisation."),
    gettext_noop("No such person."),
)

# --- programmes, applications, pairings (qingshe/programmes/api.py) -----------------------------
INVALID_MONTH = _("Enter the month as YYYY-MM, for example 2026-10.")
ORG_NOT_FOUND = _("No such organisation.")
FIELD_LABELS.update(
    {
        "year": _("year"),
        "name": _("name"),
        "owner": _("league committee"),
        "scope": _("organisations in scope"),
        "pairing_deadline": _("pairing deadline"),
        "start_deadline": _("start deadline"),
        "case_deadline": _("typical case deadline"),
        "branch_quota_pct": _("branch quota (%)"),
        "student_quota_pct": _("student quota (%)"),
        "min_regular_semesters": _("minimum regular duty (semesters)"),
        "min_concentrated_months": _("minimum concentrated duty (months)"),
        "min_services_per_month": _("minimum services per month"),
        "cases_per_department": _("typical cases per department"),
        "reminder_days": _("reminder days"),
        "under": _("organisation to drill down to"),
        "month": _("month"),
        "programme": _("programme"),
        "title": _("title"),
        "criteria": _("criteria"),
        "opens_at": _("opening time"),
        "closes_at": _("closing time"),
        "call": _("recruitment call"),
        "branch": _("class branch"),
        "statement": _("statement"),
        "other_honours": _("other honours"),
        "excellent_branch": _("excellent league branch"),
        "excellent_class": _("excellent class"),
        "excellent_cadre": _("excellent league cadre"),
        "state": _("state"),
        "waiting": _("waiting for me"),
        "reason": _("reason"),
        "unit": _("university side"),
        "community": _("community side"),
        "term_start": _("term from"),
        "term_end": _("term until"),
        "suggestion_reasons": _("reasons of the suggestion"),
        "side": _("side"),
        "held_on": _("held on"),
        "participants": _("participants"),
        "limit": _("suggestions per branch"),
    }
)
# Raised by programmes selectors added for the API; translated here too until the programmes
# catalog carries them (an app's own catalog takes precedence, as for _SHARED_MSGIDS).
_PROGRAMMES_MSGIDS = (
    gettext_noop("No such recruitment call."),
    gettext_noop("No such programme."),
    gettext_noop("No such application."),
    gettext_noop("No such pairing."),
    gettext_noop("Please give a reason."),
    gettext_noop("The term ends before it starts."),
    gettext_noop("These two already have a pairing in this programme."),
    gettext_noop("Applications to this call are accepted from %(start)s to %(end)s."),
    gettext_noop(
        "This pairing is %(state)s: its agreement and appointment letter exist only once it is "
        "approved."
    ),
)

# --- duty (qingshe/duty/api.py) ----------------------------------------------------------------
# Labels of the duty endpoints' fields (only those not labelled above).
FIELD_LABELS.update(
    {
        "organiser": _("organiser"),
        "mode": _("duty mode"),
        "remote_allowed": _("remote work allowed"),
        "lat": _("latitude"),
        "lng": _("longitude"),
        "checkin_radius_m": _("check-in radius (m)"),
        "required_courses": _("training required"),
        "requires_insurance": _("insurance required"),
        "starts_at": _("start"),
        "ends_at": _("end"),
        "capacity": _("places"),
        "min_people": _("minimum head count"),
        "leader": _("shift leader"),
        "cancel_cutoff_hours": _("cancel up to (hours before)"),
        "signup": _("sign-up"),
        "token": _("check-in code"),
        "user": _("person"),
        "checkin_at": _("check-in time"),
        "checkout_at": _("check-out time"),
        "start": _("start"),
        "end": _("end"),
        "log": _("work log"),
        "ids": _("attendance IDs"),
        "approve": _("decision"),
        "note": _("note"),
        "shift": _("shift"),
    }
)
# Messages of duty's services and selectors that the API answers, and the API's own; translated
# here until duty ships its own catalog (which then takes precedence, as for _SHARED_MSGIDS).
_DUTY_MSGIDS = (
    gettext_noop("This is not a valid check-in code."),
    gettext_noop("This code belongs to another shift."),
    gettext_noop("This code has expired; scan the code on the leader's screen again."),
    gettext_noop("You may not organise activities for this organisation."),
    gettext_noop("Please enter the activity's title."),
    gettext_noop("Choose a duty mode."),
    gettext_noop("Give both latitude and longitude, or neither."),
    gettext_noop("A check-in radius (20–5000 m) needs the venue's location."),
    gettext_noop("You may not change this activity."),
    gettext_noop("This activity was cancelled."),
    gettext_noop("A shift must end after it starts."),
    gettext_noop("A shift lasts at most 24 hours."),
    gettext_noop("A shift has 1 to 5000 places."),
    gettext_noop("The minimum head count is between 1 and the number of places."),
    gettext_noop("This activity is not open for sign-up."),
    gettext_noop("This shift has already started."),
    gettext_noop("You have already signed up for this shift."),
    gettext_noop("You may only cancel your own sign-up."),
    gettext_noop("Allow location access: this activity checks where you are."),
    gettext_noop("No such shift."),
    gettext_noop("This shift is over."),
    gettext_noop("You are not signed up for this shift."),
    gettext_noop("You have not checked in to this shift."),
    gettext_noop("Check-out cannot be before check-in."),
    gettext_noop("Only the shift's leader or the organiser can take the roll."),
    gettext_noop("This person is not signed up for this shift."),
    gettext_noop("The check-in time is outside the shift."),
    gettext_noop("This activity is not done remotely."),
    gettext_noop("Describe the work done (at least 10 characters)."),
    gettext_noop("The work period must end after it starts and last at most 24 hours."),
    gettext_noop("The work period is outside the shift."),
    gettext_noop("Your attendance for this shift is already recorded."),
    gettext_noop("The period must end after it starts."),
    gettext_noop("A period on duty lasts at most 24 hours."),
    gettext_noop("No such attendance."),
    gettext_noop(
        "Only the organiser's staff confirm attendance in time; the committee handles overdue ones."
    ),
    gettext_noop("This person has not checked out yet."),
    gettext_noop("Say why the times were adjusted."),
    gettext_noop("Confirmed attendance is changed by a correction request."),
    gettext_noop("Only confirmed attendance is corrected; before that the confirmer adjusts it."),
    gettext_noop("A correction of this attendance is already waiting for a decision."),
    gettext_noop("No such correction request."),
    gettext_noop("This request has already been decided."),
    gettext_noop("You may not record training for this course."),
    gettext_noop("Training cannot be recorded before it happens."),
    gettext_noop("You may not record insurance for this organisation."),
    gettext_noop("Enter the insurer and the policy number."),
    gettext_noop("The policy ends before it starts."),
    gettext_noop("This policy is already recorded."),
    gettext_noop("You may not offer training for this organisation."),
    gettext_noop("Please enter the course's name."),
    gettext_noop("Choose a topic."),
    gettext_noop("A course is valid for 1 to 120 months."),
    gettext_noop("A volunteer under 18 needs a guardian's consent on file."),
    gettext_noop("You are already signed up for %(title)s at %(time)s, which overlaps this shift."),
    gettext_noop("Sign-ups can be cancelled until %(time)s; please tell the shift leader instead."),
    gettext_noop("You are about %(distance)d m from the venue; check in within %(radius)d m."),
    gettext_noop("Check-in opens 30 minutes before the shift (%(time)s)."),
    gettext_noop("This period overlaps hours already credited for %(title)s (%(time)s)."),
    gettext_noop(
        "Attendance must be confirmed within 10 working days (by %(due)s); ask the league committee."
    ),
    gettext_noop("This attendance is already confirmed."),
    gettext_noop("Say why the request is refused."),
    gettext_noop("Cancelled: %(title)s"),
    gettext_noop("Training required first: %(courses)s."),
    gettext_noop("No accident insurance covers you on %(day)s."),
    gettext_noop("A place freed up: you are now signed up for %(title)s at %(time)s"),
    gettext_noop("%(name)s asks to correct the hours of %(title)s"),
    gettext_noop("Your correction was approved"),
    gettext_noop("Your correction was refused"),
    gettext_noop("No such activity."),
    gettext_noop("No such course."),
    gettext_noop("No such sign-up."),
    gettext_noop("My shifts · Qingshe"),
)
# Messages of duty's tasks (qingshe/duty/tasks.py): reminders and the chase of confirmations.
_DUTY_TASK_MSGIDS = (
    gettext_noop("In an hour: %(title)s at %(time)s"),
    gettext_noop("Tomorrow: %(title)s at %(time)s"),
    gettext_noop(
        "Check in with the code on the leader's screen; if you cannot come, cancel or tell the leader."
    ),
    gettext_noop(" (%(n)d overdue)"),
    gettext_noop("%(title)s (%(time)s): %(n)d, overdue since %(due)s"),
    gettext_noop("%(title)s (%(time)s): %(n)d, confirm by %(due)s"),
)
_DUTY_TASK_PLURALS = (
    ngettext_lazy(
        "%(org)s: %(n)d attendance awaits your confirmation",
        "%(org)s: %(n)d attendances await your confirmation",
        "n",
    ),
)
