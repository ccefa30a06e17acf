"""Per-person page cache, invalidated by the database tables a page read (decision 0017).

A page decorated with `@page_cache` is kept, for the person's session and for at most
QINGSHE_PAGE_CACHE_SECONDS, under the versions of every table its queries read. Every statement
that writes a table (INSERT / UPDATE / DELETE, from the ORM, bulk paths or raw SQL, in any process
sharing the cache) gives that table a new version, at once and again when its transaction
commits; a statement the tracker cannot read as a plain read or a write to a named table gives
every table a new version. A kept page is served only while every version it was stored under is
still current, so a page is never older than the last write to anything it showed; the time
limit bounds what depends on the clock instead (a shift that has just begun).

The person's session and user row are read before the page's own queries and are not among its
tables (every login writes both tables): a kept page stores a digest of its session's data, which
must still be in the cache unchanged when it is served (sessions are cached_db, in this cache),
and the version of its person's row, which a write to that row by primary key changes (any other
write to the user table changes every row's; a last_login update only the row's).

Kept only: GET without query-string surprises of its own (the query string is part of the key),
status 200, HTML, no cookie set, no write and no session change during the request, no message
shown or added, for a logged-in person. Not served when the request carries a pending message.

Correctness across processes needs a cache they share (Redis, memcached, a file or database
cache): `enabled()` says no for a process-local cache unless QINGSHE_PAGE_CACHE_LOCAL allows it
(one process: tests, `make demo` if set), or when sessions are not cached_db in this cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_CACHE_PREFIX
from django.core.cache import caches
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.utils import translation

logger = logging.getLogger(__name__)
ANY = "*"  # the version every kept page depends on: bumped by writes the tracker cannot name
_PREFIX = "qs:pc:"
# A table's version is kept a day after its last write; one that expired is simply new (pages
# stored under the old one are not served), so the cache never fills with them.
VERSION_SECONDS = 24 * 3600
_LOCAL_BACKENDS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)"?',
    re.IGNORECASE,
)
# Django's save() of one row, and .filter(pk=…).update(): the row's primary key is the last parameter.
_ONE_ROW = re.compile(r'\sWHERE\s+"?\w+"?\."?id"?\s*=\s*%s\s*$', re.IGNORECASE)
_LAST_LOGIN_ONLY = re.compile(
    r'^\s*UPDATE\s+"?\w+"?\s+SET\s+"?last_login"?\s*=\s*%s\s+WHERE\s', re.IGNORECASE
)
_READ_TABLES = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)
# Statements that change no table's rows: reads, transaction control, session settings, locks.
_HARMLESS = re.compile(
    r"^\s*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|PRAGMA|SET|SHOW|EXPLAIN|"
    r"ANALYZE|VACUUM|LOCK\s+TABLE)\b",
    re.IGNORECASE,
)

# .versions: {table: version} of the tables read by the page being rendered, each taken before
# its first read; .ahead: versions read when the request began; .wrote: whether the page wrote
# anything (then it is not kept).
_state = threading.local()
# Per view, the tables its last render read: their versions are fetched with the kept page.
_expected: dict[str, frozenset[str]] = {}
# Per session cookie, the person it was last seen logged in as in this process: the version of
# their row is then fetched with the kept page too (a guess; each page is checked against the
# rows it was stored under whatever is fetched ahead).
_session_users: dict[str, Any] = {}
_SESSION_USERS_MAX = 20_000


def _remember(cookie: str, user_id: Any) -> None:
    if user_id is None:
        return
    if len(_session_users) >= _SESSION_USERS_MAX:
        _session_users.clear()
    _session_users[cookie] = user_id


# --- settings ------------------------------------------------------------------------------------
def seconds() -> int:
    return int(getattr(settings, "QINGSHE_PAGE_CACHE_SECONDS", 0))


def _cache() -> Any:
    return caches["default"]


CACHED_DB_SESSIONS = "django.contrib.sessions.backends.cached_db"


def enabled() -> bool:
    if seconds() <= 0:
        return False
    if settings.SESSION_ENGINE != CACHED_DB_SESSIONS or settings.SESSION_CACHE_ALIAS != "default":
        return False  # a kept page is checked against its session in this cache (settings.py)
    backend = settings.CACHES["default"]["BACKEND"]
    return backend not in _LOCAL_BACKENDS or bool(
        getattr(settings, "QINGSHE_PAGE_CACHE_LOCAL", False)
    )


# --- versions ------------------------------------------------------------------------------------
def _version_key(table: str) -> str:
    return f"{_PREFIX}v:{table}"


def bump(tables: Iterable[str]) -> None:
    """New versions for these tables (and so for every kept page that read one of them)."""
    keys = {_version_key(t): secrets.token_hex(6) for t in set(tables)}
    if keys:
        _cache().set_many(keys, timeout=VERSION_SECONDS)


def _current(tables: Iterable[str], found: dict[str, Any] | None = None) -> dict[str, str]:
    """The tables' versions now; a table never written yet gets its first one. `found`: what a
    get_many of their version keys just returned (read again if None)."""
    keys = {_version_key(t): t for t in tables}
    if found is None:
        found = _cache().get_many(list(keys))
    else:
        found = {k: v for k, v in found.items() if k in keys}
    missing = {k: secrets.token_hex(6) for k in keys if k not in found}
    for key, token in missing.items():
        # add(): two first readers keep the same version; re-read what won.
        if not _cache().add(key, token, timeout=VERSION_SECONDS):
            missing[key] = _cache().get(key, token)
    return {keys[k]: v for k, v in {**found, **missing}.items()}


# --- the statement tracker -----------------------------------------------------------------------
def written_table(sql: str) -> str | None:
    """The table a statement writes, ANY if it may write something unnamed, None for a read."""
    match = _WRITE.match(sql)
    if match:
        return match.group(1).lower()
    if _HARMLESS.match(sql):
        return None
    return ANY


def read_tables(sql: str) -> set[str]:
    return {t.lower() for t in _READ_TABLES.findall(sql)}


def _track(execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict) -> Any:
    text = sql if isinstance(sql, str) else str(sql)
    table = written_table(text)
    if table is None:
        versions = getattr(_state, "versions", None)
        if versions is not None:
            new = read_tables(text).difference(versions)
            if new:
                # Before the rows are read: a write committed after this is seen as a new version.
                # Versions read when the request began are older still, so they serve as well.
                ahead = _state.ahead
                known = {t: ahead[t] for t in new if t in ahead}
                versions.update(known)
                if len(known) < len(new):
                    versions.update(_current(new.difference(known)))
        return execute(sql, params, many, context)
    if getattr(_state, "versions", None) is not None:
        _state.wrote = True
    try:
        return execute(sql, params, many, context)
    finally:
        rows = _user_rows(table, text, params, many)
        if rows is None:
            _written(context["connection"], user_row(params[-1]))
        else:
            _written(context["connection"], table, rows)


@functools.cache
def _user_table() -> str:
    return get_user_model()._meta.db_table


def user_row(pk: Any) -> str:
    """The version name of one person's row: every kept page of theirs depends on it."""
    return f"{_user_table()}#{pk}"


