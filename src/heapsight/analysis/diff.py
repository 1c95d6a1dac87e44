"""diff: what changed between two snapshots of one process, class by class, objects matched
by id. Beyond DevTools' Comparison view it gives the retained-size delta of each class."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from heapsight.analysis.compare import EarlierSnapshot, check_same_process, class_names
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


Loader = Callable[[str, bool], HeapSnapshot]  # (path, light) -> snapshot
Step = Callable[[str], None]
_BLOCK = 1 << 16  # nodes looked at a time


def _per_name(names: dict[int, str], values_by_class: np.ndarray) -> dict[str, int]:
    """Sum per class name (two class ids can share a name across type tables)."""
    totals: dict[str, int] = {}
    for class_id, name in names.items():
        totals[name] = totals.get(name, 0) + int(values_by_class[class_id])
    return totals


def diff_snapshots(before_path: str, after_path: str, top: int = 30,
                   focus_class: str | None = None, focus_limit: int = 20,
                   loader: Loader | None = None, on_step: Step | None = None) -> Diff:
    """Compare two snapshots of one process, class by class (objects matched by id).

    Only one graph exists at a time, as in find-leaks: the earlier snapshot is loaded
    first and, once its class totals are taken, cut down to its ids, classes and self sizes
    (compare.EarlierSnapshot); the later one is then read light to say which of those died,
    and the cut is left with its ids alone before the later snapshot's full load, the run's
    peak (a later snapshot given as a pipe is read once, fully). on_step is told the name of each step as it starts (bench/profile_leaks.py)."""
    step = on_step or (lambda name: None)
    load = loader or (lambda p, light: HeapSnapshot.load_light(p) if light
                      else HeapSnapshot.load(p))
    step("before: load")
    full = load(before_path, False)
    step("before: class totals, cut")
    columns = _totals(full, "before")
    full.release_graph()
    before = EarlierSnapshot(full, fan_out=False, self_sizes=True)
    del full
    if os.path.isfile(after_path):
        step("after: read light, what died")
        light = load(after_path, True)
        _compare(before, light, columns)
        del light
        step("after: load")
        after = load(after_path, False)
    else:  # a pipe is read once: the cut keeps its classes and sizes beside the later graph
        step("after: load")
        after = load(after_path, False)
        _compare(before, after, columns)
    step("after: class totals, what is new")
    columns.update(_totals(after, "after"))
    names = class_names(after)
    new, allocated = _new_by_class(before, after)
    columns["new"], columns["allocated"] = _per_name(names, new), _per_name(names, allocated)
    rows = []
    for name in set(columns["count_before"]) | set(columns["count_after"]):
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
        members = _new_of_class(before, after, [c for c, n in names.items() if n == focus_class])
        members = members[np.argsort(-after.retained_size[members], kind="stable")][:focus_limit]
        result.new_objects = [
            NewObject(int(after.node_id[o]), focus_class, int(after.self_size[o]),
                      int(after.retained_size[o]), retainer_path(after, int(o)))
            for o in members]
    return result


def _compare(before: EarlierSnapshot, after: HeapSnapshot,
             columns: dict[str, dict[str, int]]) -> None:
    """The same-process check, and what died, by the earlier snapshot's classes (which the
    cut then lets go)."""
    check_same_process(before, after)
    deleted, freed = _died(before, after.node_id)
    columns["deleted"] = _per_name(before.class_names, deleted)
    columns["freed"] = _per_name(before.class_names, freed)
    before.release_classes()


def _totals(snapshot: HeapSnapshot, side: str) -> dict[str, dict[str, int]]:
    """Count, self size and top-most retained size per class name, from the class totals."""
    count, self_size, retained = snapshot.class_totals
    names = class_names(snapshot)
    return {f"count_{side}": _per_name(names, count),
            f"self_{side}": _per_name(names, self_size),
            f"retained_{side}": _per_name(names, retained)}


def _died(before: EarlierSnapshot, after_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(objects, self-size bytes) per class of the earlier snapshot whose ids the later one
    no longer holds."""
    alive = np.zeros(before.node_count, bool)
    for start in range(0, after_ids.shape[0], _BLOCK):
        ordinals = before.ordinals_of(after_ids[start:start + _BLOCK])
        alive[ordinals[ordinals >= 0]] = True
    dead = np.flatnonzero(~alive)
    del alive
    classes = before.class_id[dead]
    return (np.bincount(classes, minlength=before.class_count),
            np.bincount(classes, weights=before.self_size[dead], minlength=before.class_count))


def _new_by_class(before: EarlierSnapshot, after: HeapSnapshot) -> tuple[np.ndarray, np.ndarray]:
    """(objects, self-size bytes) per class of the later snapshot whose ids the earlier one
    does not hold; a block of nodes at a time."""
    count = np.zeros(after.class_count, np.int64)
    allocated = np.zeros(after.class_count, np.int64)
    for start in range(0, after.node_count, _BLOCK):
        block = slice(start, start + _BLOCK)
        new = ~before.has_ids(after.node_id[block])
        classes = after.classes_of(block)[new]
        count += np.bincount(classes, minlength=after.class_count)
        allocated += np.bincount(classes, weights=after.self_size[block][new],
                                 minlength=after.class_count).astype(np.int64)
    return count, allocated


def _new_of_class(before: EarlierSnapshot, after: HeapSnapshot, wanted: list[int]) -> np.ndarray:
    """Ordinals of the later snapshot's new objects of these class ids, in order."""
    found = [np.empty(0, np.int64)]
    for start in range(0, after.node_count, _BLOCK):
        block = slice(start, start + _BLOCK)
        match = ~before.has_ids(after.node_id[block]) & np.isin(after.classes_of(block), wanted)
        found.append(np.flatnonzero(match) + start)
    return np.concatenate(found)
