"""One object in detail: what it holds, what holds it, its dominator and its retainer path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from heapsight.analysis.paths import PathStepView, node_label, retainer_path
from heapsight.errors import HeapsightError
from heapsight.results import Result, json_key
from heapsight.snapshot import HeapSnapshot


@dataclass
class Reference(Result):
    edge_type: str
    edge: str
    id: int
    label: str = field(metadata=json_key("node"))
    self_size: int
    retained_size: int


@dataclass
class Inspection(Result):
    kind: ClassVar[str] = "inspect"

    id: int
    class_name: str
    type: str
    name: str
    self_size: int
    retained_size: int
    distance: int
    dominator: Reference | None
    references: list[Reference]
    reference_count: int
    retainers: list[Reference]
    retainer_count: int
    retainer_path: list[PathStepView]


def _reference(snapshot: HeapSnapshot, ordinal: int, edge_type: str, edge: str) -> Reference:
    return Reference(edge_type, edge, int(snapshot.node_id[ordinal]),
                     node_label(snapshot, ordinal), int(snapshot.self_size[ordinal]),
                     int(snapshot.retained_size[ordinal]))


def inspect_object(snapshot: HeapSnapshot, node_id: int, limit: int = 25) -> Inspection:
    ordinal = snapshot.ordinal_of(node_id)
    if ordinal is None:
        raise HeapsightError(f"{snapshot.source}: no object with id @{node_id} "
                             "(ids come from `heapsight summary` or DevTools)")
    edges = snapshot.edges_of(ordinal)
    retainers = snapshot.retainers_of(ordinal)
    dominator = int(snapshot.dominator[ordinal])
    return Inspection(
        id=node_id, class_name=snapshot.class_name(ordinal), type=snapshot.type_name(ordinal),
        name=snapshot.name(ordinal)[:200], self_size=int(snapshot.self_size[ordinal]),
        retained_size=int(snapshot.retained_size[ordinal]),
        distance=int(snapshot.distance[ordinal]),
        dominator=None if dominator == ordinal else
        _reference(snapshot, dominator, "dominator", ""),
        references=[_reference(snapshot, e.target, e.type, e.name) for e in edges[:limit]],
        reference_count=len(edges),
        retainers=[_reference(snapshot, e.source, e.type, e.name) for e in retainers[:limit]],
        retainer_count=len(retainers),
        retainer_path=retainer_path(snapshot, ordinal))
