"""Main-navigation entries of the needs app."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core import nav
from qingshe.orgs.models import Role

nav.register(
    "projects:list",
    _("Project groups"),
    order=50,
    roles={
        Role.LEAGUE_ADMIN,
        Role.UNIVERSITY_ADMIN,
        Role.DEPARTMENT_ADMIN,
        Role.BRANCH_SECRETARY,
        Role.STUDENT,
        Role.INSTRUCTOR,
    },
)

# Needs (issue 5): the board for those who see a community's needs, "my orders" for residents.
nav.register(
    "needs:board",
    _("Needs"),
    order=45,
    roles={
        Role.LEAGUE_ADMIN,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.PANEL_MEMBER,
        Role.COUNCIL_MEMBER,
    },
)
nav.register("needs:mine", _("My orders"), order=44, roles={Role.RESIDENT}, staff=False)

# Dispatch (团团派单 — 青年接单): plans for the league's dispatchers, offers for student volunteers.
nav.register(
    "dispatch:list",
    pgettext_lazy("navigation", "Dispatch"),
    order=46,
    roles={Role.LEAGUE_ADMIN, Role.COMMUNITY_SECRETARY},
)
nav.register(
    "dispatch:offers",
    pgettext_lazy("navigation", "Take orders"),
    order=41,
    roles={Role.STUDENT},
    staff=False,
)
# The resource list and the bounty board (揭榜挂帅) for the organisations that offer or claim.
nav.register(
    "resources:list",
    pgettext_lazy("navigation", "Resources"),
    order=55,
    roles={
        Role.LEAGUE_ADMIN,
        Role.UNIVERSITY_ADMIN,
        Role.DEPARTMENT_ADMIN,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.PARTNER_CONTACT,
    },
)
