"""find-leaks: what leaks across three or more snapshots of one process, who holds it, which
code made it, which pattern it is, and the fix — with no hand-written filter.

Only the final snapshot gets a full graph. The earlier ones are read first, light, one at a
time, and each is cut down to what the comparison asks of it (compare.EarlierSnapshot: ids as
a compare.IdSet, classes, fan-out) before the next, so their reading costs nothing beside the
final graph; the final snapshot's load, beside the cut earlier ones, is then the peak of the
run, and the analysis after it makes no array over every node that it can avoid.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from heapsight.analysis.cluster import (
    PAYLOAD_TYPES,
    Cluster,
    NewSubtrees,
    clusters,
    is_internal,
)
from heapsight.analysis.compare import (
    Comparable,
    EarlierSnapshot,
    check_same_process,
    class_instance_counts,
    class_names,
    class_self_sizes,
    first_seen_of_new,
    new_since,
    taken_order,
)
from heapsight.analysis.detectors import LeakEvidence, classify
from heapsight.analysis.detectors.listener import EVENT_EDGES
from heapsight.analysis.locations import holder_script, object_location
from heapsight.analysis.paths import PathStepView, format_path, retainer_path
from heapsight.analysis.retention import closure_on_path, owners
from heapsight.analysis.source_scope import new_calls, sibling_users
from heapsight.errors import UsageError
from heapsight.results import NOT_JSON, Result
from heapsight.snapshot import HeapSnapshot
from heapsight.snapshot.format import INDEX_EDGE_TYPES
from heapsight.units import human_bytes

DEFAULT_MIN_SIZE = 16 * 1024   # bytes retained below which growth is not reported
_MAX_CLUSTERS = 200            # clusters examined in detail, largest first
Loader = Callable[[str, bool], HeapSnapshot]  # (path, light) -> snapshot
Step = Callable[[str], None]


@dataclass
class Leak(Result):
    json_properties: ClassVar[tuple[str, ...]] = ("headline",)
    category: str
    class_name: str
    count: int
    retained_size: int
    growth: float                        # payload objects added per phase, on average
    growth_bytes: float                  # bytes they retain, per phase
    retainer_path: list[PathStepView]    # GC root ... leaked object
    location: str | None                 # where the leaked objects are made
    advice: str
    holder: str                          # the holder's name (edge) or class
    holder_id: int
    holder_script: str | None
    phase_counts: list[int]
    holder_fanout: list[int] = field(default_factory=list)
    example_id: int = 0
    holder_path: list[PathStepView] = field(default_factory=list)
    # what `location` is: "closure" (the function, made where it is written), "constructor"
    # (the class; a snapshot does not record the `new` call), "allocation" (the frame that
    # made it, from allocation tracking), or None
    location_kind: str | None = None
    new_calls: list[str] = field(default_factory=list)  # `new <class>(` in the class's file
    # the closure keeping a shared V8 Context alive, its captured variable, sibling users
    closure: dict | None = None
    owners: list[dict] = field(default_factory=list)  # when several long-lived owners hold it
    library: dict | None = None  # {"package", "file", "owner"} when the holder is a library's
    also_holds: list[str] = field(default_factory=list)  # other growing classes, same holder
    # ids of leaked objects spread over all of them (not in the JSON): allocation tracking
    # records a stack for only some objects, so the hunt looks for one among these
    sample_ids: list[int] = field(default_factory=list, repr=False, metadata=NOT_JSON)

    @property
    def headline(self) -> str:
        if self.library:
            where = f" in {self.library['package']} ({self.library['file']})"
        elif self.holder_script:
            where = f" in {os.path.basename(self.holder_script)}"
        else:
            where = ""
        return (f"{self.category}: {self.count:,} {self.class_name} "
                f"({human_bytes(self.retained_size)}) retained by {self.holder}{where}, "
                f"+{self.growth:,.0f} per step")


@dataclass
class LeakReport(Result):
    kind: ClassVar[str] = "find-leaks"
    snapshots: list[str]
    heap_sizes: list[int]
    leaks: list[Leak]
    growing_classes: list[dict]


def snapshots_in(folder: str | os.PathLike[str]) -> list[Path]:
    """The heap snapshots of a folder in the order they were taken (compare.taken_order)."""
    found = [p for p in Path(folder).iterdir()
             if p.name.endswith((".heapsnapshot", ".heapsnapshot.gz"))]
    return taken_order(found)


def find_leaks(paths: Sequence[str | os.PathLike[str]], loader: Loader | None = None,
               min_size: int = DEFAULT_MIN_SIZE, on_step: Step | None = None) -> LeakReport:
    """Compare snapshots taken in order (baseline, target, ..., final) of one process.
    on_step is told the name of each step as it starts (bench/profile_leaks.py)."""
    if len(paths) < 3:
        raise UsageError(f"find-leaks needs at least 3 snapshots in order (baseline, target, "
                         f"final); got {len(paths)}")
    step = on_step or (lambda name: None)
    load = loader or (lambda p, light: HeapSnapshot.load_light(p) if light
                      else HeapSnapshot.load(p))
    earlier: list[EarlierSnapshot] = []
    for path in paths[:-1]:
        step(f"earlier snapshot {Path(path).name}: read light and cut")
        earlier.append(EarlierSnapshot(load(str(path), True)))
        if len(earlier) >= 2:
            check_same_process(earlier[-2], earlier[-1])
            earlier[-2].release_classes()
    step("final snapshot: load")
    final = load(str(paths[-1]), False)
    step("compare (same process, first seen, class counts)")
    check_same_process(earlier[-1], final)
    earlier[-1].release_classes()
    in_order: list[Comparable] = [*earlier, final]
    counts = class_counts(in_order)
    growing = growing_classes(in_order, counts)
    heap_sizes = [s.total_size for s in in_order]
    vars(final).pop("class_totals", None)  # their last use; the analysis after reads none
    is_new = new_since(final, earlier[0])
    step("clusters")
    subtrees = NewSubtrees.of(final, is_new)
    del final.preorder  # read by nothing after the class totals and the new subtrees
    phase = first_seen_of_new(final, earlier, is_new)  # in is_new's memory
    del is_new
    candidates = clusters(final, phase, len(paths), subtrees)[:_MAX_CLUSTERS]
    step("filter")
    survivors = _Survivors(final, phase, subtrees)
    found = _fold_strings(final, [c for c in candidates
                                  if _grows(final, c, 0)
                                  and _class_grows(final, c, counts)
                                  and not (_reuses_slots(final, earlier, c)
                                           and not survivors.kept_by(c))
                                  and not _strings_without_growth(final, earlier, c)])
    found = [c for c in found if c.retained_size >= min_size]
    del survivors, candidates, subtrees
    is_new = phase >= 1
    del phase
    step("describe")
    leaks = _merge([_describe(final, earlier, c, is_new) for c in _by_owner(final, found)])
    leaks.sort(key=lambda leak: (-leak.retained_size, -leak.growth))
    return LeakReport(snapshots=[str(p) for p in paths], heap_sizes=heap_sizes, leaks=leaks,
                      growing_classes=growing)


def _grows(snapshot: HeapSnapshot, cluster: Cluster, min_size: int) -> bool:
    """A leak gains payload in every phase, is big enough to matter, and holds user data."""
    return (bool((cluster.phase_counts > 0).all()) and cluster.retained_size >= min_size
            and snapshot.type_name(cluster.example) in PAYLOAD_TYPES
            and not is_internal(snapshot, cluster.example))


def _class_grows(final: HeapSnapshot, cluster: Cluster, counts: dict[str, list[int]]) -> bool:
    """What leaks adds to the live count of its class; a cache that evicts as it adds (its
    table rebuilt, so no container shows it) keeps the count flat."""
    series = counts.get(final.class_name_of(cluster.payload_class))
    return series is None or series[-1] - series[0] >= cluster.count // 2


_SLOT_TYPES = ("array", "hidden", "object")


def _reuses_slots(final: HeapSnapshot, earlier: list[EarlierSnapshot], cluster: Cluster) -> bool:
    """A container that did not gain references between the first and last snapshot, whose
    new objects sit right in its slots, replaced entries (a ring buffer, an evicting map):
    its objects are new, but it does not grow."""
    holder = cluster.holder
    if final.type_name(holder) not in _SLOT_TYPES or holder == int(final.dominator[holder]):
        return False
    if _gained_references(final, earlier, holder) is not False:
        return False
    edges = slice(int(final.first_edge[holder]), int(final.first_edge[holder + 1]))
    plumbing = [final.strings.index_of(name) for name in _NOT_SLOTS]
    is_slot = final.edge_type[edges] != final.meta.edge_type("weak")
    named = ~np.isin(final.edge_type[edges], [final.meta.edge_type(t) for t in INDEX_EDGE_TYPES])
    is_slot &= ~(named & np.isin(final.edge_name[edges], plumbing))
    sample = cluster.top_nodes[:200]
    return int(np.isin(sample, final.edge_to[edges][is_slot]).sum()) * 2 >= len(sample)


_NOT_SLOTS = ("table", "elements", "properties", "map", "__proto__")


class _Survivors:
    """Old objects that live on only under new ones. A slot that was reused dropped its old
    occupant; a slot whose new occupant still holds the old one (a `current` that links to the
    previous, a Map table V8 reallocated with every old entry copied in) did not."""

    def __init__(self, snapshot: HeapSnapshot, phase: np.ndarray, subtrees: NewSubtrees) -> None:
        self.snapshot, self.phase, self.subtrees = snapshot, phase, subtrees

    def kept_by(self, cluster: Cluster) -> bool:
        """Whether the cluster's new objects keep alive old objects of its payload class, at
        least a tenth as many as it gained: the old occupants did not die. Old objects under
        a new one are rows of the new subtrees; their top row is the top-most new ancestor of
        the nearest new node that dominates them."""
        nodes = self.subtrees.nodes
        old = np.flatnonzero((self.phase[nodes] == 0)
                             & (self.snapshot.classes_of(nodes) == cluster.payload_class))
        survivors = int(np.isin(nodes[self.subtrees.top[old]], cluster.top_nodes).sum())
        return survivors >= 3 and survivors * 10 >= cluster.count


def _strings_without_growth(final: HeapSnapshot, earlier: list[EarlierSnapshot],
                            cluster: Cluster) -> bool:
    """Strings alone are a leak only in a container that grows; new strings under a holder
    whose references did not grow are shared by objects counted elsewhere."""
    if final.type_name(cluster.example) not in _STRING_TYPES:
        return False
    return _gained_references(final, earlier, cluster.holder) is False


def _gained_references(final: HeapSnapshot, earlier: list[EarlierSnapshot],
                       holder: int) -> bool | None:
    """Whether the holder references more now than at the baseline; None when it is new."""
    first = earlier[0].ordinal_of(int(final.node_id[holder]))
    if first is None:
        return None
    return final.fan_out(holder) > earlier[0].fan_out(first)


_STRING_TYPES = ("string", "concatenated string", "sliced string")
_FOLD_DEPTH = 4


def _fold_strings(snapshot: HeapSnapshot, found: list[Cluster]) -> list[Cluster]:
    """Strings held beside a larger leak (its keys, ids from V8's number-string cache) are
    part of it: fold a string cluster into the cluster whose holder is its own holder or
    a close dominator of it. Strings leaking on their own stay a leak of their own."""
    by_holder: dict[int, Cluster] = {}
    for cluster in found:
        if snapshot.type_name(cluster.example) not in _STRING_TYPES:
            by_holder.setdefault(cluster.holder, cluster)
    kept = []
    for cluster in found:
        into = None
        if snapshot.type_name(cluster.example) in _STRING_TYPES:
            node = cluster.holder
            for _ in range(_FOLD_DEPTH):
                into = by_holder.get(node)
                if into is not None or node == int(snapshot.dominator[node]):
                    break
                node = int(snapshot.dominator[node])
        if into is None:
            kept.append(cluster)
        else:
            into.retained_size += cluster.retained_size
            into.native_size += cluster.native_size
    return kept


def _by_owner(final: HeapSnapshot, found: list[Cluster]) -> list[Cluster]:
    """Parts of one leak are one leak: a cluster under the same holder (or its backing store)
    as a larger one, reached through an object of the larger one's class (a stream's states
    and buffers, the closures of a tracked object) or, for strings, beside it (the keys and
    values of a session store), adds its size to it and is named in also_holds. Clusters that
    only share a holder (timers of one duration share a timer list) stay apart."""
    kept: list[Cluster] = []
    by_owner: dict[int, list[Cluster]] = {}
    for cluster in sorted(found, key=lambda c: -c.retained_size):
        owner = _store_owner(final, cluster.holder)
        into = next((larger for larger in by_owner.get(owner, [])
                     if _part_of(final, cluster, larger)), None)
        if into is None:
            kept.append(cluster)
            by_owner.setdefault(owner, []).append(cluster)
            continue
        into.retained_size += cluster.retained_size
        into.native_size += cluster.native_size
        into.also_holds.append(final.class_name_of(cluster.payload_class))
    return kept


def _part_of(final: HeapSnapshot, cluster: Cluster, larger: Cluster) -> bool:
    if final.type_name(cluster.example) in _STRING_TYPES and \
            final.type_name(larger.example) in _STRING_TYPES:
        return True
    if any(final.class_of(edge.source) == larger.payload_class and edge.type != "weak"
           for edge in final.retainers_of(cluster.example)):
        return True  # held by one of the larger leak's objects (a tracked object's callback)
    path = retainer_path(final, cluster.example)[:-1]
    return any(final.class_of(step.ordinal) == larger.payload_class for step in path)


def _store_owner(final: HeapSnapshot, holder: int) -> int:
    """The object a backing store belongs to (a Map's table, a dictionary's properties)."""
    if final.type_name(holder) in ("array", "hidden"):
        for edge in final.retainers_of(holder):
            if edge.name in _BACKING and edge.type != "weak":
                return edge.source
    return holder


_BACKING = ("table", "properties", "elements")


def _describe(final: HeapSnapshot, earlier: list[EarlierSnapshot], cluster: Cluster,
              is_new: np.ndarray) -> Leak:
    holder_path = retainer_path(final, cluster.holder)
    ordinals = [step.ordinal for step in holder_path]
    example_path = retainer_path(final, cluster.example)
    evidence = LeakEvidence(final, cluster, holder_path, ordinals, example_path, is_new)
    detector = classify(evidence)
    class_name = evidence.payload_class
    if evidence.payload_type == "closure":
        function = final.name(cluster.example)
        class_name = f"{function or '(anonymous)'}() closure"
    holder_id = int(final.node_id[cluster.holder])
    fanout = [s.fan_out(o) for s in earlier if (o := s.ordinal_of(holder_id)) is not None]
    if len(fanout) == len(earlier):
        fanout.append(final.fan_out(cluster.holder))
    else:
        fanout = []
    phases = max(cluster.phase_counts.shape[0], 1)
    location, location_kind = object_location(final, cluster.example), None
    calls: list[str] = []
    if location:
        location_kind = "closure" if evidence.payload_type == "closure" else "constructor"
        if location_kind == "constructor":
            calls = new_calls(location.rsplit(":", 2)[0], evidence.payload_class)
    closure = None
    if detector.category == "closure-capture":
        facts = evidence.closure or closure_on_path(final, [s.ordinal for s in example_path])
        if facts is not None:
            closure = facts.to_json()
            siblings = sibling_users(facts.keeper_location, facts.variable) \
                if facts.keeper_location else []
            closure["siblings"] = [{"name": s.name, "location": s.location} for s in siblings]
            closure["sibling"] = siblings[0].name if siblings else None
    library = evidence.library
    owner_list = _owners(final, cluster, is_new)
    holder = _holder_name(evidence)
    advice = detector.advice_for(evidence)
    if owner_list:  # the dominator above two owners is only where their paths meet
        holder = " and ".join(owner["name"] for owner in owner_list)
        if not any(owner["frees"] for owner in owner_list):
            advice = (f"{len(owner_list)} owners ({holder}) each keep these objects, so fixing "
                      f"one alone frees nothing: release them from every owner. {advice}")
    return Leak(
        category=detector.category, class_name=class_name, count=cluster.count,
        retained_size=cluster.retained_size,
        growth=round(float(cluster.phase_counts.sum()) / phases, 1),
        growth_bytes=round(float(cluster.phase_bytes.sum()) / phases, 1),
        retainer_path=example_path,
        location=location, advice=advice,
        holder=holder,
        holder_id=holder_id, holder_script=holder_script(final, ordinals),
        phase_counts=[int(c) for c in cluster.phase_counts], holder_fanout=fanout,
        example_id=int(final.node_id[cluster.example]), holder_path=holder_path,
        location_kind=location_kind, new_calls=calls, closure=closure,
        owners=owner_list, library=library.to_json() if library else None,
        also_holds=cluster.also_holds,
        sample_ids=[int(i) for i in final.node_id[cluster.tracked_sample]])


def _owners(final: HeapSnapshot, cluster: Cluster, is_new: np.ndarray) -> list[dict]:
    """Every long-lived owner when there are two or more, with what fixing each would free:
    `frees` counts sampled objects only that owner keeps; `shared` those another keeps too."""
    found = owners(final, cluster.top_nodes, is_new)
    if len(found) < 2:
        return []
    return [{"name": _owner_name(final, owner.ordinal, owner.via), "class":
             final.class_name(owner.ordinal), "id": int(final.node_id[owner.ordinal]),
             "frees": owner.only, "shared": owner.shared} for owner in found[:4]]


def _owner_name(final: HeapSnapshot, ordinal: int, via: str) -> str:
    """`clients`, `heartbeat._events.beat`: the owner's own name and the edge it holds by."""
    edges = [step.edge for step in retainer_path(final, ordinal) if step.edge]
    name = edges[-1] if edges else final.class_name(ordinal)
    if len(edges) >= 3 and edges[-2] in EVENT_EDGES:  # one event's listener array
        return f"the '{name}' listeners of {edges[-3]}"
    if name.startswith("_") and len(edges) >= 2 and not edges[-2].startswith("["):
        name = f"{edges[-2]}.{name}"
    if via and not via.startswith("[") and via not in _BACKING and via != "context":
        name = f"{name}.{via}"
    return name


