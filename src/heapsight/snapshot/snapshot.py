"""HeapSnapshot: a loaded V8 heap snapshot and the small public API the analyses use."""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from heapsight.snapshot import graph
from heapsight.snapshot.format import INDEX_EDGE_TYPES
from heapsight.snapshot.reader import Progress, SnapshotColumns, read_columns

Step = Callable[[str], None]

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
_BIG_ARRAY = 1 << 20
_CLASS_BLOCK = 1 << 16  # nodes whose classes are counted at a time


_DISTANCES_BESIDE = 256 << 20  # file bytes


def _big_arrays_in_their_own_pages() -> None:
    """Have glibc give every allocation of 1 MiB or more its own mapping, returned to the
    system when freed. By default glibc raises that threshold each time such a block is freed
    (up to 32 MiB), and arrays below it then leave holes in the C heap that later arrays do not
    fit: 10 MiB more peak on a 150 MB snapshot (more on a .gz), for about 0.1 s of system time
    saved. Not glibc: nothing to do."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _BIG_ARRAY)


@dataclass(frozen=True)
class Edge:
    """One reference: `source` holds `target` under `name` (a property, [index], ...)."""
    index: int
    type: str
    name: str
    source: int
    target: int


@dataclass(frozen=True)
class PathStep:
    """A node on a retainer path and the edge by which the previous step holds it."""
    node: int
    edge: Edge | None


class HeapSnapshot:
    """Columns of one snapshot plus its graph. Nodes are addressed by ordinal (0..n-1, the
    order V8 wrote them); `ordinal_of(id)` maps a stable V8 object id to it."""

    def __init__(self, columns: SnapshotColumns):
        self.columns = columns
        self.meta = columns.meta
        self.strings = columns.strings
        self.source = columns.source
        self.file_size = columns.file_size
        nodes, edges = columns.nodes, columns.edges
        self.node_type = nodes["type"]
        self.node_name = nodes["name"]
        self.node_id = nodes["id"]
        self.self_size = nodes["self_size"] = graph.narrow_sizes(nodes["self_size"])
        self.edge_type = edges["type"]
        self.edge_name = edges["name_or_index"]
        self.edge_to = edges["to_node"]
        self.trace_node_id = nodes.get("trace_node_id")
        if self.trace_node_id is not None and not self.trace_node_id.any():
            del nodes["trace_node_id"]  # allocation tracking was off: nothing to keep
            self.trace_node_id = None
        nodes.pop("detachedness", None)  # a browser DOM notion no analysis reads: not kept
        self.node_count = int(self.node_type.shape[0])
        self.class_count = len(self.strings) + len(self.meta.node_types)
        self.edge_count = int(self.edge_type.shape[0])
        self._index_edge_types = {self.meta.edge_type(t) for t in INDEX_EDGE_TYPES}

    @classmethod
    def load(cls, path: str | os.PathLike[str], progress: Progress | None = None,
             on_step: Step | None = None) -> HeapSnapshot:
        """Read a snapshot and build its graph, step by step (as DevTools' initialize())."""
        step = on_step or (lambda name: None)
        _big_arrays_in_their_own_pages()
        snapshot = cls(read_columns(path, progress))
        step("edges")
        snapshot.build_edge_index()
        # On big snapshots the distances run on the second core beside the dominators (the
        # longest step); below _DISTANCES_BESIDE their arrays would cost more memory, beside
        # the dominators' peak, than the time they save. Otherwise: the steps with the largest
        # temporary arrays first, while the fewest per-node results exist.
        beside = None
        if snapshot.columns.file_size >= _DISTANCES_BESIDE:
            beside = graph.distances_beside(snapshot.meta, snapshot.first_edge,
                                            snapshot.edge_to, snapshot.edge_type,
                                            snapshot.node_type)
        step("retainers and dominators")
        snapshot.build_retainers_and_dominators(beside=beside is not None)
        step("distances")
        if beside is None:
            snapshot.build_distances()
        else:
            snapshot.distance = beside()
        step("retained sizes")
        snapshot.build_retained_sizes()
        return snapshot

    @classmethod
    def load_light(cls, path: str | os.PathLike[str],
                   progress: Progress | None = None) -> HeapSnapshot:
        """Nodes (ids, classes, sizes, fan-out) and strings only: no edges, no graph. Enough
        to say which objects of a later snapshot already existed, at a fraction of the cost."""
        _big_arrays_in_their_own_pages()
        snapshot = cls(read_columns(path, progress,
                                    node_fields=("type", "name", "id", "self_size", "edge_count"),
                                    with_edges=False))
        snapshot.columns.extras.clear()  # function positions, allocation samples: not asked of
        snapshot.columns.trace_tree = b""  # a light snapshot, and up to a tenth of its memory
        return snapshot

    # ---------------------------------------------------------------- the load steps

    def build_edge_index(self) -> None:
        # edge_count is only a run-length code for first_edge: drop it once decoded
        self.first_edge = graph.edge_index(self.columns.nodes.pop("edge_count"))

    def fan_out(self, ordinal: int) -> int:
        """How many references the node holds (its edge count)."""
        if "edge_count" in self.columns.nodes:  # a light snapshot
            return int(self.columns.nodes["edge_count"][ordinal])
        return int(self.first_edge[ordinal + 1] - self.first_edge[ordinal])

    @cached_property
    def class_id(self) -> np.ndarray:
        """The class of every node (made when an analysis first asks: summary needs none)."""
        return graph.class_ids(self.meta, self.node_type, self.node_name, len(self.strings))

    def build_distances(self) -> None:
        self.distance = graph.distances(self.meta, self.first_edge, self.edge_to,
                                        self.edge_type, self.node_type)

    def build_retainers_and_dominators(self, beside: bool = False) -> None:
        # Which edges do not count for dominators is marked in edge_to (the target
        # bit-inverted) for this step only; the retainer index holds sources for the
        # dominator loop, then the edges.
        # beside: the DFS numbering runs in a child on the second core meanwhile.
        graph.mark_inessential(self.meta, self.edge_type, self.edge_name, self.first_edge,
                               self.edge_to, self.node_id, self.strings)
        try:
            numbering = graph.dfs_numbering_beside(self.first_edge, self.edge_to) \
                if beside else None
            self.first_retainer, retainers = graph.retainers(self.first_edge, self.edge_to)
            self.dominator, self.preorder, self._spare = graph.dominator_tree(
                self.first_retainer, retainers,
                numbering() if numbering is not None else
                graph.dfs_numbering(self.first_edge, self.edge_to))
        finally:
            graph.clear_inessential(self.edge_to)
        self.retainer_edges = graph.retainer_edges(self.first_edge, self.edge_to,
                                                   self.first_retainer, retainers)

    def build_retained_sizes(self) -> None:
        self.retained_size = graph.retained_sizes(self.self_size, self.dominator, self.preorder,
                                                  vars(self).pop("_spare", None))

    def release_graph(self) -> None:
        """Drop the edges and all that was built from them (retainers, dominators, distances,
        retained sizes, class totals), keeping the node columns and strings, as a light
        snapshot has: for an analysis done with the graph (diff's earlier snapshot)."""
        for name in ("first_edge", "edge_type", "edge_name", "edge_to", "first_retainer",
                     "retainer_edges", "dominator", "preorder", "distance", "retained_size",
                     "class_totals"):
            vars(self).pop(name, None)
        self.columns.edges.clear()
        self.columns.extras.clear()
        self.columns.trace_tree = b""

    # ---------------------------------------------------------------- totals

    @cached_property
    def total_size(self) -> int:
        return int(self.self_size.sum(dtype=np.int64))

    @cached_property
    def reachable_size(self) -> int:
        return int(np.sum(self.self_size, where=self.distance >= 0, dtype=np.int64))

    @cached_property
    def class_totals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(count, self size, retained size of top-most instances), indexed by class id."""
        return graph.class_totals(self.meta, self.node_type, self.node_name, len(self.strings),
                                  self.self_size, self.retained_size, self.dominator,
                                  self.preorder)

    # ---------------------------------------------------------------- nodes

    @cached_property
    def _id_order(self) -> np.ndarray:
        return np.argsort(self.node_id, kind="stable").astype(np.int32)

    @cached_property
    def sorted_ids(self) -> np.ndarray:
        """The node ids in increasing order (ids are unique within a snapshot)."""
        return self.node_id[self._id_order]

    def ordinal_of(self, node_id: int) -> int | None:
        """The ordinal of the node with this V8 object id, or None."""
        at = int(np.searchsorted(self.sorted_ids, node_id))
        if at < self.sorted_ids.shape[0] and int(self.sorted_ids[at]) == node_id:
            return int(self._id_order[at])
        return None

    def ordinals_of(self, node_ids: np.ndarray) -> np.ndarray:
        """Ordinals for many ids at once; -1 where an id is not in this snapshot."""
        at = np.minimum(np.searchsorted(self.sorted_ids, node_ids), self.node_count - 1)
        found = self.sorted_ids[at] == node_ids
        return np.where(found, self._id_order[at], -1).astype(np.int64)

    def has_ids(self, node_ids: np.ndarray) -> np.ndarray:
        """For each id, whether this snapshot holds an object with it (a binary search over
        the sorted ids: much faster than np.isin on millions of ids)."""
        at = np.minimum(np.searchsorted(self.sorted_ids, node_ids), self.node_count - 1)
        return self.sorted_ids[at] == node_ids

    @cached_property
    def class_names(self) -> dict[int, str]:
        """Name of every class id present in this snapshot: those the class totals count
        (a light snapshot, without them, counts in small blocks, so that neither class_id
        nor bincount's int64 copy of it need exist)."""
        if "retained_size" in vars(self):
            counts = self.class_totals[0]
        else:
            counts = np.zeros(self.class_count, np.int64)
            for start in range(0, self.node_count, _CLASS_BLOCK):
                counts += np.bincount(self.classes_of(slice(start, start + _CLASS_BLOCK)),
                                      minlength=self.class_count)
        present = np.flatnonzero(counts)
        return {int(c): self.class_name_of(int(c)) for c in present}

    def classes_of(self, ordinals: np.ndarray | slice) -> np.ndarray:
        """The class ids of some nodes, as class_id numbers them, without making class_id."""
        if "class_id" in vars(self):
            return self.class_id[ordinals]  # type: ignore[no-any-return]
        return graph.class_ids(self.meta, self.node_type[ordinals], self.node_name[ordinals],
                               len(self.strings))

    def type_name(self, ordinal: int) -> str:
        return self.meta.node_types[int(self.node_type[ordinal])]

    def name(self, ordinal: int) -> str:
        return self.strings[int(self.node_name[ordinal])]

    def class_of(self, ordinal: int) -> int:
        """One node's class id, as class_id numbers them."""
        return graph.class_of(self.meta, int(self.node_type[ordinal]),
                              int(self.node_name[ordinal]), len(self.strings))

    def class_name(self, ordinal: int) -> str:
        return self.class_name_of(self.class_of(ordinal))

    def class_name_of(self, class_id: int) -> str:
        return graph.class_name(self.meta, self.strings, class_id)

    def describe(self, ordinal: int) -> str:
        """`Class @id`, the way DevTools names an object."""
        return f"{self.class_name(ordinal)} @{int(self.node_id[ordinal])}"

    @cached_property
    def _positions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """V8's `locations` table (object_index, script_id, line, column) and the ordinals of
        its rows, sorted, with the order that sorts them (not a sorted copy of the table)."""
        flat = self.columns.extras.get("locations", np.empty(0, np.int32))
        width = max(len(self.meta.location_fields), 4)
        rows = flat[: flat.shape[0] // width * width].reshape(-1, width)
        ordinals = rows[:, 0] // self.meta.node_field_count
        order = np.argsort(ordinals, kind="stable").astype(np.int32)
        return ordinals[order], order, rows

    def position_of(self, ordinal: int) -> tuple[int, int] | None:
        """(line, column), 0-based, of a function in its script, when V8 recorded it."""
        ordinals, order, rows = self._positions
        at = int(np.searchsorted(ordinals, ordinal))
        if at < ordinals.shape[0] and int(ordinals[at]) == ordinal:
            row = int(order[at])
            return int(rows[row, 2]), int(rows[row, 3])
        return None

    # ---------------------------------------------------------------- edges

    def edge(self, index: int, source: int) -> Edge:
        """Edge `index`, which leaves node `source` (edges do not store their source)."""
        etype = int(self.edge_type[index])
        name_or_index = int(self.edge_name[index])
        type_name = self.meta.edge_types[etype]
        name = f"[{name_or_index}]" if etype in self._index_edge_types \
            else self.strings[name_or_index]
        return Edge(index, type_name, name, source, int(self.edge_to[index]))

    def edges_of(self, ordinal: int) -> list[Edge]:
        return [self.edge(e, ordinal) for e in range(int(self.first_edge[ordinal]),
                                                     int(self.first_edge[ordinal + 1]))]

    def retainers_of(self, ordinal: int) -> list[Edge]:
        edges = self.retainer_edges[self.first_retainer[ordinal]:self.first_retainer[ordinal + 1]]
        sources = graph.edge_sources(self.first_edge, edges)
        return [self.edge(int(e), int(s)) for e, s in zip(edges, sources, strict=True)]

    def retainer_path(self, ordinal: int, max_steps: int = 10_000) -> list[PathStep]:
        """A shortest path from the root to `ordinal` over non-weak edges, root first. Among
        retainers equally close to the root, ordinary references win over the plumbing
        (`__proto__`, `constructor`, `map`, internal edges) so the path reads like the code."""
        if self.distance[ordinal] < 0:
            return [PathStep(ordinal, None)]
        weak = self.meta.edge_type("weak")
        steps: list[PathStep] = []
        node = ordinal
        while node != graph.ROOT and len(steps) < max_steps:
            best = -1
            best_key = (int(self.distance[node]), 0)
            edges = self.retainer_edges[self.first_retainer[node]:self.first_retainer[node + 1]]
            sources = graph.edge_sources(self.first_edge, edges)
            best_source = -1
            for e, source in zip(edges.tolist(), sources.tolist(), strict=True):
                if self.edge_type[e] == weak:
                    continue
                d = int(self.distance[source])
                if d < 0 or d >= int(self.distance[node]):
                    continue
                key = (d, self._plumbing(e))
                if best < 0 or key < best_key:
                    best, best_key, best_source = e, key, source
            if best < 0:
                break
            steps.append(PathStep(node, self.edge(best, best_source)))
            node = best_source
        steps.append(PathStep(node, None))
        steps.reverse()
        return steps

    @cached_property
    def _plumbing_names(self) -> set[int]:
        names = ("__proto__", "constructor", "prototype", "map", "feedback_cell", "shared")
        return {i for i in (self.strings.index_of(n) for n in names) if i >= 0}

    def _plumbing(self, edge: int) -> int:
        """0 for an ordinary reference, 1 for engine plumbing a reader does not think of."""
        etype = self.meta.edge_types[int(self.edge_type[edge])]
        if etype in ("internal", "hidden", "shortcut"):
            return 1
        if etype != "element" and int(self.edge_name[edge]) in self._plumbing_names:
            return 1
        return 0
