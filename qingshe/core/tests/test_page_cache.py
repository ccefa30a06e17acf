"""The per-person page cache (qingshe.core.page_cache): kept pages are served again, and never
after a write to anything they showed, nor to another person, nor with a message waiting."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings

from qingshe.core import page_cache
from qingshe.needs.models import Need
from qingshe.needs.services.needs import need_submit

HIT = "X-Qingshe-Page-Cache"
BOARD = "/needs/"


def _submit(city: Any, title: str) -> Need:
    return need_submit(
        actor=city.staff, community=city.community, title=title,
        project_type="governance", service_field="technology", people_needed=2,
    )  # fmt: skip


def _client(user: Any) -> Client:
    """A logged-in browser that already holds its CSRF cookie (as after its first page)."""
    client = Client()
    client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = "b" * 32
    return client


# --- reading statements ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('INSERT INTO "needs_need" ("title") VALUES (%s)', "needs_need"),
        ('INSERT OR IGNORE INTO "duty_attendance" ("x") VALUES (?)', "duty_attendance"),
        ('UPDATE "duty_attendance" SET "state" = %s WHERE "id" = %s', "duty_attendance"),
        ('DELETE FROM "django_session" WHERE "session_key" = %s', "django_session"),
        ("insert into accounts_user (name) values (%s)", "accounts_user"),
        ('SELECT "needs_need"."id" FROM "needs_need" WHERE "id" = %s', None),
        ("SAVEPOINT s1", None),
        ("RELEASE SAVEPOINT s1", None),
        ("TRUNCATE needs_need", page_cache.ANY),
        ("WITH x AS (DELETE FROM a RETURNING *) SELECT 1", page_cache.ANY),
        ("CREATE TABLE t (id int)", page_cache.ANY),
    ],
)
def test_a_statement_is_read_as_a_write_to_its_table_or_to_anything(
    sql: str, table: str | None
) -> None:
    assert page_cache.written_table(sql) == table


def test_the_tables_a_read_names_are_its_from_and_join_tables() -> None:
    sql = (
        'SELECT "needs_need"."id" FROM "needs_need" INNER JOIN "orgs_organisation" ON (1) '
        'WHERE "needs_need"."id" IN (SELECT U0."id" FROM "needs_needassignment" U0)'
    )
    assert page_cache.read_tables(sql) == {
        "needs_need",
        "orgs_organisation",
        "needs_needassignment",
    }


# --- serving kept pages -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_page_is_kept_and_served_again_until_a_table_it_read_is_written(city: Any) -> None:
    _submit(city, "修理楼道灯")
    staff = _client(city.staff)
    first = staff.get(BOARD)
    assert first.status_code == 200 and HIT not in first
    assert "修理楼道灯" in first.content.decode()
    again = staff.get(BOARD)
    assert again[HIT] == "hit"
    assert again.content == first.content

    _submit(city, "清理小区广告")  # a write to needs_need, which the board read
    fresh = staff.get(BOARD)
    assert HIT not in fresh
    assert "清理小区广告" in fresh.content.decode()


@pytest.mark.django_db
def test_a_kept_page_is_checked_against_every_table_it_read_even_those_not_fetched_ahead(
    city: Any,
) -> None:
    """The versions fetched with a kept page are those of the tables the view's last render
    read; a page stored by an earlier render may depend on others, which are read then."""
    _submit(city, "修理楼道灯")
    staff = _client(city.staff)
    staff.get(BOARD)
    assert staff.get(BOARD)[HIT] == "hit"
    page_cache._expected.clear()  # as if the last render (another person's) read other tables
    assert staff.get(BOARD)[HIT] == "hit"
    page_cache._expected.clear()
    _submit(city, "清理小区广告")
    fresh = staff.get(BOARD)
    assert HIT not in fresh and "清理小区广告" in fresh.content.decode()


@pytest.mark.django_db
def test_a_bulk_update_that_sends_no_signal_invalidates_too(city: Any) -> None:
    need = _submit(city, "修理楼道灯")
    staff = _client(city.staff)
    staff.get(BOARD)
    assert staff.get(BOARD)[HIT] == "hit"
    Need.objects.filter(pk=need.pk).update(title="修理单元门")
    page = staff.get(BOARD)
    assert HIT not in page and "修理单元门" in page.content.decode()


@pytest.mark.django_db
def test_a_raw_sql_write_invalidates_too(city: Any) -> None:
    need = _submit(city, "修理楼道灯")
    staff = _client(city.staff)
    staff.get(BOARD)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE needs_need SET title = %s WHERE id = %s", ["换路灯", need.pk])
    assert "换路灯" in staff.get(BOARD).content.decode()


@pytest.mark.django_db
def test_a_kept_page_is_never_served_to_someone_else(city: Any) -> None:
    mine = _client(city.student)
    theirs = _client(city.student2)
    page_of_mine = mine.get("/")
    assert mine.get("/")[HIT] == "hit"
    other = theirs.get("/")
    assert HIT not in other
    assert city.student.name in page_of_mine.content.decode()
    assert city.student.name not in other.content.decode()


@pytest.mark.django_db
def test_after_logging_out_the_old_session_gets_no_kept_page(city: Any) -> None:
    student = _client(city.student)
    assert student.get("/").status_code == 200
    assert student.get("/")[HIT] == "hit"
    cookie = student.cookies["sessionid"].value
    student.post("/accounts/logout/")
    replay = Client()
    replay.cookies["sessionid"] = cookie
    replay.cookies[settings.CSRF_COOKIE_NAME] = "b" * 32  # a copied cookie of the ended session
    answer = replay.get("/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


MY_OFFERS = "/dispatch/offers/"  # reads no user table of its own: it depends on its person alone


@pytest.mark.django_db
def test_someone_else_logging_in_leaves_my_kept_page_usable(city: Any) -> None:
    """Every login writes a session row and the person's last_login: neither is another
    person's page's business (before, every login anywhere re-rendered every kept page)."""
    student = _client(city.student)
    student.get(MY_OFFERS)
    assert student.get(MY_OFFERS)[HIT] == "hit"
    other = Client()
    other.force_login(city.student2)  # a new session row, and student2's last_login
    assert other.get(MY_OFFERS).status_code == 200
    assert student.get(MY_OFFERS)[HIT] == "hit"


@pytest.mark.django_db
def test_a_change_to_my_own_row_renders_my_pages_again(city: Any) -> None:
    student = _client(city.student)
    student.get("/")
    assert student.get("/")[HIT] == "hit"
    city.student.name = "改名后的学生"
    city.student.save(update_fields=["name"])  # one row, by primary key
    page = student.get("/")
    assert HIT not in page and "改名后的学生" in page.content.decode()


@pytest.mark.django_db
def test_logging_in_again_elsewhere_renders_my_pages_again(city: Any) -> None:
    student = _client(city.student)
    student.get(MY_OFFERS)
    assert student.get(MY_OFFERS)[HIT] == "hit"
    Client().force_login(city.student)  # my last_login: only my own pages
    assert HIT not in student.get(MY_OFFERS)


@pytest.mark.django_db
def test_people_changed_in_bulk_are_never_served_kept_pages(city: Any) -> None:
    from qingshe.accounts.models import User

    student = _client(city.student)
    student.get(MY_OFFERS)
    assert student.get(MY_OFFERS)[HIT] == "hit"
    User.objects.filter(pk__in=[city.student.pk, city.student2.pk]).update(is_active=False)
    answer = student.get(MY_OFFERS)
    assert HIT not in answer and answer.status_code == 302  # deactivated: logged out


@pytest.mark.django_db
def test_a_changed_session_is_not_served_its_old_kept_page(city: Any) -> None:
    from django.contrib.sessions.backends.cached_db import SessionStore

    student = _client(city.student)
    student.get(MY_OFFERS)
    assert student.get(MY_OFFERS)[HIT] == "hit"
    store = SessionStore(session_key=student.cookies["sessionid"].value)
    store["something"] = "changed elsewhere"
    store.save()
    assert HIT not in student.get(MY_OFFERS)
    assert student.get(MY_OFFERS)[HIT] == "hit"  # kept again with the new data


@pytest.mark.django_db
def test_a_session_erased_from_the_database_and_cache_gets_no_kept_page(city: Any) -> None:
    from django.contrib.sessions.backends.cached_db import SessionStore

    student = _client(city.student)
    student.get(MY_OFFERS)
    assert student.get(MY_OFFERS)[HIT] == "hit"
    SessionStore().delete(student.cookies["sessionid"].value)
    answer = student.get(MY_OFFERS)
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_a_write_to_the_user_table_names_the_rows_it_changes() -> None:
    user, every = "accounts_user", [page_cache.user_row("*")]
    assert page_cache._user_table() == user
    one = 'UPDATE "accounts_user" SET "name" = %s WHERE "accounts_user"."id" = %s'
    assert page_cache._user_rows(user, one, ["x", 7], False) == [page_cache.user_row(7)]
    login = 'UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s'
    assert page_cache._user_rows(user, login, ["2026-11-23", 7], False) is None
    several = 'UPDATE "accounts_user" SET "is_active" = %s WHERE "accounts_user"."id" IN (%s, %s)'
    assert page_cache._user_rows(user, several, [False, 1, 2], False) == every
    gone = 'DELETE FROM "accounts_user" WHERE "accounts_user"."id" = %s'
    assert page_cache._user_rows(user, gone, [3], True) == every
    new = 'INSERT INTO "accounts_user" ("name") VALUES (%s)'
    assert page_cache._user_rows(user, new, ["y"], False) == []
    other = 'UPDATE "needs_need" SET "title" = %s WHERE "needs_need"."id" = %s'
    assert page_cache._user_rows("needs_need", other, ["x", 7], False) == []


def test_off_when_sessions_are_not_kept_in_the_same_cache() -> None:
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.db"):
        assert not page_cache.enabled()
    with override_settings(SESSION_CACHE_ALIAS="other"):
        assert not page_cache.enabled()
    assert page_cache.enabled()


@pytest.mark.django_db
def test_a_page_with_a_message_waiting_is_rendered_and_not_kept(city: Any) -> None:
    student = _client(city.student)
    student.get("/")
    assert student.get("/")[HIT] == "hit"
    student.cookies["messages"] = "something waiting"  # what django.contrib.messages leaves
    assert HIT not in student.get("/")


@pytest.mark.django_db
def test_a_full_page_and_its_htmx_fragment_are_kept_apart(city: Any) -> None:
    staff = _client(city.staff)
    full = staff.get(BOARD)
    fragment = staff.get(BOARD, headers={"HX-Request": "true", "HX-Target": "board"})
    assert HIT not in fragment
    assert staff.get(BOARD).content == full.content


@pytest.mark.django_db
def test_a_page_is_not_kept_longer_than_its_time(
    city: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache.backends import locmem

    staff = _client(city.staff)
    staff.get(BOARD)
    assert staff.get(BOARD)[HIT] == "hit"
    real = locmem.time.time
    monkeypatch.setattr(locmem.time, "time", lambda: real() + page_cache.seconds() + 1)
    assert HIT not in staff.get(BOARD)


@pytest.mark.django_db
def test_a_write_still_succeeds_when_the_cache_cannot_be_reached(
    city: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(page_cache, "bump", down)
    need = _submit(city, "修理楼道灯")
    assert Need.objects.filter(pk=need.pk).exists()
    assert "page cache: could not record a write" in caplog.text


@pytest.mark.django_db
def test_anonymous_visitors_and_other_methods_are_never_served_kept_pages(city: Any) -> None:
    assert Client().get("/").status_code == 302
    staff = _client(city.staff)
    staff.get(BOARD)
    assert HIT not in staff.head(BOARD)


@pytest.mark.django_db
def test_a_browser_without_its_csrf_cookie_gets_a_page_rendered_for_it(city: Any) -> None:
    staff = _client(city.staff)
    staff.get(BOARD)
    assert staff.get(BOARD)[HIT] == "hit"
    del staff.cookies[settings.CSRF_COOKIE_NAME]
    page = staff.get(BOARD)
    assert HIT not in page
    assert settings.CSRF_COOKIE_NAME in page.cookies  # a new secret, and forms made from it


def test_a_cache_of_one_process_is_refused_unless_there_is_one_process() -> None:
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=local, QINGSHE_PAGE_CACHE_LOCAL=False):
        assert not page_cache.enabled()
    with override_settings(CACHES=local, QINGSHE_PAGE_CACHE_LOCAL=True):
        assert page_cache.enabled()
    with override_settings(QINGSHE_PAGE_CACHE_SECONDS=0, QINGSHE_PAGE_CACHE_LOCAL=True):
        assert not page_cache.enabled()
    shared = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://x",
        }
    }
    with override_settings(CACHES=shared, QINGSHE_PAGE_CACHE_LOCAL=False):
        assert page_cache.enabled()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()
