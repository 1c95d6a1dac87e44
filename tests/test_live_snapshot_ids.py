"""The README's workflow on a real leaking process: separate `heapsight snapshot --pid` runs,
then find-leaks and diff on them. V8 renumbers objects whenever an inspector session ends, so
this only works because heapsight's snapshot agent takes the snapshots without one; and
heapsight closes the inspector it opened, leaving open one that was open before."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from heapsight.live.inspector import Inspector
from heapsight.live.service import free_port, port_open

NODE = shutil.which("node")
pytestmark = [pytest.mark.skipif(NODE is None, reason="node is not installed"),
              pytest.mark.timeout(240)]

LEAKY = """
class LeakedEntry { constructor(i) { this.i = i; this.note = 'entry-' + i; } }
const requestLog = [];
let next = 0;
setInterval(() => { for (let i = 0; i < 200; i++) requestLog.push(new LeakedEntry(next++)); }, 50);
console.log('ready');
"""


def heapsight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                          text=True, timeout=200, cwd=cwd)


def start(*node_args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([NODE, *node_args, "-e", LEAKY], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def listening_ports(pid: int) -> set[int]:
    return {c.laddr.port for c in psutil.Process(pid).net_connections("tcp")
            if c.status == psutil.CONN_LISTEN}


def snapshot(pid: int, name: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    run = heapsight("snapshot", "--pid", str(pid), "-o", name, cwd=cwd)
    assert run.returncode == 0, run.stderr
    time.sleep(0.5)  # let the process leak some more between snapshots
    return run


def test_readme_snapshot_sequence_finds_the_leak(tmp_path):
    port = free_port()
    process = start(f"--inspect-port=127.0.0.1:{port}")
    try:
        first = snapshot(process.pid, "s1.heapsnapshot", tmp_path)
        # The inspector was closed: heapsight opened it with SIGUSR1, closed it, said so.
        assert f"closed the inspector heapsight opened on 127.0.0.1:{port}" in first.stderr
        assert port not in listening_ports(process.pid)
        for name in ("s2.heapsnapshot", "s3.heapsnapshot"):
            later = snapshot(process.pid, name, tmp_path)
            assert "inspector" not in later.stderr  # the agent answers: no inspector at all
            assert port not in listening_ports(process.pid)
        leaks = heapsight("find-leaks", "s1.heapsnapshot", "s2.heapsnapshot", "s3.heapsnapshot",
                          "--json", cwd=tmp_path)
        assert leaks.returncode == 3, leaks.stderr
        found = json.loads(leaks.stdout)["leaks"]
        assert found[0]["class"] == "LeakedEntry"
        assert found[0]["category"] == "unbounded-collection"
        diff = heapsight("diff", "s1.heapsnapshot", "s3.heapsnapshot", "--json", cwd=tmp_path)
        assert diff.returncode == 0, diff.stderr
        rows = {row["class"]: row for row in json.loads(diff.stdout)["classes"]}
        # Matched by id: the entries of s1 are still there, none deleted; only new ones.
        assert rows["LeakedEntry"]["deleted"] == 0
        assert rows["LeakedEntry"]["new"] == rows["LeakedEntry"]["count_delta"] > 0
        assert process.poll() is None
    finally:
        process.kill()
        process.wait(10)


def test_an_inspector_open_before_stays_open_and_a_session_in_between_is_named(tmp_path):
    port = free_port()
    process = start(f"--inspect=127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)
        first = snapshot(process.pid, "s1.heapsnapshot", tmp_path)
        assert f"left the inspector on 127.0.0.1:{port} open" in first.stderr
        assert port in listening_ports(process.pid)
        snapshot(process.pid, "s2.heapsnapshot", tmp_path)
        # A debugger session that comes and goes makes V8 forget its numbering.
        with Inspector.connect("127.0.0.1", port) as inspector:
            inspector.heap_usage()
        snapshot(process.pid, "s3.heapsnapshot", tmp_path)
        ok = heapsight("diff", "s1.heapsnapshot", "s2.heapsnapshot", cwd=tmp_path)
        assert ok.returncode == 0, ok.stderr
        renumbered = heapsight("diff", "s2.heapsnapshot", "s3.heapsnapshot", cwd=tmp_path)
        assert renumbered.returncode == 1
        assert renumbered.stderr.count("\n") == 1 and "renumbered" in renumbered.stderr
        assert "inspector session ends" in renumbered.stderr
    finally:
        process.kill()
        process.wait(10)
