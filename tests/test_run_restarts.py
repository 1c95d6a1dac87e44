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
        assert_run_report(run)


def assert_run_report(run: Supervised) -> None:
    """`heapsight report RUN_FOLDER`: a lane per instance process with its restarts, memory
    per instance slot, every event in the table; opened in chromium when it is installed."""
    import json
    import re
    import subprocess
    import sys

    from browser import Browser, chromium_path

    folder = run.events_path().parent
    events = run.events()
    out = folder / "run.html"
    done = subprocess.run([sys.executable, "-m", "heapsight", "report", str(folder), "-o",
                           str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    pids = {e["pid"] for e in events if isinstance(e.get("pid"), int) and e.get("pid")
            and isinstance(e.get("instance"), int)}
    assert page.count('class="axis lane"') == len(pids) >= 2 + 6  # 2 first, 6 replacements
    assert page.count('data-event="restarted"') == len(run.events("restarted"))
    assert 'data-state="serving"' in page and 'data-state="draining"' in page
    assert sorted(re.findall(r'data-series="(instance \d+)"', page)) == [
        "instance 0", "instance 1"]
    rows = re.search(r'<table id="events".*?<tbody>(.*?)</tbody>', page, re.S)
    assert rows and rows.group(1).count("<tr>") == len(events)
    if chromium_path() is None:
        print("chromium not installed: the run page was not opened in a browser")
        return
    with Browser() as browser:
        url = browser.open(out)
        state = json.loads(browser.evaluate("""JSON.stringify({
          ready: document.body.getAttribute('data-ready'),
          lanes: document.querySelectorAll('svg.timeline rect.state').length,
          lines: Array.from(document.querySelectorAll('svg.chart path.series'))
            .filter(p => p.getTotalLength() >= 0).length})"""))
        assert browser.problems(url) == {"errors": [], "requests": []}
    assert state["ready"] == "1" and state["lanes"] >= len(pids) and state["lines"] == 2
