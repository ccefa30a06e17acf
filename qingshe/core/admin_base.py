"""Admin pages write through services too: one way to create and change a record."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from qingshe.core.errors import ServiceError


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose save calls the subclass's `service_create(request, obj, form)` and
    `service_update(request, obj, form)`. A ServiceError is shown on the form's page."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        method = self.service_update if change else self.service_create  # type: ignore[attr-defined]
        saved = method(request, obj, form)
        obj.pk = saved.pk

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ServiceError as exc:
            # The admin's own transaction has rolled back; nothing was written.
            messages.error(request, str(exc.message))
            return HttpResponseRedirect(request.get_full_path())
