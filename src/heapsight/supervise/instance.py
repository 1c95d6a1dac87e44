"""One copy of the service: its process group, port, state and counters.

Each instance runs in its own session and process group, dies with heapsight
(PR_SET_PDEATHSIG, set in the child before exec, so even a SIGKILL of heapsight takes it down),
gets its own backend port as PORT and its number as HEAPSIGHT_INSTANCE, and has its Node
inspector port reserved (--inspect-port in NODE_OPTIONS, opened with SIGUSR1 only when asked:
snapshot, debug, --max-heap).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil

from heapsight.errors import HeapsightError
from heapsight.live.service import free_port

STARTING, READY, DRAINING, DRAINED, STOPPING, STOPPED, ERRORED = (
    "starting", "ready", "draining", "drained", "stopping", "stopped", "errored")


def _die_with_heapsight() -> None:
    """In the child before exec: SIGKILL when heapsight's thread that forked it dies (Linux
    prctl PR_SET_PDEATHSIG); SIGKILL because an app may trap SIGTERM and linger."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() == 1:  # heapsight died between fork and prctl
        os._exit(1)


@dataclass
class Slot:
    """Instance number N across its replacements: restarts and crash history live here."""

    number: int
    current: Instance | None = None
    restarts: Counter[str] = field(default_factory=Counter)
    crashes: deque[float] = field(default_factory=deque)  # monotonic times
    errored: bool = False
    drained: bool = False  # `ctl drain N`: survives a restart of N
    memory_restarts_withheld: str | None = None


class Instance:
    """A running copy. `routable` is what the balancer reads: ready and not drained."""

    _ids = iter(range(1, 1 << 62))

    def __init__(self, slot: Slot, command: list[str], log: IO[bytes], cwd: Path | None,
                 echo: bool, port: int | None = None) -> None:
        self.slot = slot
        self.uid = next(self._ids)
        self.command = command
        self.port = port or free_port()
        self.inspect_port = free_port()
        self.log = log
        self.cwd = cwd
        self.echo = echo
        self.process: asyncio.subprocess.Process | None = None
        self.state = STARTING
        self.started = time.monotonic()
        self.started_wall = time.time()
        self.ready_at: float | None = None
        self.stop_requested = False
        self.exit_code: int | None = None
        self.exited = asyncio.Event()
        # balancer counters
        self.routable = False
        self.connections = 0
        self.active = 0
        self.served = 0  # requests
        self.connections_served = 0  # balancer-to-instance connections opened
        # last measures
        self.rss: int | None = None
        self.heap_used: int | None = None
        self.trend: dict[str, Any] = {}
        self.samples: list[tuple[float, int]] = []  # (unix time, bytes) for --restart-on-leak
        self.limits: dict[str, Any] = {}
        self._pump: asyncio.Task[None] | None = None
        self.inspector: Any = None  # a live.inspector.Inspector once --max-heap opened it
        self.replacing = False  # a replace-then-retire of it is under way
        self.debugging = False  # `ctl debug` holds its inspector: no heap sampling meanwhile

    @property
    def number(self) -> int:
        return self.slot.number

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def age(self) -> float:
        return time.monotonic() - self.started

    async def start(self) -> None:
        env = dict(os.environ)
        env["PORT"] = str(self.port)
        env["HEAPSIGHT_INSTANCE"] = str(self.number)
        env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") +
                               f" --inspect-port=127.0.0.1:{self.inspect_port}").strip()
        try:
            # Forked from the loop's thread on purpose: PDEATHSIG follows the forking thread.
            self.process = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, env=env, cwd=self.cwd, start_new_session=True,
                preexec_fn=_die_with_heapsight if sys.platform == "linux" else None)
        except FileNotFoundError:
            raise HeapsightError(f"cannot run {self.command[0]!r}: command not found") from None
        except PermissionError:
            raise HeapsightError(f"cannot run {self.command[0]!r}: permission denied") from None
        self._pump = asyncio.ensure_future(self._copy_output())
        asyncio.ensure_future(self._wait_exit())

    async def _copy_output(self) -> None:
        """The instance's output: into its log file, and prefixed with its number on stderr."""
        assert self.process is not None and self.process.stdout is not None
        prefix = f"[{self.number}] ".encode()
        while True:
            try:
                line = await self.process.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):  # a very long line: take a chunk
                line = await self.process.stdout.read(65536)
            if not line:
                return
            with contextlib.suppress(OSError):
                self.log.write(line)
                self.log.flush()
            if self.echo:
                with contextlib.suppress(OSError, ValueError):
                    sys.stderr.buffer.write(prefix + line)
                    sys.stderr.buffer.flush()

    async def _wait_exit(self) -> None:
        assert self.process is not None
        self.exit_code = await self.process.wait()
        if self._pump is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pump, 2.0)
        self.routable = False
        self.close_inspector()
        self.exited.set()

    def close_inspector(self) -> None:
        inspector, self.inspector = self.inspector, None
        if inspector is not None:
            with contextlib.suppress(Exception):
                inspector.close()

    def processes(self) -> list[psutil.Process]:
        if self.pid is None or self.exited.is_set():
            return []
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def tree_rss(self) -> int | None:
        """RSS of the instance and everything it spawned (blocking: call off the loop)."""
        total = 0
        found = False
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
                found = True
        return total if found else None

    def established(self) -> int:
        """TCP connections open on its backend port (for --no-balancer drains; blocking)."""
        count = 0
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                count += sum(1 for c in process.net_connections(kind="tcp")
                             if c.laddr and c.laddr.port == self.port
                             and c.status == psutil.CONN_ESTABLISHED)
        return count

    def node_pid(self) -> int | None:
        """The node process serving the port (the command may be a wrapper)."""
        from heapsight.live.attach import is_node_executable

        nodes = []
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                if is_node_executable(process.name()):
                    nodes.append(process)
        if not nodes:
            return None
        return max(nodes, key=lambda p: p.create_time()).pid

    async def stop(self, kill_timeout: float) -> int | None:
        """SIGTERM the group, wait `kill_timeout`, SIGKILL the group and strays; the exit code."""
        self.stop_requested = True
        self.routable = False
        if self.process is None:
            return None
        loop = asyncio.get_running_loop()
        # Node that exits with a debugger session open waits for it to leave: close ours first.
        await loop.run_in_executor(None, self.close_inspector)
        strays = await loop.run_in_executor(None, lambda: self.processes()[1:])
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.exited.wait(), kill_timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for process in strays:  # a child that left the group dies with it too
            with contextlib.suppress(psutil.Error):
                process.kill()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.exited.wait(), 5.0)
        return self.exit_code

    def kill_now(self) -> None:
        """Last resort on the way out (an exception unwinding): SIGKILL the group."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def status(self) -> dict[str, Any]:
        return {
            "id": self.number, "pid": self.pid, "port": self.port, "state": self.state,
            "uptime_seconds": round(self.age(), 1), "rss": self.rss, "heap_used": self.heap_used,
            "trend": self.trend.get("verdict"), "slope_bytes_per_hour":
                self.trend.get("slope_bytes_per_hour"),
            "time_to_limit_seconds": self.trend.get("time_to_limit_seconds"),
            "restarts": dict(self.slot.restarts), "connections": self.connections,
            "active_requests": self.active, "served": self.served,
            "connections_served": self.connections_served,
        }
