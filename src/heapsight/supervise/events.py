"""Every supervisor action, and every action withheld, as a JSON line in the run folder's
events.jsonl, a row in the SQLite history (`heapsight history`) and a line on stderr."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from heapsight.errors import HeapsightError
from heapsight.monitor.store import History

# Events worth a line on heapsight's stderr; the rest (samples) go to the files only.
_QUIET = frozenset({"sample"})

# memory.jsonl: one line per instance at most every MEMORY_EVERY seconds, the spacing doubled
# after each MEMORY_LINES_PER_DOUBLING lines: the file grows with the log of the run's length
# (two instances for a week: about 99,000 lines, 7 MiB) and the report draws all of it.
MEMORY_EVERY = 2.0
MEMORY_LINES_PER_DOUBLING = 20_000


def details(record: dict[str, Any], leave: tuple[str, ...] = ("time", "event", "instance")) -> str:
    """An event's details as `key=value` words (stderr's line, the report's table)."""
    return " ".join(f"{k}={v}" for k, v in record.items() if k not in leave and v is not None)


class EventLog:
    def __init__(self, path: Path, history: History | None, target: str,
                 echo: bool = True) -> None:
        self.path = path
        self._file = open(path, "a", encoding="utf-8",  # noqa: SIM115 (closed in close())
                          opener=lambda p, flags: os.open(p, flags, 0o600))
        self.history = history
        self.run_id = history.start_run(target) if history is not None else None
        self.echo = echo
        self.recent: list[dict[str, Any]] = []
        self._memory = open(path.with_name("memory.jsonl"), "a", encoding="utf-8",  # noqa: SIM115
                            opener=lambda p, flags: os.open(p, flags, 0o600))
        self._memory_lines = 0
        self._memory_last: dict[int, float] = {}

    def emit(self, event: str, instance: int | None = None, **detail: Any) -> dict[str, Any]:
        record: dict[str, Any] = {"time": round(time.time(), 3), "event": event,
                                  "instance": instance, **detail}
        self._file.write(json.dumps(record, default=str) + "\n")
        self._file.flush()
        if self.history is not None and self.run_id is not None:
            try:
                self.history.add_event(self.run_id, record)
            except HeapsightError as exc:  # the JSON lines still have it; say so once
                print(f"heapsight: warning: {exc}", file=sys.stderr)
                self.history = None
        self.recent = [*self.recent[-49:], record]
        if self.echo and event not in _QUIET:
            who = f"instance {instance}: " if instance is not None else ""
            words = details(detail)
            print(f"heapsight: {who}{event}{(' ' + words) if words else ''}", file=sys.stderr,
                  flush=True)
        return record

    def memory(self, instance: int, pid: int | None, **figures: int | None) -> None:
        """Record an instance's memory figures (bytes) in memory.jsonl, thinned as above."""
        now = time.time()
        spacing = MEMORY_EVERY * 2 ** (self._memory_lines // MEMORY_LINES_PER_DOUBLING)
        if now - self._memory_last.get(instance, 0.0) < spacing:
            return
        self._memory_last[instance] = now
        self._memory_lines += 1
        record = {"time": round(now, 3), "instance": instance, "pid": pid,
                  **{k: v for k, v in figures.items() if v is not None}}
        self._memory.write(json.dumps(record) + "\n")
        self._memory.flush()

    def close(self) -> None:
        self._memory.close()
        self._file.close()
        if self.history is not None:
            self.history.close()
