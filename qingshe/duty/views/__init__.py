"""Duty pages, one module per audience: students, shift leaders, confirmers, organisers."""

from qingshe.duty.views.admin import (
    activity_create,
    course_detail,
    insurance_list,
    shift_create,
    training_list,
)
from qingshe.duty.views.confirm import (
    attendance_confirm,
    attendance_confirm_bulk,
    attendance_reject,
    confirm_inbox,
    correction_decide,
)
from qingshe.duty.views.leader import shift_lead, shift_live, shift_roll_call
from qingshe.duty.views.student import (
    activity_detail,
    activity_list,
    checkin,
    correction_request,
    my_hours,
    my_shifts,
    remote_log,
    shift_cancel,
    shift_detail,
    shift_sign_up,
)

__all__ = [
    "activity_create",
    "activity_detail",
    "activity_list",
    "attendance_confirm",
    "attendance_confirm_bulk",
    "attendance_reject",
    "checkin",
    "confirm_inbox",
    "correction_decide",
    "correction_request",
    "course_detail",
    "insurance_list",
    "my_hours",
    "my_shifts",
    "remote_log",
    "shift_cancel",
    "shift_create",
    "shift_detail",
    "shift_lead",
    "shift_live",
    "shift_roll_call",
    "shift_sign_up",
    "training_list",
]
