"""Text rendering of a snapshot diff."""

from __future__ import annotations

from rich import box
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
    table = Table(title="By class, largest retained growth first", title_justify="left",
                  box=box.SIMPLE_HEAD)
    # Numbers never wrap; on a narrow terminal the allocated/freed columns go (--json has
    # them) and a long class name ends in "…" rather than folding into unreadable pieces.
    wide = console.width >= 110
    headers = ("class", "new", "deleted", "Δ count", "allocated", "freed", "self Δ",
               "retained Δ")
    shown = [h for h in headers if wide or h not in ("allocated", "freed")]
    rows = [{"class": safe(row.class_name), "new": f"{row.new:,}",
             "deleted": f"{row.deleted:,}", "Δ count": f"{row.count_delta:+,}",
             "allocated": human_bytes(row.allocated_size), "freed": human_bytes(row.freed_size),
             "self Δ": signed_bytes(row.self_size_delta),
             "retained Δ": signed_bytes(row.retained_size_delta)} for row in diff.classes]
    # each figure column: its widest cell, its padding (2) and the divider (1)
    numbers = sum(max(len(h), *(len(r[h]) for r in rows)) + 3 for h in shown[1:]) if rows else 0
    for header in shown:
        if header == "class":  # what the figures leave, so that no figure is ever cut
            table.add_column(header, overflow="ellipsis", no_wrap=True,
                             max_width=max(8, min(60, console.width - numbers - 5)))
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for cells in rows:
        table.add_row(*(cells[h] for h in shown))
    console.print(table)
    if diff.focus_class is not None:
        console.print(f"\n[bold]New {safe(diff.focus_class)} objects[/bold] "
                      f"({len(diff.new_objects)} shown, largest first)")
        for obj in diff.new_objects:
            console.print(f"  @{obj.id}  retains {human_bytes(obj.retained_size)}")
            console.print(f"    [dim]{safe(format_path(obj.retainer_path))}[/dim]",
                          soft_wrap=True)
