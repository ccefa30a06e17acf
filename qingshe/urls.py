from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from qingshe.api.v1 import api
from qingshe.credit import urls as credit_urls

urlpatterns = [
    # The prefixed parts first, the unprefixed ones (home and notifications, accounts, credit's
    # public pages) last: Django tries the patterns in order and walks every pattern of an
    # unprefixed include a path passes through. No two parts share a first path segment, so the
    # order changes no URL's meaning.
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("orgs/", include("qingshe.orgs.urls")),
    path("programmes/", include("qingshe.programmes.urls")),
    path("projects/", include("qingshe.needs.urls")),
    path("needs/", include("qingshe.needs.urls_needs")),
    path("dispatch/", include("qingshe.needs.urls_dispatch")),
    path("resources/", include("qingshe.needs.urls_resources")),
    path("duty/", include("qingshe.duty.urls")),
    path("cases/", include("qingshe.reports.urls")),
    path("dashboard/", include("qingshe.reports.urls_dashboard")),
    path("imports/", include("qingshe.imports.urls")),
    path("credit/", include("qingshe.credit.urls")),
    path("council/", include("qingshe.council.urls")),
    path("care/", include("qingshe.care.urls")),
    path("", include("qingshe.core.urls")),
    # accounts/… (login), people/…, me/…: see qingshe/accounts/urls.py
    path("", include("qingshe.accounts.urls")),
    path("", include(credit_urls.public_urlpatterns)),
]

# A failed page: 503 while the database does not answer, 500 otherwise (qingshe/core/server_errors.py).
handler500 = "qingshe.core.server_errors.server_error"

admin.site.site_header = "青社 Qingshe"
admin.site.site_title = "青社 Qingshe"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
