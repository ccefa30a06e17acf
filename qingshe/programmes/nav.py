"""Main-navigation entry of community pairing: the university side, the communities, the league."""

from django.utils.translation import gettext_lazy as _

from qingshe.core import nav
from qingshe.orgs.models import Role

nav.register(
    "programmes:list",
    _("Community pairing"),
    order=20,
    roles=set(Role.values)
    - {Role.RESIDENT, Role.PARTNER_CONTACT, Role.PANEL_MEMBER, Role.COUNCIL_MEMBER},
)
