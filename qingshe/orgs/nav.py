"""Main-navigation entry of the organisation tree: everyone with a place in it but residents."""

from django.utils.translation import gettext_lazy as _

from qingshe.core import nav
from qingshe.orgs.models import Role

nav.register("orgs:tree", _("Organisations"), order=80, roles=set(Role.values) - {Role.RESIDENT})
