"""The declaration of an exportable list: its columns, how to load its rows efficiently, and
which columns hold personal identifiers (masked unless the exporter may read them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet

TEXT, PHONE, ID_NUMBER = "text", "phone", "id_number"


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy translation
    value: Callable[[Any], Any]
    kind: str = TEXT
    # For PHONE / ID_NUMBER: the person the number belongs to (whose visibility decides).
    person: Callable[[Any], Any] | None = None
    width: int = 16


@dataclass(frozen=True)
class ExportSpec:
    name: str
    title: Any  # sheet and file name
    model: type[Model]
    columns: list[Column]
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] = field(default=lambda qs: qs)
    # Figures computed for a chunk of rows at once (e.g. hours per person), set on the objects;
    # it is given the export's context (who asked, what the page was showing).
    enrich: Callable[[list[Any], ExportContext], None] | None = None


@dataclass(frozen=True)
class ExportContext:
    """Who asked for an export and the page's own parameters beyond its rows (e.g. the
    programme whose suggestions a page lists), kept with a background job so that the worker
    writes what the page showed."""

    user: Any
    params: dict[str, Any] = field(default_factory=dict)


_SPECS: dict[str, ExportSpec] = {}


def register(spec: ExportSpec) -> ExportSpec:
    _SPECS[spec.name] = spec
    return spec


def get(name: str) -> ExportSpec:
    if not _SPECS:
        from qingshe.core.exports import specs  # noqa: F401 - registers the lists

    return _SPECS[name]


def names() -> list[str]:
    if not _SPECS:
        from qingshe.core.exports import specs  # noqa: F401

    return sorted(_SPECS)
