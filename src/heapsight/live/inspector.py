"""A small client for the Node.js inspector (Chrome DevTools Protocol over a WebSocket).

It finds a target through the inspector's HTTP `/json/list`, then speaks CDP with the
`websockets` sync client: raw calls, forced GC, heap usage, heap snapshots streamed chunk by chunk
straight into an atomic file (never the whole snapshot in memory), allocation tracking and
sampling. One connection is used by one thread at a time; a lock keeps calls from interleaving.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from heapsight.errors import HeapsightError, UsageError
from heapsight.fileio import atomic_writer, check_writable

# Called with (done, total) as V8 walks the heap, then with (bytes_written, 0) while it streams.
SnapshotProgress = Callable[[int, int], None]

SNAPSHOT_IDLE_TIMEOUT = 300.0  # seconds without any message from V8 during a snapshot

_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9a-fA-F:.]+)\]|(?P<host>[A-Za-z0-9_.\-]+)):(?P<port>\d+)$")

# Runs inside the target. `process` exists in the main context; `require` comes from the
# inspector's command-line API (includeCommandLineAPI) and may be missing, so it is optional.
_MEMORY_EXPRESSION = """(() => {
  const usage = process.memoryUsage();
  let limit = null;
  try {
    const load = typeof require === 'function' ? require
      : (process.getBuiltinModule ? process.getBuiltinModule : null);
    if (load) limit = load('v8').getHeapStatistics().heap_size_limit;
  } catch (error) { limit = null; }
  return JSON.stringify({usage, limit});
})()"""


def parse_host_port(text: str) -> tuple[str, int]:
    """`HOST:PORT` (or `[v6]:PORT`, or just `PORT` for 127.0.0.1) -> (host, port)."""
    value = text.strip()
    if value.isdigit():
        value = f"127.0.0.1:{value}"
    match = _HOST_PORT.match(value)
    port = int(match.group("port")) if match else 0
    if match is None or not 0 < port < 65536:
        raise UsageError(f"--inspect expects HOST:PORT such as 127.0.0.1:9229, not {text!r}")
    return match.group("v6") or match.group("host"), port


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback address."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def warn(message: str) -> None:
    """A loud warning on stderr; the library's only direct output."""
    sys.stderr.write(f"heapsight: warning: {message}\n")
    sys.stderr.flush()


def warn_if_exposed(host: str, port: int) -> None:
    if not is_loopback(host):
        warn(f"the inspector at {host}:{port} is not on loopback: anyone who can reach it can run "
             "code in that process. Restart it with --inspect=127.0.0.1:PORT")


