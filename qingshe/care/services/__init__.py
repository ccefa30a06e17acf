"""Every write of the care app (beneficiaries, relationships, visits, campaigns)."""

from qingshe.care.services.beneficiaries import (
    ConsentIn,
    beneficiary_create,
    beneficiary_reveal,
    care_role_grant,
)
from qingshe.care.services.campaigns import campaign_create, household_add, household_record
from qingshe.care.services.relationships import (
    relationship_create,
    relationship_hand_over,
    relationship_set_status,
)
from qingshe.care.services.visits import concern_handle, visit_confirm, visit_log, visit_reject

__all__ = [
    "ConsentIn",
    "beneficiary_create",
    "beneficiary_reveal",
    "campaign_create",
    "care_role_grant",
    "concern_handle",
    "household_add",
    "household_record",
    "relationship_create",
    "relationship_hand_over",
    "relationship_set_status",
    "visit_confirm",
    "visit_log",
    "visit_reject",
]
