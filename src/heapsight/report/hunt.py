"""Text rendering of a hunt: the find-leaks report, the allocation stacks when recorded, and
where the run's files are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from heapsight.report.leaks import render_text
from heapsight.text import printable, safe

if TYPE_CHECKING:
    from heapsight.live.hunt import HuntResult


def render_hunt(result: HuntResult, console: Console) -> None:
    if result.report is not None:
        render_text(result.report, console)
        stacks = [(leak, result.allocation_stacks.get(leak.example_id))
                  for leak in result.report.leaks]
        if any(stack for _, stack in stacks):
            console.print("\nAllocation stacks (innermost first), recorded by "
                          "--track-allocations:")
            for number, (leak, stack) in enumerate(stacks, 1):
                if stack:
                    console.print(f"{number}. {safe(leak.class_name)}", soft_wrap=True)
                    for frame in stack:
                        console.print(f"     at {printable(frame)}", soft_wrap=True, markup=False)
    console.print(f"\nSnapshots: {', '.join(path.name for path in result.snapshots)} in "
                  f"{printable(result.run_dir)}" + (f"; report: {result.report_path.name}"
                                         if result.report_path else ""),
                  soft_wrap=True, markup=False)
