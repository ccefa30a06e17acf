"""Pages under /resources/: the resource list and the bounty board (揭榜挂帅).

The services link to /resources/<id>/ and /resources/bounties/<need id>/ in their
notifications."""

from django.urls import path

from qingshe.needs.views import resources as views

app_name = "resources"
urlpatterns = [
    path("", views.resource_list, name="list"),
    path("new/", views.resource_create, name="create"),
    path("<int:pk>/", views.resource_detail, name="detail"),
    path("<int:pk>/edit/", views.resource_edit, name="edit"),
    path("<int:pk>/withdraw/", views.resource_withdraw, name="withdraw"),
    path("<int:pk>/groups/<int:group_id>/unlink/", views.resource_unlink, name="unlink"),
    path("bounties/", views.bounty_board, name="bounties"),
    path("bounties/<int:pk>/", views.bounty_detail, name="bounty"),
    path("bounties/<int:pk>/claim/", views.bounty_claim, name="bounty_claim"),
    path("bounties/<int:pk>/assign/", views.bounty_assign, name="bounty_assign"),
    path("bounties/<int:pk>/start/", views.bounty_start, name="bounty_start"),
    path("bounties/<int:pk>/withdraw/", views.bounty_withdraw, name="bounty_withdraw"),
]
