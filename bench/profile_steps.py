"""Where `heapsight summary` spends its time and memory, step by step.

    .venv/bin/python bench/profile_steps.py bench/work/snapshots/bench-600mb.heapsnapshot

Runs the same steps as `heapsight summary` (imports, reading the columns, each named step of
HeapSnapshot.load, summarize) in this process and prints, per step, the seconds it took (wall),
its CPU time (user + system, of this process and of the forked children it waited for in the
step: the edges parser, the DFS and distances helpers), the system part of that CPU, the page
faults, the resident memory after it and the peak during it. The peak comes from the kernel: before each
step the high-water mark is reset (writing 5 to /proc/self/clear_refs, Linux >= 4.0) and read
back from VmHWM after it, so no sampling thread is needed (the compiled kernels hold the GIL).
Then it lists the numpy arrays the loaded snapshot keeps, largest first.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

MIB = 1024 * 1024


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    # not Linux, or not allowed: the peaks then run from the start of the process
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _usage() -> tuple[float, float, int]:
    """(CPU seconds, system seconds, page faults) of this process and its reaped children."""
    cpu = system = 0.0
    faults = 0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        cpu += usage.ru_utime + usage.ru_stime
        system += usage.ru_stime
        faults += usage.ru_minflt + usage.ru_majflt
    return cpu, system, faults


class Steps:
    """Times and memory of consecutive named steps."""

    def __init__(self) -> None:
        # name, wall, CPU, system, faults, RSS after, peak during
        self.rows: list[tuple[str, float, float, float, int, int, int]] = []
        self.name = "start"
        _reset_peak()
        self.usage = _usage()
        self.started = time.perf_counter()

    def next(self, name: str) -> None:
        now = time.perf_counter()
        usage = _usage()
        self.rows.append((self.name, now - self.started, usage[0] - self.usage[0],
                          usage[1] - self.usage[1], usage[2] - self.usage[2],
                          _status("VmRSS"), _status("VmHWM")))
        self.name = name
        _reset_peak()
        self.usage = _usage()
        self.started = time.perf_counter()

    def table(self, file_size: int) -> str:
        lines = ["| step | seconds | CPU | of which system | page faults | RSS after | "
                 "peak during | peak / file |",
                 "|---|---|---|---|---|---|---|---|"]
        for name, seconds, cpu, system, faults, rss, peak in self.rows:
            lines.append(f"| {name} | {seconds:.2f} | {cpu:.2f} | {system:.2f} | {faults:,} "
                         f"| {rss / MIB:,.0f} MiB | {peak / MIB:,.0f} MiB "
                         f"| {peak / file_size:.2f} |")
        total = sum(row[1] for row in self.rows)
        cpu_total = sum(row[2] for row in self.rows)
        system_total = sum(row[3] for row in self.rows)
        faults_total = sum(row[4] for row in self.rows)
        top = max(row[6] for row in self.rows)
        lines.append(f"| **total** | {total:.2f} | {cpu_total:.2f} | {system_total:.2f} "
                     f"| {faults_total:,} | | {top / MIB:,.0f} MiB | {top / file_size:.2f} |")
        return "\n".join(lines)


def kept_arrays(snapshot: object) -> list[tuple[str, int, str]]:
    """(name, bytes, dtype) of every numpy array the snapshot holds, columns included."""
    import numpy as np

    found: dict[int, tuple[str, int, str]] = {}

    def visit(prefix: str, value: object) -> None:
        if isinstance(value, np.ndarray):
            # a view counts once, as its base; numba hands out arrays whose base is its own
            # memory record rather than an ndarray, so those count as themselves
            base = value.base if isinstance(value.base, np.ndarray) else value
            found.setdefault(id(base), (prefix, base.nbytes, str(value.dtype)))
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(f"{prefix}[{key}]", item)
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                visit(f"{prefix}[{index}]", item)

    for name, value in vars(snapshot).items():
        visit(name, value)
    columns = getattr(snapshot, "columns", None)
    if columns is not None:
        for name, value in vars(columns).items():
            visit(f"columns.{name}", value)
        strings = getattr(columns, "strings", None)
        if strings is not None and hasattr(strings, "__dict__"):
            for name, value in vars(strings).items():
                visit(f"strings.{name}", value)
                if isinstance(value, bytearray | bytes):
                    found.setdefault(id(value), (f"strings.{name}", len(value), "bytes"))
    return sorted(found.values(), key=lambda row: -row[1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    file_size = args.snapshot.stat().st_size

    steps = Steps()
    steps.next("import heapsight engine and analysis")
    from heapsight.analysis.summary import summarize
    from heapsight.snapshot import HeapSnapshot

    steps.next("read columns")
    snapshot = HeapSnapshot.load(args.snapshot, on_step=steps.next)
    steps.next("summarize (class totals, largest, paths)")
    summarize(snapshot, top=args.top)
    steps.next("end")

    print(f"{args.snapshot.name}: {file_size / MIB:,.0f} MiB, {snapshot.node_count:,} nodes, "
          f"{snapshot.edge_count:,} edges")
    print()
    print(steps.table(file_size))
    print()
    arrays = kept_arrays(snapshot)
    total = sum(row[1] for row in arrays)
    print(f"Arrays the loaded snapshot keeps: {total / MIB:,.0f} MiB "
          f"({total / file_size:.2f} x file)")
    print()
    print("| array | MiB | dtype |")
    print("|---|---|---|")
    for name, size, dtype in arrays:
        if size >= MIB:
            print(f"| {name} | {size / MIB:,.0f} | {dtype} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
