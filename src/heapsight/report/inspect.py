"""Text rendering of one inspected object."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from heapsight.analysis.inspect import Inspection, Reference
from heapsight.analysis.paths import format_path
from heapsight.text import safe
from heapsight.units import human_bytes


def _table(title: str, rows: list[Reference], total: int) -> Table:
    table = Table(title=f"{title} ({len(rows)} of {total:,})", title_justify="left")
    table.add_column("edge")
    table.add_column("type")
    table.add_column("object", overflow="fold", max_width=50)
    table.add_column("self", justify="right")
    table.add_column("retained", justify="right")
    for r in rows:
        table.add_row(safe(r.edge), safe(r.edge_type), f"{safe(r.label)} @{r.id}", human_bytes(r.self_size),
                      human_bytes(r.retained_size))
    return table


def render_inspection(result: Inspection, console: Console) -> None:
    console.print(f"[bold]{safe(result.class_name)}[/bold] @{result.id}  ({safe(result.type)})  "
                  f"self {human_bytes(result.self_size)}, "
                  f"retains {human_bytes(result.retained_size)}, distance {result.distance}")
    if result.dominator:
        d = result.dominator
        console.print(f"dominated by {safe(d.label)} @{d.id} (retains {human_bytes(d.retained_size)})")
    console.print(f"[dim]{safe(format_path(result.retainer_path))}[/dim]", soft_wrap=True)
    console.print(_table("References", result.references, result.reference_count))
    console.print(_table("Retainers", result.retainers, result.retainer_count))
