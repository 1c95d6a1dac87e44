#!/usr/bin/env python3
"""Screenshots of each kind of HTML report for docs/report.md, made from real results (the demo
hunt, patterns.js snapshots through find-leaks --redact, a watch of a generated 3-hour log with
restarts, a check of a leaking and a clean scenario, a `heapsight run` of a leaking service
with memory restarts under load) and opened in headless Chromium from disk. Folders of the machine that made them are
shortened in the pages first (`~/heapsight/...`, `/tmp/example/...`); nothing else is changed.

    .venv/bin/python scripts/report_screenshots.py [OUT_DIR]   # default docs/report/
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser, chromium_path  # noqa: E402
from report_results import demo, heapsight, pattern_snapshots, watch, workdir  # noqa: E402


def check_page() -> Path:
    page = workdir() / "check.html"
    scenarios = ROOT / "tests" / "check_scenarios"
    done = heapsight("check", str(scenarios / "leak_listener.js"),
                     str(scenarios / "clean_churn.js"), "--html", str(page), "--runs-dir",
                     str(workdir() / "check-runs"), cwd=workdir())
    assert done.returncode == 3, done.stderr
    return page


def run_page() -> Path:
    """Two instances of a service keeping 64 KiB per request, restarted at 96 MiB under load."""
    from run_support import Supervised

    from heapsight.live.load import run_load

    args = ["--port", "0", "--instances", "2", "--max-memory", "96MiB", "--for", "1s",
            "--grace", "1s", "--memory-cooldown", "0s", "--kill-timeout", "5s"]
    folder = workdir() / "run"
    folder.mkdir(exist_ok=True)
    with Supervised(folder, args, env={"LEAK_KB": "64"}) as run:
        run_load([f"http://127.0.0.1:{run.port()}/orders"], requests=200_000, concurrency=8,
                 keep_alive=True, timeout=30, stop_when=lambda: len(run.events("restarted")) >= 4)
        run.stop()
        runs = run.events_path().parent
    page = workdir() / "run.html"
    done = heapsight("report", str(runs), "-o", str(page))
    assert done.returncode == 0, done.stderr
    return page


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "report"
    if chromium_path() is None:
        print("chromium is not installed (scripts/install-optional-tools.sh)", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    redacted = workdir() / "find-leaks-redacted.html"
    done = heapsight("find-leaks", *(str(p) for p in pattern_snapshots()), "--html",
                     str(redacted), "--redact")
    assert done.returncode == 3, done.stderr
    pages = {"hunt": demo()[1], "watch": watch()[1], "find-leaks-redacted": redacted,
             "check": check_page(), "run": run_page()}
    with Browser(width=1200, height=900) as browser:
        for name, page in pages.items():
            shown = workdir() / f"shown-{name}.html"
            shown.write_text(page.read_text().replace(str(ROOT), "~/heapsight")
                             .replace(str(workdir()), "/tmp/example"))
            browser.open(shown)
            browser.screenshot(out / f"{name}.png")
            print(f"wrote {out / name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
