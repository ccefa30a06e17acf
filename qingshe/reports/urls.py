"""Typical-case pages, mounted at /cases/. /cases/featured/… is public (no login); the services
link to /cases/<id>/ in their notifications."""

from django.urls import path

from qingshe.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("count/", views.case_count, name="count"),
    path("review/", views.review_inbox, name="inbox"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/review/", views.case_review, name="review"),
    path("<int:pk>/photos/<int:photo_id>/", views.case_photo, name="photo"),
    path("<int:pk>/photos/<int:photo_id>/thumb/", views.case_photo, {"thumb": True}, name="thumb"),
    path("featured/", views.featured_list, name="featured"),
    path("featured/<int:pk>/", views.featured_detail, name="featured_detail"),
    path("featured/<int:pk>/photos/<int:photo_id>/", views.featured_photo, name="featured_photo"),
    path(
        "featured/<int:pk>/photos/<int:photo_id>/thumb/",
        views.featured_photo,
        {"thumb": True},
        name="featured_thumb",
    ),
]
