"""Models of credit, one module per part:

- records: the hours ledger, awards and evaluations, certificates, transcript export jobs;
- points: the double-entry points ledger (accounts, transfers, entries) and its earning rules;
- rewards: partners' rewards and their redemptions;
- circle: the partner circle (applications), crowdfunding campaigns and pledges, commendations;
- venues: venues (阵地) and their bookings.

Every public name is importable from `qingshe.credit.models`, as before the split.
"""

from qingshe.credit.models.circle import (
    Campaign,
    Commendation,
    PartnerApplication,
    Pledge,
)
from qingshe.credit.models.points import (
    AccountKind,
    PointsAccount,
    PointsEntry,
    PointsRule,
    PointsTransfer,
    RuleKind,
    TransferKind,
)
from qingshe.credit.models.records import (
    Award,
    Certificate,
    EntryKind,
    Evaluation,
    ExportJob,
    HoursBalance,
    LedgerEntry,
    Rating,
)
from qingshe.credit.models.rewards import Redemption, Reward
from qingshe.credit.models.venues import Venue, VenueBooking

__all__ = [
    "AccountKind",
    "Award",
    "Campaign",
    "Certificate",
    "Commendation",
    "EntryKind",
    "Evaluation",
    "ExportJob",
    "HoursBalance",
    "LedgerEntry",
    "PartnerApplication",
    "Pledge",
    "PointsAccount",
    "PointsEntry",
    "PointsRule",
    "PointsTransfer",
    "Rating",
    "Redemption",
    "Reward",
    "RuleKind",
    "TransferKind",
    "Venue",
    "VenueBooking",
]
