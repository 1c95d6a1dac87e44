"""Two heapsight source trees on one snapshot, runs interleaved: CPU time and peak RSS.

    .venv/bin/python bench/ab.py SNAPSHOT OLD_SRC NEW_SRC [--runs 5]

Each SRC is a folder holding the `heapsight` package with its compiled kernels (for an older
commit: `git archive COMMIT src | tar -x -C DIR`, then compile its kernels in place). Runs
alternate old, new, old, new... so that a machine shared with other work loads both alike; CPU
time (user + system, from os.wait4) is much less disturbed by that load than wall time, and
peak RSS (ru_maxrss of the largest process) not at all. Prints the median of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def run(snapshot: Path, src: Path) -> tuple[float, float, int]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "heapsight", "summary", str(snapshot), "--json"],
                             stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{src}: summary failed")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, int]]] = {"old": [], "new": []}
    for _ in range(args.runs):
        for label in ("old", "new"):
            results[label].append(run(args.snapshot, getattr(args, label)))
    print(f"{args.snapshot.name}, {args.runs} runs each, load average {os.getloadavg()[0]:.1f}")
    for label, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        peak = max(r[2] for r in rows)
        print(f"{label}: wall {wall:.2f} s, CPU {cpu:.2f} s, peak RSS {peak / 2**20:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
