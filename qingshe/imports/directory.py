"""Finding organisations by the names people write in a roster.

The directory holds the organisations the importer administers (read once, a few columns each)
and the organisations the file itself creates. A name is matched in its written form and in its
"base" form without the league's wording, so "青州学院", "青州学院团委" and "共青团青州学院委员会"
name the same university, and "经济管理系" names "共青团青州学院经济管理系委员会" under it. A
parent may be written as a path, "青州学院团委/经管系团委", when a name alone is ambiguous.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from qingshe.imports.columns import fold

_PREFIXES = ("共青团",)
_SUFFIXES = ("委员会", "团工委", "团总支", "团支部", "团委")


def base_name(text: str) -> str:
    """The name without the league's wording: 共青团青州学院委员会 → 青州学院."""
    folded = fold(text)
    for prefix in _PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            folded = folded[len(prefix) :]
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            folded = folded[: -len(suffix)]
            break
    return folded


@dataclass(eq=False)
class Node:
    """An organisation: one in the database (id > 0) or one the file creates (id = -row)."""

    id: int
    kind: str
    name: str
    short_name: str = ""
    parent: Node | None = None
    path: str = ""  # only for organisations in the database
    row: int | None = None  # only for organisations the file creates
    alias: Node | None = None  # a file row naming an organisation that already exists
    has_error: bool = False
    keys: set[str] = field(default_factory=set)

    @property
    def real(self) -> Node:
        return self.alias.real if self.alias is not None else self

    @property
    def in_database(self) -> bool:
        return self.id > 0

    def compute_keys(self) -> None:
        keys = {
            fold(self.name),
            fold(self.short_name),
            base_name(self.name),
            base_name(self.short_name),
        }
        keys.discard("")
        if self.parent is not None:
            # A department is often written without its university's name in front.
            parent = self.parent.real
            for prefix in {base_name(parent.name), base_name(parent.short_name)} - {""}:
                keys.update(
                    k[len(prefix) :]
                    for k in list(keys)
                    if k.startswith(prefix) and len(k) > len(prefix)
                )
        self.keys = keys


class Lookup:
    """An index of nodes by name key: everywhere, and among the children of each node."""

    def __init__(self, nodes: list[Node]) -> None:
        self.anywhere: dict[str, list[Node]] = defaultdict(list)
        self.children: dict[tuple[int, str], list[Node]] = defaultdict(list)
        for node in nodes:
            if node.alias is not None:
                continue  # found as the organisation it names
            for key in node.keys:
                self.anywhere[key].append(node)
                if node.parent is not None:
                    self.children[(node.parent.real.id, key)].append(node)

    @staticmethod
    def _pick(candidates: list[Node], kind: str | None) -> list[Node]:
        unique = {n.real.id: n.real for n in candidates if kind is None or n.kind == kind}
        return list(unique.values())

    def find(self, text: str, *, kind: str | None = None, under: Node | None = None) -> list[Node]:
        """Nodes named `text` (of `kind`, among the children of `under`): exact key first, then
        the base form of what was written."""
        for key in dict.fromkeys((fold(text), base_name(text))):
            if not key:
                continue
            if under is None:
                found = self._pick(self.anywhere.get(key, []), kind)
            else:
                found = self._pick(self.children.get((under.real.id, key), []), kind)
            if found:
                return found
        return []


def split_path(text: str) -> list[str]:
    """ "青州学院团委 / 经管系团委" → the two names (a full-width slash works too)."""
    return [part.strip() for part in text.replace("／", "/").split("/") if part.strip()]


def load_existing(queryset: Any) -> list[Node]:
    """Nodes for the organisations of `queryset` (already limited to the importer's scope),
    parents linked where the parent is in scope too."""
    rows = list(queryset.values_list("pk", "kind", "name", "short_name", "parent_id", "path"))
    nodes = {
        pk: Node(id=pk, kind=kind, name=name, short_name=short, path=path)
        for pk, kind, name, short, _p, path in rows
    }
    for pk, _k, _n, _s, parent_id, _path in rows:
        if parent_id in nodes:
            nodes[pk].parent = nodes[parent_id]
    for node in nodes.values():
        node.compute_keys()
    return list(nodes.values())
