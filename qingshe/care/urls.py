"""Pages of the care app."""

from django.urls import path  # noqa: F401

app_name = "care"

urlpatterns: list = []
