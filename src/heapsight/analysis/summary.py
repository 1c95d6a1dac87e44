"""What one snapshot holds: totals, the top classes, the largest objects and who holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from heapsight.analysis.paths import PathStepView, format_path, retainer_path
from heapsight.results import Result
from heapsight.snapshot import HeapSnapshot

SORT_KEYS = ("retained", "self", "count")


@dataclass
class ClassRow(Result):
    class_name: str
    count: int
    self_size: int
    retained_size: int


@dataclass
class LargeObject(Result):
    id: int
    class_name: str
    self_size: int
    retained_size: int
    retainer_path: list[PathStepView]

    @property
    def path_text(self) -> str:
        return format_path(self.retainer_path)


@dataclass
class Summary(Result):
    kind: ClassVar[str] = "summary"

    source: str
    file_size: int
    nodes: int
    edges: int
    total_size: int
    reachable_size: int
    sort: str
    classes: list[ClassRow] = field(default_factory=list)
    largest: list[LargeObject] = field(default_factory=list)


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
