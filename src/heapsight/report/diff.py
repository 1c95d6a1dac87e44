"""Text rendering of a snapshot diff."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from heapsight.analysis.diff import Diff
from heapsight.analysis.paths import format_path
from heapsight.text import safe
from heapsight.units import human_bytes, signed_bytes


def render_diff(diff: Diff, console: Console) -> None:
    delta = diff.total_after - diff.total_before
    console.print(f"{safe(diff.before)} → {safe(diff.after)}: heap {human_bytes(diff.total_before)} → "
                  f"{human_bytes(diff.total_after)} ({signed_bytes(delta)})")
    table = Table(title="By class, largest retained growth first", title_justify="left")
    for header in ("class", "# new", "# deleted", "# delta", "alloc. size", "freed size",
                   "self Δ", "retained Δ"):
        table.add_column(header, justify="left" if header == "class" else "right",
                         overflow="fold", max_width=40 if header == "class" else None)
    for row in diff.classes:
        table.add_row(safe(row.class_name), f"{row.new:,}", f"{row.deleted:,}",
                      f"{row.count_delta:+,}", human_bytes(row.allocated_size),
                      human_bytes(row.freed_size), signed_bytes(row.self_size_delta),
                      signed_bytes(row.retained_size_delta))
    console.print(table)
    if diff.focus_class is not None:
        console.print(f"\n[bold]New {safe(diff.focus_class)} objects[/bold] "
                      f"({len(diff.new_objects)} shown, largest first)")
        for obj in diff.new_objects:
            console.print(f"  @{obj.id}  retains {human_bytes(obj.retained_size)}")
            console.print(f"    [dim]{safe(format_path(obj.retainer_path))}[/dim]",
                          soft_wrap=True)
