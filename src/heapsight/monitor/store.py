"""Watch history in an embedded SQLite file: runs, their samples and their last verdict.

No server: one file (mode 0600) under the XDG state folder by default. A run can be resumed (its
samples are read back and new ones appended), and `heapsight history` lists and shows past runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heapsight.errors import HeapsightError
from heapsight.monitor.sources import Sample

_COLUMNS = ("time", "heap_used", "heap_total", "external", "array_buffers", "rss",
            "heap_size_limit", "restarted")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    started REAL NOT NULL,
    updated REAL NOT NULL,
    samples INTEGER NOT NULL DEFAULT 0,
    verdict TEXT,
    slope_bytes_per_hour REAL,
    result TEXT
);
CREATE TABLE IF NOT EXISTS samples (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    time REAL NOT NULL,
    heap_used INTEGER, heap_total INTEGER, external INTEGER, array_buffers INTEGER,
    rss INTEGER, heap_size_limit INTEGER, restarted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS samples_by_run ON samples(run_id, time);
CREATE INDEX IF NOT EXISTS runs_by_target ON runs(target, id);
CREATE TABLE IF NOT EXISTS events (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    instance INTEGER,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS events_by_run ON events(run_id, time);
"""


def default_path() -> Path:
    """$XDG_STATE_HOME/heapsight/history.sqlite3, or ~/.local/state/heapsight/history.sqlite3."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(state) / "heapsight" / "history.sqlite3"


@dataclass
class Run:
    id: int
    target: str
    started: float
    updated: float
    samples: int
    verdict: str | None
    slope_bytes_per_hour: float | None
    result: dict[str, Any] | None


class History:
    """One open history database. Use as a context manager."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True) -> None:
        self.path = Path(path)
        try:
            if create:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                if not self.path.exists():
                    # Create it private before sqlite does, with the default umask.
                    os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            elif not self.path.exists():
                raise HeapsightError(f"no history at {self.path} yet; `heapsight watch` records "
                                     "runs there (or pass --db)")
            self._db = sqlite3.connect(self.path, timeout=10.0)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise HeapsightError(f"cannot open the history database {self.path} ({exc}); pass "
                                 "--db PATH to use another file, or --no-history") from None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Cursor:
        try:
            with self._db:
                return self._db.execute(sql, tuple(parameters))
        except sqlite3.Error as exc:
            raise HeapsightError(f"cannot write the history database {self.path} ({exc}); "
                                 "pass --no-history to watch without it") from None

    def start_run(self, target: str) -> int:
        now = time.time()
        cursor = self._write("INSERT INTO runs (target, started, updated) VALUES (?, ?, ?)",
                             (target, now, now))
        return int(cursor.lastrowid or 0)

    def delete_run(self, run_id: int) -> None:
        self._write("DELETE FROM runs WHERE id = ?", (run_id,))

    def latest_run(self, target: str) -> int | None:
        row = self._db.execute("SELECT id FROM runs WHERE target = ? ORDER BY id DESC LIMIT 1",
                               (target,)).fetchone()
        return int(row[0]) if row else None

    def add_samples(self, run_id: int, samples: list[Sample]) -> None:
        if not samples:
            return
        rows = [(run_id, *(getattr(s, c) for c in _COLUMNS)) for s in samples]
        try:
            with self._db:
                self._db.executemany(
                    f"INSERT INTO samples (run_id, {', '.join(_COLUMNS)}) "
                    f"VALUES (?, {', '.join('?' * len(_COLUMNS))})", rows)
                self._db.execute("UPDATE runs SET samples = samples + ?, updated = ? WHERE id = ?",
                                 (len(rows), time.time(), run_id))
        except sqlite3.Error as exc:
            raise HeapsightError(f"cannot write the history database {self.path} ({exc}); "
                                 "pass --no-history to watch without it") from None

    def save_result(self, run_id: int, result: dict[str, Any]) -> None:
        self._write("UPDATE runs SET verdict = ?, slope_bytes_per_hour = ?, result = ?, "
                    "updated = ? WHERE id = ?",
                    (result.get("verdict"), result.get("slope_bytes_per_hour"),
                     json.dumps(result, default=int), time.time(), run_id))

    def add_event(self, run_id: int, event: dict[str, Any]) -> None:
        """One supervisor event (`heapsight run`): its time, kind, instance and the rest."""
        detail = {k: v for k, v in event.items() if k not in ("time", "event", "instance")}
        self._write("INSERT INTO events (run_id, time, kind, instance, detail) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (run_id, event.get("time", time.time()), event.get("event", "other"),
                     event.get("instance"), json.dumps(detail, default=str)))
        self._write("UPDATE runs SET updated = ? WHERE id = ?", (time.time(), run_id))

    def events(self, run_id: int) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT time, kind, instance, detail FROM events WHERE run_id = ? "
                                "ORDER BY time, rowid", (run_id,)).fetchall()
        found = []
        for when, kind, instance, detail in rows:
            event: dict[str, Any] = {"time": when, "event": kind, "instance": instance}
            with contextlib.suppress(ValueError, TypeError):
                event.update(json.loads(detail))
            found.append(event)
        return found

    def samples(self, run_id: int) -> list[Sample]:
        rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM samples WHERE run_id = ? "
                                "ORDER BY time, rowid", (run_id,)).fetchall()
        return [Sample(**dict(zip(_COLUMNS[:-1], row[:-1], strict=True)),
                       restarted=bool(row[-1])) for row in rows]

    def runs(self, limit: int = 20, target: str | None = None) -> list[Run]:
        where, parameters = ("WHERE target LIKE ?", [f"%{target}%"]) if target else ("", [])
        rows = self._db.execute(
            "SELECT id, target, started, updated, samples, verdict, slope_bytes_per_hour, result "
            f"FROM runs {where} ORDER BY id DESC LIMIT ?", (*parameters, limit)).fetchall()
        return [_run(row) for row in rows]

    def run(self, run_id: int) -> Run:
        row = self._db.execute(
            "SELECT id, target, started, updated, samples, verdict, slope_bytes_per_hour, result "
            "FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise HeapsightError(f"no run {run_id} in {self.path}; `heapsight history` lists them")
        return _run(row)


def _run(row: tuple[Any, ...]) -> Run:
    result = None
    if row[7]:
        with contextlib.suppress(ValueError):
            result = json.loads(row[7])
    return Run(int(row[0]), row[1], float(row[2]), float(row[3]), int(row[4]), row[5], row[6],
               result)
