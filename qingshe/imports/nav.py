"""Main-navigation entry of roster imports: league committee and university league admins."""

from django.utils.translation import gettext_lazy as _

from qingshe.core import nav
from qingshe.orgs.models import Role

nav.register(
    "imports:upload", _("Import roster"), order=85, roles={Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN}
)
