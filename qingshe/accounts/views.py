"""Account pages: log in and out, password, profiles, the personal-information notice.

Thin views: reads through accounts.selectors, writes through accounts.services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.accounts import selectors, services
from qingshe.accounts.forms import (
    BusySlotFormSet,
    ConsentForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    StudentProfileForm,
)
from qingshe.accounts.models import ConsentPurpose, User
from qingshe.core import access
from qingshe.core.errors import AccessDenied, ServiceError
from qingshe.core.htmx import add_service_error, get_or_404, render_page
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.orgs.selectors import org_list_for_user

login = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
)
logout = auth_views.LogoutView.as_view()


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                actor=request.user,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ServiceError as exc:
            add_service_error(form, exc, aliases={"new_password": "new_password1"})
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:me")
    return render_page(request, "accounts/password_change.html", {"form": form})


def _profile_context(request: HttpRequest, person: User) -> dict[str, Any]:
    viewer = request.user
    visible_orgs = Organisation.objects.filter(access.orgs_visible_q(viewer))
    memberships = (
        person.memberships.filter(is_active=True, org__in=visible_orgs)
        .select_related("org")
        .order_by("org__path", "role")
    )
    posts = person.posts.filter(org__in=visible_orgs).select_related("org").order_by("-start_date")
    profile = selectors.student_profile_of(person=person)
    return {
        "person": person,
        "is_self": viewer.pk == person.pk,
        "phone": selectors.phone_for_viewer(viewer=viewer, person=person, in_list=False),
        "can_contact": access.can(viewer, "person.view_contact", person),
        "can_reveal_id": bool(person.id_number_cipher)
        and access.can(viewer, "person.view_id_number", person),
        "memberships": memberships,
        "posts": posts,
        "profile": profile,
        "profile_gaps": selectors.student_profile_gaps(profile=profile),
        "is_student": person.memberships.filter(is_active=True, role=Role.STUDENT).exists(),
        "has_consent": services.has_current_consent(person),
    }


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(selectors.person_get_for_user, user=request.user, person_id=pk)
    return render_page(request, "accounts/person_detail.html", _profile_context(request, person))


@login_required
@require_POST
def person_reveal_id(request: HttpRequest, pk: int) -> HttpResponse:
    """The clear ID number, for the roles allowed to read it; every read is audited."""
    person = get_or_404(selectors.person_get_for_user, user=request.user, person_id=pk)
    try:
        number = services.user_reveal_id_number(actor=request.user, user=person)
    except AccessDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc
    context = _profile_context(request, person) | {"revealed_id": number}
    return render_page(request, "accounts/person_detail.html", context, partial="id_number")


@login_required
def me(request: HttpRequest) -> HttpResponse:
    person = User.objects.get(pk=request.user.pk)
    return render_page(request, "accounts/person_detail.html", _profile_context(request, person))


def _branches_for(user: Any, profile: Any) -> Any:
    branches = org_list_for_user(user=user, kind=OrgKind.CLASS_BRANCH)
    if profile is not None:
        branches = branches | Organisation.objects.filter(pk=profile.branch_id)
    return branches.order_by("path")


@login_required
def me_edit(request: HttpRequest) -> HttpResponse:
    # A fresh copy: a failed save must not leave changed values on request.user.
    person = User.objects.get(pk=request.user.pk)
    profile = selectors.student_profile_of(person=person)
    with_student = profile is not None or access.has_role(request.user, {Role.STUDENT})
    data = request.POST if request.method == "POST" else None
    profile_form = ProfileForm(
        data,
        id_number_set=bool(person.id_number_digest),
        initial={
            "name": person.name,
            "phone": person.phone or "",
            "email": person.email,
            "language": person.language,
        },
    )
    student_form = slots = None
    if with_student:
        student_form = StudentProfileForm(
            data,
            prefix="student",
            branches=_branches_for(request.user, profile),
            initial={
                "branch": profile.branch_id,
                "major": profile.major,
                "grade": profile.grade,
                "student_no": profile.student_no,
                "skills": "、".join(s.name for s in profile.skills.all()),
                "home_region": profile.home_region,
            }
            if profile
            else {},
        )
        slots = BusySlotFormSet(data, prefix="slot", initial=profile.busy_slots if profile else [])
    timetable_error = ""
    if data is not None:
        forms_ok = profile_form.is_valid()
        if student_form is not None and slots is not None:
            forms_ok = student_form.is_valid() & slots.is_valid() & forms_ok
        if forms_ok:
            try:
                _save_me(request.user, person, profile_form, student_form, slots)
            except ServiceError as exc:
                if exc.field == "busy_slots":
                    timetable_error = str(exc.message)
                elif student_form is not None and exc.field in student_form.fields:
                    add_service_error(student_form, exc)
                else:
                    add_service_error(profile_form, exc)
            else:
                messages.success(request, _("Your profile has been saved."))
                response = redirect("accounts:me")
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    profile_form.cleaned_data["language"],
                    samesite="Lax",
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                )
                return response
    context = {
        "person": person,
        "profile_form": profile_form,
        "student_form": student_form,
        "slots": slots,
        "timetable_error": timetable_error,
    }
    return render_page(request, "accounts/me_edit.html", context, status=200)


def _save_me(
    actor: Any, person: User, profile_form: ProfileForm, student_form: Any, slots: Any
) -> None:
    """All of the edit page in one transaction: one bad value and nothing is written."""
    d = profile_form.cleaned_data
    with transaction.atomic():
        services.user_update_profile(
            actor=actor,
            user=person,
            name=d["name"],
            phone=d["phone"],
            email=d["email"],
            language=d["language"],
        )
        if d.get("id_number"):
            services.user_set_id_number(actor=actor, user=person, id_number=d["id_number"])
        if student_form is not None:
            s = student_form.cleaned_data
            services.student_profile_save(
                actor=actor,
                user=person,
                branch=s["branch"],
                major=s["major"],
                grade=s["grade"],
                student_no=s["student_no"],
                skills=student_form.skill_list(),
                busy_slots=[row for f in slots.forms if (row := f.slot()) is not None],
                home_region=s["home_region"],
            )


def consent(request: HttpRequest) -> HttpResponse:
    """The personal-information notice; a logged-in person agrees to it here."""
    if not request.user.is_authenticated:
        return render_page(
            request,
            "accounts/consent.html",
            {"form": None, "notice_version": settings.QINGSHE_NOTICE_VERSION},
        )
    person = request.user
    minor = services.is_minor(person)
    form = ConsentForm(request.POST if request.method == "POST" else None, minor=minor)
    if request.method == "POST" and form.is_valid():
        guardian = None
        if minor:
            guardian = services.GuardianConsent(
                guardian_name=form.cleaned_data.get("guardian_name", ""),
                guardian_relation=form.cleaned_data.get("guardian_relation", ""),
            )
            if not (guardian.guardian_name.strip() and guardian.guardian_relation.strip()):
                guardian = None  # the service explains what is missing
        try:
            services.consent_give(
                actor=person, user=person, purpose=ConsentPurpose.PRIVACY_NOTICE, guardian=guardian
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Thank you: your consent has been recorded."))
            return redirect("core:home")
    context = {
        "form": form,
        "minor": minor,
        "has_consent": services.has_current_consent(person),
        "consents": selectors.consents_of(person=person)[:5],
        "notice_version": settings.QINGSHE_NOTICE_VERSION,
    }
    return render_page(request, "accounts/consent.html", context)
