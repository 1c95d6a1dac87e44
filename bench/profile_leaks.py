"""Where `heapsight find-leaks` (or `heapsight diff`) spends its time and memory, step by step.

    .venv/bin/python bench/profile_leaks.py bench/work/snapshots/bench-150mb-leak-{1,2,3}.heapsnapshot
    .venv/bin/python bench/profile_leaks.py --diff bench/work/snapshots/bench-150mb-leak-{1,3}.heapsnapshot

Runs find-leaks (or diff) in this process with the steps of bench/profile_steps.py (seconds,
resident memory after, the kernel's high-water mark during each step): each earlier
snapshot's light read and cut, the final snapshot's load and its own steps, then each
analysis step (for diff: the earlier snapshot's load and cut, the later one's light read and
load). The peak / file column divides by the largest file, as the issue's 1.5x target does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from profile_steps import Steps


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshots", type=Path, nargs="+")
    parser.add_argument("--diff", action="store_true",
                        help="profile `heapsight diff BEFORE AFTER` instead")
    args = parser.parse_args(argv)
    largest = max(path.stat().st_size for path in args.snapshots)

    steps = Steps()
    steps.next("import heapsight engine and analysis")
    from heapsight.analysis.diff import diff_snapshots
    from heapsight.analysis.leaks import find_leaks
    from heapsight.snapshot import HeapSnapshot

    full_loads: list[str] = []

    def loader(path: str, light: bool) -> HeapSnapshot:
        if light:
            return HeapSnapshot.load_light(path)
        full_loads.append(path)
        name = ("before: " if len(full_loads) == 1 else "after: ") if args.diff \
            else "final snapshot: "
        return HeapSnapshot.load(path, on_step=lambda step: steps.next(f"{name}{step}"))

    if args.diff:
        before, after = (str(path) for path in args.snapshots)
        diff = diff_snapshots(before, after, loader=loader, on_step=steps.next)
        steps.next("end")
        print(f"diff, the larger file {largest / 2**20:,.0f} MiB; {len(diff.classes)} classes")
    else:
        report = find_leaks(args.snapshots, loader=loader, on_step=steps.next)
        steps.next("end")
        print(f"{len(args.snapshots)} snapshots, the largest {largest / 2**20:,.0f} MiB; "
              f"{len(report.leaks)} leaks")
    print()
    print(steps.table(largest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
