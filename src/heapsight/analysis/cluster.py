"""From "objects that are new since the baseline" to leak clusters.

Every new object belongs to the highest new object above it in the dominator tree (its
top-most new ancestor); that one is held by an old object, the holder. A cluster is what one
holder keeps of one payload class, where the payload is what a carrier (closure, context,
timer, backing store) exists to hold. A leak shows as a cluster that gained payload in every
phase between snapshots; warm-up, bounded caches and churn do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heapsight.snapshot import HeapSnapshot
from heapsight.snapshot import _kernels as k
from heapsight.snapshot.graph import ROOT

CARRIER_TYPES = ("closure", "hidden", "array", "code", "object shape", "synthetic")
# Collections count as carriers too: one created after the baseline is itself new, and what
# leaks is what it holds, not the container.
CARRIER_CLASSES = ("Timeout", "Immediate", "TimersList", "Array", "Map", "Set")
PAYLOAD_TYPES = ("object", "closure", "native", "string", "concatenated string",
                 "sliced string", "regexp", "bigint", "symbol")
_MAX_DESCENT = 8
_SAMPLE = 200  # payload instances kept per cluster for the detectors' questions
# V8's allocation tracker keeps a stack for only some objects (a few percent here)
_TRACKED_SAMPLE = 4000
_BLOCK = 1 << 16  # rows whose classes are looked up at a time


@dataclass
class Cluster:
    holder: int                 # ordinal, in the final snapshot, of the old object holding it
    payload_class: int          # class id of what is held
    top_nodes: np.ndarray       # top-most new objects of the cluster (disjoint subtrees)
    example: int                # a payload instance, under the top node nearest a root
    phase_counts: np.ndarray    # payload instances first seen in each phase after the baseline
    phase_bytes: np.ndarray     # their retained size, per phase
    retained_size: int          # of the top nodes: dominator-deduplicated
    native_size: int            # external memory (ArrayBuffer stores, ...) inside it
    payload_sample: np.ndarray = field(  # payload instances (ordinals) spread over the cluster
        default_factory=lambda: np.empty(0, np.int64))
    also_holds: list[str] = field(default_factory=list)  # classes of clusters folded into it
    # more payload instances, for finding one whose allocation stack V8 recorded
    tracked_sample: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    @property
    def count(self) -> int:
        return int(self.phase_counts.sum())


@dataclass
class NewSubtrees:
    """The dominator subtrees below the objects new since the baseline (with the old objects
    a new one dominates), as rows in preorder (_kernels.new_subtrees): what clusters and the
    survivor filter ask of the tree, at 12 bytes a row instead of arrays over every node."""
    nodes: np.ndarray   # the ordinal of each row
    parent: np.ndarray  # the row of its dominator; -1 when that is outside the subtrees
    top: np.ndarray     # the row of its top-most new ancestor (of the nearest new one above)

    @classmethod
    def of(cls, snapshot: HeapSnapshot, is_new: np.ndarray) -> NewSubtrees:
        return cls(*k.new_subtrees(snapshot.preorder, snapshot.dominator, is_new))

    def children(self) -> tuple[np.ndarray, np.ndarray]:
        """(first_child, children) over rows: the dominator tree's child lists inside the
        subtrees, each in preorder (the order the DFS found them)."""
        inside = self.parent >= 0
        rows = self.nodes.shape[0]
        first_child = np.zeros(rows + 1, np.int32)
        np.cumsum(np.bincount(self.parent[inside], minlength=rows), dtype=np.int32,
                  out=first_child[1:])
        order = np.argsort(self.parent, kind="stable")  # the -1 rows first, then by parent
        return first_child, order[rows - int(inside.sum()):].astype(np.int32)


def clusters(snapshot: HeapSnapshot, phase: np.ndarray, phases: int,
             subtrees: NewSubtrees | None = None) -> list[Cluster]:
    """Group the new objects of `snapshot` (phase >= 1) into clusters, largest first.

    phase[n] is the index of the first snapshot holding node n; `phases` is the number of
    snapshots, so new objects have phases 1..phases-1. Every new node joins the cluster of
    its top node; all but masks is computed over the new subtrees' rows, not every node."""
    if subtrees is None:
        subtrees = NewSubtrees.of(snapshot, phase >= 1)
    nodes = subtrees.nodes
    # The top nodes are the rows that are their own top (only a new row can be), in ordinal
    # order. What is over rows (the tree below them) is done before what is over members.
    top_rows = np.flatnonzero(subtrees.top == np.arange(nodes.shape[0], dtype=np.int32))
    if top_rows.size == 0:
        return []
    top_rows = top_rows[np.argsort(nodes[top_rows], kind="stable")].astype(np.int32)
    tops = nodes[top_rows]
    holders = snapshot.dominator[tops].astype(np.int32)
    synthetic = snapshot.meta.node_type("synthetic")
    shared = (holders == ROOT) | (snapshot.node_type[holders] == synthetic)
    if shared.any():  # held from several roots: follow the shortest path to an old object
        holders[shared] = k.path_holders(
            tops[shared], phase == 0, snapshot.first_retainer, snapshot.retainer_edges,
            snapshot.first_edge, snapshot.edge_type, snapshot.meta.edge_type("weak"),
            snapshot.distance, ROOT)

    first_child, children = subtrees.children()
    payloads = nodes[k.descend_to_payload(top_rows, first_child, children,
                                          snapshot.retained_size[nodes],
                                          _carrier_mask(snapshot, nodes), _MAX_DESCENT)]
    payload_types = np.array([snapshot.meta.node_type(t) for t in PAYLOAD_TYPES])
    plain = ~np.isin(snapshot.node_type[payloads], payload_types) | \
        np.isin(snapshot.classes_of(payloads), _internal_classes(snapshot))
    payloads[plain] = tops[plain]  # nothing worth naming below the carrier: name the carrier
    _entries_of_new_tables(snapshot, top_rows, payloads, plain, payload_types, subtrees,
                           first_child, children)
    del first_child, children
    payload_class = snapshot.classes_of(payloads)

    keys = holders.astype(np.int64) * snapshot.class_count + payload_class
    unique_keys, cluster_of_top = np.unique(keys, return_inverse=True)
    count = unique_keys.shape[0]
    retained = np.bincount(cluster_of_top, weights=snapshot.retained_size[tops],
                           minlength=count).astype(np.int64)

    # Every new node, in ordinal order, with the top node it belongs to.
    member_rows = np.flatnonzero(phase[nodes] >= 1)
    by_ordinal = np.argsort(nodes[member_rows], kind="stable")
    member_rows = member_rows[by_ordinal]
    del by_ordinal
    members = nodes[member_rows].astype(np.int64)
    member_top = nodes[subtrees.top[member_rows]]
    del member_rows

    # Count payload instances per phase.
    member_cluster = cluster_of_top[np.searchsorted(tops, member_top)]
    del member_top
    native = snapshot.node_type[members] == snapshot.meta.node_type("native")
    native_size = np.bincount(member_cluster[native],
                              weights=snapshot.self_size[members[native]],
                              minlength=count).astype(np.int64)
    cluster_class = (unique_keys % snapshot.class_count).astype(np.int32)
    is_payload = snapshot.classes_of(members) == cluster_class[member_cluster]
    slot = member_cluster[is_payload] * (phases - 1) + (phase[members[is_payload]] - 1)
    phase_counts = np.bincount(slot, minlength=count * (phases - 1)).reshape(count, phases - 1)
    phase_bytes = np.bincount(slot, weights=snapshot.retained_size[members[is_payload]],
                              minlength=count * (phases - 1)).reshape(count, phases - 1)

    # The example: the payload under the top node nearest the GC roots (the shortest path
    # to show), the largest of those.
    order = np.lexsort((-snapshot.retained_size[tops], snapshot.distance[tops], cluster_of_top))
    first = np.ones(order.shape[0], bool)
    first[1:] = cluster_of_top[order][1:] != cluster_of_top[order][:-1]
    example = np.empty(count, np.int64)
    example[cluster_of_top[order][first]] = payloads[order][first]

    grouped = np.argsort(cluster_of_top, kind="stable")
    bounds = np.searchsorted(cluster_of_top[grouped], np.arange(count + 1))
    payload_members = members[is_payload]
    payload_cluster = member_cluster[is_payload]
    by_cluster = np.argsort(payload_cluster, kind="stable")
    payload_bounds = np.searchsorted(payload_cluster[by_cluster], np.arange(count + 1))
    result = [
        Cluster(holder=int(unique_keys[c] // snapshot.class_count),
                payload_class=int(cluster_class[c]),
                top_nodes=tops[grouped[bounds[c]:bounds[c + 1]]],
                example=int(example[c]), phase_counts=phase_counts[c].astype(np.int64),
                phase_bytes=phase_bytes[c].astype(np.int64),
                retained_size=int(retained[c]), native_size=int(native_size[c]),
                payload_sample=_spread(payload_members[
                    by_cluster[payload_bounds[c]:payload_bounds[c + 1]]], _SAMPLE),
                tracked_sample=_spread(payload_members[
                    by_cluster[payload_bounds[c]:payload_bounds[c + 1]]], _TRACKED_SAMPLE))
        for c in range(count)]
    result.sort(key=lambda c: -c.retained_size)
    return result


_TABLE_MIN_SIZE = 16 * 1024


def _entries_of_new_tables(snapshot: HeapSnapshot, top_rows: np.ndarray, payloads: np.ndarray,
                           plain: np.ndarray, payload_types: np.ndarray,
                           subtrees: NewSubtrees, first_child: np.ndarray,
                           children: np.ndarray) -> None:
    """A collection's backing store that V8 reallocated after the baseline (a Map's table that
    grew) is new and dominates every entry, old and new; the descent stops at it when no one
    entry outweighs the rest. What it holds is its entries: name the class whose entries
    retain the most (in place, for the few big tables)."""
    internal = _internal_classes(snapshot)
    tops = subtrees.nodes[top_rows]
    for index in np.flatnonzero(plain & (snapshot.retained_size[tops] >= _TABLE_MIN_SIZE)):
        top, row = int(tops[index]), int(top_rows[index])
        if snapshot.type_name(top) not in ("array", "hidden"):
            continue
        below = subtrees.nodes[children[first_child[row]:first_child[row + 1]]]
        below = below[np.isin(snapshot.node_type[below], payload_types)
                      & ~np.isin(snapshot.classes_of(below), internal)]
        if below.size == 0:
            continue
        weight = np.bincount(snapshot.classes_of(below), weights=snapshot.retained_size[below])
        best = int(np.argmax(weight))
        entries = below[snapshot.classes_of(below) == best]
        payloads[index] = entries[np.argmax(snapshot.retained_size[entries])]


def _spread(members: np.ndarray, most: int) -> np.ndarray:
    """At most `most` members, spread evenly over all of them (every phase is represented)."""
    if members.shape[0] <= most:
        return members
    return members[np.linspace(0, members.shape[0] - 1, most).astype(np.int64)]


def _internal_classes(snapshot: HeapSnapshot) -> np.ndarray:
    """Class ids of V8 internals that V8 types as objects (`system / Context`, ...)."""
    return snapshot.strings.indices_containing("system / ")


def _carrier_mask(snapshot: HeapSnapshot, nodes: np.ndarray) -> np.ndarray:
    """For each of these nodes, whether it exists to hold something else."""
    types = np.array([snapshot.meta.node_type(t) for t in CARRIER_TYPES])
    names = [snapshot.strings.index_of(name) for name in CARRIER_CLASSES]
    classes = np.concatenate([_internal_classes(snapshot), np.array(names, np.int64)])
    by_type = np.zeros(256, bool)
    by_type[types[types >= 0]] = True
    by_class = np.zeros(snapshot.class_count, bool)
    by_class[classes[classes >= 0]] = True
    mask = np.empty(nodes.shape[0], bool)
    for start in range(0, nodes.shape[0], _BLOCK):  # the classes of a block at a time
        block = nodes[start:start + _BLOCK]
        mask[start:start + _BLOCK] = by_type[snapshot.node_type[block]] | \
            by_class[snapshot.classes_of(block)]
    return mask


def is_internal(snapshot: HeapSnapshot, ordinal: int) -> bool:
    return snapshot.class_name(ordinal).startswith("system / ")
