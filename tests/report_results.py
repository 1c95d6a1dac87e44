"""Real results for the report, redact and schema tests, made once per test session: a demo hunt
(real service, real load, real snapshots), three snapshots of tests/programs/patterns.js, a
watch of a generated memory log, and a history run. Each is what the CLI printed with --json."""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

NODE = shutil.which("node")
PROGRAM = Path(__file__).parent / "programs" / "patterns.js"
MB = 1024 * 1024


@functools.cache
def workdir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="heapsight-report-tests-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def heapsight(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
              timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd or workdir(),
                          env={**os.environ, "HEAPSIGHT_HISTORY": str(workdir() / "h.sqlite3"),
                               **(env or {})})


@functools.cache
def demo() -> tuple[dict, Path]:
    """`heapsight demo --json --html`: the hunt JSON and its HTML page."""
    page = workdir() / "demo.html"
    done = heapsight("demo", "--json", "--html", str(page), "--runs-dir", "runs")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), page


def pattern_snapshots(leaks: bool = True) -> list[Path]:
    """Baseline, target, final snapshots of patterns.js: every leak planted, or none."""
    return _pattern_snapshots(bool(leaks))


@functools.cache
def _pattern_snapshots(leaks: bool) -> list[Path]:
    folder = workdir() / ("leaky" if leaks else "clean")
    folder.mkdir()
    env = dict(os.environ) if leaks else {**os.environ, "LEAKS": "none"}
    subprocess.run([str(NODE), "--expose-gc", str(PROGRAM), str(folder)], check=True,
                   timeout=120, env=env)
    return sorted(folder.glob("*.heapsnapshot"))


def demo_snapshots() -> list[Path]:
    """The demo hunt's baseline, target and final snapshots (a few MiB each)."""
    document, _ = demo()
    return [Path(path) for path in document["snapshots"]]


def find_leaks_page(leaks: bool = True, redact: bool = False) -> tuple[dict, Path]:
    """`find-leaks --json --html` on the patterns.js snapshots: the JSON and the page."""
    return _find_leaks_page(bool(leaks), bool(redact))


@functools.cache
def _find_leaks_page(leaks: bool, redact: bool) -> tuple[dict, Path]:
    page = workdir() / f"find-leaks-{'leaky' if leaks else 'clean'}{'-redacted' * redact}.html"
    done = heapsight("find-leaks", *(str(p) for p in pattern_snapshots(leaks)), "--json",
                     "--html", str(page), *(["--redact"] if redact else []))
    assert done.returncode == (3 if leaks else 0), done.stderr
    return json.loads(done.stdout), page


def memory_log(path: Path, hours: float, step: float = 10.0, leak_mb_per_hour: float = 30.0,
               restart_every: float | None = None) -> Path:
    """A service's memory log (JSON lines): a GC sawtooth over a level that grows."""
    rng = np.random.default_rng(7)
    start = 1_760_000_000.0
    times = start + np.arange(0, hours * 3600, step)
    with open(path, "w", encoding="utf-8") as handle:
        pid = 100
        for t in times:
            since = t - start
            if restart_every and since and since % restart_every < step:
                pid += 1
            run_age = since % restart_every if restart_every else since
            level = 80 * MB + leak_mb_per_hour * MB * run_age / 3600
            heap = level + (since % 120) / 120 * 20 * MB + rng.normal(0, 0.3 * MB)
            handle.write(json.dumps({"time": float(t), "heapUsed": int(heap),
                                     "heapTotal": int(heap * 1.3), "external": int(3 * MB),
                                     "rss": int(heap + 90 * MB), "pid": pid}) + "\n")
    return path


@functools.cache
def watch() -> tuple[dict, Path, Path]:
    """`heapsight watch --log ... --json --html`: a leak with two restarts."""
    log = memory_log(workdir() / "memory.log", hours=3, restart_every=3600)
    page = workdir() / "watch.html"
    done = heapsight("watch", "--log", str(log), "--json", "--html", str(page))
    assert done.returncode == 3, done.stderr
    return json.loads(done.stdout), page, log


@functools.cache
def week_page() -> Path:
    """The watch page of a week of one-second samples of every metric (604,800 each)."""
    from heapsight.report.html import Series, write_html

    document, _, _ = watch()
    seconds = np.arange(7 * 24 * 3600, dtype=np.float64)
    heap = 100e6 + (seconds % 120) * 1e4 + seconds
    series = Series((1_760_000_000.0 + seconds).tolist(), {
        "heap_used": heap.tolist(), "heap_total": (heap * 1.3).tolist(),
        "external": [3e6] * len(seconds), "array_buffers": [1e6] * len(seconds),
        "rss": (heap + 150e6).tolist()})
    page = workdir() / "week.html"
    write_html(page, {**document, "samples": len(seconds)}, "watch", series)
    return page


@functools.cache
def hunt_with_stacks() -> tuple[dict, Path]:
    """`heapsight hunt --track-allocations --json --html` on the demo service (two leaky
    routes): leaks carry the JavaScript stacks that allocated them."""
    import socket
    from importlib import resources

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    page = workdir() / "hunt-stacks.html"
    with resources.as_file(resources.files("heapsight") / "demo" / "leaky_service.js") as script:
        done = heapsight("hunt", "--track-allocations", "--requests", "300", "--warmup", "50",
                         "--url", f"http://127.0.0.1:{port}/orders",
                         "--url", f"http://127.0.0.1:{port}/report", "--json", "--html",
                         str(page), "--runs-dir", "runs-stacks", "--", str(NODE), str(script),
                         env={"PORT": str(port)})
    assert done.returncode == 3, done.stderr
    return json.loads(done.stdout), page
