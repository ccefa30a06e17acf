"""How a benchmark builds its throwaway database.

The full benchmarks replay the migrations, as a deployment does. The quick ones create the same
tables, indexes and constraints straight from the models (what the test runner does without
migrations): a few seconds instead of a minute, so that `make bench-quick` fits in its budget.
Only raw SQL kept in migrations (PostgreSQL exclusion constraints) is absent from that schema,
and no quick benchmark relies on it.
"""

from __future__ import annotations

from django.core.management import call_command


def build_schema(*, from_models: bool) -> str:
    """Create the schema in the default database; returns how ("models" or "migrations")."""
    if not from_models:
        call_command("migrate", verbosity=0, interactive=False)
        return "migrations"
    from django.apps import apps
    from django.test.utils import override_settings

    no_migrations = {app.label: None for app in apps.get_app_configs()}
    with override_settings(MIGRATION_MODULES=no_migrations):
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    return "models"
