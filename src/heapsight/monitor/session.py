"""One watch: poll a source, keep the series, judge it, record it, export it.

`Watch.run()` polls on a timer until the duration is up, the source ends, or Ctrl-C/SIGTERM;
the CLI only renders `Watch.result`. Everything that decides something lives here or in `trend`.
"""

from __future__ import annotations

import contextlib
import re
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from heapsight import units
from heapsight.errors import UsageError
from heapsight.monitor.exporter import Exporter
from heapsight.monitor.sources import METRICS, LogSource, PidSource, Sample, Source, SourceEnded
from heapsight.monitor.store import History
from heapsight.monitor.trend import TrendResult, TrendSettings, assess
from heapsight.results import Result

# Exit codes a script can test (stated in `heapsight watch --help`).
EXIT_CODES = {"stable": 0, "leak": 3, "insufficient-data": 4}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$", re.IGNORECASE)


def parse_size(text: str, option: str = "--limit") -> int:
    """'512MB' -> 536870912 (binary units, a unit required: heapsight.units)."""
    return units.parse_size(text, option)


def parse_duration(text: str, option: str) -> float:
    """'30m' -> 1800.0; a bare number is seconds."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise UsageError(f"{option} expects a duration such as 30s, 30m or 2h, not {text!r}")
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[(match.group(2) or "s").lower()]
    return float(match.group(1)) * scale


def parse_fraction(text: str, option: str) -> float:
    """'20%' or '0.2' -> 0.2."""
    value = text.strip()
    try:
        fraction = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise UsageError(f"{option} expects a percentage such as 20%, not {text!r}") from None
    if fraction <= 0:
        raise UsageError(f"{option} must be more than zero, not {text!r}")
    return fraction


@dataclass
class WatchOptions:
    metric: str = "auto"               # auto | heap_used | heap_total | external | rss | ...
    limit_bytes: int | None = None     # default: V8's heap_size_limit for heap_used
    settings: TrendSettings = field(default_factory=TrendSettings)


def choose_metric(samples: list[Sample], requested: str) -> str:
    """heap_used when most samples have it (the V8 heap is where JS leaks show), else rss."""
    if requested != "auto":
        return requested
    with_heap = sum(s.heap_used is not None for s in samples)
    return "heap_used" if samples and with_heap * 2 >= len(samples) else "rss"


@dataclass
class WatchResult(TrendResult, Result):
    """The watch JSON (docs/schemas/watch.schema.json): the trend verdict and what was watched.
    `Watch.result` holds its `to_json()`, the dict the renderers, exporter and history read."""

    kind: ClassVar[str] = "watch"
    target: str = ""
    metric: str = "rss"
    limit_source: str | None = None
    latest: dict[str, int | None] | None = None
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None


def evaluate(samples: list[Sample], target: str, options: WatchOptions,
             notes: list[str] | None = None) -> dict[str, Any]:
    """The watch result: the JSON contract's dict (`verdict`, `slope_bytes_per_hour`, ...)."""
    metric = choose_metric(samples, options.metric)
    usable = [s for s in samples if getattr(s, metric) is not None]
    times = np.fromiter((s.time for s in usable), dtype=np.float64, count=len(usable))
    values = np.fromiter((getattr(s, metric) for s in usable), dtype=np.float64,
                         count=len(usable))
    restarted = np.fromiter((s.restarted for s in usable), dtype=bool, count=len(usable))
    limit = options.limit_bytes
    limit_source = "--limit" if limit else None
    if limit is None and metric == "heap_used":
        known = [s.heap_size_limit for s in usable if s.heap_size_limit]
        if known:
            limit, limit_source = known[-1], "V8 heap_size_limit"
    trend = assess(times, values, options.settings, restarted, limit)
    latest = samples[-1] if samples else None
    result = WatchResult(
        **{f.name: getattr(trend, f.name) for f in fields(trend)},
        target=target, metric=metric, limit_source=limit_source,
        latest={name: getattr(latest, name) for name in (*METRICS, "heap_size_limit")}
        if latest else None,
        notes=list(notes or []))
    if len(usable) < len(samples):
        result.notes.append(f"{len(samples) - len(usable)} samples had no {metric} figure")
    return result.to_json()


