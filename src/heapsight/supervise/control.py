"""The control socket of a run (`heapsight ctl`), and the /ready/N endpoint for --no-balancer.

A unix socket in a per-user runtime folder (0700), itself 0600: only the user who started the
run can drive it. One JSON request per connection; the answer is JSON lines: `{"say": ...}`
progress lines, then one `{"ok": ..., ...}` line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heapsight.errors import HeapsightError, UsageError
from heapsight.supervise.config import runtime_folder

if TYPE_CHECKING:
    from heapsight.supervise.supervisor import Supervisor

SUFFIX = ".sock"


def socket_path(name: str) -> Path:
    return runtime_folder() / f"{name}{SUFFIX}"


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise HeapsightError(f"{folder} must belong to you and be private (0700) to hold "
                             "heapsight's control sockets; fix or remove it")


def _alive(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
            return True
        except OSError:
            return False


def claim(name: str) -> None:
    """Before anything starts: the name must be free (a stale socket is removed)."""
    path = socket_path(name)
    _private_folder(path.parent)
    if path.exists():
        if _alive(path):
            raise UsageError(f"a run named {name!r} is already running; give this one another "
                             "--name")
        path.unlink()


class ControlServer:
    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.path = socket_path(supervisor.options.name)
        self.server: asyncio.AbstractServer | None = None
        self.http: asyncio.AbstractServer | None = None
        self.http_port: int | None = None


    async def start(self) -> None:
        previous = os.umask(0o177)  # the socket is created 0600, with no window
        try:
            self.server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        except OSError as exc:
            raise HeapsightError(f"cannot open the control socket {self.path} ({exc}); set "
                                 "XDG_RUNTIME_DIR to a short private folder or use a shorter "
                                 "--name") from None
        finally:
            os.umask(previous)
        os.chmod(self.path, 0o600)
        address = self.supervisor.options.control_http
        if address is not None:
            from heapsight.monitor.exporter import parse_serve_address

            host, port = parse_serve_address(address)
            try:
                self.http = await asyncio.start_server(self._ready_endpoint, host, port)
            except OSError as exc:
                raise HeapsightError(f"cannot listen on {host}:{port} for --control-http "
                                     f"({exc.strerror})") from None
            self.http_port = int(self.http.sockets[0].getsockname()[1])
            self.supervisor.events.emit("control-http", address=f"{host}:{self.http_port}")

    async def close(self) -> None:
        for server in (self.server, self.http):
            if server is not None:
                server.close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(message: str) -> None:
            writer.write(json.dumps({"say": message}).encode() + b"\n")

        try:
            line = await asyncio.wait_for(reader.readline(), 10.0)
            request = json.loads(line or b"{}")
            answer = await self._answer(request, say)
        except (ValueError, TimeoutError):
            answer = {"ok": False, "error": "malformed request"}
        except HeapsightError as exc:
            answer = {"ok": False, "error": str(exc), "usage": isinstance(exc, UsageError)}
        try:
            writer.write(json.dumps(answer, default=str).encode() + b"\n")
            await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def _answer(self, request: dict[str, Any], say: Callable[[str], None]
                      ) -> dict[str, Any]:
        supervisor = self.supervisor
        command = request.get("command")
        if command == "status":
            return {"ok": True, "status": supervisor.status()}
        if command == "reload":
            return await supervisor.reload()
        number = request.get("instance")
        if not isinstance(number, int):
            raise UsageError(f"`{command}` needs an instance number")
        slot = supervisor.slot(number)
        if command == "drain":
            return await supervisor.drain(slot)
        if command == "resume":
            return supervisor.resume(slot)
        if command == "restart":
            return await supervisor.replace(slot, "ctl")
        if command == "snapshot":
            return await self._snapshot(slot.number, request.get("output"))
        if command == "debug":
            from heapsight.supervise.debug import debug

            return await debug(supervisor, slot, request.get("options") or {}, say)
        raise UsageError(f"unknown control command {command!r}")

    async def _snapshot(self, number: int, output: str | None) -> dict[str, Any]:
        from heapsight.supervise import heap

        instance = self.supervisor.slots[number].current
        if instance is None:
            raise HeapsightError(f"instance {number} is not running")
        path = Path(output) if output else self.supervisor.run_dir / (
            f"instance-{number}-{instance.pid}-{time.strftime('%Y%m%d-%H%M%S')}.heapsnapshot")
        loop = asyncio.get_running_loop()
        info = await loop.run_in_executor(None, heap.snapshot, instance, path)
        self.supervisor.events.emit("snapshot", number, pid=instance.pid, path=str(path),
                                    bytes=info.bytes_written, reason="ctl")
        return {"ok": True, "path": str(path), "bytes": info.bytes_written,
                "pause_seconds": round(info.pause_seconds, 3)}

    def _readiness(self, number: int) -> str:
        """ready, drain (alive, out of rotation) or down (not running) for instance N."""
        if not 0 <= number < len(self.supervisor.slots):
            return "unknown"
        instance = self.supervisor.slots[number].current
        if instance is None or instance.exited.is_set():
            return "down"
        return "ready" if instance.routable else "drain"

    def _port_readiness(self, port: int) -> str:
        """The same for whichever process listens on backend `port` (--backend-ports)."""
        for instance in self.supervisor.instances:
            if instance.port == port and not instance.exited.is_set():
                return "ready" if instance.routable else "drain"
        return "down"

    async def _ready_endpoint(self, reader: asyncio.StreamReader,
                              writer: asyncio.StreamWriter) -> None:
        """`GET /ready/N` answers 200 while instance N should get traffic, 503 when drained or
        down (Kubernetes probes, nginx Plus, HAProxy httpchk). A bare `/ready/N` line, as
        HAProxy's agent-check sends with `agent-send`, gets the agent's words: `up ready`,
        `drain` or `down`, so one backend can check each server with its own number."""
        try:
            line = await asyncio.wait_for(reader.readline(), 5.0)
            http = line.startswith(b"GET ") or line.startswith(b"HEAD ")
            target = line.split()[1] if http and len(line.split()) > 1 else line.strip()
            path = target.decode("latin-1")
            state = "unknown"
            if path.startswith("/ready/port/") and path[12:].isdigit():
                state = self._port_readiness(int(path[12:]))
            elif path.startswith("/ready/") and path[7:].isdigit():
                state = self._readiness(int(path[7:]))
            if not http:
                agent = {"ready": "up ready", "drain": "drain"}.get(state, "down")
                writer.write(f"{agent}\n".encode())
                await writer.drain()
                return
            while True:  # skip the request headers
                header = await asyncio.wait_for(reader.readline(), 5.0)
                if header in (b"\r\n", b"\n", b""):
                    break
            status, reason = {"ready": (200, "OK"), "drain": (503, "Service Unavailable"),
                              "down": (503, "Service Unavailable")}.get(state, (404, "Not Found"))
            body = f"{state}\n"
            writer.write(f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\n"
                         f"content-length: {len(body)}\r\nconnection: close\r\n\r\n{body}"
                         .encode())
            await writer.drain()
        except (OSError, TimeoutError):
            pass
        finally:
            writer.close()


def runs() -> list[str]:
    folder = runtime_folder()
    if not folder.is_dir():
        return []
    return sorted(p.name[:-len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}") if _alive(p))


def request(name: str | None, body: dict[str, Any], on_say: Callable[[str], None],
            timeout: float | None = 120.0) -> dict[str, Any]:
    """Send one request to run `name` (default: the only one) and return its answer."""
    if name is None:
        running = runs()
        if not running:
            raise HeapsightError("no `heapsight run` is running for this user")
        if len(running) > 1:
            raise UsageError(f"several runs are running ({', '.join(running)}); pick one "
                             "with --name")
        name = running[0]
    path = socket_path(name)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        try:
            client.connect(str(path))
        except OSError:
            raise HeapsightError(f"no run named {name!r} is running (no control socket at "
                                 f"{path})") from None
        client.sendall(json.dumps(body).encode() + b"\n")
        stream = client.makefile("rb")
        for raw in stream:
            message = json.loads(raw)
            if "say" in message:
                on_say(str(message["say"]))
                continue
            return dict(message)
    raise HeapsightError(f"the run {name!r} closed the control connection without an answer")
