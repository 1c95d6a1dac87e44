"""What the rules flag really leaks, and the look-alikes they pass really do not.

Each pair is a small CommonJS module with a `handle(req, res)` and a `measure()`. The linter
must flag the leaky one (with the named rule) and not the fixed one; then node calls each
`handle` CALLS times with fresh request/response emitters (closing them after every call) and
reports `measure()`: the leaky module's number grows with the calls, the fixed one's does not.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from heapsight.lint.engine import lint_paths, select_rules

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

CALLS = 200

HARNESS = """
const { EventEmitter } = require('events');
const target = require(process.argv[2]);
(async () => {
  const refs = [];
  for (let i = 0; i < CALLS; i++) {
    const req = new EventEmitter();
    req.url = '/item/' + i; req.ip = '10.0.0.' + i; req.user = { id: i };
    req.body = Buffer.alloc(1024);
    const res = new EventEmitter();
    res.write = () => true; res.end = () => {};
    refs.push(new WeakRef(req));
    await target.handle(req, res);
    req.emit('end'); res.emit('finish'); res.emit('close'); req.emit('close');
  }
  // let WeakRefs go (they hold their target until the job ends), then collect
  for (let i = 0; i < 3; i++) { await new Promise((r) => setImmediate(r)); globalThis.gc(); }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  console.log(JSON.stringify({ measure: target.measure({ alive }) }));
  process.exit(0);
})();
""".replace("CALLS", str(CALLS))

TIMERS = "() => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length"

PAIRS = {
    "listener-not-removed": ("""
        const { EventEmitter } = require('events');
        const bus = new EventEmitter();
        bus.setMaxListeners(0);
        function handle(req, res) {
          bus.on('update', (d) => res.write(d));
        }
        module.exports = { handle, measure: () => bus.listenerCount('update') };
        """, """
        const { EventEmitter } = require('events');
        const bus = new EventEmitter();
        bus.setMaxListeners(0);
        function handle(req, res) {
          const onUpdate = (d) => res.write(d);
          bus.on('update', onUpdate);
          res.on('close', () => bus.off('update', onUpdate));
        }
        module.exports = { handle, measure: () => bus.listenerCount('update') };
        """),
    "interval-not-cleared": (f"""
        function handle(req, res) {{
          setInterval(() => res.write('.'), 60000);
        }}
        module.exports = {{ handle, measure: {TIMERS} }};
        """, f"""
        function handle(req, res) {{
          const tick = setInterval(() => res.write('.'), 60000);
          res.on('close', () => clearInterval(tick));
        }}
        module.exports = {{ handle, measure: {TIMERS} }};
        """),
    "closure-captures-request": ("""
        const log = [];
        function handle(req, res) {
          setInterval(() => log.length < 5 && log.push(req.user.id), 60000);
        }
        module.exports = { handle, measure: ({ alive }) => alive };
        """, """
        const log = [];
        function handle(req, res) {
          const userId = req.user.id;
          setInterval(() => log.length < 5 && log.push(userId), 60000);
        }
        module.exports = { handle, measure: ({ alive }) => alive };
        """),
    "module-collection-growth": ("""
        const seen = [];
        function handle(req, res) {
          seen.push({ url: req.url, at: Date.now() });
        }
        module.exports = { handle, measure: () => seen.length };
        """, """
        const seen = [];
        function handle(req, res) {
          seen.push({ url: req.url, at: Date.now() });
          if (seen.length > 50) seen.shift();
        }
        module.exports = { handle, measure: () => seen.length };
        """),
    "cache-without-eviction": ("""
        const cache = new Map();
        async function handle(req, res) {
          if (cache.has(req.url)) return cache.get(req.url);
          const page = await Promise.resolve('<html>' + req.url);
          cache.set(req.url, page);
          return page;
        }
        module.exports = { handle, measure: () => cache.size };
        """, """
        const cache = new Map();
        async function handle(req, res) {
          if (cache.has(req.url)) return cache.get(req.url);
          const page = await Promise.resolve('<html>' + req.url);
          if (cache.size >= 50) cache.delete(cache.keys().next().value);
          cache.set(req.url, page);
          return page;
        }
        module.exports = { handle, measure: () => cache.size };
        """),
    "global-collection-growth": ("""
        function handle(req, res) {
          globalThis.visits = globalThis.visits || [];
          globalThis.visits.push(req.ip);
        }
        module.exports = { handle, measure: () => globalThis.visits.length };
        """, """
        function handle(req, res) {
          globalThis.visits = globalThis.visits || [];
          globalThis.visits.push(req.ip);
          if (globalThis.visits.length > 50) globalThis.visits.shift();
        }
        module.exports = { handle, measure: () => globalThis.visits.length };
        """),
}


def measure(tmp_path: Path, name: str, code: str) -> tuple[set[str], int]:
    module = tmp_path / f"{name}.js"
    module.write_text(textwrap.dedent(code))
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    rules = {f.rule for f in lint_paths([module], select_rules()).findings}
    done = subprocess.run(["node", "--expose-gc", str(harness), str(module)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return rules, json.loads(done.stdout)["measure"]


@pytest.mark.parametrize("rule", sorted(PAIRS))
def test_flagged_code_leaks_and_the_look_alike_does_not(tmp_path, rule):
    leaky, fixed = PAIRS[rule]
    leaky_rules, leaky_growth = measure(tmp_path, "leaky", leaky)
    fixed_rules, fixed_growth = measure(tmp_path, "fixed", fixed)
    assert rule in leaky_rules
    assert rule not in fixed_rules
    assert leaky_growth >= CALLS * 0.9  # one more listener/timer/entry/request per call
    assert fixed_growth <= 60
