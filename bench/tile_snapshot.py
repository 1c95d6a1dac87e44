#!/usr/bin/env python3
"""A multi-GiB heap snapshot made from a real one by tiling it, with little memory.

    .venv/bin/python bench/tile_snapshot.py SOURCE.heapsnapshot OUT.heapsnapshot --copies 4

bench/make_snapshot.js builds a real heap and has V8 write it; for a 4 GiB file that needs more
memory than this 24 GB machine has (V8 holds the whole snapshot graph while it writes: the 4 GiB
run was stopped at 21 GiB used). This writes COPIES copies of SOURCE's graph side by side in
one file instead: copy c's node ids are shifted by c times an even stride (V8's odd/even id
kinds stay), its edges point into its own copy, and the first copy's root gets one `element`
edge to each other copy's root, so the whole file is one graph: every copy is reached, and has
the structure, sizes and strings of a real heap. Node and edge rows are formatted by a compiled
kernel in blocks straight to the output file; the source's columns are the only big arrays held.
Allocation traces, samples and locations are left out (empty arrays).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numba
import numpy as np

from heapsight.snapshot.reader import read_columns

BLOCK_ROWS = 1 << 20


@numba.njit(cache=True)
def format_rows(values: np.ndarray, out: np.ndarray, first: bool) -> int:
    """values (rows x fields, non-negative) as V8 writes them: `a,b,c\n` rows joined by commas.
    Returns the bytes written to out."""
    at = 0
    digits = np.empty(20, np.uint8)
    for r in range(values.shape[0]):
        if not (first and r == 0):
            out[at] = 44  # ','
            at += 1
        for f in range(values.shape[1]):
            if f:
                out[at] = 44
                at += 1
            v = values[r, f]
            count = 0
            while True:
                digits[count] = 48 + v % 10
                count += 1
                v //= 10
                if v == 0:
                    break
            for i in range(count - 1, -1, -1):
                out[at] = digits[i]
                at += 1
        out[at] = 10  # '\n'
        at += 1
    return at


def write_rows(handle, rows: np.ndarray, first: bool) -> None:
    buffer = np.empty(rows.shape[0] * (rows.shape[1] * 21 + 2), np.uint8)
    size = format_rows(rows, buffer, first)
    handle.write(memoryview(buffer[:size]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--copies", type=int, default=4)
    args = parser.parse_args()
    if args.copies < 1:
        parser.error("--copies must be at least 1")
    started = time.perf_counter()
    columns = read_columns(args.source)
    meta = columns.meta
    nodes, edges = columns.nodes, columns.edges
    n = int(meta.node_count or 0)
    width = meta.node_field_count
    # V8's heap object ids are small odd numbers; a few native nodes carry large (address-like)
    # even ids. Copy c shifts the small ones by c strides (even: odd stays odd) and numbers its
    # large ones afresh, even, after all the copies' small ones, so every id stays unique and
    # fits the uint32 id column.
    ids = nodes["id"].astype(np.int64)
    small = ids < 2**30
    id_stride = (int(ids[small].max()) // 2 + 2) * 2
    large = np.flatnonzero(~small)
    element = meta.edge_type("element")
    if element < 0:
        sys.exit("the source has no 'element' edge type")
    copies = args.copies
    node_fields = list(meta.node_fields)
    edge_fields = list(meta.edge_fields)
    if any(f not in nodes for f in node_fields) or any(f not in edges for f in edge_fields):
        sys.exit(f"the source has node or edge fields heapsight does not keep: {node_fields}, "
                 f"{edge_fields}")
    header = {"meta": meta.raw}  # meta.raw is the header's "meta" object
    header["node_count"] = n * copies
    header["edge_count"] = int(meta.edge_count or 0) * copies + copies - 1
    header["trace_function_count"] = 0
    with open(args.out, "wb") as out:
        out.write(b'{"snapshot":' + json.dumps(header, separators=(",", ":")).encode()
                  + b',\n"nodes":[')
        for c in range(copies):
            for start in range(0, n, BLOCK_ROWS):
                stop = min(start + BLOCK_ROWS, n)
                rows = np.empty((stop - start, width), np.int64)
                for f, name in enumerate(node_fields):
                    rows[:, f] = nodes[name][start:stop]
                rows[:, node_fields.index("id")] += c * id_stride
                if c:
                    inside = large[(large >= start) & (large < stop)]
                    rows[inside - start, node_fields.index("id")] = (
                        copies * id_stride + 2 * (c * len(large) + np.searchsorted(large, inside)))
                if c == 0 and start == 0:  # the first root holds the other copies' roots
                    rows[0, node_fields.index("edge_count")] += copies - 1
                write_rows(out, rows, first=c == 0 and start == 0)
        out.write(b'],\n"edges":[')
        to_at, name_at, type_at = (edge_fields.index(f)
                                   for f in ("to_node", "name_or_index", "type"))
        links = np.zeros((copies - 1, len(edge_fields)), np.int64)
        links[:, type_at] = element
        links[:, name_at] = np.arange(1, copies)
        links[:, to_at] = np.arange(1, copies) * n * width
        if copies > 1:
            write_rows(out, links, first=True)
        edge_count = int(meta.edge_count or 0)
        for c in range(copies):
            for start in range(0, edge_count, BLOCK_ROWS):
                stop = min(start + BLOCK_ROWS, edge_count)
                rows = np.empty((stop - start, len(edge_fields)), np.int64)
                rows[:, type_at] = edges["type"][start:stop]
                rows[:, name_at] = edges["name_or_index"][start:stop]
                rows[:, to_at] = (edges["to_node"][start:stop].astype(np.int64) + c * n) * width
                write_rows(out, rows, first=copies == 1 and c == 0 and start == 0)
        out.write(b'],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n'
                  b'"locations":[],\n"strings":[')
        strings = columns.strings
        blob, starts, lengths = strings._blob, strings._starts, strings._lengths
        for i in range(len(strings)):
            start = int(starts[i])
            out.write((b'"' if i == 0 else b',\n"') + blob[start:start + int(lengths[i])] + b'"')
        out.write(b"]}\n")
    size = args.out.stat().st_size
    print(f"wrote {args.out}: {size / 2**30:.2f} GiB, {n * copies:,} nodes, "
          f"{header['edge_count']:,} edges, {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
