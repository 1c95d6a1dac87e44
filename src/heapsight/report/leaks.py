"""Text rendering of a find-leaks (or hunt) report: per leak a headline, the retainer path,
where the objects are made, and the fix — readable in one pass."""

from __future__ import annotations

import os

from rich.console import Console

from heapsight.analysis.leaks import Leak, LeakReport
from heapsight.analysis.paths import PathStepView, format_path
from heapsight.text import safe
from heapsight.units import human_bytes

_LOCATION_KINDS = {"constructor": " (the class's constructor)",
                   "closure": " (the function itself)",
                   "allocation": " (the code that made them, from allocation tracking)"}
PATH_STEPS = 7  # steps shown before the leaked object; --json has the full path


def short_path(steps: list[PathStepView], keep: int = PATH_STEPS) -> str:
    """The root, an ellipsis, and the last steps: where the path gets specific."""
    if len(steps) <= keep + 1:
        return format_path(steps)
    tail = format_path(steps[-keep:])
    return f"{steps[0].node} > … > {tail}"


def render_leak(index: int, leak: Leak, console: Console) -> None:
    console.print(f"[bold]{index}. {safe(leak.headline)}[/bold]")
    console.print(f"   [dim]path[/dim]     {safe(short_path(leak.retainer_path))}",
                  soft_wrap=True)
    if leak.location:
        kind = _LOCATION_KINDS.get(leak.location_kind or "", "")
        console.print(f"   [dim]made at[/dim]  {safe(leak.location)}{kind}", soft_wrap=True)
    if leak.location_kind == "constructor" and leak.new_calls:
        console.print(f"   [dim]new at[/dim]   {safe(', '.join(leak.new_calls))} "
                      f"(each `new {safe(leak.class_name)}(` in that file)", soft_wrap=True)
    if leak.closure:
        closure = leak.closure
        sibling = (f"; {safe(closure['sibling'])}() in the same scope uses it"
                   if closure.get("sibling") else "")
        keeper_at = f" ({safe(closure['keeper_location'])})" \
            if closure.get("keeper_location") else ""
        console.print(f"   [dim]kept by[/dim]  closure {safe(closure['keeper'])}(){keeper_at} "
                      f"keeps its scope's `{safe(closure['variable'])}` alive{sibling}",
                      soft_wrap=True)
    for owner in leak.owners:
        frees = ("fixing it alone frees nothing: another owner holds them too"
                 if not owner["frees"] else f"fixing it frees {owner['frees']} of those sampled")
        console.print(f"   [dim]owner[/dim]    {safe(owner['name'])} ({safe(owner['class'])}):"
                      f" {frees}", soft_wrap=True)
    if leak.library:
        console.print(f"   [dim]library[/dim]  {safe(leak.library['package'])}: "
                      f"{safe(leak.library['owner'])} in {safe(leak.library['file'])}",
                      soft_wrap=True)
    growth = " → ".join(f"{n:,}" for n in leak.phase_counts)
    console.print(f"   [dim]growth[/dim]   {growth} new {safe(leak.class_name)} per phase, "
                  f"{human_bytes(leak.growth_bytes)} per phase")
    if leak.holder_fanout and leak.holder_fanout[-1] > leak.holder_fanout[0]:
        fanout = " → ".join(f"{n:,}" for n in leak.holder_fanout)
        console.print(f"   [dim]holder[/dim]   {safe(leak.holder)} references grew {fanout}")
    console.print(f"   [green]fix[/green]      {safe(leak.advice)}")


def render_text(report: LeakReport, console: Console) -> None:
    sizes = " → ".join(human_bytes(s) for s in report.heap_sizes)
    names = safe(", ".join(os.path.basename(s) for s in report.snapshots))
    console.print(f"Compared {len(report.snapshots)} snapshots ({names}); heap {sizes}")
    if not report.leaks:
        console.print("[green]No leak found:[/green] nothing allocated after the baseline "
                      "kept growing in every phase.")
        return
    total = sum(leak.retained_size for leak in report.leaks)
    console.print(f"[bold red]{len(report.leaks)} leak{'s' if len(report.leaks) > 1 else ''}"
                  f"[/bold red] retaining {human_bytes(total)}, largest first:\n")
    for index, leak in enumerate(report.leaks, 1):
        render_leak(index, leak, console)
        console.print()
