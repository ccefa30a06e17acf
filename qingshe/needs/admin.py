from django.contrib import admin

from qingshe.needs.models import Need


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "community",
        "project_type",
        "work_kind",
        "state",
        "people_needed",
        "created_at",
    ]
    list_filter = ["state", "project_type", "work_kind", "is_bounty"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["community", "reporter", "entered_by"]
    filter_horizontal = ["skills"]
