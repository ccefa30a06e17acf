"""The home page's extension point: panels of "what to act on", contributed by every app.

An app adds a module `home.py` with one or more providers, functions `(user) -> list[Panel]`,
decorated with `@register`:

    from qingshe.core.home import Panel, PanelItem, register

    @register(order=40)
    def shifts_to_confirm(user):
        if not access.has_role(user, {Role.COMMUNITY_STAFF}):
            return []
        rows = duty.selectors.attendance_to_confirm(user=user)[:10]
        return [Panel(title=_("Attendance to confirm"), items=[...], empty_text=_("Nothing to confirm."))]

`qingshe.core.apps.CoreConfig.ready()` imports every installed app's `home` module, so no
change in core is needed. A provider must keep its own queries bounded (a constant number,
independent of how many people or organisations there are) and show a short list with a total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise

Text = str | Promise


@dataclass(frozen=True)
class PanelItem:
    text: Text
    url: str = ""
    badge: Text | int | None = None


@dataclass(frozen=True)
class Panel:
    title: Text
    items: list[PanelItem] = field(default_factory=list)
    empty_text: Text = ""
    action_url: str = ""
    action_text: Text = ""
    # How many there are in all when `items` shows only the first few.
    total: int | None = None
    # "attention" marks a panel asking the person to do something; "info" is for overviews.
    tone: str = "info"

    @property
    def more(self) -> int:
        return max(0, (self.total or 0) - len(self.items))


Provider = Callable[[Any], list[Panel]]

_urls: dict[tuple[str, str, Any], str] = {}


def url(name: str) -> str:
    """`reverse(name)` of a URL without arguments, worked out once per process (per script prefix
    and urlconf): the panels' links to lists and forms are the same for every person."""
    key = (name, get_script_prefix(), get_urlconf())
    found = _urls.get(key)
    if found is None:
        found = _urls[key] = reverse(name)
    return found


def url_maker(name: str) -> Callable[[Any], str]:
    """`pk -> reverse(name, args=[pk])` for a URL with one integer argument, reversed once per
    process (per script prefix and urlconf) instead of once per row."""
    key = (name + "#pk", get_script_prefix(), get_urlconf())
    pattern = _urls.get(key)
    if pattern is None:
        head, tail = reverse(name, args=[0]).rsplit("0", 1)
        head, tail = (part.replace("{", "{{").replace("}", "}}") for part in (head, tail))
        pattern = _urls[key] = head + "{}" + tail
    return pattern.format


@dataclass(frozen=True)
class _Registered:
    order: int
    key: str
    provider: Provider


_registry: dict[str, _Registered] = {}


def register(provider: Provider | None = None, *, order: int = 100) -> Any:
    """Register a panel provider (usable as `@register` or `@register(order=…)`).

    Lower `order` comes first; re-registering the same function replaces it (module reloads)."""

    def deco(fn: Provider) -> Provider:
        key = f"{fn.__module__}.{fn.__qualname__}"
        _registry[key] = _Registered(order=order, key=key, provider=fn)
        return fn

    return deco(provider) if provider is not None else deco


def unregister(provider: Provider) -> None:
    _registry.pop(f"{provider.__module__}.{provider.__qualname__}", None)


def providers() -> list[Provider]:
    return [r.provider for r in sorted(_registry.values(), key=lambda r: (r.order, r.key))]


def panels_for(user: Any) -> list[Panel]:
    """Every registered provider's panels for `user`, in registration order, except that panels
    with nothing in them (no items, not asking for an action) come after the others: a person with
    many roles should not scroll past a column of "nothing to do" to find what is waiting."""
    panels: list[Panel] = []
    for provider in providers():
        panels.extend(provider(user))
    return sorted(panels, key=lambda p: not (p.items or p.tone == "attention"))
