"""The graph over a snapshot's columns: edge index, retainers, essential edges, classes,
distances, dominators and retained sizes. Each step is one function over arrays, so it can be
tested and timed alone; the loops live in _kernels."""

from __future__ import annotations

import numpy as np

from heapsight.snapshot import _kernels as k
from heapsight.snapshot.format import SnapshotMeta
from heapsight.snapshot.strings import StringTable

ROOT = 0                      # V8 always writes the synthetic root first
SYSTEM_DISTANCE = 100_000_000  # DevTools' base distance for objects reached only via system roots

# V8 names the ephemeron edges of a WeakMap "<n> / part of key (K @k) -> value (V @v) pair in
# WeakMap (table @t)"; DevTools skips the copy that leaves the table itself (HeapSnapshot.ts).
_WEAKMAP_SUFFIX = " pair in WeakMap (table @"

# How DevTools names the class of a node of each non-object type.
TYPE_CLASS_NAMES = {"hidden": "(system)", "code": "(compiled code)", "closure": "(closure)"}


def edge_index(edge_count: np.ndarray) -> np.ndarray:
    """first_edge[n]..first_edge[n+1] are node n's outgoing edges (V8 stores them in order)."""
    first_edge = np.zeros(edge_count.shape[0] + 1, np.int64)
    np.cumsum(edge_count, out=first_edge[1:])
    return first_edge


def retainers(first_edge: np.ndarray, edge_to: np.ndarray,
              essential: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first_retainer, retainer_edges, retainer_sources): who points at each node; a source
    is bit-inverted when its edge is not essential (see _kernels.retainer_index)."""
    return k.retainer_index(first_edge, edge_to, essential, first_edge.shape[0] - 1)


def source(encoded: int) -> int:
    """The node a retainer comes from, whatever the essential bit."""
    return encoded if encoded >= 0 else ~encoded


def essential_edges(meta: SnapshotMeta, edge_type: np.ndarray, edge_name: np.ndarray,
                    first_edge: np.ndarray, edge_to: np.ndarray, node_id: np.ndarray,
                    strings: StringTable) -> np.ndarray:
    """The edges that count for dominators (DevTools' isEssentialEdge): not weak, not a
    shortcut unless from the root, not a self edge, not a WeakMap table->value edge."""
    return k.essential_mask(edge_type, edge_name, first_edge, edge_to, node_id,
                            weakmap_tables(strings), meta.edge_type("weak"),
                            meta.edge_type("shortcut"), meta.edge_type("internal"), ROOT)


def weakmap_tables(strings: StringTable) -> np.ndarray:
    """For each string, the table id when it names a WeakMap ephemeron edge
    (`... pair in WeakMap (table @N)`), else -1; read from the raw bytes, nothing decoded."""
    tables = np.full(len(strings), -1, np.int64)
    for position, owner in strings.occurrences(_WEAKMAP_SUFFIX):
        digits = strings.raw_tail(owner, position + len(_WEAKMAP_SUFFIX))
        if digits.endswith(b")") and digits[:-1].isdigit():
            tables[owner] = int(digits[:-1])
    return tables


def class_ids(meta: SnapshotMeta, node_type: np.ndarray, node_name: np.ndarray,
              string_count: int) -> np.ndarray:
    """A class per node as DevTools groups them: objects and natives by their name (a string
    index; V8 deduplicates strings), every other type by a class of its own after the strings."""
    by_name = np.isin(node_type, [meta.node_type("object"), meta.node_type("native")])
    class_id = node_type.astype(np.int32)
    class_id += string_count
    np.copyto(class_id, node_name, where=by_name, casting="unsafe")
    return class_id


def class_name(meta: SnapshotMeta, strings: StringTable, class_id: int) -> str:
    if class_id < len(strings):
        return strings[class_id]
    type_name = meta.node_types[class_id - len(strings)]
    return TYPE_CLASS_NAMES.get(type_name, f"({type_name})")


def distances(meta: SnapshotMeta, first_edge: np.ndarray, edge_to: np.ndarray,
              edge_type: np.ndarray, node_type: np.ndarray) -> np.ndarray:
    """Distance from the root over non-weak edges; the root's non-synthetic children (user
    globals) are explored first so that paths through user code are the shortest ones."""
    node_count = first_edge.shape[0] - 1
    user_root = (node_type != meta.node_type("synthetic")).astype(np.uint8)
    return k.distances(node_count, ROOT, first_edge, edge_to, edge_type,
                       meta.edge_type("weak"), user_root, SYSTEM_DISTANCE)


def dominator_tree(first_edge: np.ndarray, edge_to: np.ndarray, essential: np.ndarray,
                   first_retainer: np.ndarray,
                   retainer_sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(immediate dominator of each node, nodes in DFS preorder)."""
    node_count = first_edge.shape[0] - 1
    dominator, vertex, _ = k.dominators(node_count, ROOT, first_edge, edge_to, essential,
                                        first_retainer, retainer_sources)
    return dominator, vertex


def retained_sizes(self_size: np.ndarray, dominator: np.ndarray,
                   preorder: np.ndarray) -> np.ndarray:
    return k.retained_sizes(self_size, dominator, preorder, ROOT)


def dominator_children(dominator: np.ndarray, preorder: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first_child, children): the dominator tree as CSR."""
    return k.dominator_children(dominator, preorder, ROOT)


def class_totals(class_id: np.ndarray, self_size: np.ndarray, retained: np.ndarray,
                 first_child: np.ndarray, children: np.ndarray,
                 class_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(count, self size, top-most retained size) per class id."""
    return k.class_totals(class_id, self_size, retained, first_child, children, ROOT,
                          class_count)
