"""The needs app's models: needs, project groups, resources and bounties, dispatch."""

from qingshe.needs.models.dispatch import DispatchPlan, DispatchPlanLine, NeedAssignment
from qingshe.needs.models.needs import (
    Need,
    NeedEvent,
    NeedFollower,
    NeedPhoto,
    NeedWindow,
    ProjectType,
    ServiceField,
    Urgency,
    WorkKind,
)
from qingshe.needs.models.projects import ProjectGroup, ProjectMember, ProjectTask, Responsibility
from qingshe.needs.models.resources import BountyClaim, Resource

__all__ = [
    "BountyClaim",
    "DispatchPlan",
    "DispatchPlanLine",
    "Need",
    "NeedAssignment",
    "NeedEvent",
    "NeedFollower",
    "NeedPhoto",
    "NeedWindow",
    "ProjectGroup",
    "ProjectMember",
    "ProjectTask",
    "ProjectType",
    "Resource",
    "Responsibility",
    "ServiceField",
    "Urgency",
    "WorkKind",
]
