"""Where memory numbers come from: a pid, an inspector, a JSON-lines log, a prom-client endpoint.

Every source turns what it reads into `Sample`s (unix seconds, bytes). `poll()` returns the
samples that are new since the last call: one reading for a live source, the new lines of a log.
A live target that goes away raises `SourceEnded` so a watch can stop with what it has.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import psutil

from heapsight.errors import HeapsightError, UsageError

MIB = 1024 * 1024
# No process has more memory than its address space: 128 TiB is the user half of 64-bit Linux
# with 4-level page tables. A larger figure in a log is a broken line, not a sample.
MAX_BYTES = 1 << 47
# A log records the past: a timestamp more than a day ahead of this clock is a broken line.
FUTURE_SLACK = 86400.0
METRICS = ("heap_used", "heap_total", "external", "array_buffers", "rss")


@dataclass
class Sample:
    time: float                       # unix seconds
    heap_used: int | None = None      # bytes, as process.memoryUsage() names them
    heap_total: int | None = None
    external: int | None = None
    array_buffers: int | None = None
    rss: int | None = None
    heap_size_limit: int | None = None
    restarted: bool = False           # the source saw a new process start here


class SourceEnded(HeapsightError):
    """The watched target went away (process exited, inspector closed); not a user mistake."""


class Source(Protocol):
    target: str        # stable name, the key for history and the exporter's label
    live: bool         # polling again later gives new data

    def poll(self) -> list[Sample]: ...

    def close(self) -> None: ...


# -- a process id ---------------------------------------------------------------------------------

class PidSource:
    """RSS of a process and all its children (psutil), plus V8's heap figures when the Node.js
    process already has an inspector open. heapsight never opens one itself here: a watch must
    not change what it watches."""

    live = True

    def __init__(self, pid: int, inspector_timeout: float = 5.0) -> None:
        try:
            self.process = psutil.Process(pid)
            if self.process.status() == psutil.STATUS_ZOMBIE:
                raise psutil.NoSuchProcess(pid)
        except psutil.NoSuchProcess:
            raise HeapsightError(f"no process with pid {pid}; check the pid with "
                                 "`pgrep -a node`") from None
        except psutil.AccessDenied:
            raise HeapsightError(f"not allowed to read pid {pid}; run heapsight as the user who "
                                 "owns that process") from None
        self.pid = pid
        self.target = f"pid:{pid}"
        self.inspector: Any = None
        self.inspector_address: tuple[str, int] | None = None
        self._connect_inspector(inspector_timeout)

    def _connect_inspector(self, timeout: float) -> None:
        from heapsight.live.attach import open_inspector
        from heapsight.live.inspector import Inspector

        for process in self._tree():
            try:
                address = open_inspector(process)
            except (psutil.Error, OSError):
                continue
            if address is None:
                continue
            try:
                self.inspector = Inspector.connect(*address, timeout=timeout)
            except HeapsightError:
                continue  # e.g. another debugger holds it: RSS alone still tells a lot
            self.inspector_address = address
            return

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.NoSuchProcess:
            raise SourceEnded(f"pid {self.pid} exited") from None

    def poll(self) -> list[Sample]:
        rss = 0
        try:
            if self.process.status() == psutil.STATUS_ZOMBIE:
                raise psutil.NoSuchProcess(self.pid)
            rss = self.process.memory_info().rss
        except psutil.NoSuchProcess:
            raise SourceEnded(f"pid {self.pid} exited") from None
        for child in self._tree()[1:]:
            try:
                rss += child.memory_info().rss
            except psutil.Error:
                continue  # a child that just exited
        sample = Sample(time.time(), rss=rss)
        if self.inspector is not None:
            try:
                usage = self.inspector.heap_usage()
            except HeapsightError:
                if not self.process.is_running():
                    raise SourceEnded(f"pid {self.pid} exited") from None
                self.inspector = None  # the inspector went away; carry on with RSS
            else:
                _fill_heap(sample, usage)
        return [sample]

    def age(self) -> float | None:
        """Seconds since the process started."""
        try:
            return max(0.0, time.time() - self.process.create_time())
        except psutil.Error:
            return None

    def close(self) -> None:
        if self.inspector is not None:
            self.inspector.close()


def _sample(when: float, values: dict[str, int]) -> Sample:
    sample = Sample(when)
    for name, value in values.items():
        setattr(sample, name, value)
    return sample


def _fill_heap(sample: Sample, usage: dict[str, int | None]) -> None:
    for name in ("heap_used", "heap_total", "external", "array_buffers", "heap_size_limit"):
        setattr(sample, name, usage.get(name))


# -- an inspector address ---------------------------------------------------------------------------

class InspectorSource:
    """heapUsed, heapTotal, external, arrayBuffers and rss through the Node.js inspector."""

    live = True

    def __init__(self, address: str, timeout: float = 5.0) -> None:
        from heapsight.live.inspector import Inspector, parse_host_port

        self.host, self.port = parse_host_port(address)
        self.target = f"inspect:{self.host}:{self.port}"
        self.inspector = Inspector.connect(self.host, self.port, timeout=timeout)

    def poll(self) -> list[Sample]:
        try:
            usage = self.inspector.heap_usage()
        except HeapsightError as exc:
            raise SourceEnded(str(exc)) from None
        sample = Sample(time.time())
        _fill_heap(sample, usage)
        sample.rss = usage.get("rss")
        return [sample]

    def close(self) -> None:
        self.inspector.close()


# -- a JSON-lines log -------------------------------------------------------------------------------

# Field names as services log process.memoryUsage(): bytes as Node gives them, or MB (MiB, as
# Node's --max-old-space-size counts) when the name says so.
_FIELDS = {
    "heap_used": ("heapUsed", "heap_used"),
    "heap_total": ("heapTotal", "heap_total"),
    "external": ("external",),
    "array_buffers": ("arrayBuffers", "array_buffers"),
    "rss": ("rss",),
}
_MB_SUFFIXES = ("MB", "Mb", "_mb", "MiB")
_NESTED = ("memory", "memoryUsage", "memory_usage", "mem")
_TIME_KEYS = ("timestamp", "time", "ts", "@timestamp", "date", "datetime")


class LogFormatError(ValueError):
    """One log line that claims to hold memory figures but cannot be read."""


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise LogFormatError(f"{where} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise LogFormatError(f"{where} is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise LogFormatError(f"{where} is not a size")
    return number


# field name -> (metric, bytes per unit), all spellings precomputed: a log can have millions of lines
_FIELD_UNITS = {key: (metric, unit)
                for metric, names in _FIELDS.items() for name in names
                for key, unit in [(name, 1.0), *((name + s, float(MIB)) for s in _MB_SUFFIXES)]}


def _memory_fields(record: dict[str, Any]) -> dict[str, int]:
    """Byte values of the memory fields in a record (or one nested memory object); {} when the
    record has neither heapUsed, heapTotal nor rss (a bare `external` is some other field)."""
    raw: dict[str, tuple[str, Any, float]] = {}  # metric -> (field name, value, unit)
    for scope in [record, *(record[k] for k in _NESTED if isinstance(record.get(k), dict))]:
        for key, value in scope.items():
            known = _FIELD_UNITS.get(key)
            if known is not None and known[0] not in raw:
                raw[known[0]] = (key, value, known[1])
    if not raw.keys() & {"heap_used", "heap_total", "rss"}:
        return {}
    values = {}
    for metric, (key, value, unit) in raw.items():
        size = _number(value, key) * unit
        if size > MAX_BYTES:
            raise LogFormatError(f"{key} is larger than any process's memory")
        values[metric] = int(size)
    return values


def parse_timestamp(value: Any) -> float:
    """Unix seconds from epoch seconds/milliseconds/microseconds or an ISO 8601 string."""
    if isinstance(value, bool):
        raise LogFormatError("the timestamp is not a time")
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise LogFormatError("the timestamp is not a time")
        # Pino logs epoch milliseconds; others seconds. Pick by magnitude (years 1973-5138).
        while number > 1e11:
            number /= 1000.0
        return _not_future(number)
    if isinstance(value, str):
        text = value.strip()
        try:
            return parse_timestamp(float(text))
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise LogFormatError(f"timestamp {text!r} is not ISO 8601") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # logs without a zone are taken as UTC
        return _not_future(moment.timestamp())
    raise LogFormatError("the timestamp is not a time")


def _not_future(when: float) -> float:
    # One line stamped in the far future would stretch the series over centuries and flatten
    # every trend in it: skip it like any other broken line.
    if when > time.time() + FUTURE_SLACK:
        stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d")
        raise LogFormatError(f"the timestamp ({stamp}) is in the future")
    return when


def parse_log_line(line: str) -> tuple[Sample | None, int | None, float | None]:
    """(sample or None, pid, uptime) of one log line; None for lines without memory figures.

    Raises LogFormatError for a JSON line that is broken or has unreadable memory figures.
    Lines that are not JSON at all (plain text in a mixed log) are simply not samples.
    """
    text = line.strip()
    start = text.find("{")
    # Cheap test first: every memory field name contains "eap" (heapUsed...) or "rss".
    if start < 0 or ("eap" not in text and "rss" not in text):
        return None, None, None
    try:
        record = json.loads(text[start:])
    except ValueError:
        if start == 0:
            raise LogFormatError("not valid JSON") from None
        return None, None, None  # text that happens to contain a brace
    if not isinstance(record, dict):
        return None, None, None
    values = _memory_fields(record)
    if not values:
        return None, None, None
    stamp = next((record[k] for k in _TIME_KEYS if k in record), None)
    when = math.nan if stamp is None else parse_timestamp(stamp)
    pid = record.get("pid") if isinstance(record.get("pid"), int) else None
    uptime = record.get("uptime")
    uptime = float(uptime) if isinstance(uptime, int | float) and not isinstance(uptime,
                                                                                   bool) else None
    return _sample(when, values), pid, uptime


class LogSource:
    """Samples from a JSON-lines log; with follow=True, also the lines appended later (tail -F).

    Broken lines are counted and the first few remembered, never fatal: a log is written by a
    service that may crash mid-line.
    """

    def __init__(self, path: str | os.PathLike[str], follow: bool = False,
                 interval: float = 30.0) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise HeapsightError(f"log file {self.path} does not exist")
        if not self.path.is_file():
            raise HeapsightError(f"{self.path} is not a file; pass the log file itself")
        try:
            self._handle = self.path.open("r", encoding="utf-8", errors="replace")
        except OSError as exc:
            raise HeapsightError(f"cannot read {self.path}: {exc.strerror}") from None
        self._inode = os.fstat(self._handle.fileno()).st_ino
        self.live = follow
        self.interval = interval  # spacing assumed for lines without any timestamp
        self.target = f"log:{self.path.resolve()}"
        self.lines = 0
        self.malformed = 0
        self.examples: list[str] = []  # "line N: why" for the first few broken lines
        self.untimed = 0
        self._partial = ""
        self._last_pid: int | None = None
        self._last_uptime: float | None = None
        self._last_time: float | None = None

    def poll(self) -> list[Sample]:
        self._reopen_if_rotated()
        samples: list[Sample] = []
        while chunk := self._handle.read(1 << 20):  # a megabyte at a time: logs can be huge
            lines = (self._partial + chunk).split("\n")
            self._partial = lines.pop()  # an unfinished last line waits for the rest
            samples.extend(self._parse(lines))
        if not self.live and self._partial:  # read once and done: the last line has no newline
            samples.extend(self._parse([self._partial]))
            self._partial = ""
        return samples

    def _parse(self, lines: Iterable[str]) -> Iterable[Sample]:
        for line in lines:
            self.lines += 1
            try:
                sample, pid, uptime = parse_log_line(line)
            except LogFormatError as exc:
                self._broken(str(exc))
                continue
            if sample is None:
                continue
            if math.isnan(sample.time):
                # No timestamp: assume the logging interval after the previous sample.
                self.untimed += 1
                sample.time = (self._last_time + self.interval if self._last_time is not None
                               else 0.0)
            if (pid is not None and self._last_pid is not None and pid != self._last_pid) or (
                    uptime is not None and self._last_uptime is not None
                    and uptime < self._last_uptime):
                sample.restarted = True
            self._last_pid = pid if pid is not None else self._last_pid
            self._last_uptime = uptime if uptime is not None else self._last_uptime
            self._last_time = sample.time
            yield sample

    def _broken(self, why: str) -> None:
        self.malformed += 1
        if len(self.examples) < 3:
            self.examples.append(f"line {self.lines}: {why}")

    def _reopen_if_rotated(self) -> None:
        if not self.live:
            return
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return  # between rotation steps; try again next poll
        if status.st_ino != self._inode or status.st_size < self._handle.tell():
            self._handle.close()
            self._handle = self.path.open("r", encoding="utf-8", errors="replace")
            self._inode = os.fstat(self._handle.fileno()).st_ino
            self._partial = ""

    def problems(self) -> str | None:
        """One line about the broken lines, or None."""
        if not self.malformed:
            return None
        return (f"{self.malformed} of {self.lines} lines in {self.path} could not be read "
                f"({'; '.join(self.examples)})")

    def close(self) -> None:
        self._handle.close()


# -- a prom-client /metrics endpoint ----------------------------------------------------------------

# prom-client's default metric names (collectDefaultMetrics), matched with any prefix.
_PROM_METRICS = {
    "nodejs_heap_size_used_bytes": "heap_used",
    "nodejs_heap_size_total_bytes": "heap_total",
    "nodejs_external_memory_bytes": "external",
    "process_resident_memory_bytes": "rss",
}


def parse_metrics(text: str) -> dict[str, int]:
    """Memory figures from Prometheus text exposition; several series of a name are summed (one
    per worker of a cluster)."""
    from prometheus_client.parser import text_string_to_metric_families

    totals: dict[str, float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                for name, metric in _PROM_METRICS.items():
                    if sample.name == name or sample.name.endswith("_" + name):
                        totals[metric] = totals.get(metric, 0.0) + float(sample.value)
    except (ValueError, TypeError, IndexError) as exc:
        raise HeapsightError(f"the metrics page is not Prometheus text format ({exc})") from None
    return {metric: int(value) for metric, value in totals.items()
            if math.isfinite(value) and 0 <= value <= MAX_BYTES}


class MetricsSource:
    """Scrapes prom-client's default memory metrics from a /metrics URL."""

    live = True

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UsageError(f"--metrics expects an http(s) URL such as "
                             f"http://127.0.0.1:3000/metrics, not {url!r}")
        self.url = url
        self.timeout = timeout
        self.target = f"metrics:{url}"
        from heapsight.live.inspector import is_loopback

        # A local endpoint must not go through an *_proxy from the environment.
        local = is_loopback(parsed.hostname or "")
        self._opener = (urllib.request.build_opener(urllib.request.ProxyHandler({})) if local
                        else urllib.request.build_opener())
        self._scraped = False
        first = self.poll()  # fail now, with a clear message, rather than mid-watch
        self._pending = first

    def poll(self) -> list[Sample]:
        if getattr(self, "_pending", None):
            pending, self._pending = self._pending, []
            return pending
        try:
            with self._opener.open(self.url, timeout=self.timeout) as response:
                body = response.read(10_000_000).decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            raise self._failure(f"{self.url} answered HTTP {exc.code}; check the path "
                                "(prom-client apps usually serve /metrics)") from None
        except (OSError, urllib.error.URLError) as exc:
            reason = getattr(exc, "reason", exc)
            raise self._failure(f"cannot reach {self.url} ({reason}); is the service up?") from None
        values = parse_metrics(body)
        if not values:
            raise self._failure(f"{self.url} has none of {', '.join(_PROM_METRICS)}; enable "
                                "prom-client's collectDefaultMetrics()")
        self._scraped = True
        return [_sample(time.time(), values)]

    def _failure(self, message: str) -> HeapsightError:
        # Before the first scrape it is a user mistake; later, the service went away.
        return SourceEnded(message) if self._scraped else HeapsightError(message)

    def close(self) -> None:
        pass
