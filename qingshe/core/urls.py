from django.urls import path

from qingshe.core import views

app_name = "core"
urlpatterns = [
    path("", views.home_page, name="home"),
]