def _holder_name(evidence: LeakEvidence) -> str:
    """What the user calls the holder: its variable or property (`requestLog`); an element
    is named after its parent (`timerListMap[3600000]`); a root or anonymous one by class."""
    edges = evidence.path_edges
    edge = evidence.holder_edge
    if not edge:
        return evidence.holder_class
    parent = edges[-2] if len(edges) >= 2 and not edges[-2].startswith("[") else None
    if parent in EVENT_EDGES and not edge.startswith("["):  # one event's listener array
        emitter = f" of {edges[-3]}" if len(edges) >= 3 and not edges[-3].startswith("[") \
            else ""
        return f"the '{edge}' listeners{emitter}"
    if edge.startswith("["):
        return f"{parent}{edge}" if parent else evidence.holder_class
    if edge.startswith("_") and parent:  # a library's internals: say whose (`bus._events`)
        return f"{parent}.{edge}"
    return edge


def _signature(leak: Leak) -> tuple:
    """Leaks that are the same once indices and ids are stripped from their holders' paths
    (one cache per shard, one listener list per connection...)."""
    path = re.sub(r"\[\d+\]", "[]", format_path(leak.holder_path))
    return leak.category, leak.class_name, path


def _merge(leaks: list[Leak]) -> list[Leak]:
    merged: dict[tuple, Leak] = {}
    for leak in leaks:
        key = _signature(leak)
        if key not in merged:
            merged[key] = leak
            continue
        into = merged[key]
        into.count += leak.count
        into.retained_size += leak.retained_size
        into.growth += leak.growth
        into.growth_bytes += leak.growth_bytes
        into.phase_counts = [a + b for a, b in zip(into.phase_counts, leak.phase_counts,
                                                   strict=False)]
    return list(merged.values())


