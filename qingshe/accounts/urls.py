from django.urls import path

from qingshe.accounts import views

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
]
