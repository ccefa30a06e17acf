"""Test overrides: fast hashing, immediate tasks, a fixed field key, finders for static files."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-qingshe")
os.environ.setdefault("QINGSHE_FIELD_KEY", "test-field-key-qingshe")

from qingshe.settings import *  # noqa: E402,F403
from qingshe.settings import DATABASES, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

# Uploads made by tests (need photos, case photos, import files, exports) go to a folder of this
# test process, removed when it ends, never into var/media.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="qingshe-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# The page cache is on in every test (one process, the local cache): a page served stale after a
# write would fail the tests that change something and look at the page again.
QINGSHE_PAGE_CACHE_SECONDS = 15
QINGSHE_PAGE_CACHE_LOCAL = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as settings.py does with it on
