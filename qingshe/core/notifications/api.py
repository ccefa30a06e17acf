"""API: the caller's own notifications and notification preferences.

`GET /me/notifications` (`?unread=true`), `POST /me/notifications/{id}/read`,
`POST /me/notifications/read-all`, `GET/PUT /me/notification-preferences`. Another person's
notification is a 404 `not_found`, exactly like one that does not exist.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core.notifications import selectors, services
from qingshe.core.notifications.channels import CHANNELS
from qingshe.core.notifications.kinds import GROUPS, group_of

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="Stable kind, e.g. `dispatch.offer`.")
    group: str = Field(..., description="The preference group of the kind, e.g. `needs`.")
    title: str
    body: str
    url: str = Field(..., description="The page the notification is about (site path), or empty.")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_group(obj: Any) -> str:
        return group_of(obj.kind)


class NotificationFilter(Schema):
    unread: bool = Field(False, description="Only the unread ones.")


class ReadAllOut(Schema):
    marked: int = Field(..., description="How many were unread and are now read.")
    unread: int


class PreferencesIO(Schema):
    channels: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "Group → channels besides the bell. Groups: "
            + ", ".join(f"`{g}`" for g in GROUPS)
            + ". Channels: "
            + ", ".join(f"`{c}`" for c in CHANNELS)
            + ". SMS and WeChat are recorded as 'not sent, logged only' until a gateway is "
            "configured. 422 `unknown_group`, `unknown_channel`."
        ),
    )
    daily_digest: bool = Field(
        False, description="Email comes once a day (the day's unread items) instead of each time."
    )


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.get(
    "/me/notifications",
    response={200: list[NotificationOut], **error_responses(401, 422)},
    summary="My notifications, newest first",
)
@paginate
def notification_list(request: HttpRequest, filters: Query[NotificationFilter]) -> Any:
    return selectors.notifications_for_user(user=_user(request), unread_only=filters.unread)


@router.post(
    "/me/notifications/read-all",
    response={200: ReadAllOut, **error_responses(401)},
    summary="Mark all my notifications as read",
)
def notification_read_all(request: HttpRequest) -> Any:
    marked = services.notification_mark_all_read(actor=_user(request))
    return {"marked": marked, "unread": selectors.unread_count(user=_user(request))}


@router.post(
    "/me/notifications/{notification_id}/read",
    response={200: NotificationOut, **error_responses(401, 404)},
    summary="Mark one of my notifications as read",
)
def notification_read(request: HttpRequest, notification_id: int) -> Any:
    return services.notification_mark_read(actor=_user(request), notification_id=notification_id)


@router.get(
    "/me/notification-preferences",
    response={200: PreferencesIO, **error_responses(401)},
    summary="My notification preferences",
)
def preferences_get(request: HttpRequest) -> Any:
    return selectors.preference_for(user=_user(request))


@router.put(
    "/me/notification-preferences",
    response={200: PreferencesIO, **error_responses(401, 422)},
    summary="Replace my notification preferences",
)
def preferences_put(request: HttpRequest, payload: PreferencesIO) -> Any:
    return services.notification_preferences_update(
        actor=_user(request), channels=payload.channels, daily_digest=payload.daily_digest
    )
