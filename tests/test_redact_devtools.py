"""The redacted copy in DevTools' own heap snapshot loader (Chromium's bundled DevTools
frontend, run headless): same node count, total size and per-class count, self size and
retained size as the original. Skips without chromium (scripts/install-optional-tools.sh)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from browser import Browser, chromium_path

from heapsight.report.redact import redact_snapshot

NODE = shutil.which("node")
pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.skipif(chromium_path() is None, reason="chromium not installed "
                       "(scripts/install-optional-tools.sh installs it)"),
    pytest.mark.timeout(300)]

# DevTools' loader and its second-thread helper, as its heap snapshot worker wires them
LOAD = """(async () => {
  const m = await import('./entrypoints/heap_snapshot_worker/heap_snapshot_worker.js');
  const loader = new m.HeapSnapshotLoader.HeapSnapshotLoader({sendEvent() {}});
  for (const chunk of window.__chunks) loader.write(chunk);
  loader.close();
  const channel = new MessageChannel();
  new m.HeapSnapshot.SecondaryInitManager(channel.port2);
  const snapshot = await loader.buildSnapshot(channel.port1);
  const classes = Object.fromEntries(Object.entries(snapshot.aggregatesWithFilter({}))
    .map(([key, v]) => [key, [v.count, v.self, v.maxRet]]));
  return JSON.stringify({nodes: snapshot.nodeCount, total: snapshot.totalSize, classes});
})()"""

PROGRAM = """
const token = 'tok_' + require('crypto').randomBytes(16).toString('hex');
class Session { constructor(i) { this.id = i; this.bearer = token + i; this.user = {name: 'u' + i}; } }
globalThis.sessions = Array.from({length: 300}, (_, i) => new Session(i));
globalThis.gc(); require('v8').writeHeapSnapshot(process.argv[1]);
"""


def devtools_view(browser: Browser, path) -> dict:
    text = path.read_text(encoding="utf-8")
    browser.evaluate("window.__chunks = []")
    for start in range(0, len(text), 1 << 20):
        browser.evaluate(f"window.__chunks.push({json.dumps(text[start:start + (1 << 20)])})")
    return json.loads(browser.evaluate(LOAD))


def test_devtools_reads_the_redacted_copy_as_the_original(tmp_path) -> None:
    original = tmp_path / "app.heapsnapshot"
    subprocess.run([str(NODE), "--expose-gc", "-e", PROGRAM, str(original)], check=True,
                   timeout=120)
    copy = tmp_path / "copy.heapsnapshot"
    assert redact_snapshot(original, copy).redacted > 0
    with Browser() as browser:
        browser.call("Page.navigate", {"url": "devtools://devtools/bundled/devtools_app.html"},
                     session=True)
        browser.wait_for("Page.loadEventFired")
        before, after = devtools_view(browser, original), devtools_view(browser, copy)
    assert before["nodes"] > 10_000 and len(before["classes"]) > 50
    assert after == before
    session = next(v for k, v in before["classes"].items() if k.endswith("Session"))
    assert session[0] == 300
