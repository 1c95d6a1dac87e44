"""The HTML reports in a real headless Chromium, opened from disk: no console error, no network
request, the charts drawn with their series, the leak cards present, sorting and filtering work.

Chromium comes from Debian's `chromium` package (scripts/install-optional-tools.sh); without it
these tests skip and say so."""

from __future__ import annotations

import json

import pytest
from browser import Browser, chromium_path
from report_results import NODE, demo, find_leaks_page, watch, week_page

pytestmark = [pytest.mark.skipif(
    chromium_path() is None,
    reason="chromium not installed (scripts/install-optional-tools.sh installs it)"),
    pytest.mark.timeout(300)]
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

STATE = """JSON.stringify({
  ready: document.body.getAttribute('data-ready'),
  series: Array.from(document.querySelectorAll('svg.chart path.series'))
    .map(p => [p.getAttribute('data-series'), p.getTotalLength() > 0]),
  trends: document.querySelectorAll('svg.chart .trend').length,
  cards: document.querySelectorAll('article.leak-card').length,
  chains: Array.from(document.querySelectorAll('article.leak-card ol.chain'))
    .map(c => c.querySelectorAll('li').length),
  rows: document.querySelectorAll('table tbody tr').length,
  chartHeight: (document.querySelector('svg.chart') || {getBoundingClientRect: () => ({height: 0})})
    .getBoundingClientRect().height,
})"""

SORT_AND_FILTER = """(() => {
  const table = document.querySelector('table.sortable');
  const header = table.querySelectorAll('th')[table.querySelectorAll('th').length - 1];
  const values = () => Array.from(table.tBodies[0].rows)
    .map(r => parseFloat(r.cells[r.cells.length - 1].getAttribute('data-value')));
  header.click();
  const ascending = values();
  header.click();
  const descending = values();
  const input = document.querySelector('input.filter');
  const first = table.tBodies[0].rows[0].cells[0].textContent;
  input.value = first;
  input.dispatchEvent(new Event('input'));
  const shown = Array.from(table.tBodies[0].rows).filter(r => r.style.display !== 'none');
  return JSON.stringify({ascending, descending, shown: shown.length,
                         all: table.tBodies[0].rows.length});
})()"""


@pytest.fixture(scope="module")
def browser():
    with Browser() as opened:
        yield opened


def open_page(browser: Browser, page) -> dict:
    url = browser.open(page)
    state = json.loads(browser.evaluate(STATE))
    problems = browser.problems(url)
    assert problems == {"errors": [], "requests": []}, problems
    assert state["ready"] == "1"  # the page's script ran to its end
    return state


@needs_node
def test_hunt_report(browser) -> None:
    document, page = demo()
    state = open_page(browser, page)
    assert state["series"] == [["heap_used", True]]
    assert state["cards"] == len(document["leaks"]) >= 4
    assert state["chains"] == [len(leak["retainer_path"]) for leak in document["leaks"]]
    assert state["chartHeight"] > 100
    order = json.loads(browser.evaluate(SORT_AND_FILTER))
    assert order["ascending"] == sorted(order["ascending"])
    assert order["descending"] == sorted(order["descending"], reverse=True)
    assert 1 <= order["shown"] < order["all"]


@needs_node
def test_find_leaks_report_redacted_and_an_empty_one(browser) -> None:
    for leaks in (True, False):
        _, page = find_leaks_page(leaks=leaks, redact=leaks)
        state = open_page(browser, page)
        assert state["series"] == [["heap_used", True]]
        assert (state["cards"] >= 8) if leaks else (state["cards"] == 0)


def test_watch_report(browser) -> None:
    document, page, _ = watch()
    state = open_page(browser, page)
    assert sorted(name for name, drawn in state["series"] if drawn) == [
        "external", "heap_total", "heap_used", "rss"]
    assert state["trends"] == len(document["segments"])
    assert state["cards"] == 0 and state["rows"] == len(document["segments"])


def test_a_week_of_samples(browser) -> None:
    state = open_page(browser, week_page())
    assert sorted(name for name, drawn in state["series"] if drawn) == [
        "array_buffers", "external", "heap_total", "heap_used", "rss"]


def test_the_probe_sees_requests_and_errors(browser, tmp_path) -> None:
    """The checks above can fail: a page that fetches (from a closed loopback port) and logs
    an error is caught."""
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><body><script>fetch('http://127.0.0.1:9/x').catch(() => {});"
                    "console.error('boom');</script></body>")
    url = browser.open(page)
    browser.evaluate("new Promise(r => setTimeout(r, 200))")
    problems = browser.problems(url)
    assert any("127.0.0.1:9/x" in request for request in problems["requests"]), problems
    assert any("boom" in error for error in problems["errors"]), problems
