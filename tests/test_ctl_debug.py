"""`heapsight ctl debug 0`: drain, hunt on instance 0 alone, resume; the public port keeps
answering throughout, and the diagnosis names the leak planted in the service."""

from __future__ import annotations

import json
import threading

from run_support import Supervised

from heapsight.live.load import LoadResult, run_load


def test_debug_names_the_planted_leak_while_the_public_port_serves(tmp_path):
    with Supervised(tmp_path, ["--port", "0", "--instances", "2"], env={"LEAK_KB": "2"}) as run:
        url = f"http://127.0.0.1:{run.port()}/orders"
        stop = threading.Event()
        loads: list[LoadResult] = []

        def background() -> None:
            while not stop.is_set():
                loads.append(run_load([url], requests=50, concurrency=2, timeout=30))

        thread = threading.Thread(target=background)
        thread.start()
        try:
            done = run.ctl("debug", "0", "--requests", "300", "--warmup", "50", "--json",
                           check=False)
        finally:
            stop.set()
            thread.join(60)
        assert done.returncode == 3, done.stderr + run.stderr_text()
        report = json.loads(done.stdout)
        classes = [leak["class"] for leak in report["leaks"]]
        assert "LeakedRecord" in classes, report["leaks"]
        assert sum(load.requests for load in loads) > 0
        assert sum(load.failed for load in loads) == 0
        kinds = [e["event"] for e in run.events() if e.get("instance") == 0]
        assert kinds.index("drain") < kinds.index("resume") and "debug-end" in kinds
        assert run.status()["instances"][0]["state"] == "ready"
        assert run.stop() == 0
