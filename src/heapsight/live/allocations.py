"""Allocation stacks from a snapshot taken with allocation tracking on (`hunt --track-allocations`).

With `HeapProfiler.startTrackingHeapObjects({trackAllocations: true})`, V8 records the JS call
stack of each allocation as a tree (`trace_tree`, frames in `trace_function_infos`) and tags
every node with the id of its tree leaf (`trace_node_id`). Walking from that leaf to the root
gives the stack that made the object: what DevTools' "Allocation stack" pane shows.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from heapsight.errors import SnapshotFormatError


@dataclass(frozen=True)
class Frame:
    function: str
    location: str | None  # script:line:column of the function (1-based), None when unknown

    def __str__(self) -> str:
        return f"{self.function} ({self.location})" if self.location else self.function


def _header(path: str | os.PathLike[str]) -> dict:
    """The snapshot's `snapshot` header object (it comes first and is small)."""
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as handle:
        head = handle.read(1 << 16).decode("utf-8", "replace")
    start = head.find("{", head.find('"snapshot"'))
    try:
        value, _ = json.JSONDecoder().raw_decode(head, start)
    except ValueError:
        raise SnapshotFormatError(f"{path}: cannot read the snapshot header") from None
    return value


def _parents(tree: list, fields: list[str]) -> dict[int, tuple[int, int]]:
    """trace node id -> (function info index, parent trace node id or 0)."""
    width = len(fields)
    at_id, at_function, at_children = (fields.index(f) for f in ("id", "function_info_index",
                                                                 "children"))
    parents: dict[int, tuple[int, int]] = {}
    pending = [(tree, 0)]  # (flat list of sibling nodes, their parent id); no recursion
    while pending:
        siblings, parent = pending.pop()
        for start in range(0, len(siblings), width):
            node_id = siblings[start + at_id]
            parents[node_id] = (siblings[start + at_function], parent)
            if siblings[start + at_children]:
                pending.append((siblings[start + at_children], node_id))
    return parents


def allocation_stacks(path: str | os.PathLike[str], object_ids: Iterable[int],
                      max_frames: int = 10) -> dict[int, list[Frame]]:
    """The allocating JS stack (innermost first) of each object id found in snapshot `path`.
    Empty when the snapshot was taken without allocation tracking."""
    from heapsight.snapshot.reader import read_columns

    meta = _header(path).get("meta", {})
    if "trace_node_id" not in meta.get("node_fields", ()):
        return {}
    columns = read_columns(path, node_fields=("type", "name", "id", "self_size", "edge_count",
                                              "trace_node_id"), with_edges=False)
    infos = columns.extras.get("trace_function_infos")
    if infos is None or not columns.trace_tree:
        return {}
    info_fields: list[str] = list(meta.get("trace_function_info_fields", ()))
    infos = np.asarray(infos).reshape(-1, len(info_fields))
    at_name, at_script, at_line, at_column = (info_fields.index(f) for f in
                                              ("name", "script_name", "line", "column"))
    parents = _parents(json.loads(columns.trace_tree), list(meta.get("trace_node_fields", ())))
    strings = columns.strings
    ids, traces = columns.nodes["id"], columns.nodes["trace_node_id"]
    order = np.argsort(ids)
    stacks: dict[int, list[Frame]] = {}
    for object_id in object_ids:
        where = int(np.searchsorted(ids, object_id, sorter=order))
        if where >= len(ids) or ids[order[where]] != object_id:
            continue
        frames: list[Frame] = []
        trace = int(traces[order[where]])
        while trace and trace in parents and len(frames) < max_frames:
            function_index, trace = parents[trace]
            info = infos[function_index]
            script, line = strings[int(info[at_script])], int(info[at_line])
            # V8 writes 1-based positions and 0 for unknown.
            location = f"{script}:{line}:{int(info[at_column])}" if script and line else None
            frames.append(Frame(strings[int(info[at_name])] or "(anonymous)", location))
        if frames and frames[-1].function == "(root)":
            frames.pop()
        if frames:
            stacks[object_id] = frames
    return stacks
