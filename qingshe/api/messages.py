"""The API's own user-visible messages, in one place so that qingshe/api/locale translates them.

Msgids are English; the zh_Hans catalog is in qingshe/api/locale. Everything here is lazy and
is rendered in the request's language (LocaleMiddleware, from Accept-Language; zh-hans default).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

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
