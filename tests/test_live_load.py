"""The asyncio load generator and the service supervisor, against real node processes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import time
import urllib.request

import psutil
import pytest

from heapsight.errors import HeapsightError, UsageError
from heapsight.live.load import run_load
from heapsight.live.service import Service, ensure_port_free, free_port

NODE = shutil.which("node")
pytestmark = [pytest.mark.skipif(NODE is None, reason="node is not installed"),
              pytest.mark.timeout(120)]

# Counts requests per path and answers in the three ways HTTP/1.1 frames a body.
COUNTING_SERVER = """
const http = require('http');
const counts = {};
http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  counts[path] = (counts[path] || 0) + 1;
  if (path === '/stats') { res.end(JSON.stringify(counts)); return; }
  if (path === '/chunked') { res.write('a'.repeat(5000)); res.end('b'.repeat(3000)); return; }
  if (path === '/close') { res.setHeader('connection', 'close'); res.end('bye'); return; }
  if (path === '/missing') { res.statusCode = 404; res.end(); return; }
  if (path === '/post' && req.method === 'POST') {
    let body = ''; req.on('data', (c) => body += c);
    req.on('end', () => res.end(body === 'hello' ? 'ok' : 'wrong')); return;
  }
  res.setHeader('content-length', 2); res.end('ok');
}).listen(Number(process.env.PORT), '127.0.0.1');
"""


@pytest.fixture
def counting_server(tmp_path):
    script = tmp_path / "server.js"
    script.write_text(COUNTING_SERVER)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = Service([NODE, str(script)], tmp_path / "server.log",
                      env={**os.environ, "PORT": str(port)})
    with service:
        service.wait_ready([base + "/stats"], timeout=20)
        yield base
    assert service.exit_code() is not None


def stats(base: str) -> dict[str, int]:
    with urllib.request.urlopen(base + "/stats", timeout=5) as response:
        counts = json.loads(response.read())
    counts.pop("/stats", None)
    return counts


def test_round_robin_over_urls_with_every_body_framing(counting_server):
    base = counting_server
    paths = ["/a", "/chunked", "/close", "/missing"]
    result = run_load([base + p + "?q=1" for p in paths], requests=401, concurrency=7)
    assert result.requests == 401
    assert stats(base) == {"/a": 101, "/chunked": 100, "/close": 100, "/missing": 100}
    assert result.statuses == {200: 301, 404: 100}
    assert (result.ok, result.failed) == (301, 100)
    assert result.errors == []


def test_method_and_body(counting_server):
    result = run_load([counting_server + "/post"], requests=20, concurrency=3, method="post",
                      body=b"hello")
    assert result.statuses == {200: 20}
    assert stats(counting_server) == {"/post": 20}


def test_head_requests_have_no_body(counting_server):
    result = run_load([counting_server + "/a"], requests=30, concurrency=3, method="HEAD",
                      timeout=5)
    assert result.statuses == {200: 30} and result.errors == []
    assert stats(counting_server) == {"/a": 30}


def test_refused_connections_are_counted_not_raised():
    port = free_port()
    result = run_load([f"http://127.0.0.1:{port}/"], requests=12, concurrency=4)
    assert (result.requests, result.ok, result.failed) == (12, 0, 12)
    assert result.errors and f"127.0.0.1:{port}" in result.errors[0]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "127.0.0.1:3000", "http://127.0.0.1:x/"])
def test_bad_urls_are_usage_errors(url):
    with pytest.raises(UsageError):
        run_load([url], requests=1)


def test_stop_ends_the_whole_process_tree(tmp_path):
    # A shell that starts two node children, one of which ignores SIGTERM: all must end.
    stubborn = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);"
    polite = "setInterval(() => {}, 1000);"
    script = (f"{NODE} -e \"{stubborn}\" & {NODE} -e \"{polite}\" & wait")
    service = Service(["sh", "-c", script], tmp_path / "tree.log").start()
    deadline = time.monotonic() + 10
    while len(service.processes()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    tree = service.processes()
    assert len(tree) == 3
    service.stop(grace=1.0)
    time.sleep(0.1)
    for process in tree:
        assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    assert stat.S_IMODE((tmp_path / "tree.log").stat().st_mode) == 0o600


def test_early_exit_shows_the_tail_of_the_output(tmp_path):
    script = tmp_path / "broken.js"
    script.write_text("console.error('config file /etc/app.json is missing'); process.exit(4);")
    with Service([NODE, str(script)], tmp_path / "broken.log") as service, \
            pytest.raises(HeapsightError) as caught:
        service.wait_ready([f"http://127.0.0.1:{free_port()}/"], timeout=20)
    message = str(caught.value)
    assert "exited with code 4 before it was ready" in message
    assert "config file /etc/app.json is missing" in message


def test_a_service_that_never_answers_times_out(tmp_path):
    script = tmp_path / "silent.js"
    script.write_text("setInterval(() => {}, 1000);")
    with Service([NODE, str(script)], tmp_path / "silent.log") as service, \
            pytest.raises(HeapsightError, match="did not answer .* within 1s"):
        service.wait_ready([f"http://127.0.0.1:{free_port()}/"], timeout=1)
    assert service.exit_code() is not None


def test_port_in_use_is_named(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HeapsightError, match=f"127.0.0.1:{port} is already in use"):
            ensure_port_free(f"http://127.0.0.1:{port}/")
    ensure_port_free(f"http://127.0.0.1:{port}/")  # free again once closed


def test_missing_command_is_a_clear_error(tmp_path):
    with pytest.raises(HeapsightError, match="command not found"):
        Service(["no-such-command-heapsight"], tmp_path / "x.log").start()
