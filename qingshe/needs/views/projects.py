"""Project group pages: the list, a group's page (goal, responsibility list, members, the
student's "apply to join" form, the deciders' waiting applications, tasks, linked needs and
resources), the create/edit form and a student's own applications.

Thin views: reads through needs.selectors, writes through needs.services. With htmx a button's
answer is the group's changed part (#workflow); without it a redirect, or the page again with
the service's error."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from qingshe.core.errors import Conflict, ServiceError, ValidationFailed
from qingshe.core.exports import services as exports
from qingshe.core.htmx import add_service_error, get_or_404, paginate, render_page
from qingshe.needs import selectors, services
from qingshe.needs.forms import DecideForm, JoinForm, ProjectGroupForm
from qingshe.needs.forms_resources import LinkResourceForm, TaskAssignForm, TaskForm
from qingshe.needs.models import ProjectGroup, ProjectMember, ProjectTask, ProjectType, ServiceField

DETAIL = "needs/group_detail.html"


def _group_or_404(request: HttpRequest, pk: int) -> ProjectGroup:
    return get_or_404(selectors.group_get_for_user, user=request.user, group_id=pk)


def _member_or_404(request: HttpRequest, group: ProjectGroup, member_id: int) -> ProjectMember:
    return get_or_404(
        selectors.member_get_for_user, user=request.user, group=group, member_id=member_id
    )


def _query(**params: Any) -> str:
    kept = {k: v for k, v in params.items() if v}
    return urlencode(kept) + "&" if kept else ""


# --- list ---------------------------------------------------------------------------------------
@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "project_type": request.GET.get("project_type", "")
        if request.GET.get("project_type") in ProjectType.values
        else "",
        "service_field": request.GET.get("service_field", "")
        if request.GET.get("service_field") in ServiceField.values
        else "",
        "state": request.GET.get("state", "")
        if request.GET.get("state") in ProjectGroup.State.values
        else "",
    }
    groups = selectors.group_list_for_user(user=request.user, **filters)
    if exports.requested(request):
        return exports.respond(request, "needs.project_groups", groups)
    context = {
        "page": paginate(request, groups),
        "query": _query(**filters),
        "filters": filters,
        "types": ProjectType.choices,
        "fields": ServiceField.choices,
        "states": ProjectGroup.State.choices,
        "can_create": selectors.owners_for_user(user=request.user).exists(),
    }
    return render_page(request, "needs/group_list.html", context, partial="results")


# --- create / edit ------------------------------------------------------------------------------
def _save(
    request: HttpRequest, form: ProjectGroupForm, group: ProjectGroup | None
) -> ProjectGroup | None:
    d = form.cleaned_data
    kwargs = {
        "name": d["name"],
        "goal": d["goal"],
        "project_type": d["project_type"],
        "service_field": d["service_field"],
        "instructor": d.get("instructor"),
        "responsibilities": form.responsibility_lines(),
    }
    try:
        if group is None:
            return services.project_group_create(actor=request.user, owner=d["owner"], **kwargs)
        return services.project_group_update(actor=request.user, group=group, **kwargs)
    except ServiceError as exc:
        add_service_error(form, exc)
        return None


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    owners = selectors.owners_for_user(user=request.user)
    first = owners.first()
    if first is None:
        raise PermissionDenied(
            _("Only branch secretaries and department admins can form project groups.")
        )
    data = request.POST if request.method == "POST" else None
    chosen = first
    if data and data.get("owner"):
        chosen = owners.filter(pk=data.get("owner")).first() or first
    form = ProjectGroupForm(
        data,
        owners=owners,
        instructors=selectors.instructors_for(owner=chosen),
        initial={"owner": first.pk},
    )
    if request.method == "POST" and form.is_valid():
        group = _save(request, form, None)
        if group is not None:
            messages.success(request, _("The project group has been formed."))
            return redirect("projects:detail", group.pk)
    return render_page(request, "needs/group_form.html", {"form": form, "group": None})


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    if not selectors.group_permissions(user=request.user, group=group)["can_manage"]:
        raise PermissionDenied(
            _("Only the branch's secretary or the department's admins can change its groups.")
        )
    initial = {
        "owner": group.owner_id,
        "name": group.name,
        "goal": group.goal,
        "project_type": group.project_type,
        "service_field": group.service_field,
        "instructor": group.instructor_id,
        "responsibilities": "\n".join(r.text for r in group.responsibilities.all()),
    }
    form = ProjectGroupForm(
        request.POST if request.method == "POST" else None,
        owners=type(group.owner).objects.filter(pk=group.owner_id),
        instructors=selectors.instructors_for(owner=group.owner),
        fixed_owner=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid() and _save(request, form, group) is not None:
        messages.success(request, _("The project group has been saved."))
        return redirect("projects:detail", group.pk)
    return render_page(request, "needs/group_form.html", {"form": form, "group": group})


# --- the group's page ---------------------------------------------------------------------------
TASK_MOVE_LABELS = {
    ProjectTask.State.DOING: pgettext_lazy("task move", "Start"),
    ProjectTask.State.TODO: pgettext_lazy("task move", "Back to to-do"),
    ProjectTask.State.DONE: pgettext_lazy("task move", "Done"),
    ProjectTask.State.DROPPED: pgettext_lazy("task move", "Drop"),
}


def _task_moves(task: ProjectTask) -> list[tuple[str, Any]]:
    """The state buttons a task offers, in a fixed order (reopening a done task is "Start")."""
    allowed = services.TASK_TRANSITIONS[task.state]
    return [(state, label) for state, label in TASK_MOVE_LABELS.items() if state in allowed]


def _detail_context(
    request: HttpRequest,
    group: ProjectGroup,
    *,
    join_form: JoinForm | None = None,
    decide_forms: dict[int, DecideForm] | None = None,
    task_form: TaskForm | None = None,
    link_form: LinkResourceForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict[str, Any]:
    user = request.user
    perms = selectors.group_permissions(user=user, group=group)
    rows = list(selectors.group_members_for_user(user=user, group=group))
    accepted = [m for m in rows if m.state == ProjectMember.State.ACCEPTED]
    waiting = (
        [m for m in rows if m.state == ProjectMember.State.APPLIED] if perms["can_decide"] else []
    )
    decide_forms = decide_forms or {}
    linked_needs = list(selectors.group_linked_needs(group=group))
    # Those who decide on applications run the tasks too (services.can_run_tasks).
    run_tasks = perms["can_decide"] and group.state == ProjectGroup.State.OPEN
    if run_tasks:
        people = [m.user for m in accepted]
        task_form = task_form or TaskForm(
            members=selectors.group_task_members(group=group),
            needs=selectors.group_linked_needs(group=group),
        )
        link_form = link_form or LinkResourceForm(
            resources=selectors.linkable_resources(user=user, group=group)
        )
    else:
        people, task_form, link_form = [], None, None
    tasks = [
        {"task": t, "moves": _task_moves(t) if run_tasks else []}
        for t in selectors.group_tasks_for_user(user=user, group=group)
    ]
    return {
        "group": group,
        "responsibilities": list(group.responsibilities.all()),
        "members": [
            {
                "member": m,
                "phone": selectors.member_phone(user=user, group=group, member=m)
                if perms["can_decide"]
                else "",
            }
            for m in accepted
        ],
        "waiting": [
            {"member": m, "form": decide_forms.get(m.pk) or DecideForm(prefix=f"m{m.pk}")}
            for m in waiting
        ],
        "join_form": join_form or JoinForm(),
        "tasks": tasks,
        "task_people": people,
        "task_form": task_form,
        "linked_needs": linked_needs,
        "resources": list(selectors.group_resources(group=group)),
        "link_form": link_form,
        "can_run_tasks": run_tasks,
        "notice": notice,
        "error": error,
        **perms,
    }


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    return render_page(request, DETAIL, _detail_context(request, group), partial="workflow")


def _after(request: HttpRequest, group: ProjectGroup, message: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        group = _group_or_404(request, group.pk)
        return render_page(
            request, DETAIL, _detail_context(request, group, notice=message), partial="workflow"
        )
    messages.success(request, message)
    return redirect("projects:detail", group.pk)


def _failed(
    request: HttpRequest, group: ProjectGroup, exc: ServiceError, **forms: Any
) -> HttpResponse:
    # htmx swaps only 2xx answers: the part with the error comes back as 200.
    status = 200 if getattr(request, "htmx", False) else exc.status
    group = _group_or_404(request, group.pk)
    context = _detail_context(request, group, error=str(exc.message), **forms)
    return render_page(request, DETAIL, context, partial="workflow", status=status)


@login_required
@require_POST
def group_apply(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    form = JoinForm(request.POST)
    form.is_valid()
    try:
        services.project_join_apply(
            actor=request.user, group=group, statement=form.cleaned_data.get("statement", "")
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, group, exc, join_form=form)
    return _after(
        request, group, _("Your application has been sent; you will be told of the decision.")
    )


@login_required
@require_POST
def member_decide(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    member = _member_or_404(request, group, member_id)
    form = DecideForm(request.POST, prefix=f"m{member.pk}")
    form.is_valid()
    accept = request.POST.get("decision") == "accept"
    try:
        services.project_join_decide(
            actor=request.user,
            member=member,
            accept=accept,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, group, exc, decide_forms={member.pk: form})
    message = (
        _("%(name)s has joined the group.") if accept else _("%(name)s's application was declined.")
    )
    return _after(request, group, message % {"name": member.user.name})


@login_required
@require_POST
def member_make_leader(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    member = _member_or_404(request, group, member_id)
    try:
        services.project_member_set_role(
            actor=request.user, member=member, role=ProjectMember.Role.LEADER
        )
    except ServiceError as exc:
        return _failed(request, group, exc)
    return _after(
        request, group, _("%(name)s is now the group's leader.") % {"name": member.user.name}
    )


@login_required
@require_POST
def member_leave(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    member = _member_or_404(request, group, member_id)
    was_applied = member.state == ProjectMember.State.APPLIED
    try:
        services.project_member_leave(actor=request.user, member=member)
    except ServiceError as exc:
        return _failed(request, group, exc)
    return _after(
        request,
        group,
        _("Your application has been withdrawn.") if was_applied else _("You have left the group."),
    )


@login_required
@require_POST
def group_close(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    try:
        services.project_group_close(actor=request.user, group=group)
    except ServiceError as exc:
        return _failed(request, group, exc)
    return _after(
        request, group, _("The group is closed; applications still waiting were declined.")
    )


# --- tasks, linked resources ---------------------------------------------------------------------
def _task_or_404(request: HttpRequest, group: ProjectGroup, task_id: int) -> ProjectTask:
    return get_or_404(selectors.task_get_for_user, user=request.user, group=group, task_id=task_id)


@login_required
@require_POST
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    form = TaskForm(
        request.POST,
        members=selectors.group_task_members(group=group),
        needs=selectors.group_linked_needs(group=group),
    )
    if not form.is_valid():
        invalid = ValidationFailed("invalid_input", _("Please correct the marked fields."))
        return _failed(request, group, invalid, task_form=form)
    d = form.cleaned_data
    try:
        services.project_task_create(
            actor=request.user,
            group=group,
            title=d.get("title", ""),
            notes=d.get("notes", ""),
            due_on=d.get("due_on"),
            assignee=d.get("assignee"),
            need=d.get("need"),
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, group, exc, task_form=form)
    return _after(request, group, _("The task has been added."))


@login_required
@require_POST
def task_update(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    """A state button (`state`), or the task's assignee and due date (`assignee`, `due_on`)."""
    group = _group_or_404(request, pk)
    task = _task_or_404(request, group, task_id)
    try:
        if "state" in request.POST:
            services.project_task_update(actor=request.user, task=task, state=request.POST["state"])
        else:
            form = TaskAssignForm(request.POST, members=selectors.group_task_members(group=group))
            if not form.is_valid():
                raise ValidationFailed(
                    "invalid_input", _("Choose a member of the group and a valid date.")
                )
            services.project_task_update(
                actor=request.user,
                task=task,
                assignee=form.cleaned_data.get("assignee"),
                due_on=form.cleaned_data.get("due_on"),
            )
    except ServiceError as exc:
        return _failed(request, group, exc)
    return _after(request, group, _("The task %(task)s has been updated.") % {"task": task.title})


