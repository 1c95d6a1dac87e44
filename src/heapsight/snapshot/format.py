"""The self-description V8 writes at the top of every heap snapshot (`snapshot.meta`).

Field positions and type tables are read from the file, never assumed: V8 writes 6 or 7 node
fields (trace_node_id with allocation tracking support, detachedness since V8 ~9) and the type
tables have grown over versions (V8's heap-snapshot-generator.cc, HeapSnapshotJSONSerializer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from heapsight.errors import SnapshotFormatError

REQUIRED_NODE_FIELDS = ("type", "name", "id", "self_size", "edge_count")
REQUIRED_EDGE_FIELDS = ("type", "name_or_index", "to_node")
# Edge types whose name_or_index is a number (an element index), not a string-table index.
INDEX_EDGE_TYPES = ("element", "hidden")


@dataclass(frozen=True)
class SnapshotMeta:
    node_fields: tuple[str, ...]
    node_types: tuple[str, ...]
    edge_fields: tuple[str, ...]
    edge_types: tuple[str, ...]
    node_count: int | None
    edge_count: int | None
    trace_function_count: int
    location_fields: tuple[str, ...]
    raw: dict[str, Any]

    @property
    def node_field_count(self) -> int:
        return len(self.node_fields)

    @property
    def edge_field_count(self) -> int:
        return len(self.edge_fields)

    def node_type(self, name: str) -> int:
        return self.node_types.index(name) if name in self.node_types else -1

    def edge_type(self, name: str) -> int:
        return self.edge_types.index(name) if name in self.edge_types else -1


def parse_meta(header: dict[str, Any], source: str) -> SnapshotMeta:
    """Validate the `snapshot` object of a heap snapshot and return its meta description."""
    meta = header.get("meta") if isinstance(header, dict) else None
    if not isinstance(meta, dict):
        raise SnapshotFormatError(f"{source}: not a V8 heap snapshot (no snapshot.meta)")
    try:
        node_fields = tuple(meta["node_fields"])
        edge_fields = tuple(meta["edge_fields"])
        node_types = tuple(meta["node_types"][0])
        edge_types = tuple(meta["edge_types"][0])
    except (KeyError, IndexError, TypeError) as exc:
        raise SnapshotFormatError(
            f"{source}: not a V8 heap snapshot (snapshot.meta lacks {exc})") from None
    for field in REQUIRED_NODE_FIELDS:
        if field not in node_fields:
            raise SnapshotFormatError(f"{source}: snapshot.meta.node_fields has no {field!r}")
    for field in REQUIRED_EDGE_FIELDS:
        if field not in edge_fields:
            raise SnapshotFormatError(f"{source}: snapshot.meta.edge_fields has no {field!r}")

    def count(key: str) -> int | None:
        value = header.get(key)
        return int(value) if isinstance(value, int) and value >= 0 else None

    return SnapshotMeta(
        node_fields=node_fields, node_types=node_types,
        edge_fields=edge_fields, edge_types=edge_types,
        node_count=count("node_count"), edge_count=count("edge_count"),
        trace_function_count=count("trace_function_count") or 0,
        location_fields=tuple(meta.get("location_fields", ())),
        raw=meta,
    )
