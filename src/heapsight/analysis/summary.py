"""What one snapshot holds: totals, the top classes, the largest objects and who holds them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heapsight.analysis.paths import PathStepView, format_path, retainer_path
from heapsight.snapshot import HeapSnapshot

SORT_KEYS = ("retained", "self", "count")


@dataclass
class ClassRow:
    class_name: str
    count: int
    self_size: int
    retained_size: int

    def to_json(self) -> dict:
        return {"class": self.class_name, "count": self.count, "self_size": self.self_size,
                "retained_size": self.retained_size}


@dataclass
class LargeObject:
    id: int
    class_name: str
    self_size: int
    retained_size: int
    retainer_path: list[PathStepView]

    @property
    def path_text(self) -> str:
        return format_path(self.retainer_path)

    def to_json(self) -> dict:
        return {"id": self.id, "class": self.class_name, "self_size": self.self_size,
                "retained_size": self.retained_size,
                "retainer_path": [s.to_json() for s in self.retainer_path]}


@dataclass
class Summary:
    source: str
    file_size: int
    nodes: int
    edges: int
    total_size: int
    reachable_size: int
    sort: str
    classes: list[ClassRow] = field(default_factory=list)
    largest: list[LargeObject] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"source": self.source, "file_size": self.file_size, "nodes": self.nodes,
                "edges": self.edges, "total_size": self.total_size,
                "reachable_size": self.reachable_size, "sort": self.sort,
                "classes": [c.to_json() for c in self.classes],
                "largest": [o.to_json() for o in self.largest]}


def summarize(snapshot: HeapSnapshot, top: int = 20, sort: str = "retained") -> Summary:
    count, self_total, retained_total = snapshot.class_totals
    key = {"retained": retained_total, "self": self_total, "count": count}[sort]
    present = np.flatnonzero(count)
    order = present[np.lexsort((-self_total[present], -key[present]))][:top]
    classes = [ClassRow(snapshot.class_name_of(int(c)), int(count[c]), int(self_total[c]),
                        int(retained_total[c])) for c in order]
    return Summary(
        source=snapshot.source, file_size=snapshot.file_size, nodes=snapshot.node_count,
        edges=snapshot.edge_count, total_size=snapshot.total_size,
        reachable_size=snapshot.reachable_size, sort=sort, classes=classes,
        largest=largest_objects(snapshot, top))


def largest_objects(snapshot: HeapSnapshot, top: int) -> list[LargeObject]:
    """The objects that retain the most, leaving out the synthetic roots."""
    from heapsight.snapshot import _kernels as k

    skip = (snapshot.node_type == snapshot.meta.node_type("synthetic")).view(np.uint8)
    ranked = k.largest(snapshot.retained_size, skip, top)
    retained = snapshot.retained_size
    return [LargeObject(int(snapshot.node_id[o]), snapshot.class_name(o),
                        int(snapshot.self_size[o]), int(retained[o]),
                        retainer_path(snapshot, int(o))) for o in ranked]
