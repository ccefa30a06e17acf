from django.urls import path

from qingshe.core import views
from qingshe.core.exports import views as export_views
from qingshe.core.notifications import views as notification_views

app_name = "core"
urlpatterns = [
    path("", views.home_page, name="home"),
    path("notifications/", notification_views.centre, name="notifications"),
    path("notifications/bell/", notification_views.bell, name="notification_bell"),
    path(
        "notifications/read-all/", notification_views.mark_all_read, name="notifications_read_all"
    ),
    path("notifications/<int:pk>/read/", notification_views.mark_read, name="notification_read"),
    path(
        "notifications/settings/",
        notification_views.preferences,
        name="notification_preferences",
    ),
    path("exports/<int:pk>/", export_views.job_page, name="export_job"),
    path("exports/<int:pk>/status/", export_views.job_status, name="export_status"),
    path("exports/<int:pk>/download/", export_views.job_download, name="export_download"),
]
