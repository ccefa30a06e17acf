"""The main navigation, contributed by every app like the home panels (see qingshe.core.home).

An app registers its entries in its `nav.py` (imported at start-up by CoreConfig.ready):

    nav.register("duty:list", gettext_lazy("Duty"), order=40, roles={Role.STUDENT, ...})

`roles=None` shows the entry to everyone signed in; otherwise to holders of any of the roles
(anywhere). Entries whose URL name does not resolve are a programming error and raise.
A person sees only what concerns them, so a phone's two rows of links hold their whole menu.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language

from qingshe.core import access


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    order: int
    roles: frozenset[str] | None
    staff: bool  # platform staff see it whatever their roles


_registry: dict[str, NavItem] = {}
# (roles held, platform staff, language, script prefix, urlconf, entries registered) -> the
# entries' (url, label).
# What a menu shows depends on nothing else, so each process works it out once per combination
# (a handful) instead of once per page; nothing personal is kept.
_menus: dict[tuple[Any, ...], tuple[tuple[str, str], ...]] = {}
# (menu, which entry is current) -> the entries' HTML (base.html's partial nav_items).
_html: dict[tuple[Any, ...], str] = {}


def register(
    url_name: str,
    label: str | Promise,
    *,
    order: int = 100,
    roles: Iterable[str] | None = None,
    staff: bool = True,
) -> None:
    _registry[url_name] = NavItem(
        url_name=url_name,
        label=label,
        order=order,
        roles=frozenset(roles) if roles is not None else None,
        staff=staff,
    )
    _menus.clear()
    _html.clear()


def _menu(held: frozenset[str], staff: bool) -> tuple[tuple[str, str], ...]:
    key = (held, staff, get_language(), get_script_prefix(), get_urlconf(), len(_registry))
    menu = _menus.get(key)
    if menu is None:
        menu = tuple(
            (reverse(item.url_name), str(item.label))
            for item in sorted(_registry.values(), key=lambda i: (i.order, i.url_name))
            if item.roles is None or held & item.roles or (staff and item.staff)
        )
        _menus[key] = menu
    return menu


def items_for(user: Any, path: str) -> list[dict[str, Any]]:
    """The entries `user` sees, in order, each with its URL and whether it is the current section."""
    held = frozenset(g.role for g in access.grants(user))
    menu = _menu(held, access.is_platform_staff(user))
    return [
        {"url": url, "label": label, "current": path == url if url == "/" else path.startswith(url)}
        for url, label in menu
    ]


def menu_html(user: Any, path: str) -> str:
    """`items_for` rendered by base.html's partial nav_items: the same HTML for everyone with the
    same menu and current entry, so kept per process (not while DEBUG, when templates change)."""
    menu = _menu(frozenset(g.role for g in access.grants(user)), access.is_platform_staff(user))
    current = tuple(path == url if url == "/" else path.startswith(url) for url, _ in menu)
    key = (menu, current)
    html = None if settings.DEBUG else _html.get(key)
    if html is None:
        items = [
            {"url": u, "label": label, "current": c}
            for (u, label), c in zip(menu, current, strict=True)
        ]
        html = _html[key] = get_template("base.html#nav_items").render({"nav_items": items})
    return html
