"""What every app holds about one person: the one place where each app registers a section.

A section has two small functions:

* `collect(user) -> Table`: the rows shown in 我的数据 and written to the JSON / Excel download;
* `erase(user, ctx) -> dict[str, int]`: what a carried-out deletion request does to that app's
  rows (counts per kind, no personal data), called inside the deletion transaction.

Volunteer records (hours ledger, attendance, sign-ups, certificates, honours) are kept for 10 years
(志愿服务记录 must be kept): their `erase` de-identifies instead of deleting. Everything else that
is only about the person is deleted. Models are looked up by label (apps.get_model) so that this
module imports no other app at load time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy


@dataclass
class Table:
    """Rows of one section: `columns` are (key, label) pairs; rows are dicts keyed by `key`."""

    columns: list[tuple[str, str | Promise]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    # key -> {stored value: label} for choice fields: the page and the Excel file show labels,
    # the JSON keeps the stored codes.
    choices: dict[str, dict[Any, Any]] = field(default_factory=dict)

    def shown(self, key: str, value: Any) -> Any:
        labels = self.choices.get(key)
        return str(labels.get(value, value)) if labels and value in labels else value


@dataclass
class EraseContext:
    """What a section's `erase` needs besides the person."""

    pseudonym: str
    actor: Any
    today: Any


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    collect: Callable[[Any], Table]
    erase: Callable[[Any, EraseContext], dict[str, int]] | None = None


SECTIONS: list[Section] = []


def register(
    key: str,
    title: str | Promise,
    *,
    erase: Callable[[Any, EraseContext], dict[str, int]] | None = None,
) -> Callable[[Callable[[Any], Table]], Callable[[Any], Table]]:
    """Register `collect` as section `key` (order of registration is the order shown)."""

    def deco(collect: Callable[[Any], Table]) -> Callable[[Any], Table]:
        if any(s.key == key for s in SECTIONS):
            raise ValueError(f"section {key!r} registered twice")
        SECTIONS.append(Section(key=key, title=title, collect=collect, erase=erase))
        return collect

    return deco


def _model(label: str) -> Any:
    return apps.get_model(label)


def _field(model: Any, path: str) -> Any:
    """The field `path` names (a field, or a relation's field: "shift__activity__title")."""
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(parts[-1])


def _label(model: Any, path: str) -> str | Promise:
    return getattr(_field(model, path), "verbose_name", path)


def table(
    qs: QuerySet[Any], fields: Iterable[str], *, labels: dict[str, str | Promise] | None = None
) -> Table:
    """A Table of `qs.values(*fields)` with column labels from the models' verbose names."""
    fields = list(fields)
    labels = labels or {}
    columns = [(f, labels.get(f) or _label(qs.model, f)) for f in fields]
    choices = {
        f: dict(c) for f in fields if (c := getattr(_field(qs.model, f), "flatchoices", None))
    }
    return Table(columns=columns, rows=list(qs.values(*fields)), choices=choices)


def _display(model: Any, name: str, value: Any) -> Any:
    choices = dict(model._meta.get_field(name).flatchoices)
    return str(choices.get(value, value)) if choices else value


# --- accounts -----------------------------------------------------------------------------------
def _profile(user: Any) -> Table:
    User = type(user)
    row = {
        "name": user.name,
        "volunteer_no": user.volunteer_no,
        "username": user.username or "",
        # Their own mobile number in clear: it is their login, and this is their own copy.
        "phone": user.phone or "",
        # Masked even for the person: the file leaves the platform (mail, chat, a shared PC) and the
        # person knows their own number; the profile page shows it in clear on request, audited.
        "id_number_masked": user.id_number_masked,
        "sex": _display(User, "sex", user.sex) if user.sex else "",
        "birth_date": user.birth_date,
        "email": user.email,
        "language": user.language,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }
    cols = [(k, _label(User, k)) for k in row if k != "id_number_masked"]
    cols.insert(4, ("id_number_masked", pgettext_lazy("my data", "ID number (masked)")))
    return Table(columns=cols, rows=[row])


