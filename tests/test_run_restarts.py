"""`heapsight run` restarts a leaking service on its memory limit without failing a request:
real node instances, real loopback load through the balancer, new connections and keep-alive."""

from __future__ import annotations

from run_support import Supervised

from heapsight.live.load import run_load


def test_memory_restarts_under_load_fail_no_request(tmp_path):
    # 64 KiB kept per request: an instance crosses 96 MiB after about 800 requests. Each load
    # phase runs until it has seen 3 more restarts (at most 200,000 requests: on a fast machine
    # 20,000 keep-alive requests ended a phase before its third restart).
    args = ["--port", "0", "--instances", "2", "--max-memory", "96MB", "--for", "1s",
            "--grace", "1s", "--memory-cooldown", "0s", "--drain-timeout", "20s",
            "--kill-timeout", "5s"]
    with Supervised(tmp_path, args, env={"LEAK_KB": "64"}) as run:
        url = f"http://127.0.0.1:{run.port()}/orders"

        def restarts() -> int:
            return len(run.events("restarted"))

        before = restarts()
        fresh = run_load([url], requests=200_000, concurrency=8, keep_alive=False, timeout=30,
                         stop_when=lambda: restarts() >= before + 3)
        after_fresh = restarts()
        kept = run_load([url], requests=200_000, concurrency=8, keep_alive=True, timeout=30,
                        stop_when=lambda: restarts() >= after_fresh + 3)
        after_kept = restarts()
        assert fresh.failed == 0, (fresh.errors, run.stderr_text())
        assert kept.failed == 0, (kept.errors, run.stderr_text())
        assert fresh.ok == fresh.requests > 1000 and kept.ok == kept.requests > 1000
        # Both phases went through memory restarts, each a replace-then-retire.
        assert after_fresh - before >= 3, run.stderr_text()
        assert after_kept - after_fresh >= 3, run.stderr_text()
        for restart in run.events("restarted"):
            assert restart["reason"] == "memory"
        kinds = [e["event"] for e in run.events() if e.get("instance") is not None]
        # replace-then-retire: the replacement is ready before the old one drains
        first = kinds.index("restart-begin")
        assert kinds[first:].index("ready") < kinds[first:].index("drain")
        assert run.stop() == 0
        assert run.leftovers() == []
