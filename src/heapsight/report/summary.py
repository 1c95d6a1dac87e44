"""Text rendering of a Summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from heapsight.analysis.summary import Summary
from heapsight.text import safe
from heapsight.units import human_bytes


def render_summary(summary: Summary, console: Console) -> None:
    console.print(f"[bold]{safe(summary.source)}[/bold]  {human_bytes(summary.file_size)} file")
    console.print(
        f"{summary.nodes:,} objects, {summary.edges:,} references, "
        f"{human_bytes(summary.total_size)} in all, {human_bytes(summary.reachable_size)} "
        "reachable from the GC roots")
    classes = Table(title=f"Top classes by {summary.sort} size" if summary.sort != "count"
                    else "Top classes by count", title_justify="left", expand=False)
    classes.add_column("class", overflow="fold", max_width=48)
    classes.add_column("count", justify="right")
    classes.add_column("self size", justify="right")
    classes.add_column("retained size", justify="right")
    for row in summary.classes:
        classes.add_row(safe(row.class_name), f"{row.count:,}", human_bytes(row.self_size),
                        human_bytes(row.retained_size))
    console.print()
    console.print(classes)
    console.print()
    console.print("[bold]Largest objects by retained size[/bold]")
    for index, obj in enumerate(summary.largest, 1):
        console.print(f"{index:>3}. [bold]{safe(obj.class_name)}[/bold] @{obj.id}  "
                      f"retains {human_bytes(obj.retained_size)} "
                      f"(self {human_bytes(obj.self_size)})")
        console.print(f"     [dim]{safe(obj.path_text)}[/dim]", soft_wrap=True)