def _user_rows(table: str, sql: str, params: Any, many: bool) -> list[str] | None:
    """The user rows a write to the user table changes: one row's name when the statement names
    it by primary key, else every row's (a new row changes no kept page). None: the statement
    only records a login time (Django's update_last_login at every login), which no page shows,
    so the table keeps its version and only that person's pages are rendered again."""
    if table != _user_table() or sql.lstrip()[:6].upper() == "INSERT":
        return []
    if not many and params and _ONE_ROW.search(sql):
        if _LAST_LOGIN_ONLY.match(sql):
            return None
        return [user_row(params[-1])]
    return [user_row("*")]


def _written(connection: Any, table: str, rows: Iterable[str] = ()) -> None:
    tables = [table, *rows]  # a statement writes one table (ANY stands for all), and user rows
    _bump_logged(tables)  # at once: a reader in this transaction (or a test's) sees the change
    if connection.in_atomic_block:
        # and at commit: a page rendered from the snapshot before it is then never served
        transaction.on_commit(lambda: _bump_logged(tables), using=connection.alias)


def _bump_logged(tables: list[str]) -> None:
    """A cache that cannot be reached must not fail the write; kept pages then expire by time."""
    try:
        bump(tables)
    except Exception:  # noqa: BLE001 - any cache client error
        logger.exception("page cache: could not record a write to %s", tables)


def _install(sender: Any, connection: Any, **kwargs: Any) -> None:
    if enabled() and _track not in connection.execute_wrappers:
        connection.execute_wrappers.append(_track)


def connect() -> None:
    """Track every database connection of this process (called from CoreConfig.ready)."""
    connection_created.connect(_install, dispatch_uid="qingshe.page_cache")
    for conn in connections.all(initialized_only=True):
        _install(None, conn)