def class_counts(snapshots: Sequence[Comparable]) -> dict[str, list[int]]:
    """Live instances of every class name, in each snapshot."""
    series: dict[str, list[int]] = {}
    for index, snapshot in enumerate(snapshots):
        per_id = class_instance_counts(snapshot)
        for class_id, name in class_names(snapshot).items():
            series.setdefault(name, [0] * len(snapshots))[index] += int(per_id[class_id])
    return series


def growing_classes(snapshots: Sequence[Comparable], counts: dict[str, list[int]],
                    top: int = 10, min_growth: int = 10) -> list[dict]:
    """Classes whose live count grows in every step, most growth first: their counts and
    self sizes in each snapshot, and (the final snapshot being the only full graph) the size
    their top-most instances retain in the final one."""
    names = [name for name, series in counts.items()
             if all(b > a for a, b in zip(series, series[1:], strict=False))
             and series[-1] - series[0] >= min_growth]
    names.sort(key=lambda name: counts[name][0] - counts[name][-1])
    names = names[:top]
    wanted = set(names)
    self_sizes = {name: [0] * len(snapshots) for name in names}
    for index, snapshot in enumerate(snapshots):
        ids = [(class_id, name) for class_id, name in class_names(snapshot).items()
               if name in wanted]
        if ids:
            totals = class_self_sizes(snapshot)
            for class_id, name in ids:
                self_sizes[name][index] += int(totals[class_id])
    retained = dict.fromkeys(names, 0)
    final = snapshots[-1]
    if names and isinstance(final, HeapSnapshot):
        kept = final.class_totals[2]
        for class_id, name in class_names(final).items():
            if name in wanted:
                retained[name] += int(kept[class_id])
    return [{"class": name, "counts": counts[name], "self_sizes": self_sizes[name],
             "retained_size": retained[name]} for name in names]
