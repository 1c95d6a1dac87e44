"""The text view of a check: one line per scenario, and for a leak what grew per iteration,
where it is made, who holds it and the fix (the find-leaks diagnosis in a check's words)."""

from __future__ import annotations

from rich.console import Console

from heapsight.check.run import CheckResult, LeakGrowth, ScenarioResult
from heapsight.check.verdict import ERROR, KNOWN, LEAK, PASS, UNDECIDED
from heapsight.text import safe

_STYLE = {PASS: "bold green", LEAK: "bold red", UNDECIDED: "bold yellow", ERROR: "bold red",
          KNOWN: "bold yellow"}
_LABEL = {PASS: "PASS", LEAK: "LEAK", UNDECIDED: "UNDECIDED", ERROR: "ERROR", KNOWN: "KNOWN"}


def per_iteration(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} B per iteration"


def render_growth(index: int, growth: LeakGrowth, console: Console) -> None:
    from heapsight.report.leaks import short_path

    leak = growth.leak
    console.print(f"  {index}. {safe(leak.category)}: {safe(leak.class_name)} held by "
                  f"{safe(leak.holder)}, +{growth.objects_per_iteration:,.2f} objects and "
                  f"{growth.bytes_per_iteration:,.0f} B per iteration", soft_wrap=True)
    if growth.line:
        console.print(f"     [dim]made at[/dim]  {safe(growth.line)}", soft_wrap=True)
    console.print(f"     [dim]path[/dim]     {safe(short_path(leak.retainer_path))}",
                  soft_wrap=True)
    console.print(f"     [green]fix[/green]      {safe(leak.advice)}", soft_wrap=True)


def render_scenario(result: ScenarioResult, console: Console) -> None:
    label = _LABEL[result.verdict]
    rounds = f", {len(result.rounds)} round{'s' if len(result.rounds) != 1 else ''}" \
        if result.rounds else ""
    console.print(f"[{_STYLE[result.verdict]}]{label:<9}[/] {safe(result.name)} "
                  f"[dim]({result.seconds:.1f}s{rounds})[/dim]", soft_wrap=True)
    console.print(f"          {safe(result.reason)}", soft_wrap=True)
    if result.baseline:
        console.print(f"          baseline: {safe(result.baseline['reason'])}", soft_wrap=True)
    if result.verdict in (LEAK, KNOWN):
        for index, growth in enumerate(result.leaks, 1):
            render_growth(index, growth, console)
    if result.run_dir is not None and result.verdict != ERROR:
        console.print(f"          [dim]snapshots and log:[/dim] {safe(str(result.run_dir))}",
                      soft_wrap=True)


def render_text(result: CheckResult, console: Console) -> None:
    for scenario in result.scenarios:
        render_scenario(scenario, console)
    counts = {verdict: sum(s.verdict == verdict for s in result.scenarios)
              for verdict in (PASS, KNOWN, LEAK, UNDECIDED, ERROR)}
    summary = ", ".join(f"{n} {_LABEL[v].lower()}" for v, n in counts.items() if n)
    console.print(f"\n{len(result.scenarios)} scenario{'s' if len(result.scenarios) != 1 else ''}:"
                  f" {summary}")
