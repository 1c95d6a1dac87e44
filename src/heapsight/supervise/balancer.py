"""The public port: an asyncio TCP proxy that knows where HTTP/1.1 requests begin and end.

Each client connection is pinned to one instance while a request is in flight (least
connections picks it, when the first bytes of a request arrive). Between requests the pin is
loose: when the instance is draining, the client connection stays open and its next request
goes to another instance. So a keep-alive client never sees its idle connection closed under it
(the race that makes PM2 and nginx reloads lose requests: the server closes an idle connection
just as the client sends on it). Only response framing is parsed (status line, Content-Length,
chunked, 1xx, HEAD, 101 upgrades); the bytes themselves are passed on as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Protocol, cast

_NO_BODY_STATUS = (204, 304)
_HEAD_LIMIT = 64 * 1024  # a response head longer than this is not HTTP we understand: tunnel
_PICK_PATIENCE = 10.0    # seconds a new request waits for an instance to become ready
_BUSY_REPLY = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n"
               b"connection: close\r\n\r\n")


class Target(Protocol):
    """What the balancer needs to know about an instance (supervise.instance.Instance)."""

    port: int
    routable: bool
    connections: int
    active: int
    served: int
    connections_served: int


class ResponseFraming:
    """Follows the responses on one backend connection: tells when one is complete."""

    HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, TRAILERS, UNTIL_CLOSE, TUNNEL = range(7)

    def __init__(self) -> None:
        self.state = self.HEAD
        self.buffer = b""
        self.remaining = 0
        self.head_request = False  # the request was HEAD: no body whatever the headers say

    def feed(self, data: bytes) -> int:
        """Consume `data`; returns how many responses it completed."""
        done = 0
        at = 0
        size = len(data)
        while at < size:
            state = self.state
            if state == self.LENGTH:
                take = min(self.remaining, size - at)
                self.remaining -= take
                at += take
                if self.remaining == 0:
                    self.state = self.HEAD
                    done += 1
            elif state in (self.UNTIL_CLOSE, self.TUNNEL):
                return done
            elif state == self.CHUNK_DATA:
                take = min(self.remaining, size - at)
                self.remaining -= take
                at += take
                if self.remaining == 0:
                    self.state = self.CHUNK_SIZE
            else:  # HEAD, CHUNK_SIZE, TRAILERS: line-based, buffered until complete
                marker = b"\r\n\r\n" if state == self.HEAD else b"\r\n"
                self.buffer += data[at:]
                end = self.buffer.find(marker)
                if end < 0:
                    if len(self.buffer) > _HEAD_LIMIT:
                        self.state = self.TUNNEL
                    return done
                line = self.buffer[:end]
                consumed = end + len(marker) - (len(self.buffer) - (size - at))
                self.buffer = b""
                at += consumed
                if state == self.HEAD:
                    done += self._head(line)
                elif state == self.CHUNK_SIZE:
                    try:
                        length = int(line.split(b";", 1)[0].strip() or b"0", 16)
                    except ValueError:
                        self.state = self.TUNNEL
                        return done
                    if length == 0:
                        self.state = self.TRAILERS
                    else:
                        self.state, self.remaining = self.CHUNK_DATA, length + 2
                elif line == b"":  # TRAILERS: an empty line ends them
                    self.state = self.HEAD
                    done += 1
        return done

    def _head(self, head: bytes) -> int:
        lines = head.split(b"\r\n")
        parts = lines[0].split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            self.state = self.TUNNEL
            return 0
        status = int(parts[1])
        if status == 101:
            self.state = self.TUNNEL
            return 0
        if 100 <= status < 200:
            return 0  # 100 Continue and friends: the real response follows
        if self.head_request or status in _NO_BODY_STATUS:
            return 1
        length = None
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                with contextlib.suppress(ValueError):
                    length = int(value.strip())
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            self.state = self.CHUNK_SIZE
        elif length is not None:
            if length == 0:
                return 1
            self.state, self.remaining = self.LENGTH, length
        else:
            self.state = self.UNTIL_CLOSE
        return 0


class _BackendSide(asyncio.Protocol):
    def __init__(self, client: _ClientSide) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None
        self.framing = ResponseFraming()
        self.detached = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if not self.detached:
            self.client.from_backend(self, data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.detached:
            self.client.backend_closed(self)

    def pause_writing(self) -> None:
        if self.client.transport is not None:
            self.client.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.client.transport is not None:
            self.client.transport.resume_reading()


class _ClientSide(asyncio.Protocol):
    def __init__(self, balancer: Balancer) -> None:
        self.balancer = balancer
        self.transport: asyncio.Transport | None = None
        self.backend: _BackendSide | None = None
        self.target: Target | None = None
        self.in_flight = False
        self.pending: list[bytes] = []  # request bytes waiting for a backend connection
        self.connecting: asyncio.Task[None] | None = None
        self.closed = False
        self._head_request = False

    # -- client events ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.balancer.clients.add(self)

    def data_received(self, data: bytes) -> None:
        if not self.in_flight:
            self._request_starts(data)
        if self.backend is not None and self.backend.transport is not None and \
                self.connecting is None:
            self.backend.transport.write(data)
        else:
            self.pending.append(data)

    def eof_received(self) -> bool | None:
        if self.backend is not None and self.backend.transport is not None and \
                self.backend.transport.can_write_eof():
            self.backend.transport.write_eof()
            return True  # half-close: the response may still come
        if self.connecting is None:
            self._close()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.balancer.clients.discard(self)
        if self.connecting is not None:
            self.connecting.cancel()
        self._unpin(close_backend=True)

    def pause_writing(self) -> None:
        if self.backend is not None and self.backend.transport is not None:
            self.backend.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.backend is not None and self.backend.transport is not None:
            self.backend.transport.resume_reading()

    # -- requests -------------------------------------------------------------------------------
    def _request_starts(self, data: bytes) -> None:
        if self.target is not None and not self.target.routable:
            self._unpin(close_backend=True)  # idle, so closing our side of it loses nothing
        self.in_flight = True
        if self.target is None:
            self.connecting = asyncio.ensure_future(self._connect())
        else:
            self.target.active += 1
            self.target.served += 1
        assert self.backend is not None or self.connecting is not None
        framing = self.backend.framing if self.backend is not None else None
        if framing is not None:
            framing.head_request = data.startswith(b"HEAD ")
        self._head_request = data.startswith(b"HEAD ")

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _PICK_PATIENCE
        tried: set[int] = set()
        while not self.closed:
            target = self.balancer.pick(exclude=tried)
            if target is None:
                if loop.time() > deadline:
                    break
                tried.clear()
                await asyncio.sleep(0.05)
                continue
            backend = _BackendSide(self)
            # Counted from the pick on, so that connections opening together spread out.
            target.connections += 1
            target.active += 1
            try:
                await loop.create_connection(lambda b=backend: b, "127.0.0.1", target.port)  # type: ignore[misc]
            except OSError:
                target.connections -= 1
                target.active -= 1
                tried.add(id(target))
                continue
            except asyncio.CancelledError:
                target.connections -= 1
                target.active -= 1
                raise
            if self.closed:
                target.connections -= 1
                target.active -= 1
                if backend.transport is not None:
                    backend.transport.close()
                return
            backend.framing.head_request = self._head_request
            self.backend, self.target = backend, target
            target.connections_served += 1
            target.served += 1
            self.connecting = None
            assert backend.transport is not None
            for chunk in self.pending:
                backend.transport.write(chunk)
            self.pending.clear()
            return
        self.connecting = None
        if self.transport is not None and not self.closed:
            self.transport.write(_BUSY_REPLY)
            self._close()

    def from_backend(self, backend: _BackendSide, data: bytes) -> None:
        if self.transport is None or self.closed:
            return
        self.transport.write(data)
        if backend.framing.feed(data) and backend.framing.state == ResponseFraming.HEAD \
                and not backend.framing.buffer:
            self._response_done()

    def _response_done(self) -> None:
        if self.in_flight and self.target is not None:
            self.target.active -= 1
        self.in_flight = False
        if self.target is not None and not self.target.routable:
            self._unpin(close_backend=True)
            self.balancer.changed()

    def backend_closed(self, backend: _BackendSide) -> None:
        """The instance closed its side: fine between requests (keep the client, the next
        request finds another instance), and the end of a close-delimited response."""
        framing = backend.framing
        finished_by_close = framing.state in (ResponseFraming.UNTIL_CLOSE, ResponseFraming.TUNNEL)
        if self.in_flight or finished_by_close:
            self._unpin(close_backend=False)
            self._close()
        else:
            self._unpin(close_backend=False)

    # -- pinning ----------------------------------------------------------------------------------
    def _unpin(self, close_backend: bool) -> None:
        backend, target = self.backend, self.target
        self.backend, self.target = None, None
        if target is not None:
            target.connections -= 1
            if self.in_flight:
                target.active -= 1
        if backend is not None:
            backend.detached = True
            if close_backend and backend.transport is not None:
                backend.transport.close()
        if target is not None:
            self.balancer.changed()

    def detach_if_idle(self) -> None:
        if not self.in_flight and self.target is not None and not self.target.routable:
            self._unpin(close_backend=True)

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Balancer:
    """Accepts on the public port and spreads requests over `targets()` (least connections)."""

    def __init__(self, targets: Callable[[], Sequence[Target]]) -> None:
        self.targets = targets
        self.clients: set[_ClientSide] = set()
        self.server: asyncio.Server | None = None
        self._changed = asyncio.Event()

    async def start(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: _ClientSide(self), host, port,
                                               reuse_address=True, backlog=1024)
        return int(self.server.sockets[0].getsockname()[1])

    def pick(self, exclude: set[int] = frozenset()) -> Target | None:  # type: ignore[assignment]
        candidates = [t for t in self.targets() if t.routable and id(t) not in exclude]
        if not candidates:
            return None
        return min(candidates, key=lambda t: (t.connections, t.active, t.served))

    def changed(self) -> None:
        self._changed.set()

    def release_idle(self, target: Target) -> None:
        """`target` stopped taking requests: let go of its idle connections now."""
        for client in list(self.clients):
            if client.target is target:
                client.detach_if_idle()

    async def wait_idle(self, target: Target, timeout: float) -> bool:
        """Until no connection is pinned to `target` (its in-flight requests finished)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self.release_idle(target)
        while target.connections > 0:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
            self.release_idle(target)
        return True

    def close_pinned(self, target: Target) -> int:
        """Cut what is still pinned to `target` (after the drain timeout); how many."""
        cut = 0
        for client in list(self.clients):
            if client.target is target:
                cut += 1
                client._unpin(close_backend=True)
                client._close()
        return cut

    async def stop_accepting(self) -> None:
        if self.server is not None:
            self.server.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2.0)
        for client in list(self.clients):
            client._close()