# --- the decorator -------------------------------------------------------------------------------
def _page_key(request: HttpRequest) -> str | None:
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    csrf_secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if not session_key or not csrf_secret:
        # Without its CSRF cookie the page would make one: its forms' tokens come from it.
        return None
    parts = [
        session_key,
        csrf_secret,
        request.get_host(),
        request.get_full_path(),
        translation.get_language() or "",
        *(
            request.headers.get(h, "")
            for h in ("HX-Request", "HX-Target", "HX-Trigger", "HX-Boosted")
        ),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{_PREFIX}p:{digest}"


def _has_pending_messages(request: HttpRequest) -> bool:
    # The cookie storage keeps waiting messages (or, when they overflow to the session, a marker).
    return bool(request.COOKIES.get(CookieStorage.cookie_name))


def _served(entry: dict[str, Any], ahead: dict[str, str]) -> HttpResponse | None:
    """The kept page, if every table it was stored under still has the same version (`ahead`:
    versions already read with it)."""
    stored = entry["versions"]
    if any(ahead.get(t, v) != v for t, v in stored.items()):
        return None
    rest = [t for t in stored if t not in ahead]
    if rest and any(v != stored[t] for t, v in _current(rest).items()):
        return None
    response = HttpResponse(entry["content"], status=200, headers=entry["headers"])
    response["X-Qingshe-Page-Cache"] = "hit"
    return response


def _digest(session: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(session, sort_keys=True, default=str).encode()).hexdigest()


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    storage = getattr(request, "_messages", None)
    return (
        not request.session.modified
        and response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and "no-store" not in response.get("Cache-Control", "")
        and not getattr(_state, "wrote", False)
        and not (storage is not None and (storage.used or storage.added_new))
    )


def page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Keep this page per person (see the module's docstring). Put it outside login_required."""

    view_id = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = _page_key(request) if enabled() and request.method == "GET" else None
        if key is None or _has_pending_messages(request):
            return view(request, *args, **kwargs)
        # One cache round trip: the kept page, the person's session (cached_db keeps it in this
        # cache), the versions of the tables this view read last time (which its render will
        # most likely read again) and of the person's row, when this process knows who it is.
        cookie = request.COOKIES[settings.SESSION_COOKIE_NAME]
        session_key = SESSION_CACHE_PREFIX + cookie
        known_user = _session_users.get(cookie)
        rows = {user_row(known_user), user_row("*")} if known_user is not None else set()
        tables = _expected.get(view_id, frozenset()) | {ANY} | rows
        fetched = _cache().get_many([key, session_key, *map(_version_key, tables)])
        ahead = _current(tables, found=fetched)
        entry, session = fetched.get(key), fetched.get(session_key)
        if entry is not None and session is not None and entry["session"] == _digest(session):
            hit = _served(entry, ahead)
            if hit is not None:
                _remember(cookie, session.get(SESSION_KEY))
                return hit
        if getattr(_state, "versions", None) is not None:  # a page inside a page: not kept
            return view(request, *args, **kwargs)
        # The session and the person are read before the page's own reads and are not among
        # its tables (every login writes both tables): the page depends on this session's data,
        # compared at each hit, and on the version of this person's row, read before the row.
        user_id = request.session.get(SESSION_KEY)
        if user_id is None:
            return view(request, *args, **kwargs)  # nobody logged in: never kept
        person = [user_row(user_id), user_row("*")]
        fetched_ahead = all(r in ahead for r in person)
        who = {r: ahead[r] for r in person} if fetched_ahead else _current(person)
        if not request.user.is_authenticated:  # the session no longer matches the person
            return view(request, *args, **kwargs)
        _remember(cookie, user_id)
        session_digest = _digest(dict(request.session.items()))
        _state.versions, _state.ahead, _state.wrote = {ANY: ahead[ANY], **who}, ahead, False
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            read = set(_state.versions).difference(who, [ANY])
            keep = _keepable(request, response) and bool(read)  # read nothing: not tracked
            versions = dict(_state.versions)
        finally:
            _state.versions, _state.ahead, _state.wrote = None, {}, False
        _expected[view_id] = frozenset(read)
        if keep:
            headers = {k: v for k, v in response.items() if k.lower() != "set-cookie"}
            entry = {
                "versions": versions,
                "session": session_digest,
                "content": response.content,
                "headers": headers,
            }
            _cache().set(key, entry, timeout=seconds())
        return response

    return wrapped
