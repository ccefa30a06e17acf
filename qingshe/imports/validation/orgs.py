"""The organisations sheet, checked as a whole (its rows may come in any order)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qingshe.imports.columns import COLUMNS, IMPORTABLE_KINDS, KIND_CHOICES, ORGS, fold, parse_kind
from qingshe.imports.directory import Lookup, Node, split_path
from qingshe.imports.validation.cells import ErrorSink, Layout, Reader, as_text
from qingshe.orgs.models import ALLOWED_PARENTS, OrgKind


# --- organisations sheet ------------------------------------------------------------------------
@dataclass
class OrgRow:
    row: int
    node: Node
    parent_text: str
    resolved: bool = False


class OrgSheet:
    """Checks the organisations sheet as a whole (its rows may come in any order)."""

    def __init__(self, *, existing: list[Node], layout: Layout | None, sink: ErrorSink) -> None:
        self.existing = existing
        self.layout = layout
        self.sink = sink
        self.rows: list[OrgRow] = []
        self.lookup = Lookup(existing)

    def _bad(self, row: int, key: str | None, code: str, /, **params: Any) -> None:
        self.sink.add(ORGS, row, key, code, **params)

    def add_row(self, row: int, values: tuple[Any, ...]) -> None:
        assert self.layout is not None
        cells = Reader(self.layout, self.sink)
        ok = True
        text = {c.key: as_text(cells.raw(values, c.key)) for c in COLUMNS[ORGS]}
        for column in COLUMNS[ORGS]:
            value = text[column.key]
            if column.required and not value:
                cells.required(row, column.key)
                ok = False
            elif column.max_length and len(value) > column.max_length:
                self._bad(row, column.key, "too_long", limit=column.max_length)
                ok = False
        kind = parse_kind(text["kind"]) if text["kind"] else None
        if text["kind"] and kind is None:
            self._bad(
                row,
                "kind",
                "unknown_kind",
                value=text["kind"][:40],
                choices="、".join(KIND_CHOICES),
            )
            ok = False
        elif kind is not None and kind not in IMPORTABLE_KINDS:
            self._bad(row, "kind", "kind_not_importable", kind=kind)
            ok = False
        node = Node(
            id=-row,
            kind=kind or "",
            name=text["name"],
            short_name=text["short_name"],
            row=row,
            has_error=not ok,
        )
        node.compute_keys()
        self.rows.append(OrgRow(row=row, node=node, parent_text=text["parent"]))

    def _resolve(self, text: str, lookup: Lookup) -> tuple[Node | None, str | None, str]:
        """(node, None, "") when found; (None, "ambiguous"/"unknown_parent", the name at fault)."""
        parts = split_path(text)
        current: Node | None = None
        for part in parts:
            found = lookup.find(part, under=current)
            if len(found) > 1:
                return None, "ambiguous", part
            if not found:
                return None, "unknown_parent", part
            current = found[0]
        return current, None, ""

    def check(self) -> None:
        """Resolve every parent (repeating while rows become findable through others), then
        check placement, duplicates and rows whose parent row has errors."""
        pending = [r for r in self.rows if r.parent_text]
        failures: dict[int, tuple[str, str]] = {}
        while True:
            lookup = Lookup(self.existing + [r.node for r in self.rows])
            progress = False
            for org_row in pending:
                if org_row.resolved:
                    continue
                parent, code, name = self._resolve(org_row.parent_text, lookup)
                if parent is None:
                    failures[org_row.row] = (code or "unknown_parent", name)
                    continue
                failures.pop(org_row.row, None)
                org_row.resolved = progress = True
                node = org_row.node
                node.parent = parent
                node.compute_keys()
            if not progress:
                break
        for org_row in pending:
            if not org_row.resolved:
                code, name = failures.get(org_row.row, ("unknown_parent", org_row.parent_text))
                self._bad(org_row.row, "parent", code, name=name[:120])
                org_row.node.has_error = True
        self._check_cycles()
        self._check_placement()
        self._check_duplicates()
        self._cascade()
        self.lookup = Lookup(self.existing + [r.node for r in self.rows])

    def _check_cycles(self) -> None:
        for org_row in self.rows:
            seen = {org_row.node.id}
            parent = org_row.node.parent
            while parent is not None and not parent.in_database and parent.alias is None:
                if parent.id in seen:
                    self._bad(org_row.row, "parent", "parent_cycle")
                    org_row.node.has_error = True
                    org_row.node.parent = None
                    break
                seen.add(parent.id)
                parent = parent.parent

    def _check_placement(self) -> None:
        children_by_parent: dict[int, dict[str, Node]] = {}
        for node in self.existing:
            if node.parent is not None:
                children_by_parent.setdefault(node.parent.id, {})[node.name] = node
        for org_row in self.rows:
            node = org_row.node
            if node.parent is None or node.kind not in IMPORTABLE_KINDS:
                continue  # no parent, or a kind already reported
            parent = node.parent.real
            if parent.kind not in ALLOWED_PARENTS[OrgKind(node.kind)]:
                self._bad(
                    org_row.row,
                    "parent",
                    "invalid_parent",
                    kind=node.kind,
                    parent=parent.name,
                    parent_kind=parent.kind,
                )
                node.has_error = True
                continue
            there = (
                children_by_parent.get(parent.id, {}).get(node.name) if parent.in_database else None
            )
            if there is not None and not node.has_error:
                if there.kind == node.kind:
                    node.alias = there
                else:
                    self._bad(
                        org_row.row,
                        "name",
                        "org_exists_other_kind",
                        name=node.name,
                        parent=parent.name,
                        kind=there.kind,
                    )
                    node.has_error = True

    def _check_duplicates(self) -> None:
        """Two rows creating the same name under the same parent: both are errors."""
        assert self.layout is not None
        header = self.layout.header("name")
        first: dict[tuple[int, str], OrgRow] = {}
        flagged: set[int] = set()
        for org_row in self.rows:
            node = org_row.node
            if node.parent is None or not node.name:
                continue
            other = first.setdefault((node.parent.real.id, fold(node.name)), org_row)
            if other is org_row:
                continue
            self._bad(org_row.row, "name", "duplicate_in_file", column=header, other=other.row)
            if other.row not in flagged:
                flagged.add(other.row)
                self._bad(other.row, "name", "duplicate_in_file", column=header, other=org_row.row)
            node.has_error = other.node.has_error = True
            node.alias = other.node.alias = None

    def _cascade(self) -> None:
        """A row under a row with errors cannot be created either."""
        changed = True
        while changed:
            changed = False
            for org_row in self.rows:
                node = org_row.node
                parent = node.parent
                if (
                    node.has_error
                    or parent is None
                    or parent.in_database
                    or parent.alias is not None
                ):
                    continue
                if parent.has_error:
                    self._bad(
                        org_row.row, "parent", "parent_has_error", row=parent.row, name=parent.name
                    )
                    node.has_error = changed = True

    def to_create(self) -> list[Node]:
        """The rows to create, parents before children."""
        ordered: list[Node] = []
        done: set[int] = set()

        def visit(node: Node) -> None:
            if node.id in done:
                return
            if (
                node.parent is not None
                and not node.parent.in_database
                and node.parent.alias is None
            ):
                visit(node.parent)
            done.add(node.id)
            ordered.append(node)

        for org_row in self.rows:
            node = org_row.node
            if (
                not node.has_error
                and node.alias is None
                and not self.sink.has_errors(ORGS, org_row.row)
            ):
                visit(node)
        return ordered

    @property
    def existing_rows(self) -> int:
        return sum(1 for r in self.rows if r.node.alias is not None and not r.node.has_error)
