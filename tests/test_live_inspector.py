"""The inspector client, attaching to a pid, and `heapsight snapshot`, against real node processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import psutil
import pytest

from heapsight.errors import HeapsightError, UsageError
from heapsight.live.allocations import allocation_stacks
from heapsight.live.attach import find_inspector, is_node_executable
from heapsight.live.inspector import Inspector, is_loopback, parse_host_port
from heapsight.live.service import free_port, port_open

NODE = shutil.which("node")
pytestmark = [pytest.mark.skipif(NODE is None, reason="node is not installed"),
              pytest.mark.timeout(120)]

# Keeps `globalThis.kept` alive and busy so there is something to see in the heap.
PROGRAM = """
class KeptThing { constructor(i) { this.i = i; this.label = 'thing-' + i; } }
globalThis.kept = [];
for (let i = 0; i < 500; i++) kept.push(new KeptThing(i));
setInterval(() => {}, 1000);
console.log('ready');
"""


def start_node(*node_args: str, program: str = PROGRAM) -> subprocess.Popen[str]:
    process = subprocess.Popen([NODE, *node_args, "-e", program], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def stop(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.wait(10)


@pytest.fixture
def inspected_node():
    """A node process with its inspector open on a free loopback port."""
    port = free_port()
    process = start_node(f"--inspect=127.0.0.1:{port}")
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield process, port
    stop(process)


@pytest.fixture
def closed_node():
    """A node process whose inspector is closed; SIGUSR1 would open it on a free port (not the
    shared default 9229, which other tests on this machine may hold)."""
    port = free_port()
    process = start_node(f"--inspect-port=127.0.0.1:{port}")
    yield process, port
    stop(process)


def heapsight(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                          text=True, timeout=100, cwd=cwd)


def test_parse_host_port_accepts_the_usual_forms():
    assert parse_host_port("127.0.0.1:9229") == ("127.0.0.1", 9229)
    assert parse_host_port("localhost:1") == ("localhost", 1)
    assert parse_host_port("[::1]:9230") == ("::1", 9230)
    assert parse_host_port("9231") == ("127.0.0.1", 9231)


@pytest.mark.parametrize("text", ["", "127.0.0.1", "127.0.0.1:", "host:0", "host:70000",
                                  "a b:1", ":9229", "127.0.0.1:92x9"])
def test_parse_host_port_rejects_malformed_addresses(text):
    with pytest.raises(UsageError, match="HOST:PORT"):
        parse_host_port(text)


def test_loopback_and_node_names():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("10.1.2.3") and not is_loopback("0.0.0.0")
    assert is_node_executable("/usr/local/bin/node") and is_node_executable("nodejs")
    assert not is_node_executable("python3") and not is_node_executable("nodemon")


def test_heap_usage_reads_the_process_memory(inspected_node):
    process, port = inspected_node
    with Inspector.connect("127.0.0.1", port) as inspector:
        before = inspector.heap_usage()
        assert set(before) == {"heap_used", "heap_total", "external", "array_buffers", "rss",
                               "heap_size_limit"}
        assert 0 < before["heap_used"] <= before["heap_total"] < before["rss"]
        assert before["heap_size_limit"] > before["heap_total"]
        # ~40 MB of live objects must show in heap_used; a GC afterwards must give it back.
        inspector.evaluate("globalThis.big = Array.from({length: 400000}, (_, i) => ({i}))")
        grown = inspector.heap_usage()["heap_used"]
        assert grown > before["heap_used"] + 8_000_000
        inspector.evaluate("delete globalThis.big")
        inspector.collect_garbage()
        assert inspector.heap_usage()["heap_used"] < grown - 8_000_000
        assert inspector.call("Runtime.evaluate", {"expression": "6*7"})["result"]["value"] == 42


def test_snapshot_streams_a_complete_private_file(inspected_node, tmp_path):
    process, port = inspected_node
    out = tmp_path / "live.heapsnapshot"
    seen = []
    with Inspector.connect("127.0.0.1", port) as inspector:
        info = inspector.take_heap_snapshot(out, progress=lambda done, total: seen.append(total))
        with pytest.raises(HeapsightError, match="already exists"):
            inspector.take_heap_snapshot(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert info.bytes_written == out.stat().st_size > 100_000
    assert info.pause_seconds > 0
    assert any(seen) and 0 in seen  # the walk reports totals, the streaming reports bytes
    data = json.loads(out.read_text())
    strings = data["strings"]
    assert "KeptThing" in strings and "thing-499" in strings
    fields = len(data["snapshot"]["meta"]["node_fields"])
    assert len(data["nodes"]) == fields * data["snapshot"]["node_count"]
    assert [p.name for p in tmp_path.iterdir()] == ["live.heapsnapshot"]  # no temp file left
    # Taken without allocation tracking: there is no allocation stack to give.
    at_id = data["snapshot"]["meta"]["node_fields"].index("id")
    assert allocation_stacks(out, data["nodes"][at_id:fields * 20:fields]) == {}


def test_allocation_tracking_and_sampling(inspected_node, tmp_path):
    process, port = inspected_node
    with Inspector.connect("127.0.0.1", port) as inspector:
        inspector.start_tracking_allocations()
        inspector.evaluate("globalThis.tracked = Array.from({length: 2000}, (_, i) => ({i}))")
        inspector.take_heap_snapshot(tmp_path / "tracked.heapsnapshot")
        inspector.stop_tracking_allocations()
        inspector.start_sampling(interval_bytes=1024)
        inspector.evaluate("globalThis.sampled = Array.from({length: 20000}, (_, i) => 'x' + i)")
        profile = inspector.stop_sampling()
    data = json.loads((tmp_path / "tracked.heapsnapshot").read_text())
    assert "trace_node_id" in data["snapshot"]["meta"]["node_fields"]
    assert data["snapshot"]["trace_function_count"] > 0
    assert profile["samples"] and "head" in profile


def test_unreachable_inspector_is_one_clear_error():
    port = free_port()
    with pytest.raises(HeapsightError, match=f"127.0.0.1:{port}"):
        Inspector.connect("127.0.0.1", port, timeout=2)


def test_a_port_that_is_not_an_inspector_is_named(tmp_path):
    port = free_port()
    server = subprocess.Popen([NODE, "-e", f"require('http').createServer((q, s) => "
                               f"s.end('hello')).listen({port}, '127.0.0.1')"])
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(HeapsightError, match="not a Node.js inspector"):
            Inspector.connect("127.0.0.1", port)
    finally:
        server.kill()
        server.wait(10)


def test_find_inspector_opens_a_closed_inspector_with_sigusr1(closed_node):
    process, port = closed_node
    assert not port_open("127.0.0.1", port)
    assert find_inspector(process.pid) == ("127.0.0.1", port)
    assert find_inspector(process.pid) == ("127.0.0.1", port)  # already open: found, not signalled
    assert process.poll() is None


def test_snapshot_command_from_a_pid_with_a_closed_inspector(closed_node, tmp_path):
    process, port = closed_node
    run = heapsight("snapshot", "--pid", str(process.pid), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    written = list(tmp_path.glob(f"heap-{process.pid}-*.heapsnapshot"))
    assert len(written) == 1 and stat.S_IMODE(written[0].stat().st_mode) == 0o600
    assert "paused" in run.stdout
    assert "KeptThing" in json.loads(written[0].read_text())["strings"]
    # A second snapshot to the same name needs --force; the first file stays intact.
    size = written[0].stat().st_size
    again = heapsight("snapshot", "--pid", str(process.pid), "-o", str(written[0]))
    assert again.returncode == 1 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert written[0].stat().st_size == size
    forced = heapsight("snapshot", "--pid", str(process.pid), "-o", str(written[0]),
                       "--force", "--no-gc")
    assert forced.returncode == 0, forced.stderr
    assert stat.S_IMODE(written[0].stat().st_mode) == 0o600
    assert process.poll() is None


def test_snapshot_of_a_dead_pid(tmp_path):
    process = start_node()
    pid = process.pid
    stop(process)
    run = heapsight("snapshot", "--pid", str(pid), cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.strip() == f"heapsight: error: no process with pid {pid}; is it still running?"
    assert list(tmp_path.iterdir()) == []


def test_snapshot_refuses_a_process_that_is_not_node(tmp_path):
    # SIGUSR1 would kill a process that does not handle it: heapsight must not send it.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run = heapsight("snapshot", "--pid", str(sleeper.pid), cwd=tmp_path)
        assert run.returncode == 1 and "not a Node.js process" in run.stderr
        time.sleep(0.2)
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait(10)


def node_accepts(flag: str) -> bool:
    return subprocess.run([NODE, flag, "-e", "0"], capture_output=True).returncode == 0


@pytest.mark.skipif(NODE is None or not node_accepts("--disable-sigusr1"),
                    reason="this node has no --disable-sigusr1 (added in Node 22.14)")
def test_snapshot_explains_disable_sigusr1(tmp_path):
    process = start_node("--disable-sigusr1")
    try:
        run = heapsight("snapshot", "--pid", str(process.pid), cwd=tmp_path)
        assert run.returncode == 1 and "--disable-sigusr1" in run.stderr
        assert process.poll() is None
    finally:
        stop(process)


def test_inspector_that_cannot_open_is_reported(tmp_path):
    # The port SIGUSR1 would open is taken: node keeps running, heapsight must say why it failed.
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start_node(f"--inspect-port=127.0.0.1:{port}")
        try:
            with pytest.raises(HeapsightError, match="did not open its inspector.*in use"):
                find_inspector(process.pid, timeout=2)
            assert process.poll() is None
        finally:
            stop(process)


def test_snapshot_usage_errors():
    assert heapsight("snapshot").returncode == 2
    run = heapsight("snapshot", "--pid", "1", "--inspect", "127.0.0.1:9229")
    assert run.returncode == 2 and "exactly one" in run.stderr
    assert heapsight("snapshot", "--inspect", "nonsense").returncode == 2


def test_process_gone_mid_session_is_a_clear_error(inspected_node):
    process, port = inspected_node
    with Inspector.connect("127.0.0.1", port) as inspector:
        inspector.heap_usage()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        with pytest.raises(HeapsightError, match="did the process exit"):
            inspector.heap_usage()
    assert not psutil.pid_exists(process.pid) or psutil.Process(process.pid).status() == "zombie"


def test_non_loopback_inspector_gets_a_loud_warning(inspected_node, capsys):
    process, port = inspected_node
    # 0.0.0.0 reaches this loopback inspector on Linux, but it is not a loopback address: the
    # warning comes first, then Node's own Host check refuses, and heapsight says what to use.
    with pytest.raises(HeapsightError, match=f"try 127.0.0.1:{port}"):
        Inspector.connect("0.0.0.0", port)
    warning = capsys.readouterr().err
    assert f"heapsight: warning: the inspector at 0.0.0.0:{port} is not on loopback" in warning
    with Inspector.connect("127.0.0.1", port) as inspector:
        inspector.heap_usage()
    assert capsys.readouterr().err == ""