@login_required
@require_POST
def resource_link(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    form = LinkResourceForm(
        request.POST, resources=selectors.linkable_resources(user=request.user, group=group)
    )
    if not form.is_valid():
        invalid = ValidationFailed("invalid_input", _("Choose a resource from the list."))
        return _failed(request, group, invalid, link_form=form)
    resource = form.cleaned_data["resource"]
    try:
        services.resource_link_group(actor=request.user, resource=resource, group=group)
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, group, exc, link_form=form)
    return _after(
        request, group, _("The group now uses %(resource)s.") % {"resource": resource.title}
    )


@login_required
@require_POST
def resource_unlink(request: HttpRequest, pk: int, resource_id: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    resource = selectors.group_resources(group=group).filter(pk=resource_id).first()
    if resource is None:
        return _failed(
            request, group, Conflict("not_linked", _("This group does not use this resource."))
        )
    try:
        services.resource_unlink_group(actor=request.user, resource=resource, group=group)
    except ServiceError as exc:
        return _failed(request, group, exc)
    return _after(
        request, group, _("The group no longer uses %(resource)s.") % {"resource": resource.title}
    )


# --- a student's own applications ---------------------------------------------------------------
@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_applications(user=request.user)
    if exports.requested(request):
        return exports.respond(request, "needs.my_applications", rows)
    return render_page(
        request,
        "needs/my_applications.html",
        {"page": paginate(request, rows), "query": ""},
        partial="results",
    )
