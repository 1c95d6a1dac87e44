"""Snapshots of a running process that stay comparable from one `heapsight snapshot` to the next.

V8 keeps one object-id map per process and clears it whenever an inspector session ends (the
HeapProfiler agent's disable(), run on every disconnect, calls ClearObjectIds). Snapshots taken
in separate inspector sessions therefore number the same objects differently. The first
`heapsight snapshot --pid P` installs a small agent in P (agent.js, through the inspector) that
listens on a private Unix socket and writes snapshots with `v8.writeHeapSnapshot()`; heapsight
then ends its session (and closes the inspector if it opened it) before the first snapshot,
and every later run talks to the agent without any inspector session, so ids stay stable.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from heapsight.errors import HeapsightError
from heapsight.fileio import check_writable
from heapsight.live.attach import (
    attach_inspector,
    node_process,
    request_inspector_close,
    wait_inspector_closed,
)
from heapsight.live.inspector import Inspector, SnapshotInfo, ensure_free_space

Say = Callable[[str], None]
AGENT_TIMEOUT = 1800.0  # seconds a snapshot through the agent may take (it answers at the end)


def runtime_folder() -> Path:
    """heapsight's private folder for agent sockets: $XDG_RUNTIME_DIR/heapsight, else
    /tmp/heapsight-<uid>; created 0700 and refused if someone else owns it."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "heapsight" if base and os.path.isdir(base) else \
        Path(tempfile.gettempdir()) / f"heapsight-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise HeapsightError(f"{folder} is not a private folder of this user; remove it and retry")
    return folder


def socket_path(pid: int) -> Path:
    return runtime_folder() / f"agent-{pid}.sock"


@dataclass
class AgentSnapshot:
    info: SnapshotInfo
    heap_used: int


