"""Pages under /dispatch/: the dispatcher's plans and a volunteer's offers."""

from django.urls import path

from qingshe.needs.views import dispatch as views

app_name = "dispatch"
# Mounted at /dispatch/. The services link to /dispatch/<id>/ and /dispatch/offers/.
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_new, name="new"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/lines/<int:line_id>/", views.line_toggle, name="line"),
    path("<int:pk>/lines/add/", views.line_add, name="line_add"),
    path("<int:pk>/apply/", views.plan_apply, name="apply"),
    path("<int:pk>/discard/", views.plan_discard, name="discard"),
    path("offers/", views.offers, name="offers"),
    path("offers/<int:assignment_id>/accept/", views.offer_accept, name="accept"),
    path("offers/<int:assignment_id>/decline/", views.offer_decline, name="decline"),
    path("offers/<int:assignment_id>/withdraw/", views.offer_withdraw, name="withdraw"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:need_id>/grab/", views.claim_grab, name="grab"),
]
