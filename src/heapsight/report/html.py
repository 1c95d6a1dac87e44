"""One self-contained HTML page for any result: a verdict banner, memory over time, growth by
class, and a card per leak with its retainer chain, code location, stack, growth and fix.

The page is built here from the result's JSON document (what `--json` prints, or a saved
report.json), so the text, JSON and HTML views cannot disagree. Styles, the small script (table
sorting and filtering) and the charts (inline SVG drawn here) are all in the file: it opens from
disk, offline, and fetches nothing (a Content-Security-Policy forbids it). Every string is
escaped for HTML; with `redact=True` strings that come from the heap are replaced first
(`report.redact_result`).

Entry points: `render_html(document, kind=..., series=...)` returns the page and `write_html`
writes it atomically (0600). Results of other commands (supervise/, check/) plug in by passing
their `kind` and document; a `series` draws their memory over time with markers.
"""

from __future__ import annotations

import html
import json
import math
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from heapsight.errors import HeapsightError
from heapsight.fileio import atomic_writer
from heapsight.units import human_bytes, signed_bytes

MAX_POINTS = 2000  # buckets per series; each keeps its low and its high (the GC sawtooth)
SERIES_NAMES = ("heap_used", "heap_total", "external", "array_buffers", "rss")
SERIES_LABELS = {"heap_used": "heap used", "heap_total": "heap total", "external": "external",
                 "array_buffers": "ArrayBuffers", "rss": "RSS"}


@dataclass
class Marker:
    time: float
    label: str
    kind: str = "event"  # restart | snapshot | drain | event


@dataclass
class Series:
    """Memory over time: unix seconds and one list of bytes (None = no figure) per metric."""

    times: list[float]
    values: dict[str, list[float | None]]
    markers: list[Marker] = field(default_factory=list)
    main: str = "heap_used"

    @classmethod
    def from_samples(cls, samples: Iterable[Any], main: str = "heap_used") -> Series:
        ordered = sorted(samples, key=lambda s: s.time)
        values = {name: [getattr(s, name, None) for s in ordered] for name in SERIES_NAMES}
        values = {name: v for name, v in values.items() if any(x is not None for x in v)}
        markers = [Marker(s.time, "restart", "restart") for s in ordered
                   if getattr(s, "restarted", False)]
        return cls([s.time for s in ordered], values, markers, main)


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


# -- what kind of result a document is ------------------------------------------------------------

def detect_kind(document: dict[str, Any]) -> str:
    """The command whose JSON this is, from its shape (saved report.json files carry no kind)."""
    if "kind" in document and isinstance(document["kind"], str):
        return document["kind"]
    if "leaks" in document:
        return "hunt" if "run_dir" in document else "find-leaks"
    if "slope_bytes_per_hour" in document and "verdict" in document:
        return "watch"
    if "result" in document and "target" in document and "started" in document:
        return "history"
    if "scenarios" in document and "exit_code" in document:
        return "check"
    if "findings" in document:
        return "lint"
    if "largest" in document and "classes" in document:
        return "summary"
    if "before" in document and "after" in document and "classes" in document:
        return "diff"
    if "references" in document and "retainers" in document:
        return "inspect"
    return "result"


# -- charts ------------------------------------------------------------------------------------

def downsample(times: Sequence[float], values: Sequence[float | None],
               buckets: int = MAX_POINTS) -> list[tuple[float, float]]:
    """At most 2 * buckets points: per time bucket the lowest and the highest value, in time
    order, so the post-GC lows and the sawtooth's peaks both survive."""
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray([np.nan if x is None else x for x in values], dtype=np.float64)
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    if len(t) <= 2 * buckets:
        return list(zip(t.tolist(), v.tolist(), strict=True))
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    width = (t[-1] - t[0]) / buckets or 1.0
    bucket = np.minimum(((t - t[0]) / width).astype(np.int64), buckets - 1)
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    ends = np.r_[starts[1:], len(t)]
    lows = np.array([s + int(np.argmin(v[s:e])) for s, e in zip(starts, ends, strict=True)])
    highs = np.array([s + int(np.argmax(v[s:e])) for s, e in zip(starts, ends, strict=True)])
    keep = np.unique(np.concatenate([lows, highs]))  # sorted: time order within each bucket
    return list(zip(t[keep].tolist(), v[keep].tolist(), strict=True))


