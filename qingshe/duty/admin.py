from django.contrib import admin

from qingshe.duty.models import (
    Activity,
    Attendance,
    Correction,
    InsurancePolicy,
    Shift,
    SignUp,
    TrainingCourse,
    TrainingRecord,
    TrainingSession,
)


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0
    fields = ["starts_at", "ends_at", "capacity", "min_people", "leader"]
    raw_id_fields = ["leader"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "organiser", "mode", "state", "created_at"]
    list_filter = ["mode", "state"]
    search_fields = ["title"]
    autocomplete_fields = ["organiser"]
    raw_id_fields = ["pairing", "need", "programme", "created_by"]
    filter_horizontal = ["required_courses"]
    inlines = [ShiftInline]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["activity", "starts_at", "ends_at", "capacity", "leader"]
    raw_id_fields = ["activity", "leader"]
    exclude = ["qr_secret"]


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ["shift", "user", "state", "queue_no", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["shift", "user"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = [
        "shift",
        "user",
        "state",
        "checkin_at",
        "checkout_at",
        "credited_hours",
        "auto_checkout",
    ]
    list_filter = ["state", "checkin_method", "auto_checkout"]
    raw_id_fields = ["shift", "user", "recorded_by", "confirmed_by"]
    # Hours change only through confirmation and corrections (their services keep the trail).
    readonly_fields = [
        "credited_hours",
        "confirmed_start",
        "confirmed_end",
        "confirmed_by",
        "confirmed_at",
    ]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["attendance", "state", "new_start", "new_end", "decided_by", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["attendance", "requested_by", "decided_by"]


@admin.register(TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    list_display = ["name", "topic", "org", "valid_months"]
    list_filter = ["topic"]
    search_fields = ["name"]
    autocomplete_fields = ["org"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["course", "starts_at", "mentor_name", "place"]
    raw_id_fields = ["course", "mentor"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "completed_on", "valid_until"]
    raw_id_fields = ["user", "course", "session", "recorded_by"]


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(admin.ModelAdmin):
    list_display = ["insurer", "policy_no", "holder", "valid_from", "valid_to"]
    search_fields = ["insurer", "policy_no"]
    autocomplete_fields = ["holder"]
    raw_id_fields = ["covered"]
