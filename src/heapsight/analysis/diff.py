"""diff: what changed between two snapshots of one process, class by class, objects matched
by id. Beyond DevTools' Comparison view it gives the retained-size delta of each class."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from heapsight.analysis.compare import check_same_process, class_names
from heapsight.analysis.paths import PathStepView, retainer_path
from heapsight.results import Result, json_key
from heapsight.snapshot import HeapSnapshot


@dataclass
class ClassDelta(Result):
    class_name: str
    count_before: int
    count_after: int
    new: int
    deleted: int
    allocated_size: int     # self sizes of the new objects
    freed_size: int         # self sizes of the deleted objects
    self_size_delta: int
    retained_size_delta: int
    json_properties: ClassVar[tuple[str, ...]] = ("count_delta",)

    @property
    def count_delta(self) -> int:
        return self.count_after - self.count_before


@dataclass
class NewObject(Result):
    id: int
    class_name: str
    self_size: int
    retained_size: int
    retainer_path: list[PathStepView]


@dataclass
class Diff(Result):
    kind: ClassVar[str] = "diff"
    json_properties: ClassVar[tuple[str, ...]] = ("total_delta",)
    before: str
    after: str
    total_before: int
    total_after: int
    classes: list[ClassDelta]
    new_objects: list[NewObject] = field(default_factory=list)
    focus_class: str | None = field(default=None, metadata=json_key("class"))

    @property
    def total_delta(self) -> int:
        return self.total_after - self.total_before


def _per_name(snapshot: HeapSnapshot, values_by_class: np.ndarray) -> dict[str, int]:
    """Sum per class name (two class ids can share a name across type tables)."""
    totals: dict[str, int] = {}
    for class_id, name in class_names(snapshot).items():
        totals[name] = totals.get(name, 0) + int(values_by_class[class_id])
    return totals


def diff_snapshots(before: HeapSnapshot, after: HeapSnapshot, top: int = 30,
                   focus_class: str | None = None, focus_limit: int = 20) -> Diff:
    check_same_process(before, after)
    is_new = ~before.has_ids(after.node_id)
    is_deleted = ~after.has_ids(before.node_id)

    def by_class(snapshot: HeapSnapshot, mask: np.ndarray | None, weights=None) -> np.ndarray:
        ids = snapshot.class_id if mask is None else snapshot.class_id[mask]
        w = None if weights is None else (weights if mask is None else weights[mask])
        return np.bincount(ids, weights=w, minlength=snapshot.class_count)

    count_b, self_b, retained_b = before.class_totals
    count_a, self_a, retained_a = after.class_totals
    columns = {
        "count_before": _per_name(before, count_b), "count_after": _per_name(after, count_a),
        "self_before": _per_name(before, self_b), "self_after": _per_name(after, self_a),
        "retained_before": _per_name(before, retained_b),
        "retained_after": _per_name(after, retained_a),
        "new": _per_name(after, by_class(after, is_new)),
        "allocated": _per_name(after, by_class(after, is_new, after.self_size)),
        "deleted": _per_name(before, by_class(before, is_deleted)),
        "freed": _per_name(before, by_class(before, is_deleted, before.self_size)),
    }
    names = set(columns["count_before"]) | set(columns["count_after"])
    rows = []
    for name in names:
        def get(key: str, name: str = name) -> int:
            return columns[key].get(name, 0)
        row = ClassDelta(name, get("count_before"), get("count_after"), get("new"),
                         get("deleted"), get("allocated"), get("freed"),
                         get("self_after") - get("self_before"),
                         get("retained_after") - get("retained_before"))
        if row.new or row.deleted or row.self_size_delta or row.retained_size_delta:
            rows.append(row)
    # the growth that matters first: what the class keeps alive, then its own bytes
    rows.sort(key=lambda r: (-r.retained_size_delta, -r.self_size_delta, -r.count_delta,
                             r.class_name))
    result = Diff(before.source, after.source, before.total_size, after.total_size, rows[:top],
                  focus_class=focus_class)
    if focus_class is not None:
        wanted = [c for c, n in class_names(after).items() if n == focus_class]
        members = np.flatnonzero(is_new & np.isin(after.class_id, wanted))
        members = members[np.argsort(-after.retained_size[members], kind="stable")][:focus_limit]
        result.new_objects = [
            NewObject(int(after.node_id[o]), focus_class, int(after.self_size[o]),
                      int(after.retained_size[o]), retainer_path(after, int(o)))
            for o in members]
    return result
