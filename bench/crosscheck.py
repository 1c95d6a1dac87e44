"""Cross-check heapsight's retained sizes against MemLab's on the same snapshot.

    .venv/bin/python bench/crosscheck.py bench/work/snapshots/bench-150mb.heapsnapshot [--all]

Takes the top objects by retained size from `heapsight summary --json` ("largest": id, class,
self_size, retained_size), asks MemLab (bench/memlab_sizes.js) for the same node ids, and prints
a markdown table of both sizes side by side, then how MemLab's own top list overlaps heapsight's.
Node ids are V8's, written in the snapshot, so both tools name the same object. Exits 1 when a
retained size differs by more than --tolerance (a fraction; default 0: exact agreement).

With --all it also compares every node's retained size: MemLab's for all ids against the ones
heapsight's engine computes (loaded in this process through heapsight.snapshot), and lists the
largest differences.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
NODE_HEAP_MB = 16000


def heapsight_largest(snapshot: Path, top: int, python: str, saved: Path | None) -> list[dict]:
    if saved is not None:
        summary = json.loads(saved.read_text())
    else:
        done = subprocess.run([python, "-m", "heapsight", "summary", str(snapshot), "--json",
                               "--top", str(top)], capture_output=True, text=True, cwd=REPO)
        if done.returncode != 0:
            raise SystemExit(f"crosscheck.py: heapsight summary failed: {done.stderr.strip()}")
        summary = json.loads(done.stdout)
    return summary["largest"][:top]


def memlab_sizes(snapshot: Path, ids: list[int], top: int,
                 all_out: Path | None = None) -> dict:
    if not (BENCH / "work" / "node_modules" / "@memlab" / "heap-analysis").exists():
        raise SystemExit("crosscheck.py: MemLab is not installed; run bench/run.py once first")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "memlab.json"
        done = subprocess.run(
            ["node", f"--max-old-space-size={NODE_HEAP_MB}", str(BENCH / "memlab_sizes.js"),
             str(snapshot), "--out", str(out), "--ids", ",".join(map(str, ids)), "--top", str(top),
             *(["--all-out", str(all_out)] if all_out else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise SystemExit(f"crosscheck.py: MemLab failed: {done.stderr.strip()[-500:]}")
        return json.loads(out.read_text())


def percent(difference: int, reference: int) -> str:
    return f"{100.0 * difference / reference:+.3f}%" if reference else "-"


def compare(largest: list[dict], memlab: dict, tolerance: float) -> tuple[list[str], int]:
    """Markdown lines for each object, and how many retained sizes disagree beyond tolerance."""
    lines = ["| # | id | class | MemLab name (type) | self size hs / MemLab | "
             "retained size heapsight | retained size MemLab | difference |",
             "|---|---|---|---|---|---|---|---|"]
    disagreements = 0
    for rank, item in enumerate(largest, 1):
        theirs = memlab["requested"].get(str(item["id"]))
        if theirs is None:
            disagreements += 1
            lines.append(f"| {rank} | {item['id']} | {item['class']} | not in MemLab's graph "
                         f"| {item['self_size']} / - | {item['retained_size']:,} | - | - |")
            continue
        difference = item["retained_size"] - theirs["retained_size"]
        if abs(difference) > tolerance * max(theirs["retained_size"], 1):
            disagreements += 1
        self_sizes = f"{item['self_size']:,} / {theirs['self_size']:,}"
        lines.append(
            f"| {rank} | {item['id']} | {item['class']} | {theirs['name'] or '-'} "
            f"({theirs['type']}) | {self_sizes} | {item['retained_size']:,} | "
            f"{theirs['retained_size']:,} | {difference:+,} ({percent(difference, theirs['retained_size'])}) |")
    return lines, disagreements


def is_weakmap_value(snapshot, ordinal: int) -> bool:
    """True when V8 wrote an edge "part of key (...) -> value (...) pair in WeakMap" to it."""
    return any("pair in WeakMap" in edge.name and "-> value" in edge.name
               for edge in snapshot.retainers_of(ordinal))


def reached_through(snapshot, ordinal: int, holders: set[int], depth: int = 64) -> bool:
    """True when a retainer of `ordinal` is in `holders` or below one in the dominator tree."""
    for edge in snapshot.retainers_of(ordinal):
        node = edge.source
        for _ in range(depth):
            if node in holders:
                return True
            parent = int(snapshot.dominator[node])
            if parent == node:
                break
            node = parent
    return False


def mark_ancestors(parents, starts: list[int], marked) -> None:
    """Mark every dominator-tree ancestor of the start nodes (parents[root] == root)."""
    for node in starts:
        while True:
            parent = int(parents[node])
            if parent == node or marked[parent]:
                break
            marked[parent] = True
            node = parent


def compare_all(snapshot_path: Path, rows_file: Path, tolerance: float) -> tuple[list[str], int]:
    """Every node's retained size and dominator, heapsight's engine against MemLab's."""
    import numpy as np

    from heapsight.snapshot import HeapSnapshot

    rows = np.fromfile(rows_file, dtype="<f8").reshape(-1, 3).astype(np.int64)
    ids, theirs, their_dominators = rows[:, 0], rows[:, 1], rows[:, 2]
    snapshot = HeapSnapshot.load(snapshot_path)
    ordinals = snapshot.ordinals_of(ids)
    known = ordinals >= 0
    ours = np.zeros_like(theirs)
    ours[known] = snapshot.retained_size[ordinals[known]]
    our_dominators = np.full_like(theirs, -1)
    our_dominators[known] = snapshot.node_id[snapshot.dominator[ordinals[known]]]
    difference = ours - theirs
    allowed = np.floor(tolerance * np.maximum(theirs, 1))
    bad = known & (np.abs(difference) > allowed)
    lines = [f"All nodes: heapsight {snapshot.node_count:,}, MemLab {ids.shape[0]:,}; "
             f"{int(known.sum()):,} ids in both; {int((known & ~bad).sum()):,} retained sizes "
             f"agree, {int(bad.sum()):,} differ (sum of absolute differences "
             f"{int(np.abs(difference[known]).sum()):,} bytes)."]
    if not known.all():
        lines.append(f"{int((~known).sum()):,} MemLab ids are not in heapsight's node table.")
    moved = np.flatnonzero(known & (our_dominators != their_dominators))
    if moved.size:
        values = {int(ordinals[at]) for at in moved if is_weakmap_value(snapshot, int(ordinals[at]))}
        through = sum(1 for at in moved if int(ordinals[at]) not in values
                      and reached_through(snapshot, int(ordinals[at]), values))
        lines.append(f"Dominators differ on {moved.size:,} nodes: {len(values):,} are WeakMap "
                     f"values and {through:,} more are also held through one of those values "
                     "(heapsight, as DevTools, skips the WeakMap table -> value edge, so a value "
                     "is dominated by its key; MemLab keeps it); "
                     f"{moved.size - len(values) - through:,} others.")
        # A retained size can only change above a node whose dominator changed.
        parents_ours = snapshot.dominator
        parents_theirs = np.arange(snapshot.node_count)
        their_parent = snapshot.ordinals_of(their_dominators[known])
        parents_theirs[ordinals[known]] = np.where(their_parent >= 0, their_parent,
                                                   ordinals[known])
        above = np.zeros(snapshot.node_count, dtype=bool)
        for parents in (parents_ours, parents_theirs):
            mark_ancestors(parents, [int(ordinals[at]) for at in moved], above)
        unexplained = int((bad & ~above[np.where(known, ordinals, 0)]).sum())
        lines.append(f"{int(bad.sum()) - unexplained:,} of the {int(bad.sum()):,} retained-size "
                     "differences are on dominator-tree ancestors of those nodes; "
                     f"{unexplained:,} are not.")
    else:
        lines.append("Dominators agree on every node.")
    worst = np.flatnonzero(bad)
    worst = worst[np.argsort(-np.abs(difference[worst]), kind="stable")][:15]
    if worst.size:
        lines += ["", "| id | class | retained heapsight | retained MemLab | difference |",
                  "|---|---|---|---|---|"]
        for at in worst:
            lines.append(f"| {ids[at]} | {snapshot.class_name(int(ordinals[at]))} | "
                         f"{ours[at]:,} | {theirs[at]:,} | {difference[at]:+,} |")
    mismatches = int(bad.sum()) + int((~known).sum())
    return lines, mismatches


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--top", type=int, default=20, help="objects to compare (default: 20)")
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="allowed relative difference of retained sizes (default: 0)")
    parser.add_argument("--heapsight-json", type=Path, default=None,
                        help="reuse this saved `heapsight summary --json` output")
    parser.add_argument("--python", default=None, help="Python with heapsight installed")
    parser.add_argument("--all", action="store_true",
                        help="also compare every node's retained size (loads heapsight here)")
    args = parser.parse_args(argv)
    venv_python = REPO / ".venv" / "bin" / "python"
    python = args.python or (str(venv_python) if venv_python.exists() else sys.executable)
    snapshot = args.snapshot.resolve()

    largest = heapsight_largest(snapshot, args.top, python, args.heapsight_json)
    with tempfile.TemporaryDirectory() as scratch:
        rows_file = Path(scratch) / "all-nodes.f64" if args.all else None
        memlab = memlab_sizes(snapshot, [item["id"] for item in largest], args.top, rows_file)
        all_lines, all_mismatches = (compare_all(snapshot, rows_file, args.tolerance)
                                     if rows_file else ([], 0))
    lines, disagreements = compare(largest, memlab, args.tolerance)
    print(f"Snapshot {args.snapshot.name}: top {len(largest)} objects by heapsight's retained size")
    print()
    print("\n".join(lines))
    print()
    ours = {item["id"] for item in largest}
    theirs = memlab["top"]
    shared = sum(1 for node in theirs if node["id"] in ours)
    print(f"MemLab's own top {len(theirs)} by retained size (all nodes but ids 1-3): "
          f"{shared} of them are in heapsight's list.")
    missing = [node for node in theirs if node["id"] not in ours]
    for node in missing:
        print(f"- only in MemLab's list: @{node['id']} {node['name'] or '-'} ({node['type']}), "
              f"retained {node['retained_size']:,}")
    print()
    print(f"{len(largest) - disagreements} of {len(largest)} retained sizes agree "
          f"(tolerance {args.tolerance:g}).")
    if all_lines:
        print()
        print("\n".join(all_lines))
    return 1 if disagreements or all_mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
