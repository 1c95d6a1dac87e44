"""`heapsight ctl`: status, drain and resume over the control socket, with real traffic."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import urllib.request

from run_support import Supervised, served_by


def _get(url: str) -> bytes:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
        return bytes(r.read())


def test_status_drain_and_resume(tmp_path):
    with Supervised(tmp_path, ["--port", "0", "--instances", "2"], history=True) as run:
        port = run.port()
        url = f"http://127.0.0.1:{port}/"
        socket_path = tmp_path / "runtime" / "heapsight" / "t.sock"
        assert stat.S_IMODE(socket_path.stat().st_mode) == 0o600
        assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700

        assert {served_by(_get(url)) for _ in range(20)} == {0, 1}
        status = run.status()
        assert status["port"] == port
        rows = status["instances"]
        assert [row["id"] for row in rows] == [0, 1]
        for row in rows:
            assert row["state"] == "ready" and row["rss"] > 0 and row["served"] >= 1
            assert row["connections_served"] == row["served"]  # urllib: one per request
            assert set(row) >= {"id", "pid", "port", "state", "uptime_seconds", "rss",
                                "heap_used", "trend", "slope_bytes_per_hour",
                                "time_to_limit_seconds", "restarts", "connections", "served",
                                "connections_served"}

        assert "instance 0 drained" in run.ctl("drain", "0").stdout
        served_before = {row["id"]: row["served"] for row in run.status()["instances"]}
        assert {served_by(_get(url)) for _ in range(20)} == {1}
        rows = {row["id"]: row for row in run.status()["instances"]}
        assert rows[0]["state"] == "drained" and rows[0]["served"] == served_before[0]
        assert rows[0]["pid"] is not None  # alive, out of rotation

        run.ctl("resume", "0")
        assert 0 in {served_by(_get(url)) for _ in range(20)}
        assert run.status()["instances"][0]["state"] == "ready"

        # The name is taken while this run lives: a second one is refused, and leaves nothing.
        second = subprocess.run([sys.executable, "-m", "heapsight", "run", "--name", "t",
                                 "--no-history", "--runs-folder", str(tmp_path / "second"),
                                 "--port", "0", "--", "node", "x.js"], env=run.env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "a run named 't' is already running" in second.stderr
        assert not (tmp_path / "second").exists()

        text = run.ctl("status").stdout
        assert "ready" in text and str(port) in text
        missing = run.ctl("drain", "7", check=False)
        assert missing.returncode == 2 and "no instance 7" in missing.stderr
        assert run.stop() == 0
    # The same events are in the history database, for `heapsight history`.
    shown = subprocess.run([sys.executable, "-m", "heapsight", "history", "--db",
                            str(run.history), "1", "--json"], capture_output=True, text=True,
                           timeout=60)
    recorded = json.loads(shown.stdout)
    assert recorded["target"] == "run:t"
    kinds = [event["event"] for event in recorded["events"]]
    assert kinds == [event["event"] for event in run.events()]
    assert "drain" in kinds and "resume" in kinds and kinds[-1] == "run-stop"
