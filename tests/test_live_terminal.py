"""Heap strings are attacker-controlled (a query-string key becomes a property name): no text
view may hand a raw control character, or rich markup, from a snapshot to the terminal."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NODE = shutil.which("node")
pytestmark = [pytest.mark.skipif(NODE is None, reason="node is not installed"),
              pytest.mark.timeout(240)]

# Retitles the terminal, clears the screen, rings the bell, and carries rich markup.
EVIL = "\x1b]0;pwned\x07Evil\x1b[2J\u202e[bold red]boom[/bold red]\x9b"
PROGRAM = r"""
const v8 = require('v8');
const name = %s;
class Evil { constructor(i) { this.i = i; this[name + (i %% 3)] = 'value\x1b[2J' + i; } }
Evil.prototype[Symbol.toStringTag] = name;  // heap snapshots name instances by it
globalThis.store = { [name]: [] };
function grow() { for (let i = 0; i < 3000; i++) store[name].push(new Evil(i)); }
for (const file of ['s1', 's2', 's3']) { grow(); v8.writeHeapSnapshot(file + '.heapsnapshot'); }
"""
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def heapsight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                          text=True, timeout=200, cwd=cwd, env=env)


def test_no_raw_control_character_in_any_text_view(tmp_path):
    subprocess.run([NODE, "-e", PROGRAM % json.dumps(EVIL)], cwd=tmp_path, check=True,
                   timeout=120)
    summary = heapsight("summary", "s3.heapsnapshot", "--json", cwd=tmp_path)
    path = next(item["retainer_path"] for item in json.loads(summary.stdout)["largest"]
                if item["retainer_path"][-1]["edge"] == EVIL)
    store_id = path[-2]["id"]  # the object holding a property named EVIL
    diff = json.loads(heapsight("diff", "s1.heapsnapshot", "s3.heapsnapshot", "--json",
                                cwd=tmp_path).stdout)
    grown = max(diff["classes"], key=lambda row: row["new"])["class"]
    runs = {
        "summary": heapsight("summary", "s3.heapsnapshot", "--sort", "count", "--top", "50",
                             cwd=tmp_path),
        "inspect": heapsight("inspect", "s3.heapsnapshot", f"@{store_id}", cwd=tmp_path),
        "diff": heapsight("diff", "s1.heapsnapshot", "s3.heapsnapshot", "--class", grown,
                          cwd=tmp_path),
        "find-leaks": heapsight("find-leaks", "s1.heapsnapshot", "s2.heapsnapshot",
                                "s3.heapsnapshot", "--min-size", "1B", cwd=tmp_path),
        "error": heapsight("summary", EVIL + ".heapsnapshot", cwd=tmp_path),
    }
    for name, run in runs.items():
        assert run.returncode in ((1,) if name == "error" else (0, 3)), (name, run.stderr)
        for stream in (run.stdout, run.stderr):
            found = RAW_CONTROL.search(stream)
            assert found is None, (name, stream[max(0, found.start() - 40):found.end() + 40])
    # The names are shown, escaped, with their markup as plain text.
    shown = "\\x1b]0;pwned\\x07Evil\\x1b[2J\\u202e[bold red]boom[/bold red]\\x9b"
    assert shown in runs["summary"].stdout
    assert shown in runs["diff"].stdout
    assert shown in runs["find-leaks"].stdout
    assert shown in runs["inspect"].stdout
    assert runs["error"].stderr.count("\n") == 1 and shown in runs["error"].stderr


def test_names_stay_whole_at_80_columns(tmp_path):
    """diff and history used to fold class names and targets into unreadable pieces."""
    program = r"""
    class OrdersServiceRequestContextEntry { constructor(i) { this.i = i; } }
    globalThis.kept = [];
    for (const file of ['a', 'b']) {
      for (let i = 0; i < 500; i++) kept.push(new OrdersServiceRequestContextEntry(i));
      require('v8').writeHeapSnapshot(file + '.heapsnapshot');
    }
    """
    subprocess.run([NODE, "-e", program], cwd=tmp_path, check=True, timeout=120)
    env = {**os.environ, "COLUMNS": "80"}
    run = subprocess.run([sys.executable, "-m", "heapsight", "diff", "a.heapsnapshot",
                          "b.heapsnapshot", "--top", "15"], capture_output=True, text=True,
                         timeout=200, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    row = next(line for line in lines if "OrdersService" in line)
    # The name (whole, or cut with an ellipsis) and all its figures on one line, none cut.
    words = row.split()
    assert words[1:4] == ["500", "0", "+500"] and len(words) == 8 and "…" not in row[30:]
    assert "retained Δ" in run.stdout

    from rich.console import Console

    from heapsight.report.watch_text import runs_table
    target = "log:/var/log/services/orders-api/production/memory-metrics.jsonl"
    console = Console(width=80, record=True, color_system=None)
    console.print(runs_table([{"id": 7, "target": target, "started": 1.7e9, "samples": 1234,
                               "verdict": "insufficient-data", "slope_bytes_per_hour": 1.3e9,
                               "result": {"duration_seconds": 3600}}]))
    text = console.export_text()
    assert target in text and "insufficient-data" in text and "+1.2 GiB/h" in text
