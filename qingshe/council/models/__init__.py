"""Models of the council app: the collection chain (weekly summary, monthly list), the youth
council's meetings and resolutions, verification and residents' ratings, monthly feedback forms
and evaluations. A collected item IS a qingshe.needs Need: nothing here copies a need."""

from qingshe.council.models.collection import ListItem, MonthlyList, WeeklySummary
from qingshe.council.models.meetings import Meeting, Resolution
from qingshe.council.models.reviews import Evaluation, FeedbackForm
from qingshe.council.models.verification import RatingInvite, Verification

__all__ = [
    "Evaluation",
    "FeedbackForm",
    "ListItem",
    "Meeting",
    "MonthlyList",
    "RatingInvite",
    "Resolution",
    "Verification",
    "WeeklySummary",
]
