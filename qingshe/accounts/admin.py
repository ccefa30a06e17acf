from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qingshe.accounts.models import ApiToken, ConsentRecord, Skill, StudentProfile, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "username",
        "volunteer_no",
        "masked_phone",
        "id_number_masked",
        "is_active",
        "is_staff",
    ]
    list_filter = ["is_active", "is_staff", "sex"]
    search_fields = ["name", "username", "volunteer_no"]
    readonly_fields = [
        "volunteer_no",
        "id_number_masked",
        "sex",
        "birth_date",
        "last_login",
        "date_joined",
        "password",
    ]
    fields = [
        "name",
        "username",
        "phone",
        "email",
        "language",
        "volunteer_no",
        "id_number_masked",
        "sex",
        "birth_date",
        "is_active",
        "is_staff",
        "is_superuser",
        "password",
        "last_login",
        "date_joined",
    ]
    exclude = ["id_number_cipher", "id_number_digest"]

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj: User) -> str:
        from qingshe.lib.ids import mask_phone

        return mask_phone(obj.phone or "")


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "university", "department", "branch", "major", "grade"]
    list_filter = ["grade", "university"]
    search_fields = ["user__name", "major", "student_no"]
    autocomplete_fields = ["user", "university", "department", "branch"]
    filter_horizontal = ["skills"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "category"]
    search_fields = ["name"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "purpose",
        "notice_version",
        "given_at",
        "guardian_name",
        "withdrawn_at",
    ]
    list_filter = ["purpose", "notice_version"]
    search_fields = ["user__name"]
    autocomplete_fields = ["user", "recorded_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at", "last_used_at"]
    readonly_fields = ["user", "digest", "created_at", "expires_at", "last_used_at"]
    search_fields = ["user__name"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
