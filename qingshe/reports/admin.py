from django.contrib import admin

from qingshe.reports.models import TypicalCase


@admin.register(TypicalCase)
class TypicalCaseAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "programme", "state", "created_at"]
    list_filter = ["state", "programme"]
    search_fields = ["title", "text"]
    raw_id_fields = ["department", "programme", "activity", "submitted_by", "reviewed_by"]
