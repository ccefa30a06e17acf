"""API schemas of project groups and their members (see needs/api.py). Business rules stay in
the services; these carry only the bounds that keep a request sane."""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from qingshe.needs.models import ProjectGroup, ProjectMember, ProjectTask


class OwnerRefOut(Schema):
    id: int = Field(..., description="ID of the class branch or department committee.")
    name: str = Field(..., description="Full name.")
    kind: str = Field(..., description="`class_branch` or `department_committee`.")


class PersonRefOut(Schema):
    id: int = Field(..., description="ID of the person.")
    name: str = Field(..., description="Their name.")


class ProjectOut(Schema):
    id: int = Field(..., description="ID of the project group.")
    name: str = Field(..., description="Name of the group (项目组).")
    goal: str = Field(..., description="What the group sets out to achieve.")
    owner: OwnerRefOut = Field(..., description="The class branch or department that owns it.")
    project_type: str = Field(
        ...,
        description="One of the five project types (`governance`, `after_school`, `survey`, `culture_sport`, `league_building`).",
    )
    project_type_label: str = Field(..., description="The project type, in the request's language.")
    service_field: str = Field(
        ..., description="One of the nine fields (`rural`, `governance`, …)."
    )
    service_field_label: str = Field(..., description="The field, in the request's language.")
    instructor: PersonRefOut | None = Field(
        None, description="The instructor (指导教师), if named."
    )
    responsibilities: list[str] = Field(
        ..., description="The responsibility list (职责清单), in order."
    )
    state: str = Field(..., description="`open` (takes applications) or `closed`.")
    member_count: int = Field(..., description="Accepted members.")
    created_at: datetime = Field(..., description="When the group was formed (UTC).")

    @staticmethod
    def resolve_project_type_label(obj: ProjectGroup) -> str:
        return str(obj.get_project_type_display())

    @staticmethod
    def resolve_service_field_label(obj: ProjectGroup) -> str:
        return str(obj.get_service_field_display())

    @staticmethod
    def resolve_responsibilities(obj: ProjectGroup) -> list[str]:
        return [r.text for r in obj.responsibilities.all()]

    @staticmethod
    def resolve_member_count(obj: ProjectGroup) -> int:
        count = getattr(obj, "member_count", None)
        if count is None:
            count = obj.members.filter(state=ProjectMember.State.ACCEPTED).count()
        return int(count)


class ProjectFilter(Schema):
    project_type: str | None = Field(
        None, max_length=32, description="Only groups of this project type."
    )
    service_field: str | None = Field(None, max_length=32, description="Only groups of this field.")
    state: str | None = Field(None, max_length=8, description="`open` or `closed`.")
    owner: int | None = Field(None, description="Only groups of this branch or department.")


class ProjectIn(Schema):
    owner: int = Field(
        ..., description="ID of the class branch or department committee that forms the group."
    )
    name: str = Field(..., max_length=80, description="Name of the group.")
    goal: str = Field(..., max_length=4000, description="Its goal.")
    project_type: str = Field(..., max_length=32, description="Project type (see ProjectOut).")
    service_field: str = Field(..., max_length=32, description="Field (see ProjectOut).")
    instructor: int | None = Field(
        None, description="ID of an instructor (Role `instructor` over the owner)."
    )
    responsibilities: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="The responsibility list, one line per item, in order (at most 20).",
    )


class MemberOut(Schema):
    id: int = Field(..., description="ID of the membership or application.")
    person: PersonRefOut = Field(..., description="The student.")
    role: str = Field(..., description="`leader` (组长) or `member` (组员).")
    role_label: str = Field(..., description="The role, in the request's language.")
    state: str = Field(..., description="`applied`, `accepted`, `declined` or `left`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    statement: str = Field(
        ..., description="Why the student wants to join (shown to deciders and the student)."
    )
    reason: str = Field(..., description="The reason given with a decision (empty when none).")
    decided_at: datetime | None = Field(None, description="When the application was decided (UTC).")
    created_at: datetime = Field(..., description="When the student applied (UTC).")

    @staticmethod
    def resolve_person(obj: ProjectMember) -> dict[str, Any]:
        return {"id": obj.user_id, "name": obj.user.name}

    @staticmethod
    def resolve_role_label(obj: ProjectMember) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_state_label(obj: ProjectMember) -> str:
        return str(obj.get_state_display())


class MemberFilter(Schema):
    state: str | None = Field(
        None,
        max_length=8,
        description="Only rows in this state (deciders see every state; others see accepted members and their own rows).",
    )


class JoinIn(Schema):
    statement: str = Field(
        ..., max_length=2000, description="Why you want to join (at least 10 characters)."
    )


class DecideIn(Schema):
    accept: bool = Field(..., description="True to accept, false to decline.")
    reason: str = Field(
        "", max_length=1000, description="Required when declining; shown to the student."
    )


# --- tasks of a project group (任务) ------------------------------------------------------------
class NeedRefOut(Schema):
    id: int = Field(..., description="ID of the need.")
    title: str = Field(..., description="Its title.")


class TaskOut(Schema):
    id: int = Field(..., description="ID of the task.")
    title: str = Field(..., description="What is to be done.")
    notes: str = Field(..., description="Notes.")
    due_on: date | None = Field(None, description="Due date (none: no date).")
    state: str = Field(..., description="`todo`, `doing`, `done` or `dropped`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    assignee: PersonRefOut | None = Field(None, description="The member it is given to.")
    need: NeedRefOut | None = Field(None, description="The group's linked need it serves, if any.")
    created_at: datetime = Field(..., description="When it was added (UTC).")
    done_at: datetime | None = Field(None, description="When it was marked done (UTC).")

    @staticmethod
    def resolve_state_label(obj: ProjectTask) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_assignee(obj: ProjectTask) -> dict[str, Any] | None:
        return None if obj.assignee is None else {"id": obj.assignee_id, "name": obj.assignee.name}

    @staticmethod
    def resolve_need(obj: ProjectTask) -> dict[str, Any] | None:
        return None if obj.need is None else {"id": obj.need_id, "title": obj.need.title}


class TaskFilter(Schema):
    state: str | None = Field(None, max_length=8, description="Only tasks in this state.")


class TaskIn(Schema):
    title: str = Field(
        ..., max_length=200, description="What is to be done (at most 120 characters)."
    )
    notes: str = Field("", max_length=2000, description="Notes.")
    due_on: date | None = Field(None, description="Due date, not in the past.")
    assignee: int | None = Field(None, description="ID of an accepted member of the group.")
    need: int | None = Field(None, description="ID of one of the group's linked needs.")


class TaskUpdateIn(Schema):
    """Only the fields sent are changed; `assignee: null` or `due_on: null` clears them."""

    state: str | None = Field(
        None,
        max_length=8,
        description="New state: `todo`, `doing`, `done` or `dropped` (todo ⇄ doing → done → doing; dropped is final).",
    )
    assignee: int | None = Field(None, description="ID of an accepted member, or null for nobody.")
    due_on: date | None = Field(
        None, description="New due date (not in the past), or null for none."
    )
