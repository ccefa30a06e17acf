"""Main-navigation entry of credit (志愿记录): everyone who serves or looks after those who do."""

from django.utils.translation import gettext_lazy as _

from qingshe.core import nav
from qingshe.orgs.models import Role

nav.register(
    "credit:hours",
    _("Volunteer record"),
    order=45,
    roles=set(Role.values) - {Role.RESIDENT, Role.PARTNER_CONTACT},
)

# Points, rewards, the partner circle, crowdfunding and venues (issue 7): one entry per kind of
# person; the pages' tabs lead to the rest.
nav.register("credit:points", _("Points"), order=46, roles={Role.STUDENT, Role.BRANCH_SECRETARY})
nav.register(
    "credit:partners",
    _("Partner circle"),
    order=47,
    roles={Role.PARTNER_CONTACT, Role.LEAGUE_ADMIN},
)
nav.register(
    "credit:venues", _("Venues"), order=48, roles={Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}
)
nav.register(
    "credit:campaigns", _("Crowdfunding"), order=49, roles={Role.INSTRUCTOR, Role.DEPARTMENT_ADMIN}
)
