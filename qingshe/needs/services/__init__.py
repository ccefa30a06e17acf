"""Every write of the needs app, one module per part; `services.<name>` keeps working for callers.

- needs.py: intake (点单 / 发榜), photos, following;  lifecycle.py: the state table and triage,
  completion, verification, reopening;  dispatch.py: plans, offers, accepting, claiming (抢单);
  resources.py: the resource list;  bounties.py: 揭榜挂帅;  projects.py: project groups and tasks.
"""

from qingshe.needs.services.bounties import *  # noqa: F403
from qingshe.needs.services.dispatch import *  # noqa: F403
from qingshe.needs.services.lifecycle import *  # noqa: F403
from qingshe.needs.services.needs import *  # noqa: F403
from qingshe.needs.services.projects import *  # noqa: F403
from qingshe.needs.services.resources import *  # noqa: F403
from qingshe.needs.services.tasks import *  # noqa: F403
from qingshe.needs.services.triage import *  # noqa: F403