_COLOURS = {"heap_used": "#1f6feb", "heap_total": "#8b949e", "external": "#bf8700",
            "array_buffers": "#8250df", "rss": "#cf222e", "trend": "#111111"}


def memory_chart(series: Series, trend: Sequence[tuple[float, float, float, float]] = (),
                 window: tuple[float, float] | None = None, limit: float | None = None,
                 width: int = 960, height: int = 300,
                 colours: dict[str, str] | None = None) -> str:
    """An SVG line chart: one path per metric (class `series`, `data-series` = its name), the
    fitted trend segments (t0, y0, t1, y1), the alert window shaded, markers as dashed lines;
    `colours` for series not named after a metric."""
    palette = {**_COLOURS, **(colours or {})}
    lines = {name: downsample(series.times, values) for name, values in series.values.items()}
    lines = {name: points for name, points in lines.items() if points}
    if not lines:
        return '<p class="empty">No memory samples to draw.</p>'
    all_points = [p for points in lines.values() for p in points]
    t0 = min(p[0] for p in all_points)
    t1 = max(p[0] for p in all_points)
    y_high = max(p[1] for p in all_points)
    for _, a, _, b in trend:
        y_high = max(y_high, a, b)
    y_high = y_high * 1.05 or 1.0
    left, right, top, bottom = 70, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (t1 - t0) or 1.0

    def x(t: float) -> float:
        return left + (t - t0) / span * plot_w

    def y(v: float) -> float:
        return top + plot_h - max(0.0, v) / y_high * plot_h

    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" preserveAspectRatio="none" aria-label="memory over time">']
    if window is not None:
        a, b = max(window[0], t0), min(window[1], t1)
        if b > a:
            parts.append(f'<rect class="alert-window" x="{x(a):.1f}" y="{top}" '
                         f'width="{x(b) - x(a):.1f}" height="{plot_h}" fill="#fff8c5">'
                         f'<title>alert window</title></rect>')
    for value in _ticks(y_high):  # horizontal grid with binary-unit labels
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}" stroke="#eaeef2"/>'
                     f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                     f'class="axis">{escape(human_bytes(value))}</text>')
    snapshots = [m for m in series.markers if m.kind == "snapshot"]
    if series.times and series.times[-1] < 1e9 and snapshots:  # x is the snapshot's number
        for marker in (m for m in snapshots if t0 <= m.time <= t1):
            anchor = ("start" if marker.time == t0 else "end" if marker.time == t1
                      else "middle")
            parts.append(f'<text x="{x(marker.time):.1f}" y="{height - 8}" class="axis" '
                         f'text-anchor="{anchor}">{escape(marker.label)}</text>')
    else:
        parts.append(f'<text x="{left}" y="{height - 8}" class="axis">{escape(clock(t0))}'
                     f'</text><text x="{width - right}" y="{height - 8}" class="axis" '
                     f'text-anchor="end">{escape(clock(t1))} ({escape(duration(t1 - t0))})'
                     "</text>")
    if limit and limit <= y_high:
        parts.append(f'<line class="limit" x1="{left}" x2="{width - right}" '
                     f'y1="{y(limit):.1f}" y2="{y(limit):.1f}" stroke="#cf222e" '
                     f'stroke-dasharray="2 4"><title>limit {escape(human_bytes(limit))}'
                     f'</title></line>')
    order = sorted(lines, key=lambda name: name == series.main)  # the main line on top
    for name in order:
        points = lines[name]
        d = "M" + " L".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
        weight = 2 if name == series.main else 1.2
        parts.append(f'<path class="series" data-series="{escape(name)}" d="{d}" fill="none" '
                     f'stroke="{palette.get(name, "#57606a")}" stroke-width="{weight}">'
                     f'<title>{escape(SERIES_LABELS.get(name, name))}</title></path>')
    for a_t, a_v, b_t, b_v in trend:
        parts.append(f'<line class="trend" x1="{x(a_t):.1f}" y1="{y(a_v):.1f}" '
                     f'x2="{x(b_t):.1f}" y2="{y(b_v):.1f}" stroke="{_COLOURS["trend"]}" '
                     f'stroke-width="2" stroke-dasharray="6 3"><title>fitted trend</title></line>')
    indexed = series.times and series.times[-1] < 1e9 and snapshots  # x: a count, not a time
    for marker in series.markers:
        if t0 <= marker.time <= t1:
            when = "" if indexed else f" at {escape(clock(marker.time))}"
            parts.append(f'<line class="marker {escape(marker.kind)}" x1="{x(marker.time):.1f}" '
                         f'x2="{x(marker.time):.1f}" y1="{top}" y2="{top + plot_h}" '
                         f'stroke="#6e7781" stroke-dasharray="3 3"><title>'
                         f'{escape(marker.label)}{when}</title></line>')
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{palette.get(name, "#57606a")}"></i>'
        f'{escape(SERIES_LABELS.get(name, name))}</span>' for name in reversed(order))
    if trend:
        legend += '<span class="key"><i class="dashed"></i>fitted trend of the lows</span>'
    if window is not None:
        legend += '<span class="key"><i style="background:#fff8c5"></i>alert window</span>'
    if series.markers:
        legend += '<span class="key"><i class="dashed grey"></i>restarts, snapshots</span>'
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _ticks(high: float) -> list[float]:
    """Four or five round values from 0 up to `high` (1, 2 or 5 of a binary unit)."""
    unit = 1024.0 ** max(0, min(4, int(math.log(max(high, 1.0), 1024))))
    raw = high / 5 / unit
    power = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw) * unit
    return [step * k for k in range(int(high // step) + 1)]


def bar(value: float, largest: float) -> str:
    share = 0.0 if largest <= 0 else max(0.0, min(1.0, value / largest))
    return f'<span class="bar"><span style="width:{share * 100:.1f}%"></span></span>'


def clock(seconds: float) -> str:
    if seconds < 1e9:  # not a unix time: seconds into the run
        return duration(seconds)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


# -- pieces of a page --------------------------------------------------------------------------

def banner(state: str, title: str, lines: Sequence[str]) -> str:
    """state: bad | good | unsure."""
    body = "".join(f"<p>{line}</p>" for line in lines)
    return (f'<section class="banner {state}" id="verdict"><h1>{escape(title)}</h1>'
            f"{body}</section>")


def table(table_id: str, headers: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]],
          caption: str, filter_label: str = "filter by class") -> str:
    """A sortable, filterable table. headers: (label, "text" | "num"); each cell is either text
    or a (sort value, html) pair."""
    head = "".join(f'<th data-type="{kind}" tabindex="0">{escape(label)}</th>'
                   for label, kind in headers)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, tuple):
                cells.append(f'<td data-value="{escape(cell[0])}">{cell[1]}</td>')
            else:
                cells.append(f"<td>{escape(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap"><input class="filter" type="search" '
            f'placeholder="{escape(filter_label)}" aria-label="{escape(filter_label)}" '
            f'data-table="{table_id}">'
            f'<table id="{table_id}" class="sortable"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def chain(steps: Sequence[dict[str, Any]], holder_id: int | None) -> str:
    """The retainer path as a chain from the GC root (top) to the leaked object (bottom)."""
    items = []
    for index, step in enumerate(steps):
        classes = ["step"]
        if holder_id is not None and step.get("id") == holder_id:
            classes.append("holder")
        if index == len(steps) - 1:
            classes.append("leaked")
        edge = step.get("edge")
        via = f'<span class="edge">{escape(edge)}</span>' if edge is not None else ""
        tag = ' <span class="tag">holder</span>' if "holder" in classes else ""
        tag += ' <span class="tag">leaked</span>' if "leaked" in classes else ""
        items.append(f'<li class="{" ".join(classes)}">{via}<span class="node">'
                     f'{escape(step.get("node", ""))}</span> <span class="type">'
                     f'{escape(step.get("type", ""))} @{escape(step.get("id", ""))}</span>'
                     f"{tag}</li>")
    return f'<ol class="chain">{"".join(items)}</ol>'


def leak_card(number: int, leak: dict[str, Any]) -> str:
    counts = leak.get("phase_counts") or []
    largest = max(counts, default=0)
    growth = "".join(f'<div class="phase"><span>phase {i}</span>{bar(n, largest)}'
                     f"<span>+{n:,}</span></div>" for i, n in enumerate(counts, 1))
    rows = [("category", escape(leak.get("category", ""))),
            ("retained", escape(human_bytes(leak.get("retained_size") or 0))),
            ("objects", f'{int(leak.get("count") or 0):,} {escape(leak.get("class", ""))}'),
            ("growth", f'+{float(leak.get("growth") or 0):,.0f} objects and '
                       f'{escape(human_bytes(leak.get("growth_bytes") or 0))} per phase'),
            ("held by", escape(leak.get("holder", "")) + (
                f' in {escape(leak["holder_script"])}' if leak.get("holder_script") else "")),
            ("made at", f'<code>{escape(leak["location"])}</code>' if leak.get("location")
             else "unknown (no constructor position in the snapshot)")]
    fanout = leak.get("holder_fanout") or []
    if fanout and fanout[-1] > fanout[0]:
        rows.append(("holder references", " → ".join(f"{n:,}" for n in fanout)))
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    stack = leak.get("allocation_stack") or []
    stack_html = ""
    if stack:
        frames = "".join(f"<li><code>{escape(_frame(frame))}</code></li>" for frame in stack)
        stack_html = (f'<h4>Allocation stack (innermost first)</h4>'
                      f'<ol class="stack">{frames}</ol>')
    return (f'<article class="leak-card" id="leak-{number}">'
            f'<h3><span class="badge">{escape(leak.get("category", ""))}</span> '
            f'{number}. {escape(leak.get("headline", ""))}</h3>'
            f'<div class="card-body"><div><dl>{facts}</dl>'
            f'<h4>Growth per phase</h4><div class="growth">{growth}</div>{stack_html}'
            f'<div class="fix"><h4>Fix</h4><p>{escape(leak.get("advice", ""))}</p></div></div>'
            f'<div><h4>Retainer chain, from the GC root to a leaked object</h4>'
            f'{chain(leak.get("retainer_path") or [], leak.get("holder_id"))}</div></div>'
            "</article>")


def _frame(frame: Any) -> str:
    if isinstance(frame, dict):
        name = frame.get("function") or "(anonymous)"
        return f"{name} ({frame['location']})" if frame.get("location") else name
    return str(frame)


# -- pages by kind ---------------------------------------------------------------------------

def _leaks_page(document: dict[str, Any], kind: str, series: Series | None) -> list[str]:
    leaks = document.get("leaks") or []
    snapshots = document.get("snapshots") or []
    phases = max(len(snapshots) - 1, 0)
    categories = sorted({leak.get("category", "") for leak in leaks})
    total = sum(int(leak.get("retained_size") or 0) for leak in leaks)
    if document.get("analysed") is False:
        parts = [banner("unsure", "Not analysed", ["The snapshots were taken but not analysed."])]
    elif leaks:
        parts = [banner("bad", f"{len(leaks)} leak{'s' if len(leaks) != 1 else ''} found, "
                               f"retaining {human_bytes(total)}", [
            f"Categories: {', '.join(escape(c) for c in categories)}.",
            f"Why: objects made after the baseline snapshot kept growing in every one of the "
            f"{phases} phases, under one holder, and the class's live count grew with them "
            "(find-leaks' rule); warm-up, bounded caches and churn are ruled out.",
        ])]
    else:
        parts = [banner("good", "No leak found", [
            f"Nothing allocated after the baseline kept growing in every one of the {phases} "
            "phases."])]
    names = ", ".join(escape(os.path.basename(str(s))) for s in snapshots)
    sizes = document.get("heap_sizes") or []
    parts.append(f'<p class="meta">{escape(kind)} over {len(snapshots)} snapshots ({names})'
                 + (f"; heap {' → '.join(escape(human_bytes(s)) for s in sizes)}"
                    if sizes else "")
                 + (f'; run folder <code>{escape(document["run_dir"])}</code>'
                    if document.get("run_dir") else "") + "</p>")
    if series is None:
        used = document.get("heap_used") or sizes
        if used:
            labels = [os.path.basename(str(s)).split(".")[0] for s in snapshots]
            if len(labels) != len(used):
                labels = [f"snapshot {i + 1}" for i in range(len(used))]
            series = Series(list(range(len(used))), {"heap_used": [float(v) for v in used]},
                            [Marker(i, label, "snapshot") for i, label in enumerate(labels)])
    if series is not None:
        parts.append("<h2>Memory at each snapshot</h2>" + memory_chart(series))
    growing = document.get("growing_classes") or []
    if growing:
        parts.append("<h2>Growth by class</h2>" + growth_table(growing))
    if leaks:
        parts.append("<h2>Leaks, largest first</h2>")
        parts.extend(leak_card(i, leak) for i, leak in enumerate(leaks, 1))
    return parts


def growth_table(growing: Sequence[dict[str, Any]]) -> str:
    """Per class: count and self size in each snapshot, the count's change per phase, the
    size its top-most instances retain in the final snapshot (earlier snapshots are read
    light, without a graph, so they have no retained sizes) and a bar of the growth."""
    width = max((len(row.get("counts") or []) for row in growing), default=0)
    sized = any(row.get("self_sizes") for row in growing)
    headers = [("class", "text")] + [(f"count @{i + 1}", "num") for i in range(width)]
    headers += [(f"Δ phase {i}", "num") for i in range(1, width)]
    if sized:
        headers += [(f"self @{i + 1}", "num") for i in range(width)]
        headers += [("retained @final", "num")]
    headers += [("growth", "num")]
    largest = max(((row["counts"][-1] - row["counts"][0]) for row in growing
                   if row.get("counts")), default=0)
    rows = []
    for row in growing:
        counts = row.get("counts") or []
        deltas = [b - a for a, b in zip(counts, counts[1:], strict=False)]
        change = counts[-1] - counts[0] if counts else 0
        cells: list[Any] = [row.get("class", "")] + [(n, f"{n:,}") for n in counts]
        cells += [(d, f"{d:+,}") for d in deltas]
        if sized:
            sizes = list(row.get("self_sizes") or [])
            sizes += [0] * (width - len(sizes))
            cells += [(n, escape(human_bytes(n))) for n in sizes]
            kept = int(row.get("retained_size") or 0)
            cells += [(kept, escape(human_bytes(kept)))]
        cells += [(change, f"{bar(change, largest)} {change:+,}")]
        rows.append(cells)
    return table("growth", headers, rows,
                 "Classes whose live count grew in every phase; retained sizes are from the "
                 "final snapshot only (the earlier ones are read without their graph)")


def watch_trend(document: dict[str, Any]) -> list[tuple[float, float, float, float]]:
    """Each judged segment's fitted line as (t0, y0, t1, y1), from its slope and end level."""
    lines = []
    for segment in document.get("segments") or []:
        try:
            end = float(segment["end"])
            start = float(segment.get("judged_from") or segment["start"])
            level = float(segment["level_bytes"])
            slope = float(segment["slope_bytes_per_hour"]) / 3600.0
        except (KeyError, TypeError, ValueError):
            continue
        if end > start and math.isfinite(level) and math.isfinite(slope):
            lines.append((start, level - slope * (end - start), end, level))
    return lines


def _watch_page(document: dict[str, Any], series: Series | None) -> list[str]:
    verdict = str(document.get("verdict", "")) or "unknown"
    state = {"leak": "bad", "stable": "good"}.get(verdict, "unsure")
    slope = float(document.get("slope_bytes_per_hour") or 0.0)
    confidence = float(document.get("confidence") or 0.0)
    lines = [escape(document.get("reason", "")),
             f"Trend of the post-GC lows {escape(signed_bytes(slope))}/h, confidence "
             f"{confidence:.1%}, shape {escape(document.get('shape', '-'))}; "
             f"{int(document.get('samples') or 0):,} samples over "
             f"{escape(duration(document.get('duration_seconds')))}."]
    alert = document.get("alert") or {}
    if alert.get("growth_fraction") is not None:
        lines.append(f"Alert rule: lows grew {float(alert['growth_fraction']):+.1%} "
                     f"{'over ' + duration(alert.get('seconds')) if alert.get('covered') else 'so far'}"
                     f"{' — FIRING' if alert.get('firing') else ''}.")
    if document.get("time_to_limit_seconds") is not None and document.get("limit_bytes"):
        lines.append(f"Reaches the limit of {escape(human_bytes(document['limit_bytes']))} in "
                     f"about {escape(duration(document['time_to_limit_seconds']))}.")
    parts = [banner(state, f"{verdict.upper() if verdict == 'leak' else verdict}: "
                           f"{document.get('target', '')}", lines)]
    parts.append("<h2>Memory over time</h2>")
    if series is not None and series.times:
        end = series.times[-1]
        window = (end - float(alert["seconds"]), end) if alert.get("seconds") else None
        series.main = str(document.get("metric") or series.main)
        parts.append(memory_chart(series, watch_trend(document), window,
                                  document.get("limit_bytes")))
    else:
        parts.append('<p class="empty">This result file holds no samples; render a watch '
                     "with <code>--html</code> or a history run to see the series.</p>")
    segments = document.get("segments") or []
    if segments:
        rows = [[(s.get("start", 0), escape(clock(float(s.get("start", 0))))),
                 (s.get("end", 0), escape(clock(float(s.get("end", 0))))),
                 s.get("verdict", ""), s.get("shape", ""),
                 (s.get("samples", 0), f'{int(s.get("samples", 0)):,}'),
                 (s.get("slope_bytes_per_hour", 0),
                  escape(signed_bytes(float(s.get("slope_bytes_per_hour") or 0))) + "/h")]
                for s in segments]
        parts.append("<h2>Segments between restarts</h2>" + table(
            "segments", [("start", "num"), ("end", "num"), ("verdict", "text"),
                         ("shape", "text"), ("samples", "num"), ("trend", "num")],
            rows, "Each run of the process between restarts, judged alone",
            "filter by start time"))
    notes = document.get("notes") or []
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes)
                     + "</ul>")
    return parts