class Agent:
    """The snapshot agent inside process `pid`."""

    def __init__(self, pid: int, path: Path):
        self.pid = pid
        self.path = path

    @classmethod
    def find(cls, pid: int) -> Agent | None:
        """The agent of `pid` if one answers (and is really that process's), else None."""
        path = socket_path(pid)
        if not path.exists():
            return None
        agent = cls(pid, path)
        try:
            reply = agent.request({"op": "hello"}, timeout=30.0)
        except (ConnectionRefusedError, FileNotFoundError):
            with contextlib.suppress(OSError):
                path.unlink()  # left by a process that has exited (its pid may be reused)
            return None
        except TimeoutError:
            raise HeapsightError(f"pid {pid}'s heapsight agent did not answer within 30s: its "
                                 "event loop is busy (a long synchronous task?); try again when "
                                 "it is idle") from None
        except (OSError, ValueError):
            return None
        return agent if reply.get("pid") == pid else None

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(str(self.path))
            connection.sendall(json.dumps(message).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
        reply = json.loads(data)
        if not isinstance(reply, dict):
            raise ValueError("not an agent reply")
        return reply

    def snapshot(self, output: Path, force: bool = False) -> AgentSnapshot:
        """Have the process write a snapshot into a private folder beside `output`, then make it
        0600 and move it into place (atomic; an existing file only with force)."""
        check_writable(output, force)
        folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
        try:
            part = folder / "snapshot.heapsnapshot"
            started = time.monotonic()
            try:
                reply = self.request({"op": "snapshot", "path": str(part.absolute())},
                                     timeout=AGENT_TIMEOUT)
            except (OSError, ValueError) as exc:
                raise HeapsightError(f"pid {self.pid}'s heapsight agent stopped answering "
                                     f"({exc}); did the process exit?") from None
            if not reply.get("ok"):
                raise HeapsightError(f"pid {self.pid} could not write a heap snapshot: "
                                     f"{reply.get('error')}")
            if not part.exists():
                raise HeapsightError(f"pid {self.pid} wrote its snapshot where heapsight cannot "
                                     "see it (another mount namespace, e.g. a container); use "
                                     "--inspect and copy snapshots out of the container")
            os.chmod(part, 0o600)
            with open(part, "rb") as written:  # on disk before it takes the user's name
                os.fsync(written.fileno())
            if output.exists() and not force:
                raise HeapsightError(f"{output} appeared while writing; pass --force to "
                                     "replace it")
            size = part.stat().st_size
            os.replace(part, output)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        pause = float(reply.get("pause") or (time.monotonic() - started))
        usage = reply.get("usage") or {}
        return AgentSnapshot(SnapshotInfo(output, size, pause), int(usage.get("heapUsed") or 0))


def install(inspector: Inspector, pid: int) -> Agent | None:
    """Evaluate agent.js in the target; the agent, or None when it cannot run there."""
    source = resources.files("heapsight.live").joinpath("agent.js").read_text("utf-8")
    path = socket_path(pid)
    try:
        reply = json.loads(inspector.evaluate(f"({source})({json.dumps(str(path))})"))
    except (HeapsightError, TypeError, ValueError):
        return None
    if not isinstance(reply, dict) or reply.get("pid") != pid:
        return None  # another process answers on that inspector
    return Agent(pid, path)


def ensure_agent(pid: int, say: Say, address: tuple[str, int] | None = None) -> Agent | None:
    """The agent of `pid`, installing it through the inspector when needed (opening the
    inspector with SIGUSR1 if it is closed, and closing it again afterwards). None when the
    agent cannot be installed."""
    agent = Agent.find(pid)
    if agent is not None:
        return agent
    if address is not None:
        host, port, opened = *address, False
    else:
        host, port, opened = attach_inspector(pid)
    with Inspector.connect(host, port) as inspector:
        agent = install(inspector, pid)
        if opened:
            request_inspector_close(inspector)
    if opened:
        if wait_inspector_closed(pid, port):
            say(f"closed the inspector heapsight opened on {host}:{port}")
        else:
            say(f"warning: the inspector heapsight opened on {host}:{port} is still open")
    else:
        say(f"left the inspector on {host}:{port} open, as it was before")
    if agent is None:
        return None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the agent starts listening on the target's next turn
        found = Agent.find(pid)
        if found is not None:
            say(f"installed heapsight's snapshot agent in pid {pid} ({agent.path}): later "
                "snapshots of this process are comparable by object id")
            return found
        time.sleep(0.05)
    return None


def local_pid_of(host: str, port: int) -> int | None:
    """The pid of a local Node.js process listening on host:port, if heapsight can see it."""
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port \
                and connection.pid:
            with contextlib.suppress(HeapsightError):
                node_process(connection.pid)
                return int(connection.pid)
    return None


def snapshot_of(pid: int | None, address: tuple[str, int] | None, output: Path, force: bool,
                no_gc: bool, say: Say,
                progress: Callable[[int, int], None] | None = None) -> AgentSnapshot:
    """One heap snapshot of a live process, comparable with its other heapsight snapshots.

    With `pid` (or an --inspect address served by a local process heapsight can see) the
    snapshot goes through the agent; otherwise through the inspector, with a warning that
    snapshots from separate runs then cannot be compared by object id."""
    check_writable(output, force)
    if pid is None and address is not None and address[0] in ("127.0.0.1", "localhost", "::1"):
        pid = local_pid_of(*address)
    if pid is not None:
        node_process(pid)
        agent = ensure_agent(pid, say, address)
        if agent is not None:
            with contextlib.suppress(OSError):
                ensure_free_space(output.parent, _heap_total(pid))
            return agent.snapshot(output, force)
        say("warning: could not install the snapshot agent; taking this snapshot through the "
            "inspector, so it cannot be compared by object id with snapshots from other runs")
    if address is None:
        assert pid is not None
        host, port, opened = attach_inspector(pid)
    else:
        (host, port), opened = address, False
    with Inspector.connect(host, port) as inspector:
        if not no_gc:
            inspector.collect_garbage()
        usage = inspector.heap_usage()
        ensure_free_space(output.parent, int(usage["heap_total"] or 0))
        info = inspector.take_heap_snapshot(output, progress=progress, force=force)
        if opened:
            request_inspector_close(inspector)
    if pid is None:
        say("note: V8 renumbers objects when an inspector session ends, so snapshots taken by "
            "separate `snapshot --inspect` runs of a process heapsight cannot see locally are not "
            "comparable by id; use --pid, or start node with --heapsnapshot-signal=SIGUSR2")
    if opened and pid is not None and wait_inspector_closed(pid, port):
        say(f"closed the inspector heapsight opened on {host}:{port}")
    return AgentSnapshot(info, int(usage["heap_used"] or 0))


def _heap_total(pid: int) -> int:
    """The process's resident size: a cheap stand-in for the heap before a snapshot."""
    import psutil

    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0
