from django.urls import path

from qingshe.programmes import views, views_transcript_rules

app_name = "programmes"
# Mounted at /programmes/. The services link to /programmes/applications/<id>/ and
# /programmes/pairings/<id>/ in their notifications.
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create, name="create"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/calls/new/", views.call_create, name="call_create"),
    path("<int:pk>/pairings/new/", views.pairing_create, name="pairing_create"),
    path("<int:pk>/suggestions/", views.pairing_suggestions, name="suggestions"),
    path("<int:pk>/compliance/", views.compliance, name="compliance"),
    path(
        "<int:pk>/transcript-rules/",
        views_transcript_rules.transcript_rules,
        name="transcript_rules",
    ),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/apply/", views.application_create, name="apply"),
    path("applications/", views.application_list, name="applications"),
    path("applications/inbox/", views.application_inbox, name="inbox"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path(
        "applications/<int:pk>/recommend/",
        views.application_recommend,
        name="application_recommend",
    ),
    path("applications/<int:pk>/approve/", views.application_approve, name="application_approve"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application_reject"),
    path(
        "applications/<int:pk>/resubmit/", views.application_resubmit, name="application_resubmit"
    ),
    path("pairings/", views.pairing_list, name="pairings"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pk>/approve/", views.pairing_approve, name="pairing_approve"),
    path("pairings/<int:pk>/reject/", views.pairing_reject, name="pairing_reject"),
    path("pairings/<int:pk>/confirm/", views.pairing_confirm, name="pairing_confirm"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("pairings/<int:pk>/services/", views.pairing_record_service, name="pairing_service"),
    path("pairings/<int:pk>/agreement.pdf", views.pairing_agreement_pdf, name="agreement_pdf"),
    path(
        "pairings/<int:pk>/appointment.pdf", views.pairing_appointment_pdf, name="appointment_pdf"
    ),
]
