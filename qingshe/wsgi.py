"""WSGI entry point (gunicorn qingshe.wsgi; with --preload the master imports it once, before
the workers fork)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshe.settings")
application = get_wsgi_application()
# Every view imported now (the URLconf), not at each worker's first request.
get_resolver().url_patterns  # noqa: B018
# What is loaded by now (Django, the app, OR-Tools, WeasyPrint: some 280,000 objects) lives as
# long as the process. Frozen, the cyclic garbage collector no longer walks it: a full collection
# in a gunicorn worker took 160-220 ms with it (a stalled worker, its requests waiting), and it
# stays in memory pages the forked workers share.
gc.freeze()
