"""Every read of the needs app that depends on who asks, one module per part (as services/)."""

from qingshe.needs.selectors.dispatch import *  # noqa: F403
from qingshe.needs.selectors.needs import *  # noqa: F403
from qingshe.needs.selectors.projects import *  # noqa: F403
from qingshe.needs.selectors.resources import *  # noqa: F403
