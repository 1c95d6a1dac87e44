"""From a pid to an inspector address: find the port a Node.js process's inspector listens on,
and open it with SIGUSR1 when it is closed (what `node inspect -p PID` does)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import time
import urllib.request
from pathlib import Path

import psutil

from heapsight.errors import HeapsightError
from heapsight.live.inspector import Inspector, is_loopback, warn

_NODE_NAME = re.compile(r"^(node|nodejs)(\d+(\.\d+)*)?(\.exe)?$")


def is_node_executable(name: str) -> bool:
    """True for `node`, `nodejs`, `node20`, `/usr/bin/node`, ..."""
    return bool(_NODE_NAME.match(Path(name).name))


def node_process(pid: int) -> psutil.Process:
    """The live Node.js process `pid`, or a clear error when it is gone or is something else."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            raise psutil.NoSuchProcess(pid)
        names = [process.name()]
        with contextlib.suppress(psutil.AccessDenied, psutil.ZombieProcess):
            names += [process.exe()] + process.cmdline()[:1]
    except psutil.NoSuchProcess:
        raise HeapsightError(f"no process with pid {pid}; is it still running?") from None
    except psutil.AccessDenied:
        raise HeapsightError(f"not allowed to inspect pid {pid}; run heapsight as the user who "
                             "owns that process") from None
    if not any(is_node_executable(name) for name in names if name):
        raise HeapsightError(f"pid {pid} is {names[0]!r}, not a Node.js process; heapsight attaches "
                             "only to node")
    return process


def _inspector_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True if host:port is a V8 inspector (its /json/version names a protocol version)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    address = f"[{host}]" if ":" in host else host
    try:
        with opener.open(f"http://{address}:{port}/json/version", timeout=timeout) as response:
            version = json.loads(response.read(65536))
    except (OSError, ValueError):
        return False
    return isinstance(version, dict) and "Protocol-Version" in version


def _listening(process: psutil.Process) -> list[tuple[str, int]]:
    try:
        connections = process.net_connections(kind="tcp")
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
        return []
    return [(c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN]


def open_inspector(process: psutil.Process, exclude: set[int] | frozenset[int] = frozenset(),
                   only: int | None = None) -> tuple[str, int] | None:
    """The (host, port) of `process`'s inspector if it is open now, else None. Probing sends
    GET /json/version to each listening port; `only` limits that to the port we expect."""
    for ip, port in _listening(process):
        if port in exclude or (only is not None and port != only):
            continue
        # A wildcard listener is reachable on loopback too; anything else is exposed.
        host = "127.0.0.1" if ip in ("0.0.0.0", "::") else ip
        if _inspector_answers(host, port):
            if not is_loopback(ip):
                warn(f"pid {process.pid}'s inspector listens on {ip}:{port}, not only on loopback: "
                     "anyone who can reach that port can run code in the process. Restart it "
                     "with --inspect=127.0.0.1:PORT")
            return host, port
    return None


def _sigusr1_disabled(process: psutil.Process) -> bool:
    try:
        words = process.cmdline()
        words += process.environ().get("NODE_OPTIONS", "").split()
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    return "--disable-sigusr1" in words


def find_inspector(pid: int, timeout: float = 10.0, port: int | None = None) -> tuple[str, int]:
    """The inspector address of Node.js process `pid`, opening it with SIGUSR1 if closed;
    `port`: where it will listen, when known (--inspect-port), so no other port is probed."""
    host, found_port, _ = attach_inspector(pid, timeout, port)
    return host, found_port


def attach_inspector(pid: int, timeout: float = 10.0,
                     port: int | None = None) -> tuple[str, int, bool]:
    """As find_inspector, plus whether heapsight opened the inspector (True: it was closed and
    SIGUSR1 opened it, so heapsight should close it again when done)."""
    process = node_process(pid)
    found = open_inspector(process, only=port)
    if found is not None:
        return (*found, False)
    if _sigusr1_disabled(process):
        raise HeapsightError(f"pid {pid} runs with --disable-sigusr1, so its inspector cannot be "
                             "opened from outside; restart it with --inspect=127.0.0.1:PORT")
    before = {port for _, port in _listening(process)}
    try:
        os.kill(pid, signal.SIGUSR1)
    except ProcessLookupError:
        raise HeapsightError(f"no process with pid {pid}; it exited") from None
    except PermissionError:
        raise HeapsightError(f"not allowed to signal pid {pid}; run heapsight as the user who "
                             "owns that process") from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            raise HeapsightError(f"pid {pid} exited after SIGUSR1; it may not be a Node.js "
                                 "process with the default SIGUSR1 handler")
        # Prefer ports that opened after the signal; the service's own ports answer 404 anyway.
        found = open_inspector(process, exclude=before, only=port) or \
            open_inspector(process, only=port)
        if found is not None:
            return (*found, True)
    raise HeapsightError(f"pid {pid} did not open its inspector within {timeout:g}s of SIGUSR1; "
                         "its inspector port (9229 unless --inspect-port says otherwise) may be "
                         "in use by another process")


# Node's inspector.close() (process._debugEnd) waits for the open sessions to end, so it runs
# on the target's next turn, after heapsight's own session has let go.
_CLOSE_EXPRESSION = """(() => {
  const load = typeof require === 'function' ? require : process.getBuiltinModule;
  setTimeout(() => { try { load('inspector').close(); } catch (error) { /* closed */ } }, 50);
  return true;
})()"""


def request_inspector_close(inspector: Inspector) -> None:
    """Ask the target to close its inspector once this session has ended."""
    inspector.evaluate(_CLOSE_EXPRESSION)


def wait_inspector_closed(pid: int, port: int, timeout: float = 10.0) -> bool:
    """True once process `pid` no longer listens on `port` (or is gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            process = psutil.Process(pid)
        except psutil.NoSuchProcess:
            return True
        if port not in {p for _, p in _listening(process)}:
            return True
        time.sleep(0.05)
    return False
