"""Main-navigation entry of the care app (结对帮扶): for the community side (the care role and
supervisors are community staff), instructors, students (helpers) and the admins (counts)."""

from django.utils.translation import gettext_lazy as _

from qingshe.core import nav
from qingshe.orgs.models import Role

nav.register(
    "care:index",
    _("One-to-one help"),
    order=48,
    roles={
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.INSTRUCTOR,
        Role.STUDENT,
        Role.LEAGUE_ADMIN,
        Role.UNIVERSITY_ADMIN,
        Role.DEPARTMENT_ADMIN,
    },
    staff=False,
)
