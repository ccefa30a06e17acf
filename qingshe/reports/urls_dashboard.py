"""Dashboard pages, mounted at /dashboard/."""

from django.urls import path

from qingshe.reports.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("<int:pk>/", views.dashboard_org, name="org"),
    path("<int:pk>/records/<str:figure>/", views.dashboard_records, name="records"),
]
