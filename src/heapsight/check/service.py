"""`heapsight check --url URL -- COMMAND`: the same rounds and verdict for a whole service.

The service is started as `hunt` starts it (own process group, inspector on a free loopback
port, ready when the URL answers); one "iteration" is one request from hunt's load generator,
sent in batches between the heap samples. No scenario file is needed.
"""

from __future__ import annotations

import time
from pathlib import Path

from heapsight.check.run import CheckSettings, Say, ScenarioResult, run_rounds, tidy_run_dir
from heapsight.check.verdict import ERROR
from heapsight.errors import HeapsightError, UsageError
from heapsight.live.hunt import HuntPlan, _service_inspector, new_run_dir
from heapsight.live.inspector import Inspector
from heapsight.live.load import run_load
from heapsight.live.service import Service, ensure_port_free, free_port, url_address

# Open TCP sockets in the service, by libuv's own count (Node 17.3+; -1 where it is missing).
_OPEN_SOCKETS = ("typeof process.getActiveResourcesInfo !== 'function' ? -1 : "
                 "process.getActiveResourcesInfo().filter(r => r === 'TCPSocketWrap').length")
SETTLE_TIMEOUT = 5.0  # seconds to wait for the service to close the load's connections


class ServiceWorkload:
    """Requests to a running service stand for iterations."""

    def __init__(self, service: Service, inspector: Inspector, urls: list[str],
                 concurrency: int) -> None:
        self.service = service
        self.inspector: Inspector | None = inspector
        self.urls = urls
        self.concurrency = concurrency
        self.idle_sockets = self._open_sockets()  # its own (database, cache...) before any load

    def run(self, count: int) -> None:
        load = run_load(self.urls, count, min(self.concurrency, count),
                        stop_when=self.service.exiting)
        self.service.check_alive("during the check")
        if load.ok == 0:
            first = load.errors[0] if load.errors else f"statuses {load.statuses}"
            raise HeapsightError(f"no request to {self.urls[0]} succeeded ({first}); check --url")
        self._settle()

    def _open_sockets(self) -> int:
        assert self.inspector is not None
        value = self.inspector.evaluate(_OPEN_SOCKETS)
        return value if isinstance(value, int) else -1

    def _settle(self) -> None:
        """Wait until the service has closed the connections the load opened. A socket still
        closing holds some kilobytes (parser, buffers, the request); how many are still open
        when the heap is sampled depends on timing, and that noise hid a 100 B-per-request
        leak from the heap trend on a busy machine."""
        if self.idle_sockets < 0:
            return
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while self._open_sockets() > self.idle_sockets and time.monotonic() < deadline:
            time.sleep(0.005)

    def heap_used_after_gc(self) -> int:
        assert self.inspector is not None
        self.inspector.collect_garbage()
        return int(self.inspector.call("Runtime.getHeapUsage").get("usedSize", 0))


def check_service(command: list[str], urls: list[str], settings: CheckSettings, say: Say,
                  concurrency: int = 4, ready_timeout: float = 30.0) -> ScenarioResult:
    """Start COMMAND, load it between snapshots and judge it like a scenario."""
    if not command or not urls:
        raise UsageError("--url needs the service to start: heapsight check --url URL -- COMMAND")
    for url in urls:
        if url_address(url)[0] in ("127.0.0.1", "localhost", "::1"):
            ensure_port_free(url)
    started = time.monotonic()
    run_dir = new_run_dir(settings.runs_folder / "service")
    # The result names the service by its command, where a scenario is named by its file.
    result = ScenarioResult(Path(" ".join(command)), ERROR, "", settings, run_dir=run_dir)
    plan = HuntPlan(command=command, urls=urls, ready_timeout=ready_timeout)
    try:
        with Service(command, run_dir / "service.log", inspect_port=free_port(avoid=urls)) as service:
            say(f"started {' '.join(command)} (pid {service.pid})")
            service.wait_ready(urls, ready_timeout)
            host, port = _service_inspector(service, plan)
            with Inspector.connect(host, port, timeout=10.0) as inspector:
                service.release_debugger = inspector.close
                work = ServiceWorkload(service, inspector, urls, concurrency)
                verdict, reason, rounds = run_rounds(work, settings, run_dir, say)
                result.verdict, result.reason, result.rounds = verdict, reason, rounds
    except HeapsightError as error:
        if isinstance(error, UsageError):
            raise
        result.verdict, result.reason = ERROR, str(error)
    result.seconds = time.monotonic() - started
    tidy_run_dir(result)
    return result
