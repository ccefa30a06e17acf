"""Main-navigation entries of the council app."""

from django.utils.translation import gettext_lazy as _

from qingshe.core import nav
from qingshe.orgs.models import Role

nav.register(
    "council:home",
    _("Youth council"),
    order=48,
    roles={
        Role.LEAGUE_ADMIN,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.COUNCIL_MEMBER,
        Role.PANEL_MEMBER,
    },
)
nav.register(
    "council:feedback_list",
    _("Feedback forms"),
    order=49,
    roles={Role.BRANCH_SECRETARY, Role.DEPARTMENT_ADMIN, Role.UNIVERSITY_ADMIN},
)
nav.register(
    "council:scores",
    _("Monthly scores"),
    order=58,
    roles={Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN},
)
nav.register(
    "council:evaluate",
    _("Evaluate"),
    order=59,
    roles={Role.STUDENT, Role.BRANCH_SECRETARY, Role.RESIDENT, Role.COMMUNITY_STAFF},
    staff=False,
)