def _classes_page(document: dict[str, Any], kind: str) -> list[str]:
    classes = document.get("classes") or []
    if kind == "summary":
        parts = [banner("unsure", f"Heap of {os.path.basename(str(document.get('source', '')))}",
                        [f"{int(document.get('nodes') or 0):,} objects, "
                         f"{escape(human_bytes(document.get('total_size') or 0))} in all."])]
        largest = max((c.get("retained_size", 0) for c in classes), default=0)
        rows = [[c.get("class", ""), (c.get("count", 0), f'{c.get("count", 0):,}'),
                 (c.get("self_size", 0), escape(human_bytes(c.get("self_size", 0)))),
                 (c.get("retained_size", 0), bar(c.get("retained_size", 0), largest) + " "
                  + escape(human_bytes(c.get("retained_size", 0))))] for c in classes]
        headers = [("class", "text"), ("count", "num"), ("self size", "num"),
                   ("retained size", "num")]
    else:
        delta = int(document.get("total_delta") or 0)
        parts = [banner("bad" if delta > 0 else "good", "Heap diff",
                        [f"{escape(document.get('before', ''))} → "
                         f"{escape(document.get('after', ''))}: {escape(signed_bytes(delta))}"])]
        largest = max((abs(c.get("retained_size_delta", 0)) for c in classes), default=0)
        rows = [[c.get("class", ""), (c.get("new", 0), f'{c.get("new", 0):,}'),
                 (c.get("deleted", 0), f'{c.get("deleted", 0):,}'),
                 (c.get("count_delta", 0), f'{c.get("count_delta", 0):+,}'),
                 (c.get("retained_size_delta", 0), bar(abs(c.get("retained_size_delta", 0)),
                                                       largest) + " "
                  + escape(signed_bytes(c.get("retained_size_delta", 0))))] for c in classes]
        headers = [("class", "text"), ("new", "num"), ("deleted", "num"), ("count Δ", "num"),
                   ("retained Δ", "num")]
    parts.append("<h2>By class</h2>" + table("classes", headers, rows, "Classes"))
    return parts


