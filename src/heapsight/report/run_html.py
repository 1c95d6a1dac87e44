"""The page of a `heapsight run` folder: what each instance did over time and its memory.

A run folder holds events.jsonl (every supervisor action, supervise/events.py) and
memory.jsonl (each instance's RSS and heap, thinned). `load_run` reads both into one document
(kind "run"); `run_page` draws a lane per instance process (starting, serving, draining, out
of rotation, debugging) with its restarts, crashes and snapshots marked, a memory chart with a
line per instance slot, and the events as a sortable, filterable table.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from heapsight.errors import HeapsightError
from heapsight.report.html import (
    Marker,
    Series,
    banner,
    clock,
    duration,
    escape,
    memory_chart,
    table,
)
from heapsight.supervise.events import details

# the state an instance is in after each event about it
_STATE_AFTER = {"start": "starting", "ready": "serving", "resume": "serving",
                "drain": "draining", "drained": "drained", "debug-begin": "debugging",
                "debug-end": "draining", "errored": "errored", "stop": None, "killed": None,
                "crash": None, "failed-start": None}
STATE_COLOURS = {"starting": "#afb8c1", "serving": "#2da44e", "draining": "#bf8700",
                 "drained": "#0969da", "debugging": "#8250df", "errored": "#cf222e"}
# events drawn as a tick on the lane of the instance they are about
_TICKS = {"memory-restart", "restarted", "restart-begin", "crash", "snapshot", "over-limit",
          "restart-withheld", "stop", "killed", "drain-timeout", "failed-start"}
SLOT_COLOURS = ("#1f6feb", "#cf222e", "#2da44e", "#bf8700", "#8250df", "#1b7c83", "#e16f24",
                "#57606a")


def _read_lines(path: Path) -> list[dict[str, Any]]:
    """JSON lines of a file; a line cut by a crash or not an object is skipped."""
    records = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("time"), int | float):
                records.append(record)
    return records


def is_run_folder(folder: Path) -> bool:
    return (folder / "events.jsonl").is_file()


def load_run(folder: Path) -> dict[str, Any]:
    """The run folder's events and memory samples as one document."""
    try:
        events = _read_lines(folder / "events.jsonl")
        memory = (_read_lines(folder / "memory.jsonl")
                  if (folder / "memory.jsonl").is_file() else [])
    except OSError as exc:
        raise HeapsightError(f"cannot read the run folder {folder}: {exc.strerror}") from None
    start = next((e for e in events if e.get("event") == "run-start"), {})
    return {"kind": "run", "run_dir": str(folder), "command": start.get("command"),
            "events": events, "memory": memory}


def lanes(events: list[dict[str, Any]], end: float) -> list[dict[str, Any]]:
    """One lane per instance process (pid), in slot then start order: its state segments
    (start, end, state) and its ticks (time, event, text). A process's lane ends at its
    stop (SIGTERM), kill or crash."""
    by_pid: dict[int, dict[str, Any]] = {}
    for event in events:
        pid = event.get("pid")
        slot = event.get("instance")
        if not isinstance(pid, int) or not isinstance(slot, int) or pid == 0:
            continue
        lane = by_pid.setdefault(pid, {"pid": pid, "slot": slot, "segments": [],
                                       "ticks": [], "state": None, "since": event["time"]})
        name = str(event.get("event"))
        if name in _TICKS:
            words = details(event, ("time", "event", "instance", "pid"))
            lane["ticks"].append((event["time"], name, words))
        if name in _STATE_AFTER:  # the state it was in ends here; None: the process ended
            if lane["state"] is not None:
                lane["segments"].append((lane["since"], event["time"], lane["state"]))
            lane["state"], lane["since"] = _STATE_AFTER[name], event["time"]
    for lane in by_pid.values():
        if lane["state"] is not None:  # still in it when the log ends
            lane["segments"].append((lane["since"], end, lane["state"]))
    return sorted(by_pid.values(), key=lambda lane: (lane["slot"], lane["since"]))


