"""No-flake evidence and the comparison with the old way, for `heapsight check`.

Runs each scenario RUNS times with `heapsight check` (default settings) and with a
`leakage`-style heap-over-GC loop (check_leakage_style.js), one after the other, and prints
a markdown table: verdicts per tool and scenario (detections on leaking scenarios, false
alarms on clean ones, undecided), and the median seconds to a verdict. Raw results go to
bench/work/check_bench.json.

    python bench/check_bench.py [--runs 20] [SCENARIO...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
SCENARIOS = HERE.parent / "tests" / "check_scenarios"
DEFAULT = ["clean_bounded_cache.js", "clean_churn.js", "clean_warmup_plateau.js",
           "leak_200_bytes.js", "leak_listener.js", "leak_interval.js"]


def heapsight_check(scenario: Path, work: Path) -> tuple[str, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "heapsight", "check", str(scenario), "--json",
                           "--runs-dir", str(work / "runs")], capture_output=True, text=True,
                          cwd=work, timeout=900)
    seconds = time.monotonic() - started
    try:
        return json.loads(done.stdout)["scenarios"][0]["verdict"], seconds
    except (ValueError, KeyError, IndexError):
        return f"failed ({done.stderr.strip()[-200:]})", seconds


def leakage_style(scenario: Path) -> tuple[str, float]:
    started = time.monotonic()
    done = subprocess.run(["node", "--expose-gc", str(HERE / "check_leakage_style.js"),
                           str(scenario)], capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    try:
        return json.loads(done.stdout)["verdict"], seconds
    except (ValueError, KeyError):
        return f"failed ({done.stderr.strip()[-200:]})", seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("scenarios", nargs="*", default=DEFAULT)
    args = parser.parse_args()
    results: dict[str, dict[str, list]] = {}
    work = Path(tempfile.mkdtemp(prefix="check-bench-"))
    try:
        for run in range(args.runs):
            for name in args.scenarios:
                scenario = SCENARIOS / name
                for tool, measure in (("heapsight check", lambda s=scenario: heapsight_check(s, work)),
                                      ("leakage-style", lambda s=scenario: leakage_style(s))):
                    verdict, seconds = measure()
                    results.setdefault(tool, {}).setdefault(name, []).append([verdict, seconds])
                    print(f"run {run + 1}: {tool:16} {name:28} {verdict:10} {seconds:6.1f}s",
                          file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = HERE / "work" / "check_bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print("| tool | scenario | expected | pass | leak | undecided | other | median s |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for tool, by_scenario in results.items():
        for name, runs in by_scenario.items():
            counts = Counter(v if v in ("pass", "leak", "undecided") else "other" for v, _ in runs)
            expected = "leak" if name.startswith("leak") else "pass"
            median = statistics.median(s for _, s in runs)
            print(f"| {tool} | {name} | {expected} | {counts['pass']} | {counts['leak']} | "
                  f"{counts['undecided']} | {counts['other']} | {median:.1f} |")


if __name__ == "__main__":
    main()