def _erase_profile(user: Any, ctx: EraseContext) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password

    user.name = ctx.pseudonym
    user.phone = None
    # The login constraint wants a username or a phone: a login nobody can use (no password).
    user.username = f"deleted-{ctx.pseudonym.rsplit('#', 1)[-1]}"
    user.email = ""
    user.id_number_cipher = None
    user.id_number_digest = None
    user.id_number_masked = ""
    user.sex = ""
    user.birth_date = None
    user.is_active = user.is_staff = user.is_superuser = False
    user.password = make_password(None)  # unusable, and every session's auth hash changes
    user.deidentified_at = timezone.now()
    user.save()
    user.user_permissions.clear()
    user.groups.clear()
    return {"person": 1}


register("profile", pgettext_lazy("my data", "Identity and contact"), erase=_erase_profile)(
    _profile
)


def _student(user: Any) -> Table:
    Profile = _model("accounts.StudentProfile")
    qs = Profile.objects.filter(user=user)
    t = table(
        qs,
        [
            "university__name",
            "department__name",
            "branch__name",
            "student_no",
            "major",
            "grade",
            "home_region",
            "busy_slots",
        ],
    )
    skills = {
        p.pk: "、".join(s.name for s in p.skills.all()) for p in qs.prefetch_related("skills")
    }
    t.columns.append(("skills", pgettext_lazy("my data", "skills")))
    for row, pk in zip(t.rows, skills, strict=False):
        row["skills"] = skills[pk]
    return t


def _erase_student(user: Any, ctx: EraseContext) -> dict[str, int]:
    Profile = _model("accounts.StudentProfile")
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return {}
    # Kept: university, department, branch, major and grade (the statistics of kept volunteer
    # records count by them; alone they identify nobody). Erased: the rest.
    profile.student_no, profile.home_region, profile.busy_slots = "", "", []
    profile.home_lat = profile.home_lng = None
    profile.save()
    profile.skills.clear()
    return {"student_profile_erased": 1}


register("student", pgettext_lazy("my data", "Student profile"), erase=_erase_student)(_student)


def _consents(user: Any) -> Table:
    return table(
        _model("accounts.ConsentRecord").objects.filter(user=user),
        [
            "purpose",
            "notice_version",
            "given_at",
            "guardian_name",
            "guardian_relation",
            "withdrawn_at",
        ],
    )


