"""Memory limits are judged over a window: start-up memory inside --grace never restarts, one
spike shorter than --for never restarts (real node instances, real RSS); --restart-on-leak
restarts on heapsight's own trend verdict before the limit is reached."""

from __future__ import annotations

import time
import urllib.request

from run_support import Supervised

from heapsight.live.load import run_load


def _get(url: str) -> bytes:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
        return bytes(r.read())


def _no_restart_for(run: Supervised, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert not run.events("memory-restart"), run.stderr_text()
        time.sleep(0.2)


def test_start_up_peak_in_grace_and_a_short_spike_never_restart(tmp_path):
    # 120 MiB held for the first 3 s against a 110 MiB limit, inside an 5 s grace ...
    args = ["--port", "0", "--instances", "1", "--max-memory", "110MB", "--for", "4s",
            "--grace", "5s", "--sample-every", "200ms"]
    env = {"STARTUP_MB": "120", "STARTUP_HOLD_MS": "3000"}
    with Supervised(tmp_path, args, env=env) as run:
        port = run.port()
        noted = run.wait_for("over-limit-in-grace", timeout=30)
        assert noted[0]["metric"] == "rss" and noted[0]["value"] > noted[0]["limit"]
        _no_restart_for(run, 5)  # past the grace, the peak gone
        assert run.status()["instances"][0]["rss"] < 110 * 2**20
        # ... then a 1.5 s spike over the limit, shorter than --for 4s.
        _get(f"http://127.0.0.1:{port}/spike?mb=120&ms=1500")
        crossed = run.wait_for("over-limit", timeout=30)  # the spike was seen ...
        assert crossed[0]["value"] > crossed[0]["limit"]
        _no_restart_for(run, 6)  # ... and ended before the window did
        assert run.status()["instances"][0]["rss"] < 110 * 2**20
        assert run.stop() == 0
        assert not run.events("restarted")


def test_restart_on_leak_acts_on_the_trend_before_the_limit(tmp_path):
    args = ["--port", "0", "--instances", "1", "--max-memory", "1GB", "--restart-on-leak",
            "--horizon", "1h", "--sample-every", "200ms", "--grace", "1s"]
    with Supervised(tmp_path, args, env={"LEAK_KB": "32"}) as run:
        url = f"http://127.0.0.1:{run.port()}/"
        deadline = time.monotonic() + 90
        while not run.events("restarted"):
            assert time.monotonic() < deadline, run.stderr_text()
            assert run_load([url], requests=100, concurrency=2, timeout=30).failed == 0
            time.sleep(0.3)
        restarted = run.events("restarted")[0]
        assert restarted["reason"] == "leak"
        why = run.events("memory-restart")[0]["reason"]
        assert why.startswith("leak: the trend reaches the limit in")
        assert not run.events("over-limit")  # well before the 1 GiB limit itself
        assert run.stop() == 0
