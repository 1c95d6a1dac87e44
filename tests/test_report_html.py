"""`--html` and `heapsight report`: one self-contained page per result, from real results.

What the page holds is checked in its HTML here (cards, chart series, table rows, escaping,
redaction, size); tests/test_report_browser.py opens the same pages in a real browser."""

from __future__ import annotations

import html
import json
import re
import shutil
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest
from report_results import (
    NODE,
    demo,
    demo_snapshots,
    find_leaks_page,
    heapsight,
    hunt_with_stacks,
    watch,
    week_page,
)

from heapsight.report.html import MAX_POINTS, render_html

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

HOSTILE = "<img src=x onerror=alert(1)>"
SECRET_CLASS = "TokenHolderZq"


def series_paths(page: str) -> dict[str, int]:
    """data-series name -> number of points in its SVG path."""
    return {name: d.count(" L") + 1 for name, d in
            re.findall(r'<path class="series" data-series="([^"]+)" d="([^"]*)"', page)}


def assert_self_contained(page: str) -> None:
    # nothing that could fetch: no src/href attributes, no url(), no external scripts
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert "url(" not in page and "@import" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


@needs_node
def test_find_leaks_page_has_verdict_chart_table_and_a_card_per_leak() -> None:
    document, page_path = find_leaks_page()
    page = page_path.read_text()
    assert stat.S_IMODE(page_path.stat().st_mode) == 0o600
    assert_self_contained(page)
    assert f'{len(document["leaks"])} leaks found' in page
    assert page.count('<article class="leak-card"') == len(document["leaks"]) >= 8
    for leak in document["leaks"]:
        assert f'<span class="badge">{leak["category"]}</span>' in page
    assert series_paths(page) == {"heap_used": 3}
    rows = re.search(r'<table id="growth".*?<tbody>(.*?)</tbody>', page, re.S)
    assert rows and rows.group(1).count("<tr>") == len(document["growing_classes"])
    # sizes per snapshot and the final snapshot's retained size, in the JSON and the table
    assert ">self @3</th>" in page and ">retained @final</th>" in page
    for row in document["growing_classes"]:
        assert len(row["self_sizes"]) == len(row["counts"]) == len(document["snapshots"])
        assert min(row["self_sizes"]) > 0 and row["retained_size"] >= row["self_sizes"][-1]
    # each chain runs from the GC root to the leaked object, the holder marked on the way
    first = document["leaks"][0]
    card = page.split('<article class="leak-card" id="leak-1">')[1].split("</article>")[0]
    assert card.count('<li class="step') == len(first["retainer_path"])
    assert 'class="step holder"' in card and card.rfind("leaked") > card.find("holder")


@needs_node
def test_an_empty_result_says_no_leak() -> None:
    _, page_path = find_leaks_page(leaks=False)
    page = page_path.read_text()
    assert "No leak found" in page and "leak-card" not in page.split("<main>")[1]


@needs_node
def test_hunt_page_and_report_of_its_run_folder(tmp_path) -> None:
    document, page_path = demo()
    page = page_path.read_text()
    assert_self_contained(page)
    assert page.count('<article class="leak-card"') == len(document["leaks"])
    assert series_paths(page) == {"heap_used": 3}
    for name in ("baseline", "target", "final"):
        assert f">{name}</text>" in page  # the x axis names the snapshots
    # the same page from the saved run folder
    again = tmp_path / "again.html"
    done = heapsight("report", document["run_dir"], "-o", str(again))
    assert done.returncode == 0, done.stderr
    strip = re.compile(r"Made by heapsight on [^.<]*\.")
    assert strip.sub("", again.read_text()) == strip.sub("", page)


