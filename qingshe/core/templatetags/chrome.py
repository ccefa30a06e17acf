"""The page chrome's fixed links, worked out once per process instead of on every page.

`{% route "core:home" %}` is `{% url "core:home" %}` for a route without arguments, and
`{% static_file "css/qingshe.css" %}` is `{% static "css/qingshe.css" %}`: the same string, kept
per (name, urlconf, script prefix) or per path, since it depends on nothing else. Every page
renders a dozen of them in its header, tabs and footer (issue 11: a bare render of base.html spent
a third of its time in reverse() and the static storage). A change of the settings they depend on
(tests' override_settings) empties the memo.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_routes: dict[tuple[str, Any, str], str] = {}
_statics: dict[str, str] = {}


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _routes.clear()
    _statics.clear()


def _literal(parser: Any, token: Any) -> str:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one quoted name")
    return bits[1][1:-1]


class RouteNode(template.Node):
    def __init__(self, name: str) -> None:
        self.name = name

    def render(self, context: Any) -> str:
        key = (self.name, get_urlconf(), get_script_prefix())
        url = _routes.get(key)
        if url is None:
            url = _routes[key] = reverse(self.name)
        return conditional_escape(url) if context.autoescape else url


class StaticFileNode(template.Node):
    def __init__(self, path: str) -> None:
        self.path = path

    def render(self, context: Any) -> str:
        url = _statics.get(self.path)
        if url is None:
            url = _statics[self.path] = StaticNode.handle_simple(self.path)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def route(parser: Any, token: Any) -> RouteNode:
    return RouteNode(_literal(parser, token))


@register.tag
def static_file(parser: Any, token: Any) -> StaticFileNode:
    return StaticFileNode(_literal(parser, token))
