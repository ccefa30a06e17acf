"""Every write of the council app, one module per part; `services.<name>` works for callers.

- collection.py: weekly summaries, merging duplicates, the monthly list and its editing;
- meetings.py: council meetings, resolutions, closing with minutes and attendance;
- verification.py: the evaluation panel's verification and residents' ratings by link;
- feedback.py: monthly work feedback forms;  evaluations.py: evaluations.
"""

from qingshe.council.services.collection import *  # noqa: F403
from qingshe.council.services.evaluations import *  # noqa: F403
from qingshe.council.services.feedback import *  # noqa: F403
from qingshe.council.services.meetings import *  # noqa: F403
from qingshe.council.services.verification import *  # noqa: F403