def test_watch_page_draws_every_metric_the_trend_and_restarts(tmp_path) -> None:
    document, page_path, _ = watch()
    page = page_path.read_text()
    assert_self_contained(page)
    assert "LEAK" in page and 'class="banner bad"' in page
    lines = series_paths(page)
    assert set(lines) == {"heap_used", "heap_total", "external", "rss"}
    assert all(count <= 2 * MAX_POINTS for count in lines.values())
    assert page.count('class="trend"') == len(document["segments"]) == 3
    assert page.count('class="marker restart"') == document["restarts"] == 2
    assert 'class="alert-window"' in page
    # the history of that run renders the same chart
    history_page = tmp_path / "run.html"
    done = heapsight("history", str(document["run_id"]), "--html", str(history_page))
    assert done.returncode == 0, done.stderr
    assert series_paths(history_page.read_text()) == lines
    # and the saved JSON alone (no samples in it) still gives the verdict
    saved = tmp_path / "watch.json"
    saved.write_text(json.dumps(document))
    done = heapsight("report", str(saved), "-o", str(tmp_path / "w.html"))
    assert done.returncode == 0 and "LEAK" in (tmp_path / "w.html").read_text()


@needs_node
def test_every_command_result_renders(tmp_path) -> None:
    baseline, _, final = (str(p) for p in demo_snapshots())
    results = {
        "summary": heapsight("summary", final, "--json", "--top", "5").stdout,
        "diff": heapsight("diff", baseline, final, "--json").stdout,
        "lint": heapsight("lint", str(Path(__file__).parent / "corpus" / "lint"),
                          "--format", "json").stdout,
    }
    results["inspect"] = heapsight(
        "inspect", final, f"@{json.loads(results['summary'])['largest'][0]['id']}",
        "--json").stdout
    for name, text in results.items():
        source = tmp_path / f"{name}.json"
        source.write_text(text)
        out = tmp_path / f"{name}.html"
        done = heapsight("report", str(source), "-o", str(out))
        assert done.returncode == 0, (name, done.stderr)
        page = out.read_text()
        assert_self_contained(page)
        assert f"heapsight {name}" in page
    assert "<table" in (tmp_path / "summary.html").read_text()
    assert "<table" in (tmp_path / "diff.html").read_text()


