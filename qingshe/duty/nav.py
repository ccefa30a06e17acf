"""Main-navigation entry of duty (报到服务): everyone who serves, organises or confirms."""

from qingshe.core import nav
from qingshe.duty.home import NAV_LABEL
from qingshe.orgs.models import Role

nav.register(
    "duty:list", NAV_LABEL, order=40, roles=set(Role.values) - {Role.RESIDENT, Role.PARTNER_CONTACT}
)
