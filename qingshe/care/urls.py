"""Pages of the care app."""

from django.urls import path

from qingshe.care import views, views_manage

app_name = "care"

urlpatterns = [
    path("", views.index, name="index"),
    path("beneficiaries/new/", views_manage.beneficiary_new, name="beneficiary_new"),
    path("beneficiaries/<int:pk>/", views.beneficiary_detail, name="beneficiary"),
    path("beneficiaries/<int:pk>/help/", views_manage.relationship_new, name="relationship_new"),
    path(
        "relationships/<int:pk>/manage/",
        views_manage.relationship_manage,
        name="relationship_manage",
    ),
    path("relationships/<int:pk>/", views.relationship_detail, name="relationship"),
    path("relationships/<int:pk>/visits/", views.visit_log, name="visit_log"),
    path(
        "visits/<int:pk>/confirm/",
        views.visit_decide,
        {"decision": "confirm"},
        name="visit_confirm",
    ),
    path(
        "visits/<int:pk>/reject/", views.visit_decide, {"decision": "reject"}, name="visit_reject"
    ),
    path("concerns/<int:pk>/handle/", views.concern_handle, name="concern_handle"),
    path("campaigns/new/", views_manage.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path(
        "campaigns/<int:pk>/households/",
        views_manage.campaign_households,
        name="campaign_households",
    ),
    path("export.csv", views.export_csv, name="export"),
]
