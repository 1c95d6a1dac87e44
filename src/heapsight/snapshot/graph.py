"""The graph over a snapshot's columns: edge index, retainers, essential edges, classes,
distances, dominators and retained sizes. Each step is one function over arrays, so it can be
tested and timed alone; the loops live in _kernels."""

from __future__ import annotations

import mmap
import os
import signal
from collections.abc import Callable

import numpy as np

from heapsight.errors import HeapsightError
from heapsight.snapshot import _kernels as k
from heapsight.snapshot.format import SnapshotMeta
from heapsight.snapshot.strings import StringTable

ROOT = 0                      # V8 always writes the synthetic root first
MAX_EDGES = 2**31 - 1         # edge and retainer positions are int32 (half the memory of int64)
SYSTEM_DISTANCE = 100_000_000  # DevTools' base distance for objects reached only via system roots

# V8 names the ephemeron edges of a WeakMap "<n> / part of key (K @k) -> value (V @v) pair in
# WeakMap (table @t)"; DevTools skips the copy that leaves the table itself (HeapSnapshot.ts).
_WEAKMAP_SUFFIX = " pair in WeakMap (table @"

# How DevTools names the class of a node of each non-object type.
TYPE_CLASS_NAMES = {"hidden": "(system)", "code": "(compiled code)", "closure": "(closure)"}


def edge_index(edge_count: np.ndarray) -> np.ndarray:
    """first_edge[n]..first_edge[n+1] are node n's outgoing edges (V8 stores them in order).
    The reader's edge_count column is consumed: its memory becomes first_edge."""
    total = int(edge_count.sum(dtype=np.int64))
    if total > MAX_EDGES:
        raise HeapsightError(f"the snapshot has {total:,} edges; heapsight reads at most "
                             f"{MAX_EDGES:,} (about a 20 GiB file)")
    counts = edge_count.base
    if isinstance(counts, np.ndarray) and counts.dtype == np.uint32 and \
            counts.shape == (edge_count.shape[0] + 1,) and counts[0] == 0 and \
            edge_count.ctypes.data == counts.ctypes.data + counts.itemsize:
        # the reader left a 0 before the counts: sum them in place (no fresh memory)
        np.cumsum(counts, out=counts)
        return counts.view(np.int32)
    first_edge = np.zeros(edge_count.shape[0] + 1, np.int32)
    np.cumsum(edge_count, dtype=np.int32, out=first_edge[1:])
    return first_edge


