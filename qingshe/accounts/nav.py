"""Main-navigation entries of accounts: the person's own page, last."""

from django.utils.translation import gettext_lazy as _

from qingshe.core import nav

nav.register("core:home", _("Home"), order=0)
nav.register("accounts:me", _("Me"), order=900)
