"""Shared tools of the `heapsight run` / `heapsight ctl` tests: start a real supervisor on a
real node service, wait for its events, talk to it, and always stop everything it started."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

NODE = shutil.which("node")
SERVICE = Path(__file__).parent / "programs" / "run_service.js"


class Supervised:
    """`heapsight run ... -- node run_service.js` as a child process of the test."""

    def __init__(self, tmp_path: Path, args: list[str], env: dict[str, str] | None = None,
                 name: str = "t", history: bool = False) -> None:
        if NODE is None:
            pytest.skip("node is not installed")
        self.tmp_path = tmp_path
        self.name = name
        self.env = dict(os.environ)
        self.env["XDG_RUNTIME_DIR"] = str(tmp_path / "runtime")
        (tmp_path / "runtime").mkdir(mode=0o700, exist_ok=True)
        self.env.update(env or {})
        self.stderr_path = tmp_path / "heapsight.stderr"
        self.stderr = open(self.stderr_path, "wb")  # noqa: SIM115 (closed in stop())
        self.history = tmp_path / "history.sqlite3"
        recording = ["--db", str(self.history)] if history else ["--no-history"]
        command = [sys.executable, "-m", "heapsight", "run", "--name", name, *recording,
                   "--runs-folder", str(tmp_path / "runs"), *args, "--", NODE, str(SERVICE)]
        self.process = subprocess.Popen(command, env=self.env, cwd=tmp_path,
                                        stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.seen_pids: set[int] = set()

    # -- what it did --------------------------------------------------------------------------
    def events_path(self) -> Path | None:
        found = list((self.tmp_path / "runs").glob("*/*/events.jsonl"))
        return found[0] if found else None

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        path = self.events_path()
        if path is None:
            return []
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        for record in records:
            if record["event"] == "start" and record.get("pid"):
                self.seen_pids.add(int(record["pid"]))
        return [r for r in records if kind is None or r["event"] == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 60.0,
                 where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events(kind)
                     if all(e.get(k) == v for k, v in (where or {}).items())]
            if len(found) >= count:
                return found
            if self.process.poll() is not None:
                raise AssertionError(f"heapsight run exited ({self.process.returncode}) before "
                                     f"{count} {kind!r} events:\n{self.stderr_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {count} {kind!r} events within {timeout}s:\n"
                                     f"{self.stderr_text()}")
            time.sleep(0.1)

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-6000:]

    def port(self) -> int:
        return int(self.wait_for("serving")[0]["port"])

    def ctl(self, *args: str, check: bool = True, timeout: float = 300
            ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "heapsight", "ctl", "--name", self.name,
                               *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"ctl {' '.join(args)} failed ({done.returncode}): "
                                 f"{done.stderr}\n{self.stderr_text()}")
        return done

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.ctl("status", "--json").stdout))

    # -- the end --------------------------------------------------------------------------------
    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM heapsight and wait; whatever still runs is killed (the test never leaks a
        process). Returns heapsight's exit code."""
        code = None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.events()
        self.kill_leftovers()
        self.stderr.close()
        return code

    def leftovers(self) -> list[int]:
        self.events()
        alive = []
        for pid in self.seen_pids:
            with contextlib.suppress(psutil.Error):
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
        return alive

    def kill_leftovers(self) -> None:
        for pid in self.leftovers():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> Supervised:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None or not self.stderr.closed:
            self.stop()


def served_by(body: bytes) -> int:
    return int(json.loads(body)["instance"])
