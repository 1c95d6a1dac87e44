"""A small HTTP/1.1 load generator on asyncio streams: N requests, C at a time, round-robin over
the URLs, over keep-alive connections. Enough to drive a leak, not a benchmark tool."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import ssl
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from heapsight.errors import UsageError

_MAX_HEADER_LINES = 200


@dataclass
class LoadResult:
    """What one load phase did."""

    requests: int = 0
    ok: int = 0  # answered with a status below 400
    failed: int = 0  # no answer (connection refused, reset, timeout) or status >= 400
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # the first few, for the message
    stopped: bool = False  # ended early because stop_when() said so

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    request_line_target: str  # path?query

    @property
    def key(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port


def _parse(url: str) -> _Target:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url {url!r} must be an http:// or https:// URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UsageError(f"--url {url!r} has an invalid port") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(parts.scheme, parts.hostname, port, target)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


async def _read_response(reader: asyncio.StreamReader, head_only: bool = False
                         ) -> tuple[int, bool]:
    """Read one response; returns (status, keep_alive). A HEAD response has no body."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed before a response")
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ConnectionError(f"not an HTTP response: {status_line[:60]!r}")
    status = int(parts[1])
    headers: dict[bytes, bytes] = {}
    for _ in range(_MAX_HEADER_LINES):
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    keep_alive = headers.get(b"connection", b"").lower() != b"close" and parts[0] != b"HTTP/1.0"
    if head_only:
        pass
    elif b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            await reader.readexactly(size + 2)
    elif b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif status not in (204, 304) and not 100 <= status < 200:
        await reader.read()  # body runs to the end of the connection
        keep_alive = False
    return status, keep_alive


async def _run(targets: list[_Target], requests: int, concurrency: int, method: str,
               body: bytes | None, timeout: float, result: LoadResult,
               on_progress: Callable[[int], None] | None,
               stop_when: Callable[[], bool] | None, reuse_connections: bool = True) -> None:
    next_index = 0
    statuses: Counter[int] = Counter()
    tls = ssl.create_default_context()

    async def send(target: _Target, connections: dict[tuple[str, str, int], _Connection]) -> int:
        connection = connections.get(target.key)
        if connection is None:
            reader, writer = await asyncio.open_connection(
                target.host, target.port, ssl=tls if target.scheme == "https" else None)
            connection = connections[target.key] = _Connection(reader, writer)
        host = f"[{target.host}]" if ":" in target.host else target.host
        head = (f"{method} {target.request_line_target} HTTP/1.1\r\nHost: {host}:"
                f"{target.port}\r\nUser-Agent: heapsight-load\r\nAccept: */*\r\n")
        if body is not None:
            head += f"Content-Length: {len(body)}\r\n"
        if not reuse_connections:
            head += "Connection: close\r\n"
        connection.writer.write(head.encode("latin-1") + b"\r\n" + (body or b""))
        await connection.writer.drain()
        status, keep_alive = await _read_response(connection.reader, method == "HEAD")
        if not keep_alive:
            connections.pop(target.key).close()
        return status

    async def worker() -> None:
        nonlocal next_index
        connections: dict[tuple[str, str, int], _Connection] = {}
        this = asyncio.current_task()
        try:
            while next_index < requests:
                # Python 3.11's wait_for can swallow a cancellation that lands as its request
                # completes (gh-86296); the request to cancel is still counted, so honour it
                # here, or a Ctrl-C during load would go unheard until every request was sent.
                if this is not None and this.cancelling():
                    raise asyncio.CancelledError
                index = next_index
                next_index += 1
                target = targets[index % len(targets)]
                try:
                    status = await asyncio.wait_for(send(target, connections), timeout)
                except (OSError, TimeoutError, asyncio.IncompleteReadError,
                        ConnectionError, ValueError) as exc:
                    result.failed += 1
                    if len(result.errors) < 5:
                        reason = str(exc) or type(exc).__name__
                        result.errors.append(f"{target.host}:{target.port}"
                                             f"{target.request_line_target}: {reason}")
                    stale = connections.pop(target.key, None)
                    if stale is not None:
                        stale.close()
                    # Back off a little so a dead service does not spin the loop.
                    await asyncio.sleep(0.01)
                else:
                    statuses[status] += 1
                    if status < 400:
                        result.ok += 1
                    else:
                        result.failed += 1
                result.requests += 1
                if on_progress is not None:
                    on_progress(result.requests)
        finally:
            for connection in connections.values():
                connection.close()

    workers = asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, requests)))))

    async def watch() -> None:
        while stop_when is not None:
            await asyncio.sleep(0.2)
            if stop_when():
                result.stopped = True
                workers.cancel()
                return

    watcher = asyncio.create_task(watch())
    try:
        await workers
    except asyncio.CancelledError:
        if not result.stopped:
            raise
    finally:
        watcher.cancel()
        result.statuses = dict(sorted(statuses.items()))


def run_load(urls: Sequence[str], requests: int, concurrency: int = 10, method: str = "GET",
             body: bytes | None = None, timeout: float = 10.0,
             on_progress: Callable[[int], None] | None = None,
             stop_when: Callable[[], bool] | None = None, keep_alive: bool = True) -> LoadResult:
    """Send `requests` requests spread round-robin over `urls`, `concurrency` at a time;
    give up early (result.stopped) as soon as `stop_when()` says so, e.g. the service died.
    `keep_alive=False`: a new connection per request (`Connection: close`)."""
    if not urls:
        raise UsageError("give at least one --url to send load to")
    targets = [_parse(url) for url in urls]
    result = LoadResult()
    if requests <= 0:
        return result
    started = time.monotonic()
    interrupted = asyncio.run(_interruptible(_run(
        targets, requests, concurrency, method.upper(), body, timeout, result, on_progress,
        stop_when, keep_alive)))
    result.seconds = time.monotonic() - started
    if interrupted:
        raise KeyboardInterrupt
    return result


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


async def _interruptible(work: Coroutine[Any, Any, None]) -> bool:
    """Run `work`; Ctrl-C, SIGTERM or SIGHUP cancel it inside the loop, so every task and
    connection unwinds before the loop closes (raising from a signal handler mid-loop leaves
    pending tasks that asyncio reports with tracebacks). True when interrupted; the caller
    raises KeyboardInterrupt once the loop is gone."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    interrupted = False

    def stop() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()

    previous = {}
    for number in _STOP_SIGNALS:
        try:
            previous[number] = signal.getsignal(number)
            loop.add_signal_handler(number, stop)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            previous.pop(number, None)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        for number, handler in previous.items():
            loop.remove_signal_handler(number)
            signal.signal(number, handler)  # asyncio would leave the default handler
    return interrupted