_CHECK_STATE = {"pass": "good", "leak": "bad", "error": "bad", "known": "unsure",
                "undecided": "unsure"}


def check_series(scenario: dict[str, Any]) -> Series:
    """Heap used after GC over the scenario's iterations (after warm-up), rounds end to end;
    a marker at each round's target and final snapshot (the baseline is iteration 0)."""
    times: list[float] = []
    used: list[float | None] = []
    markers: list[Marker] = []
    offset = 0
    for round_ in scenario.get("rounds") or []:
        number = round_.get("round", len(markers) // 2 + 1)
        for iteration, heap in round_.get("heap_used") or []:
            times.append(float(offset + iteration))
            used.append(float(heap))
        iterations = int(round_.get("iterations") or 0)
        markers.append(Marker(offset + iterations, f"r{number} target", "snapshot"))
        offset += 2 * iterations
        markers.append(Marker(offset, f"r{number} final", "snapshot"))
    return Series(times, {"heap_used": used}, markers)


def _check_page(document: dict[str, Any]) -> list[str]:
    scenarios = document.get("scenarios") or []
    counts: dict[str, int] = {}
    for scenario in scenarios:
        counts[str(scenario.get("verdict"))] = counts.get(str(scenario.get("verdict")), 0) + 1
    verdict = str(document.get("verdict", "")) or "unknown"
    tally = ", ".join(f"{n} {escape(v)}" for v, n in sorted(counts.items()))
    parts = [banner(_CHECK_STATE.get(verdict, "unsure"),
                    f"check: {verdict.upper()} ({len(scenarios)} scenario"
                    f"{'s' if len(scenarios) != 1 else ''})",
                    [f"Scenarios: {tally or 'none'}.",
                     "Why: a scenario leaks when find-leaks finds objects growing in every "
                     "phase of a round beyond the budget and the next round confirms it "
                     f"(exit code {escape(document.get('exit_code', '-'))})."])]
    rows = []
    for scenario in scenarios:
        per = scenario.get("bytes_per_iteration")
        rows.append([scenario.get("scenario", ""), scenario.get("verdict", ""),
                     (per if per is not None else -1,
                      "-" if per is None else f"{escape(signed_bytes(per))}/iteration"),
                     (len(scenario.get("rounds") or []), str(len(scenario.get("rounds") or []))),
                     (scenario.get("seconds") or 0, f'{float(scenario.get("seconds") or 0):.1f}s'),
                     scenario.get("reason", "")])
    parts.append("<h2>Scenarios</h2>" + table(
        "scenarios", [("scenario", "text"), ("verdict", "text"), ("heap growth", "num"),
                      ("rounds", "num"), ("time", "num"), ("why", "text")],
        rows, "One row per scenario file", "filter by scenario"))
    number = 0
    for index, scenario in enumerate(scenarios, 1):
        state = _CHECK_STATE.get(str(scenario.get("verdict")), "unsure")
        parts.append(f'<section class="scenario {state}" id="scenario-{index}"><h2>'
                     f'{escape(str(scenario.get("verdict", "")).upper())} '
                     f'{escape(scenario.get("scenario", ""))}</h2>'
                     f'<p>{escape(scenario.get("reason", ""))}</p>')
        if scenario.get("baseline"):
            parts.append(f'<p>baseline: {escape(scenario["baseline"].get("reason", ""))}</p>')
        if scenario.get("rounds"):
            parts.append("<h3>Heap used after GC, by iteration after warm-up</h3>"
                         + memory_chart(check_series(scenario)))
        for leak in scenario.get("leaks") or []:
            number += 1
            card = dict(leak)
            if leak.get("line"):  # the check's own line beats the constructor's position
                card["location"] = leak["line"]
            card["headline"] = (f'{leak.get("headline", "")} '
                                f'(+{float(leak.get("bytes_per_iteration") or 0):,.0f} B and '
                                f'{float(leak.get("objects_per_iteration") or 0):,.2f} objects '
                                "per iteration)")
            parts.append(leak_card(number, card))
        if scenario.get("run_dir"):
            parts.append(f'<p class="meta">snapshots and log: '
                         f'<code>{escape(scenario["run_dir"])}</code></p>')
        parts.append("</section>")
    return parts


def _generic_page(document: dict[str, Any], kind: str) -> list[str]:
    text = json.dumps(document, indent=2, default=str)
    return [banner("unsure", f"{kind} result", []), f"<pre>{escape(text)}</pre>"]


def render_html(document: dict[str, Any], kind: str | None = None, series: Series | None = None,
                redact: bool = False, title: str | None = None) -> str:
    """The whole page for a result's JSON document."""
    from heapsight.report.redact_result import redact_document

    kind = kind or detect_kind(document)
    if redact:
        document = redact_document(document)
    if kind == "history":
        document = dict(document.get("result") or {})
        kind = "watch"
    if kind in ("find-leaks", "hunt"):
        body = _leaks_page(document, kind, series)
    elif kind == "watch":
        body = _watch_page(document, series)
    elif kind in ("summary", "diff"):
        body = _classes_page(document, kind)
    elif kind == "check":
        body = _check_page(document)
    elif kind == "run":
        from heapsight.report.run_html import run_page
        body = run_page(document)
    else:
        body = _generic_page(document, kind)
    heading = title or f"heapsight {kind}"
    note = " Heap strings are redacted." if redact else ""
    return (_TEMPLATE.replace("{title}", escape(heading))
            .replace("{style}", _asset("report.css"))
            .replace("{script}", _asset("report.js"))
            .replace("{footer}", escape(f"Made by heapsight on "
                                        f"{time.strftime('%Y-%m-%d %H:%M:%S')}.{note}"))
            .replace("{body}", "\n".join(body)))


def check_target(path: str | os.PathLike[str]) -> None:
    """Fail before any work when the page cannot be written: its folder is missing, or the
    name is taken by something that is not a heapsight page (a snapshot given by mistake)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise HeapsightError(f"folder {target.parent} does not exist")
    if target.is_dir():
        raise HeapsightError(f"{target} is a folder; give a file name such as report.html")
    if target.exists():
        with open(target, "rb") as handle:
            start = handle.read(len(_DOCTYPE))
        if start != _DOCTYPE:
            raise HeapsightError(f"{target} exists and is not a heapsight HTML report; choose "
                                 "another name")


def write_html(path: str | os.PathLike[str], document: dict[str, Any], kind: str | None = None,
               series: Series | None = None, redact: bool = False) -> None:
    """Write the page atomically, 0600 (it shows what the heap held); replaces an old page."""
    check_target(path)
    page = render_html(document, kind, series, redact)
    with atomic_writer(path, force=True) as handle:
        handle.write(page.encode("utf-8"))


def _asset(name: str) -> str:
    return (resources.files("heapsight.report") / "assets" / name).read_text(encoding="utf-8")


_DOCTYPE = b"<!doctype html>"
_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{style}</style></head>
<body><main>
{body}
</main><footer>{footer}</footer>
<script>{script}</script></body></html>
"""
