from django.urls import path

from qingshe.core import views
from qingshe.core.notifications import views as notification_views

app_name = "core"
urlpatterns = [
    path("", views.home_page, name="home"),
    path("notifications/", notification_views.centre, name="notifications"),
    path("notifications/bell/", notification_views.bell, name="notification_bell"),
    path("notifications/read-all/", notification_views.mark_all_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", notification_views.mark_read, name="notification_read"),
    path(
        "notifications/settings/",
        notification_views.preferences,
        name="notification_preferences",
    ),
]
