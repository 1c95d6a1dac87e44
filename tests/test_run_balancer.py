"""The balancer's response framing, fed the bytes a real node HTTP server sends (chunked,
Content-Length, HEAD, 204, 100-continue), whole and split at every byte: it must say exactly
when each response ends, or a drain could cut a keep-alive connection mid-response."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest
from run_support import NODE

from heapsight.live.service import free_port
from heapsight.supervise.balancer import ResponseFraming

_SERVER = r"""
const http = require('http');
const server = http.createServer((req, res) => {
  if (req.url === '/chunked') { res.write('hello '); res.write('x'.repeat(3000)); res.end('!'); }
  else if (req.url === '/empty') { res.statusCode = 204; res.end(); }
  else {
    req.resume();
    req.on('end', () => { res.setHeader('content-length', 11); res.end('{"ok":true}'); });
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1');
"""


def _exchange(port: int, requests: bytes, expect: int) -> bytes:
    """Send pipelined `requests` on one connection, read until `expect` responses ended."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(requests)
        data = b""
        framing = ResponseFraming()
        done = 0
        while done < expect:
            chunk = client.recv(65536)
            assert chunk, "the server closed early"
            done += framing.feed(chunk)
            data += chunk
        return data


@pytest.fixture(scope="module")
def node_server():
    if NODE is None:
        pytest.skip("node is not installed")
    port = free_port()
    process = subprocess.Popen([NODE, "-e", _SERVER], env={"PORT": str(port)})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        yield port
    finally:
        process.kill()
        process.wait()


def test_framing_counts_real_responses_at_every_split(node_server):
    host = f"Host: 127.0.0.1:{node_server}\r\n"
    requests = (f"GET /chunked HTTP/1.1\r\n{host}\r\n"
                f"GET /empty HTTP/1.1\r\n{host}\r\n"
                f"POST /json HTTP/1.1\r\n{host}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{{}}"
                f"GET /json HTTP/1.1\r\n{host}\r\n").encode()
    data = _exchange(node_server, requests, expect=4)
    assert b"Transfer-Encoding: chunked" in data and b"HTTP/1.1 100 Continue" in data
    whole = ResponseFraming()
    assert whole.feed(data) == 4 and whole.state == ResponseFraming.HEAD
    for cut in range(1, len(data)):
        framing = ResponseFraming()
        ended = framing.feed(data[:cut]) + framing.feed(data[cut:])
        assert ended == 4, cut
    # One byte at a time, and never "ended" before the last byte of the last response.
    framing = ResponseFraming()
    ends = [i for i, byte in enumerate(data) if framing.feed(bytes([byte]))]
    assert len(ends) == 4 and ends[-1] == len(data) - 1


def test_head_response_has_no_body(node_server):
    with socket.create_connection(("127.0.0.1", node_server), timeout=10) as client:
        client.sendall(b"HEAD /json HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        data = client.recv(65536)
    assert b"content-length: 11" in data.lower()
    framing = ResponseFraming()
    framing.head_request = True
    assert framing.feed(data) == 1
    assert ResponseFraming().feed(data) == 0  # without knowing it was HEAD: waits for a body