def edge_sources(first_edge: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The node each edge leaves (edges do not store their source): the last node whose edge
    block starts at or before it, by binary search."""
    return np.searchsorted(first_edge, edges, side="right") - 1


def mark_inessential(meta: SnapshotMeta, edge_type: np.ndarray, edge_name: np.ndarray,
                     first_edge: np.ndarray, edge_to: np.ndarray, node_id: np.ndarray,
                     strings: StringTable) -> None:
    """Bit-invert the target (edge_to) of the edges that do not count for dominators
    (DevTools' isEssentialEdge): weak edges, shortcuts except from the root, self edges,
    WeakMap table->value edges. clear_inessential undoes it."""
    k.mark_inessential(edge_type, edge_name, first_edge, edge_to, node_id,
                       weakmap_tables(strings), meta.edge_type("weak"),
                       meta.edge_type("shortcut"), meta.edge_type("internal"), ROOT)


def clear_inessential(edge_to: np.ndarray) -> None:
    k.clear_inessential(edge_to)


def essential_edges(meta: SnapshotMeta, edge_type: np.ndarray, edge_name: np.ndarray,
                    first_edge: np.ndarray, edge_to: np.ndarray, node_id: np.ndarray,
                    strings: StringTable) -> np.ndarray:
    """The edges that count for dominators, as a mask (for checks; the load marks edge_to
    in place instead of keeping a mask)."""
    marked = edge_to.copy()
    mark_inessential(meta, edge_type, edge_name, first_edge, marked, node_id, strings)
    return marked >= 0


def weakmap_tables(strings: StringTable) -> np.ndarray:
    """For each string, the table id when it names a WeakMap ephemeron edge
    (`... pair in WeakMap (table @N)`), else -1; read from the raw bytes, nothing decoded."""
    blob, starts, lengths = strings.raw_arrays()
    return k.weakmap_tables(blob, starts, lengths,  # type: ignore[no-any-return]
                            np.frombuffer(bytearray(_WEAKMAP_SUFFIX.encode()), np.uint8))


def class_ids(meta: SnapshotMeta, node_type: np.ndarray, node_name: np.ndarray,
              string_count: int) -> np.ndarray:
    """A class per node as DevTools groups them: objects and natives by their name (a string
    index; V8 deduplicates strings), every other type by a class of its own after the strings."""
    by_name = np.isin(node_type, _by_name_types(meta))
    class_id = node_type.astype(np.int32)
    class_id += string_count
    np.copyto(class_id, node_name, where=by_name, casting="unsafe")
    return class_id


def _by_name_types(meta: SnapshotMeta) -> list[int]:
    return [meta.node_type("object"), meta.node_type("native")]


def class_of(meta: SnapshotMeta, node_type: int, node_name: int, string_count: int) -> int:
    """One node's class id, as class_ids numbers them."""
    return node_name if node_type in _by_name_types(meta) else string_count + node_type


def class_name(meta: SnapshotMeta, strings: StringTable, class_id: int) -> str:
    if class_id < len(strings):
        return strings[class_id]
    type_name = meta.node_types[class_id - len(strings)]
    return TYPE_CLASS_NAMES.get(type_name, f"({type_name})")


def narrow_sizes(self_size: np.ndarray) -> np.ndarray:
    """Self sizes as uint32 (half the memory) unless an object is 4 GiB or more (the reader
    already reads them so: then nothing is copied)."""
    if self_size.dtype == np.uint32:
        return self_size
    if self_size.size and int(self_size.max()) > np.iinfo(np.uint32).max:
        return self_size
    return self_size.astype(np.uint32)


def distances(meta: SnapshotMeta, first_edge: np.ndarray, edge_to: np.ndarray,
              edge_type: np.ndarray, node_type: np.ndarray,
              out: np.ndarray | None = None) -> np.ndarray:
    """Distance from the root over non-weak edges; the root's non-synthetic children (user
    globals) are explored first so that paths through user code are the shortest ones."""
    node_count = first_edge.shape[0] - 1
    dist = np.empty(node_count, np.int32) if out is None else out
    k.distances(node_count, ROOT, first_edge, edge_to, edge_type, meta.edge_type("weak"),
                node_type, meta.node_type("synthetic"), SYSTEM_DISTANCE, dist)
    return dist


def distances_beside(meta: SnapshotMeta, first_edge: np.ndarray, edge_to: np.ndarray,
                     edge_type: np.ndarray, node_type: np.ndarray) -> Callable[[], np.ndarray]:
    """Start the distances in a forked child, on the second core, while this process goes on
    with the dominators; returns the function that waits for them. The child sees the arrays
    as they are now (copy-on-write; the edge columns the reader's child parsed are shared
    memory, where the dominator step's marks show: the BFS reads a bit-inverted target as the
    target); it
    writes into shared memory that becomes the result. Where fork is missing or fails, the
    distances are computed here, now."""
    node_count = first_edge.shape[0] - 1
    try:
        shared = mmap.mmap(-1, max(node_count * 4, 1))  # MAP_SHARED: the child's writes are ours
        pid = os.fork()
    except (OSError, AttributeError):
        dist = distances(meta, first_edge, edge_to, edge_type, node_type)
        return lambda: dist
    dist = np.frombuffer(shared, np.int32, node_count)
    if pid == 0:  # the child: compute, leave without running any exit handler
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            distances(meta, first_edge, edge_to, edge_type, node_type, dist)
            status = 0
        finally:
            os._exit(status)

    def wait() -> np.ndarray:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:  # killed (out of memory?): do it here
            distances(meta, first_edge, edge_to, edge_type, node_type, dist)
        return dist
    return wait


def retainers(first_edge: np.ndarray, edge_to: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first_retainer, retainer_sources): who points at each node; a source is bit-inverted
    when its edge is marked inessential (see _kernels.retainer_index)."""
    return k.retainer_index(first_edge, edge_to, first_edge.shape[0] - 1)


Numbering = tuple[np.ndarray, np.ndarray, np.ndarray, int]  # pre, vertex, parent, deepest


def dfs_numbering(first_edge: np.ndarray, edge_to: np.ndarray,
                  arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> Numbering:
    """The DFS preorder numbering the dominators start from, over the edges not marked
    inessential (see _kernels.dfs_preorder): (pre, vertex, parent, deepest path)."""
    node_count = first_edge.shape[0] - 1
    pre, vertex, parent = arrays or (np.empty(node_count, np.int32),
                                     np.empty(node_count, np.int32),
                                     np.empty(node_count, np.int32))
    deepest = k.dfs_preorder(ROOT, first_edge, edge_to, pre, vertex, parent)
    return pre, vertex, parent, int(deepest)


def dfs_numbering_beside(first_edge: np.ndarray,
                         edge_to: np.ndarray) -> Callable[[], Numbering]:
    """Start the DFS numbering in a forked child, on the second core, while this process
    builds the retainer index; returns the function that waits for it. The child writes into
    shared memory that becomes the numbering's arrays. The caller must not change the edges'
    inessential marks before waiting (the edge columns may be shared memory too)."""
    node_count = first_edge.shape[0] - 1
    try:
        # MAP_SHARED, as distances_beside; one mapping per array, so that each is given back
        # when its array goes (parent becomes the kept dominator-tree order, the others not)
        shared = [mmap.mmap(-1, max(node_count * 4, 1)) for _ in range(3)]
        shared_deepest = mmap.mmap(-1, 8)
        pid = os.fork()
    except (OSError, AttributeError):
        numbering = dfs_numbering(first_edge, edge_to)
        return lambda: numbering
    pre, vertex, parent = (np.frombuffer(m, np.int32, node_count) for m in shared)
    arrays = (pre, vertex, parent)
    del shared
    deepest = np.frombuffer(shared_deepest, np.int64, 1)
    if pid == 0:  # the child: compute, leave without running any exit handler
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            deepest[0] = dfs_numbering(first_edge, edge_to, arrays)[3]
            status = 0
        finally:
            os._exit(status)

    def wait() -> Numbering:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:  # killed (out of memory?): do it here
            return dfs_numbering(first_edge, edge_to, arrays)
        return arrays[0], arrays[1], arrays[2], int(deepest[0])
    return wait


def dominator_tree(first_retainer: np.ndarray, retainer_sources: np.ndarray,
                   numbering: Numbering) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(immediate dominator of each node, nodes in preorder of the dominator tree, spare),
    over the edges not marked inessential, from the retainer index and the DFS numbering;
    both are consumed (rewritten). spare: the kernel's scratch memory, free to reuse (as
    retained_sizes' out)."""
    pre, vertex, parent, deepest = numbering
    return k.dominators(ROOT, first_retainer, retainer_sources,  # type: ignore[no-any-return]
                        pre, vertex, parent, deepest)


def retainer_edges(first_edge: np.ndarray, edge_to: np.ndarray, first_retainer: np.ndarray,
                   retainers: np.ndarray) -> np.ndarray:
    """Turn the retainer index's array into the retaining edges themselves, in place."""
    k.retainer_edges(first_edge, edge_to, first_retainer, retainers)
    return retainers


def retained_sizes(self_size: np.ndarray, dominator: np.ndarray, preorder: np.ndarray,
                   spare: np.ndarray | None = None) -> np.ndarray:
    """Retained size of every node (int64), written into spare's memory when it is large
    enough (dominator_tree's scratch: its pages are there already, fresh ones cost a fault
    each)."""
    node_count = self_size.shape[0]
    out = spare.view(np.int64)[:node_count] if spare is not None and \
        spare.flags.c_contiguous and spare.nbytes >= 8 * node_count else \
        np.empty(node_count, np.int64)
    sizes = k.retained_sizes if self_size.dtype == np.uint32 else k.retained_sizes_wide
    return sizes(self_size, dominator, preorder, ROOT, out)  # type: ignore[no-any-return]


def class_totals(meta: SnapshotMeta, node_type: np.ndarray, node_name: np.ndarray,
                 string_count: int, self_size: np.ndarray, retained: np.ndarray,
                 dominator: np.ndarray,
                 preorder: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(count, self size, top-most retained size) per class id (as class_ids numbers them,
    string_count + len(node_types) of them); preorder is the dominator tree's."""
    totals = k.class_totals if self_size.dtype == np.uint32 else k.class_totals_wide
    by_name = np.zeros(256, np.uint8)
    by_name[[t for t in _by_name_types(meta) if t >= 0]] = 1
    return totals(node_type, node_name, by_name, string_count,  # type: ignore[no-any-return]
                  string_count + len(meta.node_types), self_size, retained, dominator, preorder,
                  ROOT)
