"""What two or more snapshots of one process say together: which objects are the same (V8
object ids are stable within a process), when each object was first seen, and class names
that mean the same thing in every snapshot."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from heapsight.errors import HeapsightError
from heapsight.snapshot import HeapSnapshot

_SAMPLE = 4000


class EarlierSnapshot:
    """What comparing needs of a snapshot taken before the final one, and nothing more: its
    object ids (sorted: a node's ordinal here is its rank by id), each one's class and
    fan-out, its class names, marker ids and total size. About 7 bytes a node, a fifth of a
    light snapshot, so the earlier snapshots fit beside the final one's graph."""

    _WIDE = 255  # fan-out of this or more: looked up in the overflow table

    def __init__(self, light: HeapSnapshot):
        """Cut a light snapshot down; this empties it (its columns go as each is used, so
        cutting costs little more memory than the light snapshot itself)."""
        self.source, self.file_size = light.source, light.file_size
        self.node_count = light.node_count
        self.total_size = light.total_size
        self.markers = marker_ids(light)
        self.largest_odd = _largest_odd(light.node_id)
        nodes = light.columns.nodes
        class_id = light.class_id
        self_size = light.self_size
        del light.class_id, light.node_type, light.node_name, light.self_size  # type: ignore[misc]
        for name in ("type", "name", "self_size"):
            nodes.pop(name, None)
        per_class = np.bincount(class_id, minlength=light.class_count)
        present = np.flatnonzero(per_class)
        self.class_instance_counts = per_class[present]
        self.class_self_sizes = _self_size_by_class(class_id, self_size,
                                                    light.class_count)[present]
        del self_size
        code = np.zeros(light.class_count, np.uint16 if present.size <= 1 << 16 else np.int32)
        code[present] = np.arange(present.size)
        codes = code[class_id]
        del class_id
        self.class_count = int(present.size)
        self.class_names = {i: light.class_name_of(int(c)) for i, c in enumerate(present)}
        order = np.argsort(light.node_id, kind="stable").astype(np.int32)
        self.node_id = self.sorted_ids = light.node_id[order]
        del light.node_id  # type: ignore[misc]
        nodes.pop("id")
        self.class_id = codes[order]
        del codes
        edge_count = nodes.pop("edge_count")[order]
        del order
        self._fan_out = np.minimum(edge_count, self._WIDE).astype(np.uint8)
        self._wide = np.flatnonzero(edge_count >= self._WIDE)  # sorted ordinals
        self._wide_fan_out = edge_count[self._wide]

    def release_classes(self) -> None:
        """Drop the class of each id once the same-process checks have read them (the class
        counts and self sizes were taken while cutting): the analysis after asks only ids
        and fan-out of an earlier snapshot."""
        self.class_id = np.empty(0, self.class_id.dtype)

    def fan_out(self, ordinal: int) -> int:
        if self._fan_out[ordinal] < self._WIDE:
            return int(self._fan_out[ordinal])
        return int(self._wide_fan_out[np.searchsorted(self._wide, ordinal)])

    def ordinal_of(self, node_id: int) -> int | None:
        if not 0 <= node_id <= np.iinfo(self.sorted_ids.dtype).max:
            return None
        # searched as the ids' own type: a Python int would have numpy copy them to int64
        at = int(np.searchsorted(self.sorted_ids, self.sorted_ids.dtype.type(node_id)))
        if at < self.node_count and int(self.sorted_ids[at]) == node_id:
            return at
        return None

    def ordinals_of(self, node_ids: np.ndarray) -> np.ndarray:
        at = self._search(node_ids)
        return np.where(self.sorted_ids[at] == node_ids, at, -1).astype(np.int64)

    def has_ids(self, node_ids: np.ndarray) -> np.ndarray:
        return self.sorted_ids[self._search(node_ids)] == node_ids

    def _search(self, node_ids: np.ndarray) -> np.ndarray:
        at = np.searchsorted(self.sorted_ids, node_ids)
        return np.minimum(at, self.node_count - 1, out=at)


Comparable = HeapSnapshot | EarlierSnapshot


def class_names(snapshot: Comparable) -> dict[int, str]:
    """Name of every class id present (class ids are string indices, which differ per file)."""
    return snapshot.class_names


def class_instance_counts(snapshot: Comparable) -> np.ndarray:
    """Live instances of each class id (as class_names numbers them): counted while an
    earlier snapshot was cut, and part of the final snapshot's class totals (a bincount over
    every node would copy its class ids to int64)."""
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.class_instance_counts
    return snapshot.class_totals[0]


def class_self_sizes(snapshot: Comparable) -> np.ndarray:
    """Bytes of self size of each class id (as class_names numbers them): taken while an
    earlier snapshot was cut, and part of the final snapshot's class totals."""
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.class_self_sizes
    return snapshot.class_totals[1]


def _self_size_by_class(class_id: np.ndarray, self_size: np.ndarray, count: int) -> np.ndarray:
    """Summed in blocks, so the float weights bincount needs stay small beside big columns."""
    totals = np.zeros(count, np.int64)
    step = 1 << 20
    for start in range(0, class_id.shape[0], step):
        totals += np.bincount(class_id[start:start + step],
                              weights=self_size[start:start + step],
                              minlength=count).astype(np.int64)
    return totals


# V8 forgets its object ids when an inspector session ends; this is why, and what to do.
RENUMBERED = ("V8 renumbers every object when an inspector session ends (DevTools, a debugger, "
              "`heapsight hunt`/`watch` through the inspector), so snapshots with a session "
              "ending between them cannot be compared; take them with `heapsight snapshot --pid` "
              "(which keeps the numbering), in one `heapsight hunt`, or with node's "
              "--heapsnapshot-signal")
MARKER_CLASS = "HeapsightIdMarker"  # held by heapsight's snapshot agent (live/agent.js)


def marker_ids(snapshot: Comparable) -> set[int]:
    """Ids of the snapshot agent's marker objects (the same in every snapshot it takes while
    V8 keeps its numbering)."""
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.markers
    name = snapshot.strings.index_of(MARKER_CLASS)
    if name < 0:
        return set()
    objects = (snapshot.node_name == name) & \
        (snapshot.node_type == snapshot.meta.node_type("object"))
    return {int(i) for i in snapshot.node_id[objects]}


def check_same_process(earlier: Comparable, later: Comparable) -> None:
    """Refuse snapshots that cannot be compared by object id: the same file twice, from
    different processes (no ids in common, or the common ids name different classes),
    renumbered by V8 in between, or given out of order."""
    where = f"{earlier.source} and {later.source}"
    if _same_file(earlier.source, later.source) or (
            earlier.node_count == later.node_count and earlier.file_size == later.file_size
            and np.array_equal(_sorted_ids(earlier), _sorted_ids(later))):
        raise HeapsightError(f"{where} are the same snapshot; give snapshots taken one after "
                             "another (baseline, target, final)")
    markers_a, markers_b = marker_ids(earlier), marker_ids(later)
    if markers_a and markers_b and not markers_a & markers_b:
        raise HeapsightError(f"{where} cannot be compared: the objects were renumbered between "
                             f"them. {RENUMBERED}")
    # ids 1..~100 are the synthetic roots, the same in every process
    sample = _common_sample(earlier, later, above=200, most=_SAMPLE)
    if sample.size == 0:
        raise HeapsightError(f"{where} come from different processes (no object in common); "
                             "compare snapshots taken from one running process")
    names_a, names_b = class_names(earlier), class_names(later)
    a = _classes_of(earlier, earlier.ordinals_of(later.node_id[sample]))
    b = _classes_of(later, sample)
    same = np.mean([names_a[int(x)] == names_b[int(y)] for x, y in zip(a, b, strict=True)])
    if same < 0.9:
        raise HeapsightError(f"{where} do not match: the same object ids name different "
                             "objects. Either they come from different processes, or V8 "
                             f"renumbered the objects in between: {RENUMBERED}")
    # V8 numbers heap objects with odd ids, in the order it first sees them (embedder nodes
    # get even ids from a counter of their own), so a later snapshot's largest odd id is larger.
    if _largest_odd_of(later) < _largest_odd_of(earlier):
        raise HeapsightError(f"{where} look out of order: {later.source} is older; "
                             "give the snapshots in the order they were taken")


_BLOCK = 1 << 18  # ids looked up at a time: the search's int64 positions stay at 2 MiB


def held_ids(snapshot: Comparable, node_ids: np.ndarray) -> np.ndarray:
    """For each id, whether the snapshot holds it; in blocks, so that no temporary as long as
    node_ids (int64 positions) exists beside a big graph."""
    held = np.empty(node_ids.shape[0], bool)
    for start in range(0, node_ids.shape[0], _BLOCK):
        held[start:start + _BLOCK] = snapshot.has_ids(node_ids[start:start + _BLOCK])
    return held


def _common_sample(earlier: Comparable, later: Comparable, above: int, most: int) -> np.ndarray:
    """Ordinals, in `later`, of every k-th of its objects with an id over `above` that
    `earlier` holds too (k such that about `most` are left; empty when none is held): a mask
    per block of ids, so that no array of every common object exists."""
    masks = []
    for start in range(0, later.node_count, _BLOCK):
        ids = later.node_id[start:start + _BLOCK]
        masks.append(earlier.has_ids(ids) & (ids > above))
    total = sum(int(np.count_nonzero(mask)) for mask in masks)
    step = max(1, total // most)
    picked, seen = [np.empty(0, np.int64)], 0
    for index, mask in enumerate(masks):
        ordinals = np.flatnonzero(mask)
        picked.append(ordinals[(-seen) % step::step] + index * _BLOCK)
        seen += ordinals.shape[0]
    return np.concatenate(picked)


def _classes_of(snapshot: Comparable, ordinals: np.ndarray) -> np.ndarray:
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.class_id[ordinals]
    return snapshot.classes_of(ordinals)


def _sorted_ids(snapshot: Comparable) -> np.ndarray:
    """A final snapshot's sorted ids are not kept for this one comparison."""
    if isinstance(snapshot, HeapSnapshot) and "sorted_ids" not in vars(snapshot):
        return np.sort(snapshot.node_id)
    return snapshot.sorted_ids


HUNT_NAMES = {"baseline": 0, "target": 1, "final": 2}  # what `heapsight hunt` writes


def taken_order(paths: list[Path]) -> list[Path]:
    """Snapshots in the order they were taken: baseline, target, final when they carry the
    names `heapsight hunt` gives them, else natural name order (s2 before s10)."""
    def stem(path: Path) -> str:
        return path.name.removesuffix(".gz").removesuffix(".heapsnapshot")

    if paths and all(stem(p) in HUNT_NAMES for p in paths):
        return sorted(paths, key=lambda p: HUNT_NAMES[stem(p)])

    def natural(path: Path) -> list:
        return [(0, int(part), "") if part.isdigit() else (1, 0, part)
                for part in re.split(r"(\d+)", path.name)]
    return sorted(paths, key=natural)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _largest_odd_of(snapshot: Comparable) -> int:
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.largest_odd
    return _largest_odd(snapshot.node_id)


def _largest_odd(ids: np.ndarray) -> int:
    largest = 0
    for start in range(0, ids.shape[0], _BLOCK):
        block = ids[start:start + _BLOCK]
        odd = block[(block & 1) == 1]
        if odd.size:
            largest = max(largest, int(odd.max()))
    return largest


def first_seen(final: HeapSnapshot, earlier: list[EarlierSnapshot]) -> np.ndarray:
    """For each node of `final`, the index of the first snapshot that holds its id
    (len(earlier) when the node is new in final). V8 never reuses an id, so an object
    present in two snapshots lived throughout."""
    phase = np.full(final.node_count, len(earlier), np.int8)
    for index in range(len(earlier) - 1, -1, -1):
        phase[held_ids(earlier[index], final.node_id)] = index
    return phase