def test_bad_input_is_one_line(tmp_path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    for args in (["report", str(tmp_path / "bad.json"), "-o", str(tmp_path / "x.html")],
                 ["report", str(tmp_path / "missing.json"), "-o", str(tmp_path / "x.html")],
                 ["report", str(tmp_path), "-o", str(tmp_path / "x.html")],
                 ["history", "--html", str(tmp_path / "x.html")]):
        done = heapsight(*args)
        assert done.returncode in (1, 2), args
        assert done.stderr.count("\n") == 1 and "heapsight: error:" in done.stderr, done.stderr
        assert not (tmp_path / "x.html").exists()
    # --html never replaces a file that is not a heapsight page (a snapshot named by mistake)
    snapshot = tmp_path / "keep.heapsnapshot"
    snapshot.write_text('{"snapshot": {}}')
    (tmp_path / "r.json").write_text('{"leaks": []}')
    for args in (["find-leaks", "a", "b", "c", "--html", str(snapshot)],
                 ["report", str(tmp_path / "r.json"), "-o", str(snapshot)]):
        done = heapsight(*args)
        assert done.returncode == 1 and "is not a heapsight HTML report" in done.stderr
        assert snapshot.read_text() == '{"snapshot": {}}'


HOSTILE_PROGRAM = """
const v8 = require('v8');
const out = process.argv[1];
class %s { constructor(i) { this.i = i; this.note = 'secret-value-' + i; } }
globalThis[%s] = [];
function serve(n) { for (let i = 0; i < n; i++) globalThis[%s].push(new %s(i)); }
serve(100); gc(); v8.writeHeapSnapshot(out + '/1.heapsnapshot');
serve(400); gc(); v8.writeHeapSnapshot(out + '/2.heapsnapshot');
serve(400); gc(); v8.writeHeapSnapshot(out + '/3.heapsnapshot');
"""


@needs_node
def test_heap_strings_are_escaped_and_redacted(tmp_path) -> None:
    name = json.dumps(HOSTILE)
    program = textwrap.dedent(HOSTILE_PROGRAM % (SECRET_CLASS, name, name, SECRET_CLASS))
    subprocess.run([str(shutil.which("node")), "--expose-gc", "-e", program, str(tmp_path)],
                   check=True, timeout=120)
    snapshots = [str(tmp_path / f"{i}.heapsnapshot") for i in (1, 2, 3)]
    plain, hidden = tmp_path / "plain.html", tmp_path / "redacted.html"
    assert heapsight("find-leaks", *snapshots, "--min-size", "1KiB", "--html",
                     str(plain)).returncode == 3
    page = plain.read_text()
    assert SECRET_CLASS in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert HOSTILE not in page  # never as markup
    assert heapsight("find-leaks", *snapshots, "--min-size", "1KiB", "--html", str(hidden),
                     "--redact").returncode == 3
    page = hidden.read_text()
    assert SECRET_CLASS not in page and "img src" not in page and "secret-value" not in page
    assert "Heap strings are redacted" in page and 'class="leak-card"' in page


def test_a_week_of_one_second_samples_stays_small() -> None:
    page = week_page().read_bytes()
    assert len(page) < 2 * 1024 * 1024, len(page)  # the budget: 2 MiB for any series
    lines = series_paths(page.decode())
    assert len(lines) == 5 and all(count <= 2 * MAX_POINTS for count in lines.values())


@needs_node
def test_allocation_stacks_are_drawn_in_their_cards() -> None:
    document, page_path = hunt_with_stacks()
    page = page_path.read_text()
    with_stacks = [leak for leak in document["leaks"] if leak.get("allocation_stack")]
    assert with_stacks, "--track-allocations recorded no stack"
    assert page.count('<ol class="stack">') == len(with_stacks)
    for leak in with_stacks:
        number = document["leaks"].index(leak) + 1
        card = page.split(f'<article class="leak-card" id="leak-{number}">')[1]
        card = card.split("</article>")[0]
        assert card.count("<li><code>") == len(leak["allocation_stack"])
        for frame in leak["allocation_stack"]:
            assert html.escape(frame["function"]) in card


@needs_node
def test_a_huge_leak_list_renders() -> None:
    document, _ = find_leaks_page()
    huge = {**document, "leaks": document["leaks"] * 40}
    page = render_html(huge, "find-leaks")
    assert page.count('<article class="leak-card"') == len(huge["leaks"]) >= 320
    assert f'{len(huge["leaks"])} leaks found' in page


def test_redaction_keeps_categories_sizes_and_builtin_names() -> None:
    from heapsight.report.redact_result import redact_document

    leak = {"category": "resource-per-request", "class": "DbPool", "holder": "request",
            "headline": "resource-per-request: 3 DbPool (1.0 KiB) retained by request, +1 per step",
            "advice": "Create the DbPool once.", "retained_size": 1024,
            "retainer_path": [{"node": "global", "edge": None, "id": 1, "type": "object"},
                              {"node": "request", "edge": "request", "id": 2, "type": "object"},
                              {"node": "Map", "edge": "table", "id": 3, "type": "object"},
                              {"node": '"Bearer abc"', "edge": "[4]", "id": 4, "type": "string"}]}
    document = redact_document({"leaks": [leak], "growing_classes": [
        {"class": "DbPool", "counts": [1, 2, 3]}]})
    redacted = document["leaks"][0]
    assert redacted["headline"].startswith("resource-per-request: 3 Class-1 (1.0 KiB) retained by")
    assert "DbPool" not in json.dumps(document) and "Bearer" not in json.dumps(document)
    assert [step["edge"] for step in redacted["retainer_path"]] == [None, "name-1", "table", "[4]"]
    assert redacted["retainer_path"][2]["node"] == "Map"
    assert redacted["retainer_path"][3]["node"] == '"…(10 chars)"'
    assert redacted["retained_size"] == 1024 and redacted["category"] == leak["category"]
    assert document["growing_classes"] == [{"class": "Class-1", "counts": [1, 2, 3]}]
