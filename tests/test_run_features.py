"""The optional parts of `heapsight run`, each on real node instances: ctl snapshot and restart,
SIGHUP rolling reload under load, --max-heap with --snapshot-on-restart, --serve metrics."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import time
import urllib.request

from run_support import Supervised

from heapsight.live.load import run_load


def _get(url: str) -> bytes:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
        return bytes(r.read())


def test_ctl_snapshot_restart_and_sighup_reload(tmp_path):
    with Supervised(tmp_path, ["--port", "0", "--instances", "2", "--serve", "127.0.0.1:0"]
                    ) as run:
        url = f"http://127.0.0.1:{run.port()}/"
        out = tmp_path / "one.heapsnapshot"
        run.ctl("snapshot", "1", "-o", str(out))
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert json.loads(out.read_text())["snapshot"]["node_count"] > 1000

        pid_before = run.status()["instances"][0]["pid"]
        assert "restarted" in run.ctl("restart", "0").stdout
        rows = run.status()["instances"]
        assert rows[0]["pid"] != pid_before and rows[0]["restarts"] == {"ctl": 1}

        # SIGHUP: every instance replaced, one at a time, while load runs: no failure. The
        # metrics page, read all along, shows each target's current process: ready throughout
        # (the process being retired once overwrote it with "stopping" until the next sample).
        metrics_url = run.wait_for("metrics")[0]["url"]
        before = {row["pid"] for row in run.status()["instances"]}
        reloaded = False
        states_seen: set[str] = set()

        def send_hup() -> bool:
            nonlocal reloaded
            if not reloaded:
                os.kill(run.process.pid, signal.SIGHUP)
                reloaded = True
            states_seen.update(re.findall(r'heapsight_instance_state\{state="(\w+)",'
                                          r'target="t/\d"\} 1\.0', _get(metrics_url).decode()))
            return len(run.events("restarted")) >= 3

        load = run_load([url], requests=200_000, concurrency=4, stop_when=send_hup, timeout=30)
        assert load.failed == 0 and load.requests > 0, load.errors
        after = {row["pid"] for row in run.status()["instances"]}
        assert not before & after
        reasons = [e["reason"] for e in run.events("restarted")]
        assert reasons == ["ctl", "reload", "reload"]
        assert states_seen <= {"ready"}, states_seen

        deadline = time.monotonic() + 20
        while "heapsight_instance_restarts" not in (text := _get(metrics_url).decode()):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert 'heapsight_memory_bytes{metric="rss",target="t/0"}' in text
        assert 'heapsight_instance_state{state="ready",target="t/1"} 1.0' in text
        assert run.stop() == 0


def test_max_heap_restart_takes_a_snapshot_first(tmp_path):
    args = ["--port", "0", "--instances", "2", "--max-heap", "24MB", "--for", "1s",
            "--grace", "1s", "--sample-every", "250ms", "--snapshot-on-restart",
            "--keep-snapshots", "1", "--memory-cooldown", "0s"]
    # A JS-heap leak: each request keeps 16 KiB of arrays; drive it until one restart.
    with Supervised(tmp_path, args, env={"LEAK_HEAP_KB": "16"}) as run:
        url = f"http://127.0.0.1:{run.port()}/"
        load = run_load([url], requests=200000, concurrency=8, timeout=30,
                        stop_when=lambda: bool(run.events("restarted")))
        assert load.failed == 0, load.errors
        restart = run.wait_for("memory-restart")[0]
        assert restart["reason"].startswith("heap_used")
        snapshot = run.wait_for("snapshot")[-1]
        path = snapshot["path"]
        assert snapshot["bytes"] > 0 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert run.stop() == 0
