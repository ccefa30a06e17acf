from django.contrib import admin

from qingshe.core.models import AuditEvent, Notification


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "org"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "actor__name"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__name"]
    raw_id_fields = ["user"]


# --- notification deliveries and list exports (read-only: the operators' view of what happened) -
from qingshe.core.models import ExportJob, NotificationDelivery  # noqa: E402


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "notification", "channel", "status", "detail"]
    list_filter = ["channel", "status"]


@admin.register(ExportJob)
class ExportJobAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "requested_by", "spec", "state", "done", "total"]
    list_filter = ["spec", "state"]
    exclude = ["row_ids"]
