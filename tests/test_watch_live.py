"""Real Node.js processes, one leaking and one stable, watched through their pid, their inspector
and a prom-client style /metrics page; the exporter is scraped over loopback while it runs."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

# Both programs count their ticks on stdout, so a test can wait for work done rather than for
# wall time: on a loaded machine a tick comes late, and a fixed watch length would see less of
# the leak (or of the stable process's warm-up) than it was written for.
LEAKY = """
const keep = [];  // grows forever: ~1000 small objects (~100 KiB) kept per tick
let ticks = 0;
setInterval(() => {
  for (let i = 0; i < 1000; i++) keep.push({ i, s: 'x'.repeat(40) + Math.random() });
  if (++ticks % 10 === 0) console.log('ticks ' + ticks);
}, 50);
console.log('ready');
"""

STABLE = """
let batch = [];  // request-like churn: each batch lives one tick, then is garbage
let ticks = 0;
setInterval(() => {
  batch = [];
  for (let i = 0; i < 5000; i++) batch.push({ i, s: 'x'.repeat(40) + Math.random() });
  if (++ticks % 10 === 0) console.log('ticks ' + ticks);
}, 50);
console.log('ready');
"""

# A service exposing prom-client's default memory metrics, written out by hand (no npm here).
METRICS_SERVER = LEAKY.replace("console.log('ready');", "") + """
const http = require('http');
const server = http.createServer((req, res) => {
  if (req.url !== '/metrics') { res.writeHead(404); res.end(); return; }
  const m = process.memoryUsage();
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
  res.end([
    '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
    '# TYPE nodejs_heap_size_used_bytes gauge', `nodejs_heap_size_used_bytes ${m.heapUsed}`,
    '# HELP nodejs_heap_size_total_bytes Process heap size from Node.js in bytes.',
    '# TYPE nodejs_heap_size_total_bytes gauge', `nodejs_heap_size_total_bytes ${m.heapTotal}`,
    '# HELP nodejs_external_memory_bytes Node.js external memory size in bytes.',
    '# TYPE nodejs_external_memory_bytes gauge', `nodejs_external_memory_bytes ${m.external}`,
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${m.rss}`,
    ''].join('\\n'));
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
"""


class NodeProcess:
    """A node program started for a test; `inspector` is its address when started with one,
    `ready` its first line that is not a tick count, `ticks` the last count it printed."""

    def __init__(self, program: str, inspect: bool = False) -> None:
        args = [NODE, *(["--inspect=127.0.0.1:0"] if inspect else []), "-e", program]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.pid = self.process.pid
        self.inspector = None
        if inspect:
            line = self.process.stderr.readline()
            match = re.search(r"ws://(127\.0\.0\.1:\d+)/", line)
            assert match, line
            self.inspector = match.group(1)
        self.ticks = 0
        self.ready = self.process.stdout.readline().strip()
        self.reader = threading.Thread(target=self._count_ticks, daemon=True)
        self.reader.start()

    def _count_ticks(self) -> None:
        for line in self.process.stdout:
            if line.startswith("ticks "):
                self.ticks = int(line.split()[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()


def wait_until(condition, what: str, timeout: float = 300) -> None:
    """Until `condition()` holds; the timeout is only a backstop against a hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen in {timeout:g}s"
        time.sleep(0.2)


@pytest.fixture
def node_process():
    started: list[NodeProcess] = []

    def start(program: str, inspect: bool = False) -> NodeProcess:
        started.append(NodeProcess(program, inspect))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def heapsight(*args: str, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "heapsight", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **options)


def finish(watcher: subprocess.Popen, timeout: float = 60) -> tuple[int, dict, str]:
    out, err = watcher.communicate(timeout=timeout)
    assert "Traceback" not in err, err
    return watcher.returncode, json.loads(out), err


def recorded_samples(db) -> int:
    """Samples the watch recording into `db` has stored so far (0 before it starts)."""
    if not db.exists():
        return 0
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as connection:
        try:
            row = connection.execute("SELECT max(samples) FROM runs").fetchone()
        except sqlite3.OperationalError:
            return 0  # the watch made the file (0600 first) but not its tables yet
    return (row[0] or 0) if row else 0


# What each live watch must see before it is stopped: work done by the target, not seconds.
# 400 ticks are 20 s on an idle machine: ~40 MiB kept by the leaking program; for the stable
# one, past the young process's warm-up (docs/watch.md: 12 s windows of a stable process gave
# ~9% false leaks, 20 s none).
TICKS_WATCHED = 400
SAMPLES_WATCHED = 80


def test_leaking_and_stable_processes_through_pid_and_inspector(node_process, tmp_path) -> None:
    leaky = node_process(LEAKY, inspect=True)
    leaky_plain = node_process(LEAKY)
    stable = node_process(STABLE, inspect=True)
    targets = (leaky, leaky_plain, stable)
    # past start-up, when any process's heap grows
    wait_until(lambda: all(t.ticks >= 60 for t in targets), "60 ticks of each program")
    common = ("--interval", "0.25", "--duration", "15m", "--json")
    plan = {  # all at once: each mostly sleeps between samples
        "leaky pid+inspector": ("--pid", str(leaky.pid)),
        "leaky inspector": ("--inspect", leaky.inspector),
        "leaky pid, RSS only": ("--pid", str(leaky_plain.pid)),
        "stable pid+inspector": ("--pid", str(stable.pid)),
        "stable inspector": ("--inspect", stable.inspector),
    }
    dbs = {name: tmp_path / f"{index}.sqlite3" for index, name in enumerate(plan)}
    watchers = {name: heapsight("watch", *source, *common, "--db", str(dbs[name]))
                for name, source in plan.items()}
    wait_until(lambda: all(recorded_samples(db) >= 1 for db in dbs.values()),
               "a first sample of every watch")
    start = {t.pid: t.ticks for t in targets}
    # The verdict condition: every target has done its work under watch and every watch has
    # its samples, however long a loaded machine takes for that. Then stop them as a user would.
    wait_until(lambda: all(t.ticks - start[t.pid] >= TICKS_WATCHED for t in targets) and
               all(recorded_samples(db) >= SAMPLES_WATCHED for db in dbs.values()),
               f"{TICKS_WATCHED} ticks of each program and {SAMPLES_WATCHED} samples of each watch")
    for watcher in watchers.values():
        watcher.send_signal(signal.SIGTERM)
    results = {name: finish(watcher) for name, watcher in watchers.items()}
    expected = {
        "leaky pid+inspector": (3, "leak", "heap_used"),
        "leaky inspector": (3, "leak", "heap_used"),
        "leaky pid, RSS only": (3, "leak", "rss"),
        "stable pid+inspector": (0, "stable", "heap_used"),
        "stable inspector": (0, "stable", "heap_used"),
    }
    for name, (code, verdict, metric) in expected.items():
        got_code, result, _ = results[name]
        summary = (name, result["verdict"], result["shape"], result["samples"], result["p_value"])
        assert (got_code, result["verdict"], result["metric"]) == (code, verdict, metric), summary
        assert result["samples"] >= SAMPLES_WATCHED, summary
    # The inspector knows V8's heap limit, so a leak gets a projected time to reach it.
    leak = results["leaky inspector"][1]
    assert leak["limit_source"] == "V8 heap_size_limit" and leak["time_to_limit_seconds"] > 0
    assert leak["latest"]["heap_size_limit"] == leak["limit_bytes"]
    rss_only = results["leaky pid, RSS only"][1]
    assert any("no open inspector" in note for note in rss_only["notes"])
    assert rss_only["latest"]["heap_used"] is None and rss_only["latest"]["rss"] > 0


def scrape(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        return response.read().decode()


def test_metrics_endpoint_watched_and_exported_over_loopback(node_process) -> None:
    service = node_process(METRICS_SERVER)
    port = service.ready.split()[-1]
    # past start-up, as above: a watch begun with the process sees its start-up growth too
    wait_until(lambda: service.ticks >= 60, "60 ticks of the service")
    url = f"http://127.0.0.1:{port}/metrics"
    watcher = heapsight("watch", "--metrics", url, "--serve", "127.0.0.1:0", "--duration", "15m",
                        "--interval", "0.25", "--json", "--no-history")
    line = watcher.stderr.readline()
    exporter = re.search(r"(http://127\.0\.0\.1:\d+/metrics)", line)
    assert exporter, line
    target = f'target="metrics:{url}"'
    page = ""

    def exported_samples() -> float:
        nonlocal page
        page = scrape(exporter.group(1))
        samples = re.search(r"heapsight_samples\{" + re.escape(target) + r"\} (\S+)", page)
        return float(samples.group(1)) if samples else 0.0

    wait_until(lambda: exported_samples() >= 1, "a first exported sample")
    start = service.ticks
    assert f'heapsight_memory_bytes{{metric="heap_used",{target}}}' in page
    assert f'heapsight_memory_bytes{{metric="rss",{target}}}' in page
    assert f"heapsight_leak_suspected{{{target}}}" in page
    assert "heapsight_memory_slope_bytes_per_hour" in page
    # Stopped once the service has leaked for 200 ticks (10 s idle) under watch. Not longer: 40
    # samples make ~20 post-GC lows, p ~1e-5 over the recent half; 80 make only 16 (windows of
    # five samples), whose recent 8 can at best give p = 4e-4 against the 0.01 needed.
    wait_until(lambda: service.ticks - start >= 200 and exported_samples() >= 40,
               "200 ticks of the service and 40 samples")
    watcher.send_signal(signal.SIGTERM)
    code, result, _ = finish(watcher)
    summary = (result["verdict"], result["shape"], result["samples"], result["p_value"],
               result.get("notes"))
    assert (code, result["verdict"], result["metric"]) == (3, "leak", "heap_used"), summary


def wait_for_samples(db, count: int, timeout: float = 60) -> None:
    """Until the watch recording into `db` has `count` samples: its loop is running."""
    wait_until(lambda: recorded_samples(db) >= count, f"{count} recorded samples", timeout)


def test_sigterm_ends_a_watch_with_a_verdict(node_process, tmp_path) -> None:
    stable = node_process(STABLE)
    db = tmp_path / "history.sqlite3"
    watcher = heapsight("watch", "--pid", str(stable.pid), "--interval", "0.2", "--json",
                        "--db", str(db))
    wait_for_samples(db, 5)
    watcher.send_signal(signal.SIGTERM)
    code, result, _ = finish(watcher)
    assert result["samples"] >= 5
    assert code == {"leak": 3, "stable": 0, "insufficient-data": 4}[result["verdict"]]
    assert any("stopped" in note for note in result["notes"])


def test_a_target_that_exits_ends_the_watch_early(node_process, tmp_path) -> None:
    leaky = node_process(LEAKY)
    db = tmp_path / "history.sqlite3"
    started = time.monotonic()
    watcher = heapsight("watch", "--pid", str(leaky.pid), "--interval", "0.2", "--duration",
                        "120", "--json", "--db", str(db))
    wait_for_samples(db, 5)
    leaky.stop()  # the service dies mid-watch
    code, result, _ = finish(watcher)
    assert time.monotonic() - started < 100
    assert any(f"pid {leaky.pid} exited" in note for note in result["notes"])
    assert result["samples"] >= 5
    assert code == {"leak": 3, "stable": 0, "insufficient-data": 4}[result["verdict"]]
