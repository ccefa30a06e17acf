"""Pages of credit under /credit/ (records and certificates; points, rewards, the partner circle,
campaigns, venues and commendations); the public verification page is mounted at
/certificates/<code>/verify/ by qingshe/urls.py (`public_urlpatterns`)."""

from django.urls import path

from qingshe.credit import views, views_circle, views_points

app_name = "credit"

urlpatterns = [
    path("hours/", views.my_hours, name="hours"),
    path("certificates/", views.my_certificates, name="certificates"),
    path("certificates/<str:code>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<str:code>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("transcript/", views.my_transcript, name="transcript"),
    path("transcript.pdf", views.my_transcript_pdf, name="transcript_pdf"),
    path("people/<int:pk>/", views.person_record, name="person"),
    path(
        "people/<int:pk>/transcript.pdf", views.person_transcript_pdf, name="person_transcript_pdf"
    ),
    path("people/<int:pk>/<str:what>/", views.person_add, name="person_add"),
    path("departments/", views.departments, name="departments"),
    path("departments/<int:pk>/", views.department, name="department"),
    path("exports/", views.export_records, name="exports"),
    path("exports/jobs/<int:pk>/", views.export_job, name="export_job"),
    path("exports/jobs/<int:pk>/<str:kind>/", views.export_job_file, name="export_job_file"),
    # points, rewards and redemptions (issue 7)
    path("points/", views_points.my_points, name="points"),
    path("points/rules/", views_circle.rules, name="rules"),
    path("points/rules/<int:pk>/retire/", views_circle.rule_retire, name="rule_retire"),
    path("rewards/", views_points.reward_shop, name="rewards"),
    path("rewards/<int:pk>/", views_points.reward_detail, name="reward"),
    path("rewards/<int:pk>/redeem/", views_points.reward_redeem, name="reward_redeem"),
    path("rewards/<int:pk>/<str:what>/", views_points.reward_manage, name="reward_manage"),
    path("redemptions/", views_points.my_redemptions, name="redemptions"),
    path("redemptions/<str:code>/", views_points.redemption_detail, name="redemption"),
    path("redemptions/<str:code>/<str:what>/", views_points.redemption_act, name="redemption_act"),
    # the partner circle
    path("partners/", views_points.partner_list, name="partners"),
    path("partners/join/", views_points.partner_join, name="partner_join"),
    path("partners/applications/", views_points.partner_applications, name="partner_applications"),
    path(
        "partners/applications/<int:pk>/decide/", views_points.partner_decide, name="partner_decide"
    ),
    path("partners/<int:pk>/", views_points.partner_detail, name="partner"),
    path("partners/<int:pk>/code/", views_points.partner_code, name="partner_code"),
    # crowdfunding
    path("campaigns/", views_circle.campaign_list, name="campaigns"),
    path("campaigns/new/", views_circle.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views_circle.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/close/", views_circle.campaign_close, name="campaign_close"),
    path("pledges/<int:pk>/<str:what>/", views_circle.pledge_act, name="pledge_act"),
    # venues
    path("venues/", views_circle.venue_list, name="venues"),
    path("venues/new/", views_circle.venue_new, name="venue_new"),
    path("venues/<int:pk>/", views_circle.venue_detail, name="venue"),
    path("bookings/<int:pk>/cancel/", views_circle.booking_cancel, name="booking_cancel"),
    # commendations
    path("commendations/", views_circle.commendations, name="commendations"),
]

public_urlpatterns = [
    path("certificates/verify/", views.verify_redirect, name="certificate_lookup"),
    path("certificates/<str:code>/verify/", views.certificate_verify, name="certificate_verify"),
]
