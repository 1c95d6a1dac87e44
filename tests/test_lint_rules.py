"""Each lint rule on a leak and on its correct look-alike; suppressions, selection, parsing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from heapsight import LEAK_CATEGORIES
from heapsight.errors import UsageError
from heapsight.lint.engine import lint_source, select_rules
from heapsight.lint.rules import RULES, rules_reference


def lint(code: str, language: str = "javascript", select: tuple[str, ...] = ()):
    source = textwrap.dedent(code).encode()
    findings, suppressed, problem = lint_source("t.js", source, language, select_rules(select))
    assert problem is None, problem
    return findings


def flagged(code: str, language: str = "javascript") -> set[tuple[int, str]]:
    return {(f.line, f.rule) for f in lint(code, language)}


# (rule, leaky code, line that must be flagged, correct look-alike)
CASES = [
    ("module-collection-growth", """
        const log = [];
        function onRequest(req) {
          log.push(req.url);
        }
        """, 4, """
        const log = [];
        function onRequest(req) {
          log.push(req.url);
          if (log.length > 100) log.shift();
        }
        """),
    ("module-collection-growth", """
        const users = new Set();
        function seen(user) {
          users.add(user);
        }
        """, 4, """
        const users = new Set();
        function seen(user) {
          users.add(user);
        }
        function gone(user) {
          users.delete(user);
        }
        """),
    ("listener-not-removed", """
        const bus = require('./bus');
        app.get('/x', (req, res) => {
          bus.on('tick', (t) => res.write(t));
        });
        """, 4, """
        const bus = require('./bus');
        app.get('/x', (req, res) => {
          const onTick = (t) => res.write(t);
          bus.on('tick', onTick);
          res.on('close', () => bus.off('tick', onTick));
        });
        """),
    ("listener-not-removed", """
        function handle(req, res) {
          process.on('exit', () => res.end());
        }
        """, 3, """
        function handle(req, res) {
          const onExit = () => res.end();
          process.once('exit', onExit);
          res.on('close', () => process.off('exit', onExit));
        }
        """),
    # `once` for an end-of-life event, per request: it only goes when the process ends
    ("listener-not-removed", """
        function handle(req, res) {
          process.once('SIGTERM', () => res.end());
        }
        """, 3, """
        const bus = require('./bus');
        function handle(req, res) {
          bus.once('tick', () => res.end());
        }
        """),
    ("listener-not-removed", """
        import { Widget } from './w';
        function handle(req, res) {
          window.addEventListener('message', () => res.end());
        }
        """, 4, """
        function handle(req, res) {
          const ac = new AbortController();
          window.addEventListener('message', () => res.end(), { signal: ac.signal });
        }
        """),
    ("interval-not-cleared", """
        class Poller {
          start() {
            this.timer = setInterval(() => this.poll(), 1000);
          }
        }
        """, 4, """
        class Poller {
          start() {
            this.timer = setInterval(() => this.poll(), 1000);
          }
          stop() {
            clearInterval(this.timer);
          }
        }
        """),
    ("interval-not-cleared", """
        function watch(conn) {
          setInterval(() => conn.ping(), 1000);
        }
        """, 3, """
        function watch(conn) {
          const t = setInterval(() => conn.ping(), 1000);
          conn.on('close', () => clearInterval(t));
        }
        """),
    ("closure-captures-request", """
        app.post('/job', (req, res) => {
          const t = setInterval(() => {
            audit(req.user.id);
          }, 1000);
        });
        """, 3, """
        app.post('/job', (req, res) => {
          const id = req.user.id;
          const t = setInterval(() => {
            audit(id);
          }, 1000);
        });
        """),
    ("cache-without-eviction", """
        const cache = new Map();
        async function get(id) {
          if (cache.has(id)) return cache.get(id);
          const v = await load(id);
          cache.set(id, v);
          return v;
        }
        """, 6, """
        const cache = new Map();
        async function get(id) {
          if (cache.has(id)) return cache.get(id);
          const v = await load(id);
          if (cache.size > 500) cache.clear();
          cache.set(id, v);
          return v;
        }
        """),
    ("client-per-request", """
        const { Pool } = require('pg');
        app.get('/u', async (req, res) => {
          const pool = new Pool();
          res.json(await pool.query('select 1'));
        });
        """, 4, """
        const { Pool } = require('pg');
        const pool = new Pool();
        app.get('/u', async (req, res) => {
          res.json(await pool.query('select 1'));
        });
        """),
    ("client-per-request", """
        const mysql = require('mysql2');
        function handler(req, res) {
          const c = mysql.createConnection({});
          c.query('select 1', (e, rows) => res.json(rows));
        }
        """, 4, """
        const mysql = require('mysql2');
        function handler(req, res) {
          const c = mysql.createConnection({});
          c.query('select 1', (e, rows) => { res.json(rows); c.end(); });
        }
        """),
    ("global-collection-growth", """
        function track(req) {
          globalThis.seen = globalThis.seen || [];
          globalThis.seen.push(req.url);
        }
        """, 4, """
        function track(req) {
          globalThis.seen = globalThis.seen || [];
          globalThis.seen.push(req.url);
          if (globalThis.seen.length > 10) globalThis.seen.shift();
        }
        """),
    ("global-patch-chain", """
        const fs = require('fs');
        const close = fs.close;
        fs.close = function (fd, cb) { return close.call(fs, fd, cb); };
        """, 4, """
        const fs = require('fs');
        if (!fs.close.patched) {
          const close = fs.close;
          fs.close = function (fd, cb) { return close.call(fs, fd, cb); };
          fs.close.patched = true;
        }
        """),
    ("timer-overwritten", """
        const cache = {};
        function put(key, value, ttl) {
          const record = { value };
          record.timeout = setTimeout(() => delete cache[key], ttl);
          cache[key] = record;
        }
        """, 5, """
        const cache = {};
        function put(key, value, ttl) {
          if (cache[key]) clearTimeout(cache[key].timeout);
          const record = { value };
          record.timeout = setTimeout(() => delete cache[key], ttl);
          cache[key] = record;
        }
        """),
    ("field-collection-growth", """
        class RpcClient {
          constructor() { this.pending = new Map(); this.seq = 0; }
          call(method) {
            const id = ++this.seq;
            return new Promise((resolve) => this.pending.set(id, resolve));
          }
          onReply(msg) { this.pending.get(msg.id)(msg.result); }
        }
        """, 6, """
        class RpcClient {
          constructor() { this.pending = new Map(); this.seq = 0; }
          call(method) {
            const id = ++this.seq;
            return new Promise((resolve) => this.pending.set(id, resolve));
          }
          onReply(msg) {
            const resolve = this.pending.get(msg.id);
            this.pending.delete(msg.id);
            resolve(msg.result);
          }
        }
        class QueryBuilder {
          constructor() { this.clauses = []; }
          where(column, value) { this.clauses.push({ column, value }); return this; }
        }
        """),
    ("implicit-global", """
        function deepest(tree) {
          for (var i = 0; i < tree.children.length; i++) {
            last = tree.children[i];
          }
          return last;
        }
        """, 4, """
        function deepest(tree) {
          var last;
          for (var i = 0; i < tree.children.length; i++) {
            last = tree.children[i];
          }
          return last;
        }
        """),
    ("cleanup-never-called", """
        class Ticker {
          constructor(res) { this.timer = setInterval(() => res.write('.'), 1000); }
          stop() { clearInterval(this.timer); }
        }
        app.get('/ticks', (req, res) => {
          const ticker = new Ticker(res);
        });
        """, 7, """
        class Ticker {
          constructor(res) { this.timer = setInterval(() => res.write('.'), 1000); }
          stop() { clearInterval(this.timer); }
        }
        app.get('/ticks', (req, res) => {
          const ticker = new Ticker(res);
          res.on('close', () => ticker.stop());
        });
        """),
    ("timeout-not-cleared", """
        async function load(url) {
          const controller = new AbortController();
          setTimeout(() => controller.abort(), 30000);
          return (await fetch(url, { signal: controller.signal })).json();
        }
        """, 4, """
        async function load(url) {
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), 30000);
          try {
            return (await fetch(url, { signal: controller.signal })).json();
          } finally {
            clearTimeout(timer);
          }
        }
        """),
]


@pytest.mark.parametrize(("rule", "leaky", "line", "correct"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_flags_the_leak_and_not_the_look_alike(rule, leaky, line, correct):
    assert (line, rule) in flagged(leaky)
    assert rule not in {r for _, r in flagged(correct)}


def test_every_rule_has_a_case_and_its_story():
    assert {c[0] for c in CASES} == {rule.id for rule in RULES}
    for rule in RULES:
        assert rule.category in LEAK_CATEGORIES
        doc = rule.documentation()
        for part in ("What it does:", "Why is this bad?", "Example:", "Use instead:"):
            assert part in doc, (rule.id, part)


def test_docs_list_every_rule_as_its_docstring_says():
    docs = (Path(__file__).parent.parent / "docs" / "lint.md").read_text(encoding="utf-8")
    assert rules_reference() in docs, "run: python -m heapsight.lint.docs docs/lint.md"


def test_listener_on_a_per_request_object_is_fine():
    assert not flagged("""
        app.post('/up', (req, res) => {
          req.on('data', (c) => res.write(c));
          res.on('close', () => req.destroy());
        });
        """)


def test_listener_on_a_keep_alive_socket_needs_removal_or_a_guard():
    # a keep-alive connection serves many requests: its socket collects one listener each
    assert (3, "listener-not-removed") in flagged("""
        app.post('/up', (req, res) => {
          req.socket.on('close', () => res.end());
        });
        """)
    assert not flagged("""
        const tracked = new WeakSet();
        app.post('/up', (req, res) => {
          if (!tracked.has(req.socket)) {
            tracked.add(req.socket);
            req.socket.on('close', onSocketClose);
          }
        });
        """)


def test_listener_on_a_signal_handed_in_must_be_removed_on_the_normal_path():
    found = flagged("""
        async function fetchAll(urls, signal) {
          signal.addEventListener('abort', () => stop(), { once: true });
          return Promise.all(urls.map((u) => get(u)));
        }
        """)
    assert (3, "listener-not-removed") in found
    assert not flagged("""
        async function fetchAll(urls, signal) {
          const onAbort = () => stop();
          signal.addEventListener('abort', onAbort, { once: true });
          try {
            return await Promise.all(urls.map((u) => get(u)));
          } finally {
            signal.removeEventListener('abort', onAbort);
          }
        }
        async function own(urls) {
          const controller = new AbortController();
          controller.signal.addEventListener('abort', () => stop());
          return get(urls[0], controller.signal);
        }
        """)


def test_helper_called_from_a_handler_is_per_call():
    found = flagged("""
        const bus = require('./bus');
        function subscribe(send) {
          bus.on('msg', send);
        }
        app.get('/s', (req, res) => subscribe((m) => res.write(m)));
        """)
    assert (4, "listener-not-removed") in found


def test_module_level_setup_is_not_per_call():
    assert not flagged("""
        const bus = require('./bus');
        bus.on('msg', (m) => console.log(m));
        setInterval(() => bus.emit('tick'), 1000);
        const pool = new Pool();
        """)


def test_shadowed_name_is_not_the_module_collection():
    assert not flagged("""
        const items = [];
        function f() {
          const items = [];
          items.push(1);
          return items;
        }
        """)


def test_typescript_and_tsx_are_understood():
    ts = """
        const cache: Map<string, number> = new Map<string, number>();
        export async function price(sku: string): Promise<number> {
          if (cache.has(sku)) return cache.get(sku)!;
          const v = (await fetchPrice(sku)) as number;
          cache.set(sku, v);
          return v;
        }
        """
    assert (6, "cache-without-eviction") in flagged(ts, "typescript")
    tsx = """
        export function Clock(): JSX.Element {
          useEffect(() => {
            window.addEventListener('resize', () => null);
          }, []);
          return <span>{Date.now()}</span>;
        }
        """
    assert (4, "listener-not-removed") in flagged(tsx, "tsx")


SUPPRESSIBLE = """
    const bus = require('./bus');
    function handle(req, res) {
      {comment}
      bus.on('x', () => res.end());
    }
    """


@pytest.mark.parametrize(("comment", "quiet"), [
    ("// heapsight-disable-next-line listener-not-removed", True),
    ("// heapsight-disable-next-line listener-leak -- closed by the pool", True),
    ("// heapsight-disable-next-line", True),
    ("/* heapsight-disable-next-line timer-leak, listener-leak */", True),
    ("// heapsight-disable-next-line timer-leak", False),
    ("// heapsight-disable-file listener-leak", True),
    ("// an ordinary comment", False),
])
def test_suppression_comments(comment, quiet):
    source = textwrap.dedent(SUPPRESSIBLE).replace("{comment}", comment).encode()
    rules = select_rules(["listener-not-removed"])
    findings, suppressed, _ = lint_source("t.js", source, "javascript", rules)
    assert (not findings) == quiet
    assert suppressed == (1 if quiet else 0)


def test_disable_line_at_the_end_of_the_line():
    findings, suppressed, _ = lint_source("t.js", textwrap.dedent("""
        function handle(req, res) {
          process.on('exit', () => res.end()); // heapsight-disable-line
        }
        """).encode(), "javascript", select_rules())
    assert not findings and suppressed == 2  # the listener and what its closure captures


def test_select_and_ignore_by_rule_or_category():
    assert {r.id for r in select_rules(["timer-leak"])} == {"interval-not-cleared",
                                                             "timer-overwritten",
                                                             "timeout-not-cleared",
                                                             "cleanup-never-called"}
    assert "listener-not-removed" not in {r.id for r in select_rules((), ["listener-leak"])}
    assert len(select_rules((), ["client-per-request"])) == len(RULES) - 1
    with pytest.raises(UsageError, match="unknown rule or category 'nope'"):
        select_rules(["nope"])


def test_a_file_that_does_not_parse_is_reported_not_linted():
    findings, _, problem = lint_source("bad.js", b"function (\n  {{{ seen.push(1)\n",
                                       "javascript", select_rules())
    assert findings == []
    assert problem is not None and "syntax error" in problem.message and problem.line >= 1


def test_columns_count_characters_not_bytes():
    code = "const a = 'é€'; function f(req, res) { process.on('x', () => res.end()); }\n"
    findings, _, _ = lint_source("u.js", code.encode(), "javascript",
                                 select_rules(["listener-leak"]))
    assert [f.column for f in findings] == [code.index("process") + 1]


def test_start_up_code_is_not_per_event_growth():
    assert not flagged("""
        const plugins = {};
        const routes = [];
        function registerPlugin(name, plugin) {
          plugins[name] = plugin;
        }
        function init(app) {
          routes.push('/health');
          setInterval(() => app.ping(), 1000);
        }
        """)


def test_a_done_flag_in_async_start_up_is_not_a_cache():
    assert not flagged("""
        const notified = {};
        async function notify(type) {
          if (notified[type]) return;
          notified[type] = true;
          await send(type);
        }
        """)


def test_this_calls_reach_only_the_same_class():
    code = """
        const bus = require('./bus');
        class A {
          handle(req, res) { this.save(); }
          save() { bus.on('x', () => 1); }
        }
        class B {
          save() { bus.on('y', () => 1); }
        }
        function save() { bus.on('z', () => 1); }
        """
    found = flagged(code)
    # every one of them can run again (nothing shows it runs once), but only A.save is
    # reached from the handler
    messages = {f.line: f.message for f in lint(code)}
    assert found == {(5, "listener-not-removed"), (8, "listener-not-removed"),
                     (10, "listener-not-removed")}
    assert "called per request from handle()" in messages[5]
    assert "called per request" not in messages[8] + messages[10]


def test_a_failing_rule_costs_one_rule_on_one_file():
    from heapsight.lint.rule import Rule

    class Broken(Rule):
        """What it does: fails."""

        id = "broken"
        category = "other"
        summary = fix = "x"

        def check(self, source):
            raise RuntimeError("boom")

    code = b"function h(req, res) { process.on('x', () => 1); }\n"
    findings, _, problem = lint_source("t.js", code, "javascript",
                                       [Broken(), *select_rules(["listener-leak"])])
    assert [f.rule for f in findings] == ["listener-not-removed"]
    assert problem is not None and "rule broken failed" in problem.message


def test_functions_only_called_while_the_module_loads_are_start_up_code():
    tables = """
        const names = [];
        function createToken(name) {
          names.push(name);
          return { name };
        }
        function createKeyword(name) {
          return createToken(name);
        }
        const tokens = { plus: createToken('+'), _if: createKeyword('if') };
        """
    assert not flagged(tables)
    # one call from a function that runs per request is enough to make it per-event growth
    assert (4, "module-collection-growth") in flagged(
        tables + "app.get('/t', (req, res) => res.json(createToken(req.query.name)));\n")


@pytest.mark.parametrize(("delay", "long"), [("60_000", True), ("3600e3", True),
                                             ("60 * 60 * 1000", True), ("(2 * 60) * 1000", True),
                                             ("5000", False), ("ms", False)])
def test_long_timeouts_that_capture_the_request(delay, long):
    found = flagged(f"""
        app.get('/x', (req, res) => {{
          setTimeout(() => audit(req.url), {delay});
        }});
        """)
    assert ((3, "closure-captures-request") in found) == long


def test_a_whole_request_body_captured_by_an_interval():
    found = flagged("""
        app.post('/ingest', async (req, res) => {
          const body = await readJson(req);
          const timer = setInterval(() => metrics.observe(body.size), 1000);
          const size = body.size;
          const quiet = setInterval(() => metrics.observe(size), 1000);
          res.on('close', () => { clearInterval(timer); clearInterval(quiet); });
        });
        """)
    assert not any(rule == "closure-captures-request" for _, rule in found)  # cleared
    found = flagged("""
        app.post('/ingest', async (req, res) => {
          const body = await readJson(req);
          setInterval(() => metrics.observe(body.size), 1000);
        });
        """)
    assert (4, "closure-captures-request") in found


def test_the_layers_import_one_way():
    """parse (source.py) <- facts (percall, usage, listeners, timers, facts.py) <- rules: a
    rule imports the rule base and the facts, never another rule; the parse layer imports
    nothing above it (issue 11: no cycle, no string-keyed cache)."""
    import ast
    from importlib import resources

    package = resources.files("heapsight.lint")

    def imports(path) -> set[str]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        return found

    source_imports = imports(package / "source.py")
    assert not {m for m in source_imports if m.startswith("heapsight.lint.")}
    assert "self.cache" not in (package / "source.py").read_text(encoding="utf-8")
    for rule_file in (package / "rules").iterdir():
        if not rule_file.name.endswith(".py") or rule_file.name == "__init__.py":
            continue
        lint_imports = {m for m in imports(rule_file) if m.startswith("heapsight.lint")}
        assert lint_imports <= {"heapsight.lint.rule", "heapsight.lint.facts",
                                "heapsight.lint.model", "heapsight.lint.source",
                                "heapsight.lint.usage"}, rule_file.name
        assert "source.cache" not in rule_file.read_text(encoding="utf-8"), rule_file.name


def test_timer_kept_under_a_repeating_key_must_clear_the_one_it_replaces():
    found = flagged("""
        const pending = new Map();
        function waitFor(id, ms) {
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('timeout')), ms);
            pending.set(id, { resolve, timer });
          });
        }
        """)
    assert (5, "timer-overwritten") in found
    assert not flagged("""
        const pending = new Map();
        let last = 0;
        function waitFor(id, ms) {
          return new Promise((resolve, reject) => {
            const old = pending.get(id);
            if (old) clearTimeout(old.timer);
            const timer = setTimeout(() => reject(new Error('timeout')), ms);
            pending.set(id, { resolve, timer });
          });
        }
        function call(ms) {
          const id = ++last;
          const timer = setTimeout(() => pending.delete(id), ms);
          pending.set(id, timer);
        }
        """)


def test_timer_field_replaced_while_one_may_be_pending():
    code = """
        class Socket {
          terminate() {
            this.closeTimer = setTimeout(() => this.destroy(), 30000);
          }
          destroy() {
            clearTimeout(this.closeTimer);
          }
        }
        """
    assert (4, "timer-overwritten") in flagged(code)
    assert not flagged(code.replace("terminate() {", "terminate() {\n if (this.closeTimer) return;"))


def test_interval_cleared_only_from_its_own_callback_in_per_connection_code():
    code = """
        wss.on('connection', (conn, req) => {
          const ping = setInterval(() => {
            if (!conn.alive) clearInterval(ping);
            conn.ping();
          }, 30000);
          conn.on('close', () => conn.terminate());
        });
        """
    assert (3, "interval-not-cleared") in flagged(code)
    assert not flagged(code.replace("conn.terminate());", "clearInterval(ping));"))


def test_entry_removed_only_on_the_success_path():
    code = """
        const pending = new Map();
        function track(id, body) { pending.set(id, { body, at: Date.now() }); }
        function done(id) { pending.delete(id); }
        async function proxy(id, body) {
          track(id, body);
          const result = await send(body);
          done(id);
          return result;
        }
        """
    assert (3, "module-collection-growth") in flagged(code)
    fixed = code.replace("""          const result = await send(body);
          done(id);
          return result;""", """          try {
            return await send(body);
          } finally {
            done(id);
          }""")
    assert not flagged(fixed)


def test_a_lazily_started_interval_runs_once():
    assert not flagged("""
        let reaper;
        function track(id) {
          if (!reaper) {
            reaper = setInterval(sweep, 60000);
            reaper.unref();
          }
        }
        """)


def test_a_handler_named_like_setup_is_still_per_call():
    found = flagged("""
        exports.setupConnection = (conn, req) => {
          const ping = setInterval(() => conn.ping(), 30000);
        };
        """)
    assert (3, "interval-not-cleared") in found


def test_client_made_in_a_per_request_hook_and_kept_on_the_request():
    found = flagged("""
        const { Pool } = require('pg');
        module.exports = (nitro) => {
          nitro.hooks.hook('request', (event) => {
            const pool = new Pool();
            event.context.db = pool;
          });
        };
        """)
    assert (5, "client-per-request") in found


def test_removing_a_new_function_removes_nothing():
    code = """
        const bus = require('./bus');
        app.get('/feed', (req, res) => {
          const onTick = (t) => res.write(t);
          bus.on('tick', onTick);
          res.on('close', () => bus.removeListener('tick', (t) => res.write(t)));
        });
        """
    assert (5, "listener-not-removed") in flagged(code)
    assert not flagged(code.replace("(t) => res.write(t)));", "onTick));"))


def test_an_implicit_global_that_only_grows():
    code = """
        function remember(req) {
          if (!seenIds) seenIds = [];
          seenIds.push(req.id);
        }
        """
    assert (4, "global-collection-growth") in flagged(code)
    assert not flagged("'use strict';\n" + code)
    assert not flagged("let seenIds;\n" + code.replace("seenIds.push(req.id);",
                                                          "seenIds.push(req.id);\n"
                                                          "if (seenIds.length > 99) seenIds = [];"))


def test_axios_instance_and_knex_made_per_request():
    found = flagged("""
        const axios = require('axios');
        const knex = require('knex');
        app.get('/u', async (req, res) => {
          const api = axios.create({ baseURL: req.query.base });
          const db = knex({ client: 'pg' });
          res.json(await api.get('/x'), await db('users'));
        });
        """)
    assert {(5, "client-per-request"), (6, "client-per-request")} <= found


def test_a_long_lived_callback_keeps_what_a_sibling_closure_uses():
    """V8 gives all closures made in one scope a single context: the timer below never
    mentions `res`, but its sibling does, so the timer keeps `res` for two minutes."""
    code = """
        app.get('/later', (req, res) => {
          const url = req.url;
          setTimeout(() => audit.log('visited', url), 120000);
          setTimeout(() => res.end('done'), 100);
        });
        """
    assert (4, "closure-captures-request") in flagged(code)
    assert not flagged(code.replace("setTimeout(() => res.end('done'), 100);", "res.end('done');"))


def test_listener_on_an_object_from_a_module_level_cache():
    code = """
        const POOLS = {};
        function getPool(url) {
          if (!POOLS[url]) POOLS[url] = new Pool({ url });
          return POOLS[url];
        }
        Agent.prototype.query = function (sql, done) {
          const pool = getPool(this.url);
          pool.on('error', (err) => done(err));
          pool.query(sql, done);
        };
        """
    assert (9, "listener-not-removed") in flagged(code)
    assert not flagged(code.replace("const POOLS = {};", "").replace(
        "if (!POOLS[url]) POOLS[url] = new Pool({ url });\n          return POOLS[url];",
        "return new Pool({ url });"), ) - {(9, "client-per-request")}


def test_a_class_constructed_per_request_registers_per_request():
    code = """
        const bus = require('./bus');
        class Subscription {
          constructor(res) {
            this.res = res;
            bus.on('update', (u) => this.res.write(u));
          }
        }
        app.get('/updates', (req, res) => {
          new Subscription(res);
        });
        """
    found = flagged(code)
    assert (6, "listener-not-removed") in found
    assert not flagged(code.replace("app.get('/updates', (req, res) => {\n          new Subscription(res);\n        });",
                                    "module.exports = new Subscription(process.stdout);"))


def test_a_cache_kept_by_the_closure_a_factory_returns():
    code = """
        export function createHashLink() {
          const hashes = new Map();
          function hashOf(query) {
            if (!hashes.has(query.text)) hashes.set(query.text, sha256(query.text));
            return hashes.get(query.text);
          }
          return (operation, forward) => forward({ ...operation, hash: hashOf(operation.query) });
        }
        """
    assert (5, "cache-without-eviction") in flagged(code)
    assert not flagged(code.replace("new Map()", "new WeakMap()"))


def test_methods_of_the_object_an_exported_factory_returns_run_per_operation():
    code = """
        const { Pool } = require('pg');
        exports.createStore = (url) => {
          return {
            async load(id) {
              const pool = new Pool({ connectionString: url });
              return (await pool.query('select 1')).rows;
            },
          };
        };
        """
    assert (6, "client-per-request") in flagged(code)


def test_the_client_table_is_documented():
    """Every package of client-per-request's built-in table is named in docs/lint.md."""
    from heapsight.lint.rules.resource_per_request import PACKAGE_RESOURCES

    docs = (Path(__file__).parent.parent / "docs" / "lint.md").read_text(encoding="utf-8")
    for package in PACKAGE_RESOURCES:
        assert f"`{package.rstrip('/')}" in docs, package
