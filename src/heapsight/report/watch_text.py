"""Text views of a watch: the verdict, the figures, and a chart of the series (rich).

Renderers only: they take the watch result dict (the JSON contract) and samples, never compute
a verdict.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from heapsight.text import printable
from heapsight.units import human_bytes, signed_bytes

_STYLE = {"leak": "bold red", "stable": "bold green", "insufficient-data": "bold yellow"}
_BLOCKS = " ▁▂▃▄▅▆▇█"


def human_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f}s"
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.0f}m"
    hours = minutes / 60
    if hours < 48:
        return f"{int(hours)}h {int(minutes % 60):02d}m"
    return f"{hours / 24:.1f}d"


def chart(values: Sequence[float], width: int = 60, height: int = 6) -> list[str]:
    """A block-character chart of `values` squeezed to `width` columns (each column shows the
    lowest value of its bucket: the post-GC level, not the sawtooth's peaks)."""
    points = [v for v in values if v is not None and math.isfinite(v)]
    if not points:
        return []
    width = max(1, min(width, len(points)))
    buckets = [min(points[i * len(points) // width:(i + 1) * len(points) // width] or
                   [points[min(i, len(points) - 1)]]) for i in range(width)]
    low, high = min(buckets), max(buckets)
    spread = high - low or 1.0
    levels = [(v - low) / spread * height * 8 for v in buckets]
    rows = []
    for row in range(height - 1, -1, -1):
        line = ""
        for level in levels:
            fill = level - row * 8
            line += _BLOCKS[8] if fill >= 8 else _BLOCKS[max(0, int(fill))] if fill > 0 else " "
        rows.append(line)
    if high == low:  # a flat line sits on the bottom row
        rows[-1] = _BLOCKS[1] * width
    return rows


def verdict_line(result: dict[str, Any]) -> Text:
    verdict = str(result.get("verdict", ""))
    line = Text(verdict.upper() if verdict == "leak" else verdict, style=_STYLE.get(verdict, ""))
    line.append(f"  {printable(result.get('reason', ''))}")
    return line


def figures(result: dict[str, Any]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    metric = result.get("metric") or "-"
    table.add_row("target", Text(printable(result.get("target", ""))))
    table.add_row("samples", f"{result.get('samples', 0)} over "
                             f"{human_duration(result.get('duration_seconds'))}")
    current = result.get("current_bytes")
    table.add_row(f"{metric} now", human_bytes(current) if current is not None else "-")
    slope = float(result.get("slope_bytes_per_hour") or 0.0)
    confidence = float(result.get("confidence") or 0)
    table.add_row("trend of the lows", f"{signed_bytes(slope)}/h  (confidence {confidence:.1%})")
    if result.get("verdict") != "leak" and slope > 0 and confidence >= 0.99:
        # A rising trend beside a verdict that is not "leak" reads as a contradiction: say
        # which rule overruled the trend.
        table.add_row("", Text(f"rising, yet not judged a leak: {result.get('reason', '')}",
                               style="yellow"))
    alert = result.get("alert") or {}
    growth = alert.get("growth_fraction")
    if growth is not None:
        scope = (f"over {human_duration(alert.get('seconds'))}" if alert.get("covered")
                 else "so far (less than one alert window)")
        firing = "  ALERT" if alert.get("firing") else ""
        table.add_row("growth of the lows", f"{growth:+.1%} {scope}{firing}")
    if result.get("limit_bytes"):
        remaining = result.get("time_to_limit_seconds")
        table.add_row("limit", human_bytes(result["limit_bytes"]) + (
            f", reached in about {human_duration(remaining)}" if remaining is not None else ""))
    if result.get("restarts"):
        table.add_row("restarts", str(result["restarts"]))
    return table


def latest_table(latest: dict[str, Any] | None) -> Table:
    table = Table(box=None, padding=(0, 2), show_edge=False)
    names = [n for n in ("heap_used", "heap_total", "external", "array_buffers", "rss")
             if latest and latest.get(n) is not None]
    for name in names:
        table.add_column(name, justify="right")
    if names and latest:
        table.add_row(*(human_bytes(latest[n]) for n in names))
    return table


def chart_text(values: Sequence[float], metric: str, width: int, height: int) -> Text:
    rows = chart(values, width, height)
    if not rows:
        return Text("")
    text = Text("\n".join(rows) + "\n", style="cyan")
    text.append(f"{metric} from {human_bytes(min(values))} to {human_bytes(max(values))}; "
                "each column shows the lowest sample it covers", style="dim")
    return text


def render_result(result: dict[str, Any], values: Sequence[float] = ()) -> RenderableType:
    """The final report of a watch (or of a run from history)."""
    parts: list[RenderableType] = [verdict_line(result), figures(result)]
    if values:
        parts.append(chart_text(values, str(result.get("metric")), 60, 6))
    for note in result.get("notes") or []:
        parts.append(Text(f"note: {note}", style="yellow"))
    return Group(*parts)


def render_live(result: dict[str, Any], values: Sequence[float],
                latest: dict[str, Any] | None) -> RenderableType:
    """What the terminal shows while watching."""
    return Group(latest_table(latest), chart_text(values, str(result.get("metric")), 72, 8),
                 figures(result),
                 verdict_line(result), Text("Ctrl-C stops and prints the verdict", style="dim"))


def runs_table(runs: Sequence[dict[str, Any]]) -> RenderableType:
    """The runs as a table; on a terminal narrower than 100 columns, two lines per run (the
    figures, then the whole target) instead of a target column folded into pieces."""
    return _Runs(list(runs))


class _Runs:
    def __init__(self, runs: list[dict[str, Any]]):
        self.runs = runs

    def _cells(self, run: dict[str, Any]) -> tuple[str, str, str, str, Text, str, Text]:
        verdict = run.get("verdict") or "-"
        slope = run.get("slope_bytes_per_hour")
        return (str(run["id"]), time.strftime("%Y-%m-%d %H:%M", time.localtime(run["started"])),
                human_duration((run.get("result") or {}).get("duration_seconds")),
                str(run["samples"]), Text(verdict, style=_STYLE.get(verdict, "")),
                signed_bytes(slope) if slope is not None else "-",
                Text(printable(run["target"])))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= 100:
            table = Table(box=None, padding=(0, 1))
            table.add_column("run", justify="right", no_wrap=True)
            table.add_column("target", overflow="fold")
            for name in ("started", "length", "samples", "verdict", "trend/h"):
                table.add_column(name, no_wrap=True,
                                 justify="left" if name in ("started", "verdict") else "right")
            for run in self.runs:
                number, started, length, samples, verdict, slope, target = self._cells(run)
                table.add_row(number, target, started, length, samples, verdict, slope)
            yield table
            return
        for run in self.runs:
            number, started, length, samples, verdict, slope, target = self._cells(run)
            line = Text(f"{number:>4}  {started}  {length}  {samples} samples  ")
            line.append_text(verdict)
            line.append(f"  {slope}/h")
            yield line
            yield Text("      ").append_text(target)
