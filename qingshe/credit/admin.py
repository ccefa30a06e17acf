"""Admin pages of credit: read-only. The ledger and certificates are written only by the
services (an edit here would break the hash chain or the signature, and the check would say so)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qingshe.credit.models import (
    Award,
    Certificate,
    Evaluation,
    ExportJob,
    HoursBalance,
    LedgerEntry,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "seq",
        "kind",
        "hours",
        "service_date",
        "activity_title",
        "organiser_name",
        "recorded_at",
    ]
    list_filter = ["kind", "duty_mode"]
    search_fields = ["activity_title", "user__name", "user__volunteer_no"]
    raw_id_fields = [
        "user",
        "attendance",
        "correction",
        "reverses",
        "organiser",
        "confirmer",
        "actor",
    ]


@admin.register(HoursBalance)
class HoursBalanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "total", "entries", "updated_at"]
    raw_id_fields = ["user"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "user",
        "period_start",
        "period_end",
        "issued_at",
        "revoked_at",
        "key_id",
    ]
    search_fields = ["number", "code", "user__name"]
    raw_id_fields = ["user", "recording_org", "requested_by", "revoked_by"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "granted_on", "granting_body"]
    raw_id_fields = ["user", "org", "recorded_by"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["user", "rating", "star_level", "evaluated_on", "org"]
    raw_id_fields = ["user", "org", "recorded_by"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["org", "requested_by", "state", "done", "total", "created_at"]
    raw_id_fields = ["org", "requested_by"]


# --- points, rewards, the partner circle, campaigns, venues, commendations (issue 7) -----------
# Read-only as well: every write goes through the services (the points ledger's balances are
# cached by them, and check-ledgers would find an edit made here).
from qingshe.credit.models import (  # noqa: E402
    Campaign,
    Commendation,
    PartnerApplication,
    Pledge,
    PointsAccount,
    PointsEntry,
    PointsRule,
    PointsTransfer,
    Redemption,
    Reward,
    Venue,
    VenueBooking,
)


class PointsEntryInline(admin.TabularInline):
    model = PointsEntry
    fields = ["account", "amount", "balance_after"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PointsTransfer)
class PointsTransferAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "amount", "shortfall", "rule", "reason", "created_at"]
    list_filter = ["kind"]
    search_fields = ["key", "reason"]
    raw_id_fields = [
        "rule",
        "hours_entry",
        "activity",
        "need",
        "commendation",
        "redemption",
        "reverses",
        "actor",
    ]
    inlines = [PointsEntryInline]


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "user", "org", "programme", "balance", "entries", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["user__name", "org__name"]
    raw_id_fields = ["user", "org", "programme"]


@admin.register(PointsRule)
class PointsRuleAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "kind",
        "points",
        "cap_hours",
        "owner",
        "programme",
        "active_from",
        "retired_at",
    ]
    list_filter = ["kind"]
    raw_id_fields = ["owner", "programme", "replaces", "created_by"]


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin):
    list_display = ["title", "partner", "price", "stock", "stock_total", "valid_until", "state"]
    list_filter = ["kind", "state"]
    search_fields = ["title", "partner__name"]
    raw_id_fields = ["partner", "city", "resource", "created_by"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["code", "reward", "user", "points", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["code", "user__name", "reward__title"]
    raw_id_fields = ["reward", "user", "handed_over_by", "cancelled_by"]


@admin.register(PartnerApplication)
class PartnerApplicationAdmin(ReadOnlyAdmin):
    list_display = ["name", "committee", "state", "created_at", "decided_at"]
    list_filter = ["state"]
    raw_id_fields = ["applicant", "committee", "decided_by", "partner"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["title", "group", "goal", "deadline", "state"]
    list_filter = ["state"]
    raw_id_fields = ["group", "city", "opened_by"]


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "kind", "amount", "pledger", "partner", "state", "created_at"]
    list_filter = ["kind", "state"]
    raw_id_fields = ["campaign", "pledger", "partner", "received_by"]


@admin.register(Venue)
class VenueAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "owner", "capacity", "is_active"]
    list_filter = ["kind", "is_active"]
    raw_id_fields = ["owner", "city", "resource", "created_by"]


@admin.register(VenueBooking)
class VenueBookingAdmin(ReadOnlyAdmin):
    list_display = ["venue", "starts_at", "ends_at", "purpose", "state", "booked_by"]
    list_filter = ["state"]
    raw_id_fields = ["venue", "activity", "group", "booked_by", "cancelled_by"]


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "team", "org", "period_start", "period_end"]
    raw_id_fields = ["org", "user", "team", "award", "recorded_by"]
