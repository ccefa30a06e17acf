from django.urls import path

from qingshe.accounts import views
from qingshe.accounts.personal_data import views as data_views

app_name = "accounts"
# Mounted at the site root (qingshe/urls.py) so that login lives under /accounts/ and the
# profile pages under /people/ and /me/, in one namespace.
urlpatterns = [
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/id-number/", views.person_reveal_id, name="reveal_id"),
    path("me/", views.me, name="me"),
    path("me/edit/", views.me_edit, name="me_edit"),
    path("me/consent/", views.consent, name="consent"),
    # 我的数据 (issue 11): download, deletion request, and the admins' list of requests
    path("me/data/", data_views.my_data, name="my_data"),
    path("me/data/my-data.json", data_views.download_json, name="my_data_json"),
    path("me/data/my-data.xlsx", data_views.download_xlsx, name="my_data_xlsx"),
    path("me/data/delete/", data_views.deletion_request, name="deletion_request"),
    path("me/data/delete/withdraw/", data_views.deletion_cancel, name="deletion_cancel"),
    path("me/data/requests/", data_views.steward_requests, name="deletion_requests"),
    path(
        "me/data/requests/<int:pk>/carry-out/", data_views.steward_execute, name="deletion_execute"
    ),
]
