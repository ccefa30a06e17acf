from django.urls import path

from qingshe.imports import views

app_name = "imports"
# Mounted at /imports/ (services.py links the finished job's notification to /imports/<id>/).
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.xlsx", views.template_download, name="template"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/status/", views.job_status, name="status"),
    path("<int:pk>/errors.xlsx", views.error_file, name="error_file"),
]
