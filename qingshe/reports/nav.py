"""Main-navigation entry of typical cases: the departments that submit them (and their branch
secretaries, who see them), the university and league committees that read and review them."""

from django.utils.translation import gettext_lazy as _

from qingshe.core import nav
from qingshe.orgs.models import Role

nav.register(
    "reports:list",
    _("Typical cases"),
    order=70,
    roles={Role.LEAGUE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN, Role.BRANCH_SECRETARY},
)

# Dashboards (reports.dashboard): the roles that core.access lets read one.
nav.register(
    "dashboard:home",
    _("Dashboards"),
    order=15,
    roles={
        Role.LEAGUE_ADMIN,
        Role.UNIVERSITY_ADMIN,
        Role.DEPARTMENT_ADMIN,
        Role.BRANCH_SECRETARY,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
    },
)
