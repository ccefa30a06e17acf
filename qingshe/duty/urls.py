from django.urls import path

from qingshe.duty import views

app_name = "duty"
# Mounted at /duty/. The services link to /duty/activities/<id>/, /duty/shifts/<id>/ and
# /duty/confirm/ in their notifications; the leader's QR code encodes /duty/checkin/?t=<code>.
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/shifts/new/", views.shift_create, name="shift_create"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift"),
    path("shifts/<int:pk>/signup/", views.shift_sign_up, name="signup"),
    path("shifts/<int:pk>/cancel/", views.shift_cancel, name="cancel"),
    path("shifts/<int:pk>/log/", views.remote_log, name="remote_log"),
    path("shifts/<int:pk>/lead/", views.shift_lead, name="lead"),
    path("shifts/<int:pk>/lead/live/", views.shift_live, name="live"),
    path("shifts/<int:pk>/lead/roll-call/", views.shift_roll_call, name="roll_call"),
    path("mine/", views.my_shifts, name="mine"),
    path("checkin/", views.checkin, name="checkin"),
    path("hours/", views.my_hours, name="hours"),
    path("attendance/<int:pk>/correct/", views.correction_request, name="correct"),
    path("confirm/", views.confirm_inbox, name="confirm"),
    path("confirm/bulk/", views.attendance_confirm_bulk, name="confirm_bulk"),
    path("attendance/<int:pk>/confirm/", views.attendance_confirm, name="attendance_confirm"),
    path("attendance/<int:pk>/reject/", views.attendance_reject, name="attendance_reject"),
    path("corrections/<int:pk>/decide/", views.correction_decide, name="correction_decide"),
    path("training/", views.training_list, name="training"),
    path("training/<int:pk>/", views.course_detail, name="course"),
    path("insurance/", views.insurance_list, name="insurance"),
]
