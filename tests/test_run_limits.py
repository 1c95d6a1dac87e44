"""Memory limits are judged over a window: one spike shorter than --for never restarts, and
start-up memory inside --grace never restarts (real node instances, real RSS)."""

from __future__ import annotations

import time
import urllib.request

from run_support import Supervised


def _get(url: str) -> bytes:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
        return bytes(r.read())


def test_a_spike_shorter_than_the_window_never_restarts(tmp_path):
    args = ["--port", "0", "--instances", "1", "--max-memory", "110MB", "--for", "5s",
            "--grace", "1s", "--sample-every", "200ms", "--memory-cooldown", "0s"]
    with Supervised(tmp_path, args) as run:
        port = run.port()
        time.sleep(1.5)  # past the grace
        _get(f"http://127.0.0.1:{port}/spike?mb=120&ms=1500")
        crossed = run.wait_for("over-limit", timeout=30)  # the spike was seen ...
        assert crossed[0]["value"] > crossed[0]["limit"]
        deadline = time.monotonic() + 8  # ... for less than --for, then it ended
        while time.monotonic() < deadline:
            assert not run.events("memory-restart"), run.stderr_text()
            time.sleep(0.2)
        status = run.status()
        assert status["instances"][0]["rss"] < 110 * 2**20
        assert run.stop() == 0
        assert not run.events("restarted")


def test_start_up_memory_within_grace_never_restarts(tmp_path):
    args = ["--port", "0", "--instances", "1", "--max-memory", "100MB", "--for", "1s",
            "--grace", "8s", "--sample-every", "200ms"]
    env = {"STARTUP_MB": "120", "STARTUP_HOLD_MS": "4000"}
    with Supervised(tmp_path, args, env=env) as run:
        run.port()
        noted = run.wait_for("over-limit-in-grace", timeout=30)
        assert noted[0]["metric"] == "rss"
        deadline = time.monotonic() + 9  # past the grace, with the peak gone
        while time.monotonic() < deadline:
            assert not run.events("memory-restart"), run.stderr_text()
            time.sleep(0.2)
        assert run.stop() == 0
        assert not run.events("restarted")