def _erase_consents(user: Any, ctx: EraseContext) -> dict[str, int]:
    # Kept as proof of what was consented to and when; the guardian's name is erased and every
    # consent counts as withdrawn.
    qs = _model("accounts.ConsentRecord").objects.filter(user=user)
    n = qs.update(guardian_name="", guardian_relation="")
    qs.filter(withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    return {"consents_deidentified": n}


register("consents", pgettext_lazy("my data", "Consents"), erase=_erase_consents)(_consents)


def _tokens(user: Any) -> Table:
    return table(
        _model("accounts.ApiToken").objects.filter(user=user),
        ["created_at", "expires_at", "last_used_at"],
    )


def _erase_tokens(user: Any, ctx: EraseContext) -> dict[str, int]:
    from django.contrib.sessions.models import Session

    n_tokens, _by_model = _model("accounts.ApiToken").objects.filter(user=user).delete()
    # Database sessions name their user only inside the encoded data: decode the live ones (12
    # hours at most). The unusable password already invalidates them; this removes the rows.
    dead = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    n_sessions, _by_model = Session.objects.filter(pk__in=dead).delete()
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db":
        # Their copies in the cache would otherwise keep them alive until they expire.
        from django.contrib.sessions.backends.cached_db import KEY_PREFIX

        caches[settings.SESSION_CACHE_ALIAS].delete_many([KEY_PREFIX + key for key in dead])
    # django-axes keeps failed logins under the login name (a phone number) and the address.
    logins = [v for v in (user.get_username(),) if v]
    n_axes = 0
    for label in ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"):
        try:
            model = _model(label)
        except LookupError:
            continue
        n_axes += model.objects.filter(username__in=logins).delete()[0]
    return {
        "api_tokens_deleted": n_tokens,
        "sessions_deleted": n_sessions,
        "login_records_deleted": n_axes,
    }


register("tokens", pgettext_lazy("my data", "API tokens"), erase=_erase_tokens)(_tokens)


# --- orgs ---------------------------------------------------------------------------------------
def _memberships(user: Any) -> Table:
    return table(
        _model("orgs.Membership").objects.filter(user=user).order_by("start_date", "pk"),
        ["org__name", "role", "is_active", "start_date", "end_date"],
    )


def _erase_memberships(user: Any, ctx: EraseContext) -> dict[str, int]:
    # Kept (where the kept volunteer records were served), no longer active.
    n = (
        _model("orgs.Membership")
        .objects.filter(user=user, is_active=True)
        .update(is_active=False, end_date=ctx.today)
    )
    return {"memberships_ended": n}


register("memberships", pgettext_lazy("my data", "Memberships"), erase=_erase_memberships)(
    _memberships
)


def _posts(user: Any) -> Table:
    return table(
        _model("orgs.Post").objects.filter(user=user),
        ["org__name", "kind", "title", "start_date", "end_date"],
    )


register("posts", pgettext_lazy("my data", "Posts"))(_posts)


# --- duty: sign-ups, attendance, training -------------------------------------------------------
def _signups(user: Any) -> Table:
    return table(
        _model("duty.SignUp").objects.filter(user=user).order_by("created_at"),
        ["shift__activity__title", "shift__starts_at", "state", "created_at", "cancelled_at"],
    )


register("signups", pgettext_lazy("my data", "Sign-ups"))(_signups)


def _attendance(user: Any) -> Table:
    return table(
        _model("duty.Attendance").objects.filter(user=user).order_by("created_at"),
        [
            "shift__activity__title",
            "state",
            "checkin_at",
            "checkin_method",
            "checkin_lat",
            "checkin_lng",
            "checkout_at",
            "confirmed_start",
            "confirmed_end",
            "credited_hours",
        ],
    )


def _erase_attendance(user: Any, ctx: EraseContext) -> dict[str, int]:
    # Kept for 10 years (volunteer records); where the phone was at check-in is erased.
    n = (
        _model("duty.Attendance")
        .objects.filter(user=user)
        .filter(Q(checkin_lat__isnull=False) | Q(checkin_lng__isnull=False))
        .update(checkin_lat=None, checkin_lng=None)
    )
    return {"attendance_locations_erased": n}


register("attendance", pgettext_lazy("my data", "Attendance"), erase=_erase_attendance)(_attendance)


def _training(user: Any) -> Table:
    return table(
        _model("duty.TrainingRecord").objects.filter(user=user),
        ["course__name", "completed_on", "valid_until"],
    )


register("training", pgettext_lazy("my data", "Training"))(_training)


# --- credit: hours, points, certificates, honours -----------------------------------------------
def _ledger(user: Any) -> Table:
    return table(
        _model("credit.LedgerEntry").objects.filter(user=user).order_by("seq"),
        [
            "seq",
            "kind",
            "service_date",
            "activity_title",
            "place",
            "content",
            "hours",
            "organiser_name",
            "confirmer_name",
        ],
    )


register("hours", pgettext_lazy("my data", "Hours ledger"))(_ledger)


def _points(user: Any) -> Table:
    return table(
        _model("credit.PointsAccount").objects.filter(user=user),
        ["kind", "balance", "entries", "updated_at"],
    )


register("points", pgettext_lazy("my data", "Points"))(_points)


def _redemptions(user: Any) -> Table:
    return table(
        _model("credit.Redemption").objects.filter(user=user),
        ["reward__title", "points", "state", "created_at", "handed_over_at"],
    )


register("redemptions", pgettext_lazy("my data", "Rewards redeemed"))(_redemptions)


def _certificates(user: Any) -> Table:
    return table(
        _model("credit.Certificate").objects.filter(user=user),
        ["number", "code", "period_start", "period_end", "issued_at", "revoked_at"],
    )


def _erase_certificates(user: Any, ctx: EraseContext) -> dict[str, int]:
    """Kept, but the statement names the pseudonym: re-signed, so that the public verification
    page still verifies the hours and no longer shows who they were."""
    from qingshe.credit import signing

    n = 0
    for cert in _model("credit.Certificate").objects.filter(user=user).exclude(statement={}):
        statement = dict(cert.statement)
        statement["name"] = ctx.pseudonym
        statement["id_masked"] = ""
        cert.key_id, cert.signature = signing.sign(statement)
        cert.statement = statement
        cert.save(update_fields=["statement", "key_id", "signature"])
        n += 1
    return {"certificates_deidentified": n}


register("certificates", pgettext_lazy("my data", "Certificates"), erase=_erase_certificates)(
    _certificates
)


def _honours(user: Any) -> Table:
    t = table(
        _model("credit.Award").objects.filter(user=user), ["name", "granted_on", "granting_body"]
    )
    ev = (
        _model("credit.Evaluation")
        .objects.filter(user=user)
        .values("rating", "evaluated_on", "star_level")
    )
    t.columns.extend(
        [
            ("rating", pgettext_lazy("my data", "rating")),
            ("evaluated_on", pgettext_lazy("my data", "evaluated on")),
            ("star_level", pgettext_lazy("my data", "star level")),
        ]
    )
    t.rows.extend(dict(r) for r in ev)
    return t


register("honours", pgettext_lazy("my data", "Honours and evaluations"))(_honours)


def _partner_applications(user: Any) -> Table:
    return table(
        _model("credit.PartnerApplication").objects.filter(applicant=user),
        ["name", "contact_name", "contact_phone", "address", "state", "created_at"],
    )


def _erase_partner_applications(user: Any, ctx: EraseContext) -> dict[str, int]:
    qs = _model("credit.PartnerApplication").objects.filter(applicant=user)
    return {"partner_applications_deidentified": qs.update(contact_name="", contact_phone="")}


register(
    "partner_applications",
    pgettext_lazy("my data", "Partner applications"),
    erase=_erase_partner_applications,
)(_partner_applications)


# --- needs: orders, dispatches, project groups --------------------------------------------------
def _needs(user: Any) -> Table:
    return table(
        _model("needs.Need").objects.filter(reporter=user).order_by("created_at"),
        ["title", "description", "address", "community__name", "state", "created_at"],
    )


def _erase_needs(user: Any, ctx: EraseContext) -> dict[str, int]:
    Need = _model("needs.Need")
    Photo = _model("needs.NeedPhoto")
    Follower = _model("needs.NeedFollower")
    reported = Need.objects.filter(reporter=user)
    # Intake photos of their own orders are theirs (their home, often); evidence photos of
    # service done are part of the kept volunteer records and stay, without the uploader.
    photos = list(Photo.objects.filter(need__in=reported, stage=Photo.Stage.INTAKE))
    for p in photos:
        p.file.delete(save=False)
    n_photos = Photo.objects.filter(pk__in=[p.pk for p in photos]).delete()[0]
    n_detached = Photo.objects.filter(uploaded_by=user).update(uploaded_by=None)
    n_needs = reported.update(reporter=None, address="", lat=None, lng=None)
    n_follow = Follower.objects.filter(user=user).delete()[0]
    n_reasons = (
        _model("needs.NeedAssignment")
        .objects.filter(volunteer=user)
        .exclude(reason="")
        .update(reason="")
    )
    return {
        "needs_deidentified": n_needs,
        "need_photos_deleted": n_photos,
        "need_photos_detached": n_detached,
        "needs_unfollowed": n_follow,
        "assignment_reasons_erased": n_reasons,
    }


register("needs", pgettext_lazy("my data", "Needs you ordered"), erase=_erase_needs)(_needs)


def _assignments(user: Any) -> Table:
    return table(
        _model("needs.NeedAssignment").objects.filter(volunteer=user).order_by("created_at"),
        ["need__title", "source", "state", "starts_at", "ends_at", "reason"],
    )


register("assignments", pgettext_lazy("my data", "Needs you served"))(_assignments)


def _projects(user: Any) -> Table:
    return table(
        _model("needs.ProjectMember").objects.filter(user=user),
        ["group__name", "role", "state", "statement", "created_at"],
    )


def _erase_projects(user: Any, ctx: EraseContext) -> dict[str, int]:
    n = _model("needs.ProjectMember").objects.filter(user=user).update(statement="", reason="")
    return {"project_statements_erased": n}


register(
    "projects", pgettext_lazy("my data", "Applications to project groups"), erase=_erase_projects
)(_projects)


# --- council ------------------------------------------------------------------------------------
def _ratings(user: Any) -> Table:
    return table(
        _model("council.RatingInvite").objects.filter(user=user),
        ["need__title", "created_at", "used_at", "outcome", "stars", "comment"],
    )


def _erase_ratings(user: Any, ctx: EraseContext) -> dict[str, int]:
    n = (
        _model("council.RatingInvite")
        .objects.filter(user=user)
        .exclude(comment="")
        .update(comment="")
    )
    return {"rating_comments_erased": n}


register("ratings", pgettext_lazy("my data", "Ratings you were asked for"), erase=_erase_ratings)(
    _ratings
)


# --- care (the helper's side only: beneficiaries' data is not the helper's to take away) ----------
def _care(user: Any) -> Table:
    return table(
        _model("care.Visit").objects.filter(helper=user).order_by("started_at"),
        ["started_at", "ended_at", "state"],
    )


def _erase_care(user: Any, ctx: EraseContext) -> dict[str, int]:
    n_roles = (
        _model("care.CareRole").objects.filter(user=user, is_active=True).update(is_active=False)
    )
    n_assign = (
        _model("care.Assignment")
        .objects.filter(helper=user, ended_on__isnull=True)
        .update(ended_on=ctx.today, end_reason="账号注销")
    )
    return {"care_roles_ended": n_roles, "care_assignments_ended": n_assign}


register("care", pgettext_lazy("my data", "One-to-one help visits"), erase=_erase_care)(_care)


# --- core: notifications, preferences, exports, audit -------------------------------------------
def _notifications(user: Any) -> Table:
    return table(
        _model("core.Notification").objects.filter(user=user).order_by("-created_at"),
        ["kind", "title", "body", "created_at", "read_at"],
    )


def _erase_notifications(user: Any, ctx: EraseContext) -> dict[str, int]:
    out = {
        "notifications_deleted": _model("core.Notification").objects.filter(user=user).delete()[0]
    }
    for label, key in (
        ("core.NotificationPreference", "preferences_deleted"),
        ("core.NotificationDigest", "digests_deleted"),
    ):
        out[key] = _model(label).objects.filter(user=user).delete()[0]
    n_files = 0
    for label, file_field in (("core.ExportJob", "file"), ("credit.ExportJob", "xlsx")):
        jobs = _model(label).objects.filter(requested_by=user)
        for job in jobs.only("pk", file_field):
            f = getattr(job, file_field)
            if f:
                f.delete(save=False)
        n_files += jobs.delete()[0]
    out["export_jobs_deleted"] = n_files
    return out


register("notifications", pgettext_lazy("my data", "Notifications"), erase=_erase_notifications)(
    _notifications
)


def _audit(user: Any) -> Table:
    qs = (
        _model("core.AuditEvent")
        .objects.filter(Q(object_type="accounts.user", object_id=str(user.pk)) | Q(actor=user))
        .order_by("-created_at", "-id")[:2000]
    )
    t = table(qs, ["created_at", "action", "object_type", "actor__volunteer_no"])
    t.columns[-1] = ("actor__volunteer_no", pgettext_lazy("my data", "by (volunteer number)"))
    return t


register("audit", pgettext_lazy("my data", "Audit entries about you"))(_audit)
