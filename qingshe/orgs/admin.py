from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qingshe.core.admin_base import ServiceAdmin
from qingshe.orgs import services
from qingshe.orgs.models import Membership, Organisation, Post


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "is_active", "start_date", "end_date"]


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    list_display = ["name", "short_name", "kind", "parent", "contact_name", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "code", "address"]
    readonly_fields = ["path", "depth", "created_at", "updated_at"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Organisation | None = None) -> Any:
        # The place in the tree is fixed once created (paths of a whole subtree hang on it).
        fields = list(self.readonly_fields)
        return [*fields, "parent", "kind"] if obj else fields

    def service_create(self, request: HttpRequest, obj: Organisation, form: Any) -> Organisation:
        data = {f: form.cleaned_data.get(f) for f in form.cleaned_data if f not in {"is_active"}}
        data = {k: v for k, v in data.items() if v not in (None, "") or k in {"parent"}}
        return services.org_create(actor=request.user, **data)

    def service_update(self, request: HttpRequest, obj: Organisation, form: Any) -> Organisation:
        fields = {f: form.cleaned_data[f] for f in form.changed_data if f not in {"parent", "kind"}}
        return services.org_update(actor=request.user, org=obj, **fields)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org", "role", "is_active", "start_date", "end_date"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__name", "user__username", "user__volunteer_no", "org__name"]
    autocomplete_fields = ["user", "org"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["user", "org", "kind", "title", "start_date", "end_date"]
    list_filter = ["kind"]
    search_fields = ["user__name", "org__name", "title"]
    autocomplete_fields = ["user", "org", "appointed_by"]
