from django.contrib import admin

from qingshe.programmes.models import (
    BranchApplication,
    Pairing,
    Programme,
    RecruitmentCall,
    ServiceRecord,
)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "owner", "state", "pairing_deadline", "start_deadline"]
    list_filter = ["year", "state"]
    search_fields = ["name"]
    filter_horizontal = ["scope"]
    autocomplete_fields = ["owner"]


@admin.register(RecruitmentCall)
class RecruitmentCallAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "opens_at", "closes_at"]
    search_fields = ["title"]


@admin.register(BranchApplication)
class BranchApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "branch",
        "call",
        "state",
        "excellent_branch",
        "excellent_class",
        "excellent_cadre",
        "created_at",
    ]
    list_filter = ["state"]
    search_fields = ["branch__name"]
    autocomplete_fields = ["branch", "submitted_by"]


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):
    list_display = [
        "unit",
        "community",
        "programme",
        "state",
        "term_start",
        "term_end",
        "approved_at",
    ]
    list_filter = ["state", "programme"]
    search_fields = ["unit__name", "community__name"]
    autocomplete_fields = [
        "unit",
        "community",
        "proposed_by",
        "approved_by",
        "unit_confirmed_by",
        "community_confirmed_by",
    ]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(admin.ModelAdmin):
    list_display = ["pairing", "held_on", "title", "participants"]
    search_fields = ["title"]
