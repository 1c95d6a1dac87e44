"""Start, watch and stop a service process (and everything it spawns) for a hunt.

The service runs in its own session, so the terminal's Ctrl-C reaches heapsight only, and
heapsight stops the whole process group on the way out: SIGTERM, a grace period, SIGKILL. Its
stdout and stderr go to a log file whose tail explains an early exit.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

import psutil

from heapsight.errors import HeapsightError, UsageError
from heapsight.live.attach import is_node_executable

_WAITING_FOR_DEBUGGER = "Waiting for the debugger to disconnect"
# Lines node's inspector prints on its own; they say nothing about why a service failed.
_INSPECTOR_CHATTER = ("Debugger listening on", "Debugger attached.", "Debugger ending on",
                      "For help, see: https://nodejs.org/en/docs/inspector", _WAITING_FOR_DEBUGGER)


class ServiceExited(HeapsightError):
    """The supervised process ended when it should not have."""


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if heapsight itself dies (even by SIGKILL), so a
    service cannot outlive the hunt that started it (Linux prctl PR_SET_PDEATHSIG)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


# Ports free_port handed out lately: two picks made before either port is bound (a service's
# own port, then its inspector's) can otherwise get the same number back from the OS.
_RECENT_PORTS: deque[int] = deque(maxlen=64)


def free_port(host: str = "127.0.0.1", avoid: Sequence[str] = ()) -> int:
    """A TCP port nobody listens on right now (the OS picks it), not one of the last ports
    this process handed out, nor the port of any of the URLs in `avoid` (a service that is
    about to listen there: its inspector must not be told to take the same port)."""
    taken = {url_address(url)[1] for url in avoid}
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        if port not in _RECENT_PORTS and port not in taken:
            _RECENT_PORTS.append(port)
            return port


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def url_address(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url {url!r} is not an http:// or https:// URL")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def listener_pid(port: int) -> int | None:
    """The pid listening on TCP `port`, when the system lets us see it."""
    with contextlib.suppress(psutil.AccessDenied, OSError):
        for connection in psutil.net_connections(kind="tcp"):
            if (connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
                    and connection.pid):
                return int(connection.pid)
    return None


def ensure_port_free(url: str) -> None:
    """Fail before starting the service when another process already answers at `url`."""
    host, port = url_address(url)
    if port_open(host, port):
        owner = listener_pid(port)
        who = f" (pid {owner})" if owner else ""
        raise HeapsightError(f"{host}:{port} is already in use by another process{who}; stop it "
                             "or run the service (and --url) on a free port")


class Service:
    """One supervised process group. Use as a context manager so it is always stopped."""

    def __init__(self, command: Sequence[str], log_path: Path, inspect_port: int | None = None,
                 env: dict[str, str] | None = None, cwd: Path | None = None,
                 name: str = "service") -> None:
        self.command = list(command)
        self.log_path = log_path
        self.inspect_port = inspect_port
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None
        # A command that is not node itself (npm start, a shell script) gets the port through
        # NODE_OPTIONS and its node process is opened with SIGUSR1 once it is up.
        self.needs_signal = False
        # Set once a debugger is attached: called to detach it when the process is exiting.
        self.release_debugger: Callable[[], None] | None = None
        if inspect_port is not None:
            if self.command and is_node_executable(self.command[0]):
                self.command.insert(1, f"--inspect=127.0.0.1:{inspect_port}")
            else:
                options = self.env.get("NODE_OPTIONS", "")
                self.env["NODE_OPTIONS"] = f"{options} --inspect-port=127.0.0.1:{inspect_port}"
                self.needs_signal = True

    def start(self) -> Service:
        # Private like the snapshots: a service's output can hold tokens too.
        with open(self.log_path, "ab", opener=lambda path, flags: os.open(path, flags, 0o600)) as log:
            try:
                self.process = subprocess.Popen(
                    self.command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    env=self.env, cwd=self.cwd, start_new_session=True,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None)
            except FileNotFoundError:
                raise HeapsightError(f"cannot run {self.command[0]!r}: command not found") from None
            except PermissionError:
                raise HeapsightError(f"cannot run {self.command[0]!r}: permission denied") from None
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, "start() first"
        return self.process.pid

    def exit_code(self) -> int | None:
        """None while running, else the exit code (negative: killed by that signal)."""
        return None if self.process is None else self.process.poll()

    def output_tail(self, lines: int = 12, raw: bool = False) -> str:
        """The last lines of the log; without `raw`, minus the inspector's own chatter."""
        try:
            text = self.log_path.read_bytes()[-8192:].decode("utf-8", "replace")
        except OSError:
            return ""
        kept = [line for line in text.strip().splitlines()
                if raw or not line.startswith(_INSPECTOR_CHATTER)]
        return "\n".join(kept[-lines:])

    def exited_error(self, during: str) -> ServiceExited:
        """The one error to show when the service died: its exit code and last words."""
        code = self.exit_code()
        how = f"was killed by signal {-code}" if code is not None and code < 0 else \
            f"exited with code {code}"
        tail = self.output_tail()
        said = f"; its last output:\n{tail}" if tail else " and printed nothing"
        return ServiceExited(f"the {self.name} ({' '.join(self.command)}) {how} {during}"
                             f"{said}\n(full log: {self.log_path})")

    def exiting(self) -> bool:
        """True once the process has exited, or is exiting but held by an attached debugger."""
        return self.exit_code() is not None or _WAITING_FOR_DEBUGGER in self.output_tail(4, raw=True)

    def check_alive(self, during: str) -> None:
        if self.exit_code() is None and self.release_debugger is not None and \
                _WAITING_FOR_DEBUGGER in self.output_tail(4, raw=True):
            # Node that exits with a debugger attached waits for it to leave: let it go, so
            # the user sees the real exit code instead of a hang.
            self.release_debugger()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.wait(5.0)
        if self.exit_code() is not None:
            raise self.exited_error(during)

    def processes(self) -> list[psutil.Process]:
        """The service and all its descendants that are still running."""
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def listening_ports(self) -> set[int]:
        ports: set[int] = set()
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                ports.update(c.laddr.port for c in process.net_connections(kind="tcp")
                             if c.status == psutil.CONN_LISTEN)
        return ports

    def wait_ready(self, urls: Sequence[str], timeout: float = 30.0) -> None:
        """Until the first URL answers any HTTP status (or, with no URL, the service listens on
        a port of its own); a clear error if it exits first or the time runs out."""
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            self.check_alive("before it was ready")
            if urls:
                try:
                    with opener.open(urls[0], timeout=2.0):
                        return
                except urllib.error.HTTPError:
                    return  # any HTTP answer means it is serving
                except (OSError, http.client.HTTPException):
                    pass  # not up yet, or something that is not HTTP answers: keep waiting
            elif self.listening_ports() - {self.inspect_port}:
                return
            if time.monotonic() > deadline:
                what = urls[0] if urls else "a port of its own"
                raise HeapsightError(f"the {self.name} did not answer on {what} within "
                                     f"{timeout:g}s; check its log {self.log_path} or raise "
                                     "--ready-timeout")
            time.sleep(0.1)

    def node_pid(self, service_port: int | None = None) -> int:
        """The node process to inspect: the one serving `service_port`, else the youngest
        node in the tree (npm and shells are parents, the app is the leaf)."""
        candidates = []
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                if is_node_executable(process.name()):
                    candidates.append(process)
        if service_port is not None:
            for process in candidates:
                with contextlib.suppress(psutil.Error):
                    if any(c.laddr.port == service_port and c.status == psutil.CONN_LISTEN
                           for c in process.net_connections(kind="tcp")):
                        return process.pid
        if not candidates:
            raise HeapsightError(f"the {self.name} ({' '.join(self.command)}) runs no node process")
        return max(candidates, key=lambda p: p.create_time()).pid

    def wait(self, timeout: float | None = None) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM the whole group, wait up to `grace` seconds, then SIGKILL what is left."""
        if self.process is None:
            return None
        group = self.process.pid  # the leader of its own session and process group
        others = self.processes()[1:]
        deadline = time.monotonic() + grace
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGTERM)
        # The leader is our child: Popen reaps it, so its exit code is kept.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)
        _, alive = psutil.wait_procs(others, timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        for process in alive:  # a child that left the group still dies with the service
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(alive, timeout=2.0)
        try:
            return self.process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            return None

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