def timeline(lanes_: list[dict[str, Any]], t0: float, t1: float, width: int = 960) -> str:
    """An SVG with one row per instance process: coloured state bars, ticks for events."""
    left, right, row = 230, 10, 26
    height = row * len(lanes_) + 30
    span = (t1 - t0) or 1.0

    def x(t: float) -> float:
        return left + (min(max(t, t0), t1) - t0) / span * (width - left - right)

    parts = [f'<svg class="timeline" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-label="instances over time">']
    for index, lane in enumerate(lanes_):
        y = 6 + index * row
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" class="axis lane">'
                     f'instance {lane["slot"]} · pid {lane["pid"]}</text>')
        for start, stop, state in lane["segments"]:
            parts.append(f'<rect class="state {state}" data-state="{state}" x="{x(start):.1f}" '
                         f'y="{y + 3}" width="{max(x(stop) - x(start), 1.5):.1f}" height="14" '
                         f'fill="{STATE_COLOURS[state]}"><title>{state} from '
                         f'{escape(clock(start))} for {escape(duration(stop - start))}'
                         "</title></rect>")
        for when, name, words in lane["ticks"]:
            colour = "#cf222e" if name in ("crash", "memory-restart", "killed") else "#24292f"
            parts.append(f'<line class="tick" data-event="{escape(name)}" x1="{x(when):.1f}" '
                         f'x2="{x(when):.1f}" y1="{y}" y2="{y + 20}" stroke="{colour}" '
                         f'stroke-width="2"><title>{escape(name)} at {escape(clock(when))}'
                         f'{": " + escape(words) if words else ""}</title></line>')
    parts.append(f'<text x="{left}" y="{height - 6}" class="axis">{escape(clock(t0))}</text>'
                 f'<text x="{width - right}" y="{height - 6}" class="axis" text-anchor="end">'
                 f'{escape(clock(t1))} ({escape(duration(t1 - t0))})</text></svg>')
    legend = "".join(f'<span class="key"><i style="background:{colour}"></i>{state}</span>'
                     for state, colour in STATE_COLOURS.items())
    legend += ('<span class="key"><i style="background:#cf222e"></i>crash, memory restart, '
               "kill (tick)</span>")
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def memory_series(samples: list[dict[str, Any]], events: list[dict[str, Any]],
                  metric: str) -> Series:
    """One line per instance slot (its successive processes joined), restarts as markers."""
    samples = sorted((s for s in samples if isinstance(s.get(metric), int | float)),
                     key=lambda s: s["time"])
    slots = sorted({int(s["instance"]) for s in samples if isinstance(s.get("instance"), int)})
    times = [float(s["time"]) for s in samples]
    values: dict[str, list[float | None]] = {
        f"instance {slot}": [float(s[metric]) if s.get("instance") == slot else None
                             for s in samples] for slot in slots}
    markers = [Marker(float(e["time"]), f'{e.get("event")} of instance {e.get("instance")}'
                      + (f' ({e["reason"]})' if e.get("reason") else ""),
                      "restart" if e.get("event") in ("restarted", "crash") else "drain")
               for e in events if e.get("event") in ("restarted", "crash", "drain")]
    return Series(times, values, markers, main="")


def run_page(document: dict[str, Any]) -> list[str]:
    events = [e for e in document.get("events") or [] if isinstance(e, dict)]
    memory = [m for m in document.get("memory") or [] if isinstance(m, dict)]
    times = [float(e["time"]) for e in events] + [float(m["time"]) for m in memory]
    if not times:
        return [banner("unsure", "run: no events", ["The run folder's events.jsonl is empty."])]
    t0, t1 = min(times), max(times)
    restarts: dict[str, int] = {}
    for event in events:
        if event.get("event") == "restarted":
            reason = str(event.get("reason", "?"))
            restarts[reason] = restarts.get(reason, 0) + 1
    crashes = sum(e.get("event") == "crash" for e in events)
    lanes_ = lanes(events, t1)
    slots = sorted({lane["slot"] for lane in lanes_})
    stopped = any(e.get("event") == "run-stop" for e in events)
    bad = crashes or any(e.get("event") in ("all-errored", "errored") for e in events)
    lines = [f"{len(slots)} instance slot{'s' if len(slots) != 1 else ''}, "
             f"{len(lanes_)} process{'es' if len(lanes_) != 1 else ''} over "
             f"{escape(duration(t1 - t0))}; restarts: "
             + (", ".join(f"{n} {escape(r)}" for r, n in sorted(restarts.items())) or "none")
             + f"; crashes: {crashes}.",
             f"Command: <code>{escape(document.get('command') or '-')}</code>; folder "
             f"<code>{escape(document.get('run_dir') or '-')}</code>"
             + ("" if stopped else " (still running, or stopped without its last event)")
             + "."]
    state = "bad" if bad else ("unsure" if restarts else "good")
    parts = [banner(state, "heapsight run", lines), "<h2>Instances over time</h2>",
             timeline(lanes_, t0, t1)]
    for metric, label in (("rss", "RSS"), ("heap_used", "heap used")):
        series = memory_series(memory, events, metric)
        if series.values:
            colours = {name: SLOT_COLOURS[i % len(SLOT_COLOURS)]
                       for i, name in enumerate(series.values)}
            parts.append(f"<h2>{label} per instance</h2>"
                         + memory_chart(series, colours=colours))
    rows = []
    for event in events:
        detail = details(event)
        rows.append([(event["time"], escape(time.strftime(
                         "%H:%M:%S", time.localtime(float(event["time"]))))),
                     str(event.get("event", "")),
                     ("" if event.get("instance") is None else str(event.get("instance"))),
                     detail])
    parts.append("<h2>Events</h2>" + table(
        "events", [("time", "num"), ("event", "text"), ("instance", "text"),
                   ("detail", "text")], rows,
        f"Every supervisor action, in order, from {clock(t0)} (local time)",
        "filter by event"))
    return parts
