"""我的数据: what the platform holds about me, its download, and my deletion request; and the
page where a league or university admin carries out the requests in their scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from qingshe.accounts.models import User
from qingshe.accounts.personal_data import selectors, services
from qingshe.core import access
from qingshe.core.errors import AccessDenied, ServiceError
from qingshe.core.htmx import add_service_error, get_or_404, render_page


class DeletionConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand: my account is closed, my volunteer records are kept for 10 years without my name, everything else is deleted."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # the label is a sentence
        super().__init__(*args, **kwargs)


def _me(request: HttpRequest) -> User:
    return User.objects.get(pk=request.user.pk)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return pgettext("my data", "yes") if value else pgettext("my data", "no")
    if value is None or value == "" or value == []:
        return "—"
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value
        )
    return value


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    person = _me(request)
    tables = []
    for section, t in selectors.personal_data_of(person=person):
        rows = [
            [(label, _cell(t.shown(key, row.get(key)))) for key, label in t.columns]
            for row in t.rows
        ]
        tables.append(
            {"key": section.key, "title": section.title, "columns": t.columns, "rows": rows}
        )
    context = {
        "person": person,
        "tables": tables,
        "pending": selectors.pending_request_of(person=person),
        "requests": selectors.deletion_requests_of(person=person)[:5],
        "auto_days": services.AUTO_EXECUTE_AFTER_DAYS,
        "kept_years": services.RETENTION_YEARS,
        "handles_requests": access.is_platform_staff(request.user)
        or access.has_role(request.user, access.PERSON_ACTIONS["person.erase"]),
    }
    return render_page(request, "accounts/personal_data/my_data.html", context)


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def download_json(request: HttpRequest) -> HttpResponse:
    person = _me(request)
    data = services.personal_data_json(actor=request.user, person=person)
    return _file(
        data, "application/json; charset=utf-8", f"qingshe-my-data-{person.volunteer_no}.json"
    )


@login_required
def download_xlsx(request: HttpRequest) -> HttpResponse:
    person = _me(request)
    data = services.personal_data_xlsx(actor=request.user, person=person)
    return _file(
        data,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"qingshe-my-data-{person.volunteer_no}.xlsx",
    )


@login_required
def deletion_request(request: HttpRequest) -> HttpResponse:
    """The confirmation step: what happens, a checkbox, then the request."""
    person = _me(request)
    form = DeletionConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deletion_request_create(
                actor=request.user, person=person, confirm=form.cleaned_data["confirm"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Your deletion request has been sent."))
            return redirect("accounts:my_data")
    context = {
        "form": form,
        "pending": selectors.pending_request_of(person=person),
        "auto_days": services.AUTO_EXECUTE_AFTER_DAYS,
        "kept_years": services.RETENTION_YEARS,
    }
    return render_page(
        request, "accounts/personal_data/delete.html", context, status=422 if form.errors else 200
    )


@login_required
@require_POST
def deletion_cancel(request: HttpRequest) -> HttpResponse:
    pending = selectors.pending_request_of(person=request.user)
    if pending is not None:
        services.deletion_request_cancel(actor=request.user, request=pending)
        messages.success(request, _("Your deletion request has been withdrawn."))
    return redirect("accounts:my_data")


@login_required
def steward_requests(request: HttpRequest) -> HttpResponse:
    """Pending requests in the admin's scope; anyone else sees an empty list."""
    context = {
        "items": selectors.deletion_requests_for_steward(user=request.user),
        "auto_days": services.AUTO_EXECUTE_AFTER_DAYS,
    }
    return render_page(request, "accounts/personal_data/requests.html", context)


@login_required
@require_POST
def steward_execute(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_or_404(selectors.deletion_request_get_for_steward, user=request.user, request_id=pk)
    try:
        services.deletion_execute(actor=request.user, request=req)
    except AccessDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The deletion request has been carried out."))
    return redirect("accounts:deletion_requests")
