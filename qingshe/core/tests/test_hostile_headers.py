"""Hostile input (issue 11 item 5): security headers, cookies, `check --deploy`, and templates
that keep to the Content-Security-Policy.

Production settings are read the way a deployment reads them: a fresh `qingshe.settings` in a
child process with DEBUG=false and the production environment variables (README,
"Configuration"); the demo's (DEBUG=true, plain http) likewise.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted((ROOT / "qingshe").glob("**/templates/**/*.html"))
# Rendered by WeasyPrint into PDFs, never by a browser: CSP does not apply.
PDF_TEMPLATES = re.compile(r"/pdf/")

PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
import io
setup_test_environment()
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "qingshe.example.cn"]
out = io.StringIO()
errors = io.StringIO()
try:
    call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=errors)
    check = "ok"
except Exception as exc:
    check = f"{exc}\n{errors.getvalue()}"
# Pages name static files through the manifest that `collectstatic` writes at deployment; the
# probe has none, so its pages use plain static URLs (check --deploy above saw the real setting).
from django.core.files.storage import storages
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
storages._storages = {}
storages.__dict__.pop("backends", None)
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.functional import empty
staticfiles_storage._wrapped = empty
client = Client()
plain = client.get("/accounts/login/", HTTP_HOST="qingshe.example.cn")
page = client.get("/accounts/login/", HTTP_HOST="qingshe.example.cn", secure=True)
cookies = {
    name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]), "samesite": m["samesite"]}
    for name, m in page.cookies.items()
}
print("PROBE" + json.dumps({
    "check": check,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "status": page.status_code,
    "headers": dict(page.headers),
    "cookies": cookies,
    "session": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
    "csrf": [settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_HTTPONLY],
    "language": [settings.LANGUAGE_COOKIE_SECURE, settings.LANGUAGE_COOKIE_HTTPONLY],
    "hsts": [settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS],
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
}))
"""


def _probe(tmp_path: Path, **extra: str) -> dict[str, Any]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "QINGSHE_", "SECURE_", "DATABASE_", "MEDIA_"))
        and k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="qingshe.settings",
        QINGSHE_VAR_DIR=str(tmp_path / "var"),
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads(line.removeprefix("PROBE"))


PRODUCTION = {
    "DEBUG": "false",
    # A throwaway key of production length and variety (check --deploy judges it).
    "SECRET_KEY": "k8#Qz!v2" * 8,
    "QINGSHE_FIELD_KEY": "production-field-key-for-the-test",
    "QINGSHE_SIGNING_KEYS": "k2026=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "ALLOWED_HOSTS": "qingshe.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://qingshe.example.cn",
}


@pytest.fixture(scope="module")
def production(tmp_path_factory: Any) -> dict[str, Any]:
    return _probe(tmp_path_factory.mktemp("prod"), **PRODUCTION)


def test_check_deploy_is_clean_under_production_settings(production: dict[str, Any]) -> None:
    assert production["check"] == "ok", production["check"]


def test_production_sends_https_only_headers_and_cookies(production: dict[str, Any]) -> None:
    assert production["ssl_redirect"] is True
    assert production["plain_status"] == 301
    assert production["plain_location"].startswith("https://qingshe.example.cn/")
    assert production["status"] == 200
    headers = {k.lower(): v for k, v in production["headers"].items()}
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["strict-transport-security"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "csrftoken" in production["cookies"]
    for name, flags in production["cookies"].items():
        assert flags["secure"] and flags["httponly"], (name, flags)
    assert production["session"] == [True, True]
    assert production["csrf"] == [True, True]
    assert production["language"] == [True, True]
    assert production["hsts"] == [31536000, True]


def test_the_demo_settings_still_serve_plain_http(tmp_path: Path) -> None:
    demo = _probe(tmp_path, DEBUG="true")
    assert demo["ssl_redirect"] is False
    assert demo["plain_status"] == 200  # `make demo` over http://127.0.0.1
    assert demo["session"][0] is False and demo["csrf"][0] is False
    headers = {k.lower(): v for k, v in demo["headers"].items()}
    assert "strict-transport-security" not in headers


@pytest.mark.django_db
def test_every_page_sends_a_csp_without_inline_script(client: Client) -> None:
    for url in ("/accounts/login/", "/cases/featured/", "/certificates/ABCD2345/verify/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        directives = {
            part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
        }
        assert directives["script-src"] == ["'self'"], policy
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_event_handler() -> None:
    """CSP (script-src 'self') forbids code in the page: a <script> must load a file, and no
    element may carry an on…= handler or a javascript: link."""
    assert len(TEMPLATES) > 100
    problems = []
    script = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
    handler = re.compile(r"<[a-zA-Z][^>]*\s(on[a-z]+)\s*=", re.IGNORECASE | re.DOTALL)
    for path in TEMPLATES:
        if PDF_TEMPLATES.search(str(path)):
            continue
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT)
        for match in script.finditer(text):
            if "src=" not in match.group(1):
                problems.append(f"{name}: inline <script{match.group(1)}>")
        for match in handler.finditer(text):
            problems.append(f"{name}: event handler {match.group(1)}=")
        if re.search(r"javascript:", text, re.IGNORECASE):
            problems.append(f"{name}: javascript: URL")
        if re.search(r"\shx-on[:-]", text):
            problems.append(f"{name}: hx-on (evaluated code)")
    assert not problems, "\n".join(problems)


def test_the_grep_would_catch_an_inline_script(tmp_path: Path) -> None:
    """The control of the test above: the same patterns find a planted inline script."""
    planted = '<div class="x"><script>alert(1)</script><a href="#" onclick="go()">x</a></div>'
    assert re.search(r"<script\b([^>]*)>", planted).group(1) == ""
    assert re.search(r"<[a-zA-Z][^>]*\s(on[a-z]+)\s*=", planted).group(1) == "onclick"