def list_targets(host: str, port: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The inspector's `/json/list`; a clear error when nothing (or something else) answers."""
    url = f"http://{_url_host(host)}:{port}/json/list"
    # Bypass any *_proxy environment: the inspector is local and must never go through a proxy.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            body = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        if exc.code == 400:  # Node's guard against DNS rebinding rejects other Host names
            raise HeapsightError(f"{host}:{port} refused /json/list (HTTP 400); a Node.js "
                                 "inspector answers only when addressed as localhost or by IP "
                                 f"address (not 0.0.0.0): try 127.0.0.1:{port}") from None
        raise HeapsightError(f"{host}:{port} answers HTTP {exc.code} to /json/list; it is not a "
                             "Node.js inspector (check the port)") from None
    except (OSError, urllib.error.URLError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HeapsightError(f"cannot reach a Node.js inspector at {host}:{port} ({reason}); is the "
                             "process running with --inspect on that port?") from None
    try:
        targets = json.loads(body)
    except ValueError:
        targets = None
    if not isinstance(targets, list):
        raise HeapsightError(f"{host}:{port} is not a Node.js inspector (its /json/list is not a "
                             "target list); check the port")
    return [t for t in targets if isinstance(t, dict) and t.get("webSocketDebuggerUrl")]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@dataclass
class SnapshotInfo:
    """What taking one heap snapshot cost."""

    path: Path
    bytes_written: int
    pause_seconds: float  # the target's main thread was blocked this long (upper bound)


class Inspector:
    """A CDP session with one Node.js target. Use `Inspector.connect(...)` as a context manager."""

    def __init__(self, websocket: Any, host: str, port: int, target: dict[str, Any],
                 timeout: float) -> None:
        self._ws = websocket
        self.host = host
        self.port = port
        self.target = target
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {}

    # -- connection -------------------------------------------------------------------------
    @classmethod
    def connect(cls, host: str, port: int, timeout: float = 5.0) -> Inspector:
        """Attach to the first target of the inspector at host:port."""
        from websockets.exceptions import InvalidHandshake, InvalidURI
        from websockets.sync.client import connect

        warn_if_exposed(host, port)
        targets = list_targets(host, port, timeout)
        if not targets:
            raise HeapsightError(f"the inspector at {host}:{port} lists no debuggable target")
        target = next((t for t in targets if t.get("type") == "node"), targets[0])
        url = str(target["webSocketDebuggerUrl"])
        try:
            # Entered as a context manager: the form every websockets version accepts quietly.
            websocket = connect(
                url, open_timeout=timeout, proxy=None, compression=None,
                max_size=None,        # snapshot chunks and sampling profiles can be large
                ping_interval=None,   # loopback; and V8 may be busy for long inside a snapshot
                close_timeout=2, max_queue=256).__enter__()
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise HeapsightError(f"cannot open the inspector WebSocket at {host}:{port} ({exc}); "
                                 "another debugger may hold it, or the process just exited") from None
        return cls(websocket, host, port, target, timeout)

    def close(self) -> None:
        self._ws.__exit__(None, None, None)

    def __enter__(self) -> Inspector:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- protocol ---------------------------------------------------------------------------
    def on(self, event: str, handler: Callable[[dict[str, Any]], None] | None) -> None:
        """Route a CDP event's params to `handler` (None to stop); other events are dropped."""
        if handler is None:
            self._handlers.pop(event, None)
        else:
            self._handlers[event] = handler

    def call(self, method: str, params: dict[str, Any] | None = None,
             timeout: float | None = None) -> dict[str, Any]:
        """Send one CDP command and return its `result`; events that arrive meanwhile are
        dispatched. `timeout` bounds the wait for each message (default: the connect timeout);
        pass 0 to wait without limit."""
        from websockets.exceptions import ConnectionClosed

        limit = self.timeout if timeout is None else (timeout or None)
        with self._lock:
            message_id = next(self._ids)
            try:
                self._ws.send(json.dumps({"id": message_id, "method": method,
                                          "params": params or {}}))
                while True:
                    try:
                        message = json.loads(self._ws.recv(timeout=limit))
                    except ValueError:  # text that is not JSON, or a binary frame
                        raise HeapsightError(f"{self.host}:{self.port} answered {method} with "
                                             "something that is not the DevTools protocol; is "
                                             "it a Node.js inspector?") from None
                    if not isinstance(message, dict):
                        continue
                    if message.get("id") == message_id:
                        break
                    handler = self._handlers.get(message.get("method", ""))
                    if handler is not None:
                        handler(message.get("params", {}))
            except ConnectionClosed:
                raise HeapsightError(f"the inspector at {self.host}:{self.port} closed the "
                                     f"connection during {method}; did the process exit?") from None
            except TimeoutError:
                raise HeapsightError(f"the process at {self.host}:{self.port} did not answer "
                                     f"{method} within {limit:g}s; it may be stuck") from None
        if "error" in message:
            error = message["error"]
            raise HeapsightError(f"the inspector refused {method}: "
                                 f"{error.get('message', error)}")
        result = message.get("result", {})
        return result if isinstance(result, dict) else {}

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """Evaluate `expression` in the target's main context and return its JSON value."""
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "includeCommandLineAPI": True,
            "silent": True}, timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise HeapsightError(f"evaluating in the target failed: {text}")
        return result.get("result", {}).get("value")

    # -- memory -----------------------------------------------------------------------------
    def heap_usage(self) -> dict[str, int | None]:
        """Memory of the target in bytes, as Node's process.memoryUsage() reports it."""
        raw = self.evaluate(_MEMORY_EXPRESSION)
        try:
            values = json.loads(raw)
            usage = values["usage"]
            limit = values["limit"]
            return {
                "heap_used": int(usage["heapUsed"]),
                "heap_total": int(usage["heapTotal"]),
                "external": int(usage["external"]),
                "array_buffers": int(usage.get("arrayBuffers", 0)),
                "rss": int(usage["rss"]),
                "heap_size_limit": int(limit) if limit is not None else None,
            }
        except (TypeError, ValueError, KeyError):
            raise HeapsightError(f"the target at {self.host}:{self.port} did not report "
                                 "process.memoryUsage(); is it Node.js?") from None

    def collect_garbage(self) -> None:
        """A full, synchronous GC in the target (what DevTools' trash-can button does)."""
        self.call("HeapProfiler.collectGarbage", timeout=max(self.timeout, 60.0))

    def take_heap_snapshot(self, path: str | Path, progress: SnapshotProgress | None = None,
                           force: bool = False) -> SnapshotInfo:
        """Stream a heap snapshot into `path` (mode 0600, atomic; no overwrite unless force)."""
        target = Path(path)
        check_writable(target, force)
        written = 0
        with atomic_writer(target, force=force) as handle:
            def chunk(params: dict[str, Any]) -> None:
                nonlocal written
                data = params.get("chunk", "").encode("utf-8")
                handle.write(data)
                written += len(data)
                if progress is not None:
                    progress(written, 0)

            def walked(params: dict[str, Any]) -> None:
                if progress is not None:
                    progress(int(params.get("done", 0)), int(params.get("total", 0)))

            self.on("HeapProfiler.addHeapSnapshotChunk", chunk)
            self.on("HeapProfiler.reportHeapSnapshotProgress", walked)
            started = time.monotonic()
            try:
                # V8 holds the main thread from the request until the reply: that is the pause.
                # V8 reports progress every 10,000 objects and streams chunks steadily, so a
                # long silence means the process is stuck (or exiting), not busy.
                self.call("HeapProfiler.takeHeapSnapshot", {"reportProgress": True},
                          timeout=SNAPSHOT_IDLE_TIMEOUT)
            except OSError as exc:  # from writing a chunk: disk full, quota, I/O error
                raise HeapsightError(f"cannot write {target}: {exc.strerror or exc}") from None
            finally:
                self.on("HeapProfiler.addHeapSnapshotChunk", None)
                self.on("HeapProfiler.reportHeapSnapshotProgress", None)
            pause = time.monotonic() - started
            if written == 0:
                raise HeapsightError(f"the process at {self.host}:{self.port} sent an empty heap "
                                     "snapshot")
        return SnapshotInfo(target, written, pause)

    # -- allocation tracking and sampling ---------------------------------------------------
    def start_tracking_allocations(self) -> None:
        """Record the JS stack of every allocation from now on; later snapshots carry it."""
        self.call("HeapProfiler.startTrackingHeapObjects", {"trackAllocations": True})

    def stop_tracking_allocations(self) -> None:
        # V8 answers the stop with a final snapshot's chunks; no handler is set, so they're dropped.
        self.call("HeapProfiler.stopTrackingHeapObjects", {"reportProgress": False}, timeout=0)

    def start_sampling(self, interval_bytes: int = 32768) -> None:
        """Start V8's sampling heap profiler (cheap enough for production)."""
        self.call("HeapProfiler.startSampling", {"samplingInterval": interval_bytes})

    def stop_sampling(self) -> dict[str, Any]:
        """Stop sampling; returns the CDP SamplingHeapProfile (`head` tree and `samples`)."""
        return self.call("HeapProfiler.stopSampling", timeout=60.0).get("profile", {})


def ensure_free_space(folder: str | Path, heap_bytes: int) -> None:
    """Fail before snapshotting when `folder` lacks room: a snapshot file can reach about twice
    the heap it describes (JSON numbers and the strings table)."""
    import shutil

    need = 2 * heap_bytes
    free = shutil.disk_usage(folder).free
    if free < need:
        raise HeapsightError(f"only {free / 2**20:.0f} MiB free in {folder}, and a snapshot of this "
                             f"{heap_bytes / 2**20:.0f} MiB heap can need {need / 2**20:.0f} MiB; "
                             "free some space or choose another folder")
