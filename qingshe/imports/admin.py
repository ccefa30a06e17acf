"""Imports in the admin site: read-only (jobs are started from the import page, the API or the
CLI, through imports.services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qingshe.imports.models import ImportJob, ImportRowError


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RowErrorInline(admin.TabularInline):
    model = ImportRowError
    fields = ["sheet_title", "row", "column", "header", "code", "message"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).order_by("sheet_order", "row", "column_index")[:200]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnly):
    list_display = [
        "original_name",
        "created_by",
        "state",
        "rows_read",
        "students_created",
        "error_count",
        "created_at",
    ]
    list_filter = ["state", "valid_only"]
    search_fields = ["original_name"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["problem"]
    inlines = [RowErrorInline]