class Watch:
    """A source, its series so far, and where results go (history, exporter)."""

    def __init__(self, source: Source, options: WatchOptions, history: History | None = None,
                 resume: bool = False, exporter: Exporter | None = None) -> None:
        self.source = source
        self.options = options
        self.history = history
        self.exporter = exporter
        self.samples: list[Sample] = []
        self.notes: list[str] = []
        self.run_id: int | None = None
        self.resumed = False
        if history is not None:
            previous = history.latest_run(source.target) if resume else None
            if previous is not None:
                self.run_id = previous
                self.samples = history.samples(previous)
                self.resumed = True
                self.notes.append(f"resumed run {previous} with {len(self.samples)} samples")
            else:
                self.run_id = history.start_run(source.target)
                if resume:
                    self.notes.append(f"no earlier run of {source.target} to resume; started "
                                      f"run {self.run_id}")
        self.result: dict[str, Any] = self._evaluate()

    def step(self) -> list[Sample]:
        """Poll once; store, judge and export what is new."""
        new = self.source.poll()
        if new and self.samples and self.resumed:
            # A resumed log is read from its start again: keep only what is newer than the run.
            newest = self.samples[-1].time
            new = [s for s in new if s.time > newest]
        if new:
            self.samples.extend(new)
            if self.history is not None and self.run_id is not None:
                self.history.add_samples(self.run_id, new)
            self.result = self._evaluate()
            if self.exporter is not None:
                self.exporter.update(self.source.target, new[-1], self.result)
        return new

    def run(self, period: float, stop_after: float | None = None,
            on_new: Callable[[list[Sample]], None] | None = None) -> str | None:
        """Poll every `period` seconds until `stop_after` seconds passed, a source that is not
        live was read, the source ended, or Ctrl-C/SIGTERM; say why it stopped (None: it simply
        finished)."""
        started = time.monotonic()
        with _sigterm_stops():
            try:
                while True:
                    tick = time.monotonic()
                    try:
                        new = self.step()
                    except SourceEnded as exc:
                        return f"stopped: {exc}"
                    if new and on_new is not None:
                        on_new(new)
                    if not self.source.live:
                        return None
                    if stop_after is not None and time.monotonic() - started >= stop_after:
                        return None
                    pause = period - (time.monotonic() - tick)
                    if stop_after is not None:
                        pause = min(pause, stop_after - (time.monotonic() - started))
                    if pause > 0:
                        time.sleep(pause)
            except KeyboardInterrupt:
                return "stopped (Ctrl-C or SIGTERM)"

    def end(self, why: str | None = None) -> dict[str, Any]:
        """The final result, with why the watch stopped, saved to history."""
        if why:
            self.notes.append(why)
        self.result = self._evaluate()
        if self.history is not None and self.run_id is not None:
            self.history.save_result(self.run_id, self.result)
        if self.exporter is not None:
            self.exporter.update(self.source.target, None, self.result)
        return self.result

    def values(self) -> list[float]:
        metric = self.result.get("metric") or "rss"
        return [float(getattr(s, metric)) for s in sorted(self.samples, key=lambda s: s.time)
                if getattr(s, metric) is not None]

    def _evaluate(self) -> dict[str, Any]:
        notes = list(self.notes)
        if isinstance(self.source, LogSource):
            problem = self.source.problems()
            if problem:
                notes.append(problem)
            if self.source.untimed:
                notes.append(f"{self.source.untimed} log lines had no timestamp; assumed one "
                             f"every {self.source.interval:g}s")
        if isinstance(self.source, PidSource) and self.source.inspector_address is None:
            notes.append("no open inspector on this pid: judging RSS (start node with "
                         "--inspect=127.0.0.1:0 to see the V8 heap too)")
        result = evaluate(self.samples, self.source.target, self.options, notes)
        if isinstance(self.source, PidSource) and result["metric"] == "rss":
            age = self.source.age()
            if age is not None and age < 600:
                result["notes"].append(
                    f"the process started {age:.0f}s ago: its RSS grows while V8 sizes its heap, "
                    "so judge RSS over several minutes")
        result["run_id"] = self.run_id
        return result


@contextlib.contextmanager
def _sigterm_stops() -> Iterator[None]:
    """SIGTERM (a supervisor or `timeout`) ends the watch like Ctrl-C: with a verdict."""
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
