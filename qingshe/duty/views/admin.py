"""The organiser's pages: create an activity and add shifts; training courses and completions;
insurance policies and the people they cover. Every write goes through duty.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core.errors import AccessDenied, ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, render_page
from qingshe.duty import selectors, services
from qingshe.duty.forms import ActivityForm, CourseForm, PolicyForm, ShiftForm, TrainingRecordForm


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    organisers = selectors.organisers_for_user(user=request.user)
    first = organisers.first()
    if first is None:
        raise PermissionDenied(_("Only an organisation's staff can organise activities."))
    courses = selectors.courses_for_organisers(organisers=organisers)
    form = ActivityForm(
        request.POST if request.method == "POST" else None,
        organisers=organisers,
        courses=courses,
        pairings=selectors.pairings_for_organiser_user(user=request.user),
        initial={"organiser": first.pk, "requires_insurance": True},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                activity = services.activity_create(
                    actor=request.user,
                    organiser=d["organiser"],
                    title=d["title"],
                    mode=d["mode"],
                    description=d["description"],
                    remote_allowed=d["remote_allowed"],
                    place=d["place"],
                    address=d["address"],
                    lat=d["lat"],
                    lng=d["lng"],
                    checkin_radius_m=d["checkin_radius_m"],
                    required_courses=list(d["required_courses"]),
                    requires_insurance=d["requires_insurance"],
                    pairing=d["pairing"],
                )
            except AccessDenied as exc:
                raise PermissionDenied(str(exc.message)) from exc
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The activity is published. Now add its shifts."))
                return redirect("duty:shift_create", activity.pk)
    return render_page(
        request, "duty/activity_form.html", {"form": form, "tab": "activities"}, status=status
    )


@login_required
def shift_create(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_or_404(selectors.activity_get_for_user, user=request.user, activity_id=pk)
    if not selectors.activity_can_manage(user=request.user, activity=activity):
        raise PermissionDenied(_("You may not change this activity."))
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timezone.timedelta(
        days=1
    )
    form = ShiftForm(
        request.POST if request.method == "POST" else None,
        initial={"starts_at": start, "ends_at": start + timezone.timedelta(hours=2)},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            leader = None
            if d["leader"]:
                leader = selectors.leader_candidate(
                    user=request.user, activity=activity, identifier=d["leader"]
                )
                if leader is None:
                    form.add_error(
                        "leader", _("Nobody you look after has this volunteer number or mobile.")
                    )
            if not form.errors:
                try:
                    services.shift_add(
                        actor=request.user,
                        activity=activity,
                        starts_at=d["starts_at"],
                        ends_at=d["ends_at"],
                        capacity=d["capacity"],
                        min_people=d["min_people"],
                        leader=leader,
                        cancel_cutoff_hours=d["cancel_cutoff_hours"],
                    )
                except AccessDenied as exc:
                    raise PermissionDenied(str(exc.message)) from exc
                except ServiceError as exc:
                    add_service_error(form, exc, aliases={"min_people": "min_people"})
                    status = exc.status
                else:
                    messages.success(request, _("The shift is added."))
                    return redirect("duty:activity", activity.pk)
    context = {"form": form, "activity": activity, "tab": "activities"}
    return render_page(request, "duty/shift_form.html", context, status=status)


# --- training -----------------------------------------------------------------------------------
@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    orgs = selectors.organisers_for_user(user=request.user, action="training.manage")
    if not orgs.exists():
        raise PermissionDenied(_("Only trainers and organisation staff manage training."))
    if request.method == "GET" and exports.requested(request):
        return exports.respond(
            request, "duty.courses", selectors.courses_for_user(user=request.user)
        )
    form = CourseForm(
        request.POST if request.method == "POST" else None,
        orgs=orgs,
        initial={"org": orgs.first().pk},
    )  # type: ignore[union-attr]
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                course = services.training_course_create(
                    actor=request.user,
                    org=d["org"],
                    name=d["name"],
                    topic=d["topic"],
                    description=d["description"],
                    valid_months=d["valid_months"],
                )
            except AccessDenied as exc:
                raise PermissionDenied(str(exc.message)) from exc
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The course is added."))
                return redirect("duty:course", course.pk)
    context = {
        "courses": list(selectors.courses_for_user(user=request.user)[:200]),
        "form": form,
        "tab": "training",
    }
    return render_page(request, "duty/training_list.html", context, status=status)


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_or_404(selectors.course_get_for_manager, user=request.user, course_id=pk)
    if request.method == "GET" and exports.requested(request):
        records = selectors.course_records(course=course, limit=exports.MAX_ROWS + 1)
        return exports.respond(request, "duty.training_records", records)
    form = TrainingRecordForm(
        request.POST if request.method == "POST" else None,
        initial={"completed_on": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            person = selectors.person_in_scope(user=request.user, identifier=d["person"])
            if person is None:
                form.add_error(
                    "person", _("Nobody you look after has this volunteer number or mobile.")
                )
            else:
                try:
                    services.training_record(
                        actor=request.user,
                        course=course,
                        user=person,
                        completed_on=d["completed_on"],
                    )
                except AccessDenied as exc:
                    raise PermissionDenied(str(exc.message)) from exc
                except ServiceError as exc:
                    add_service_error(form, exc)
                    status = exc.status
                else:
                    messages.success(
                        request, _("Training recorded for %(name)s.") % {"name": person.name}
                    )
                    return redirect("duty:course", course.pk)
    context = {
        "course": course,
        "records": selectors.course_records(course=course),
        "form": form,
        "tab": "training",
    }
    return render_page(request, "duty/course_detail.html", context, status=status)


# --- insurance ----------------------------------------------------------------------------------
@login_required
def insurance_list(request: HttpRequest) -> HttpResponse:
    orgs = selectors.organisers_for_user(user=request.user, action="activity.manage")
    if not orgs.exists():
        raise PermissionDenied(_("Only an organisation's staff record insurance."))
    if request.method == "GET" and exports.requested(request):
        return exports.respond(
            request, "duty.insurance", selectors.policies_for_user(user=request.user)
        )
    today = timezone.localdate()
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        orgs=orgs,
        initial={"holder": orgs.first().pk, "valid_from": today},  # type: ignore[union-attr]
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            people, unknown = selectors.people_by_volunteer_no(
                user=request.user, numbers=form.numbers()
            )
            if unknown:
                form.add_error(
                    "covered",
                    _("Not found among the people you look after: %(numbers)s")
                    % {"numbers": "、".join(unknown)},
                )
            else:
                try:
                    services.insurance_policy_add(
                        actor=request.user,
                        holder=d["holder"],
                        insurer=d["insurer"],
                        policy_no=d["policy_no"],
                        valid_from=d["valid_from"],
                        valid_to=d["valid_to"],
                        covered=people,
                    )
                except AccessDenied as exc:
                    raise PermissionDenied(str(exc.message)) from exc
                except ServiceError as exc:
                    add_service_error(form, exc)
                    status = exc.status
                else:
                    messages.success(
                        request,
                        _("The policy is recorded, covering %(n)d people.") % {"n": len(people)},
                    )
                    return redirect("duty:insurance")
    context = {
        "policies": list(selectors.policies_for_user(user=request.user)[:200]),
        "form": form,
        "today": today,
        "tab": "insurance",
    }
    return render_page(request, "duty/insurance_list.html", context, status=status)
