"""`heapsight summary` and `heapsight inspect` on real snapshots, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROGRAM = """
class RequestEntry { constructor(i) { this.id = i; this.body = 'req-' + i + '-' + 'y'.repeat(80); } }
const requestLog = [];
for (let i = 0; i < 4000; i++) requestLog.push(new RequestEntry(i));
globalThis.requestLog = requestLog;
"""


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    from conftest import NODE, write_snapshot
    if NODE is None:
        pytest.skip("node is not installed")
    return write_snapshot(tmp_path_factory.mktemp("summary"), PROGRAM)


def heapsight(*args):
    result = subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_summary_json_follows_the_contract(snapshot):
    data = json.loads(heapsight("summary", str(snapshot), "--json", "--top", "10"))
    for key in ("nodes", "edges", "total_size", "classes", "largest"):
        assert key in data
    assert len(data["classes"]) == 10
    entry = next(c for c in data["classes"] if c["class"] == "RequestEntry")
    assert entry["count"] == 4000
    assert entry["retained_size"] >= entry["self_size"] > 0
    log = next(o for o in data["largest"] if o["class"] == "Array")
    assert log["retained_size"] >= entry["retained_size"]  # the array dominates every entry
    path = log["retainer_path"]
    assert path[-1]["edge"] == "requestLog" and path[-1]["node"] == "Array"
    assert path[0]["edge"] is None
    assert all(set(step) >= {"node", "edge"} for step in path)


def test_summary_sorts_by_count(snapshot):
    data = json.loads(heapsight("summary", str(snapshot), "--json", "--sort", "count"))
    counts = [c["count"] for c in data["classes"]]
    assert counts == sorted(counts, reverse=True)


def test_summary_text_names_the_path(snapshot):
    text = heapsight("summary", str(snapshot), "--top", "5")
    assert "RequestEntry" in text
    assert "requestLog (Array)" in text


def test_inspect_shows_references_retainers_and_path(snapshot):
    data = json.loads(heapsight("summary", str(snapshot), "--json"))
    log = next(o for o in data["largest"] if o["class"] == "Array")
    detail = json.loads(heapsight("inspect", str(snapshot), f"@{log['id']}", "--json"))
    assert detail["class"] == "Array" and detail["retained_size"] == log["retained_size"]
    assert detail["reference_count"] >= 4000
    assert any(r["edge"] == "requestLog" for r in detail["retainers"])
    assert detail["references"][0]["node"] == "RequestEntry"
    text = heapsight("inspect", str(snapshot), str(log["id"]))
    assert "requestLog" in text


def test_inspect_unknown_id(snapshot):
    result = subprocess.run([sys.executable, "-m", "heapsight", "inspect", str(snapshot), "@2"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "no object with id @2" in result.stderr
