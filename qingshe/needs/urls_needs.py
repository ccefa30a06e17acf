"""Pages under /needs/: ordering a service, the community's need board, a need's page."""

from django.urls import path

from qingshe.needs.views import needs as views

app_name = "needs"
# Mounted at /needs/. The services link to /needs/<id>/ in their notifications.
urlpatterns = [
    path("", views.need_board, name="board"),
    path("order/", views.need_order, name="order"),
    path("mine/", views.need_mine, name="mine"),
    path("<int:pk>/", views.need_detail, name="detail"),
    path("<int:pk>/triage/", views.need_triage, name="triage"),
    path("<int:pk>/complete/", views.need_complete, name="complete"),
    path("<int:pk>/verify/", views.need_verify, name="verify"),
    path("<int:pk>/send-back/", views.need_send_back, name="send_back"),
    path("<int:pk>/reopen/", views.need_reopen, name="reopen"),
    path("<int:pk>/close/", views.need_close, name="close"),
    path("<int:pk>/follow/", views.need_follow, name="follow"),
    path("<int:pk>/unfollow/", views.need_unfollow, name="unfollow"),
    path("<int:pk>/photos/", views.need_photo_upload, name="photo_upload"),
    path("<int:pk>/photos/<int:photo_id>/", views.need_photo, name="photo"),
]
