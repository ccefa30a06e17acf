"""Names for the few fixed SQL statements written out on hot read paths (decision 0017).

Where building an ORM query costs many times running it (the roles read on every page, a
student's home-page figures, my shifts' rows, my record's section flags), a statement is written
out once. Its table and column names always come from the models through these two functions,
quoted for the database in use; every value goes in as a parameter.
"""

from __future__ import annotations

from typing import Any

from django.db import connection


def table(model: Any) -> str:
    """The model's table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: Any, field: str, *, qualified: bool = False) -> str:
    """The field's column, quoted; `qualified`: prefixed with its table (for joins)."""
    name = connection.ops.quote_name(model._meta.get_field(field).column)
    return f"{table(model)}.{name}" if qualified else name
