"""The chrome's fixed links ({% route %}, {% static_file %}): the same strings as {% url %} and
{% static %}, worked out once per process (issue 11)."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.templatetags.static import static
from django.test import override_settings
from django.urls import reverse

from qingshe.core.templatetags import chrome


def _render(source: str) -> str:
    return Template("{% load chrome %}" + source).render(Context())


def test_route_and_static_file_are_url_and_static(db: Any) -> None:
    for name in ("core:home", "set_language", "accounts:logout", "duty:mine", "credit:hours"):
        assert _render(f"{{% route '{name}' %}}") == reverse(name)
        assert _render(f"{{% route '{name}' %}}") == reverse(name)  # from the memo
    assert _render("{% static_file 'css/qingshe.css' %}") == static("css/qingshe.css")


def test_a_settings_change_is_seen(db: Any) -> None:
    before = _render("{% static_file 'css/qingshe.css' %}")
    with override_settings(STATIC_URL="/elsewhere/"):
        assert _render("{% static_file 'css/qingshe.css' %}") == "/elsewhere/css/qingshe.css"
    assert _render("{% static_file 'css/qingshe.css' %}") == before
    with override_settings(FORCE_SCRIPT_NAME="/sub/"):
        from django.urls import set_script_prefix

        set_script_prefix("/sub/")
        try:
            assert _render("{% route 'duty:mine' %}") == "/sub/duty/mine/"
        finally:
            set_script_prefix("/")
    assert _render("{% route 'duty:mine' %}") == "/duty/mine/"
    assert chrome._routes


def test_a_wrong_name_or_a_variable_fails_loudly(db: Any) -> None:
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        _render("{% route 'nowhere:list' %}")
    with pytest.raises(TemplateSyntaxError):
        _render("{% route name %}")
