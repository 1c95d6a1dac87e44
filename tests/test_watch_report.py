"""The text views: the live screen and the final report show the verdict, figures and chart."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from rich.console import Console
from test_watch_trend import HOUR, MB, sawtooth

from heapsight.monitor.session import WatchOptions, evaluate
from heapsight.monitor.sources import Sample
from heapsight.report.watch_text import chart, render_live, render_result, runs_table


def rendered(renderable) -> str:
    console = Console(width=100, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def leak_result() -> tuple[dict, list[float]]:
    times, values = sawtooth(lambda t: 100 * MB + 40 * MB * t / HOUR, 2, seed=8)
    samples = [Sample(float(t), heap_used=int(v), rss=int(v) + 90 * MB,
                      heap_size_limit=2048 * MB) for t, v in zip(times, values, strict=True)]
    result = evaluate(samples, "inspect:127.0.0.1:9229", WatchOptions())
    return result, [float(v) for v in values]


def test_final_report_and_live_screen() -> None:
    result, values = leak_result()
    assert result["verdict"] == "leak"
    report = rendered(render_result(result, values))
    assert report.startswith("LEAK  the post-GC lows keep rising")
    assert "inspect:127.0.0.1:9229" in report and "MiB/h" in report
    assert "reached in about" in report  # V8's heap limit is known
    assert "█" in report and "each column shows the lowest sample" in report
    live = rendered(render_live(result, values, result["latest"]))
    assert "heap_used" in live and "rss" in live and "Ctrl-C stops" in live


def test_chart_shape() -> None:
    rows = chart([1, 2, 3, 4, 5, 6, 7, 8], width=8, height=2)
    assert len(rows) == 2 and all(len(row) == 8 for row in rows)
    assert rows[1][0] == " " and rows[0][-1] == "█"  # rises left to right
    assert chart([5, 5, 5], width=3, height=2)[-1] == "▁▁▁"
    assert chart([]) == []


def test_runs_table_lists_runs() -> None:
    text = rendered(runs_table([{"id": 3, "target": "pid:42", "started": 1.7e9, "samples": 10,
                                 "verdict": "stable", "slope_bytes_per_hour": 0.0,
                                 "result": {"duration_seconds": 600}}]))
    assert "pid:42" in text and "stable" in text and "10m" in text


def test_follow_reads_lines_written_while_watching(tmp_path) -> None:
    log = tmp_path / "live.log"
    log.write_text("", encoding="utf-8")
    watcher = subprocess.Popen(
        [sys.executable, "-m", "heapsight", "watch", "--log", str(log), "--follow",
         "--interval", "0.1", "--duration", "6", "--json", "--no-history"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with open(log, "a", encoding="utf-8") as handle:
            for k in range(40):
                handle.write(json.dumps({"time": 1_700_000_000 + 30 * k,
                                         "heapUsed": 100_000_000 + 2_000_000 * k}) + "\n")
                handle.flush()
                time.sleep(0.05)
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    result = json.loads(out)
    assert result["samples"] == 40 and result["verdict"] == "leak", err
