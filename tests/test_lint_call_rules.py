"""Unit tests of the per-call facts and the rules that stand on them (issue 11, modes 1, 2, 3, 5):
what runs per call and why, where a module name was imported from, a client closed on every
path or not, and listener removal that cannot work. The corpus files `tests/corpus/lint/*call_*`
hold the same modes as whole files."""

from __future__ import annotations

import textwrap

import pytest

from heapsight.lint.engine import lint_source, select_rules
from heapsight.lint.facts import FileFacts
from heapsight.lint.source import SourceFile


def facts_of(code: str, language: str = "javascript") -> FileFacts:
    return FileFacts(SourceFile("t.js", textwrap.dedent(code).encode(), language))


def flagged(code: str, language: str = "javascript",
            resources: tuple[str, ...] = ()) -> set[tuple[int, str]]:
    findings, _, problem = lint_source("t.ts" if language != "javascript" else "t.js",
                                       textwrap.dedent(code).encode(), language,
                                       select_rules(), resources)
    assert problem is None, problem
    return {(f.line, f.rule) for f in findings}


def test_imports_and_requires_name_their_package():
    facts = facts_of("""
        import Redis, { Cluster as RedisCluster } from 'ioredis';
        import * as pg from 'pg';
        const { Queue } = require('bullmq');
        const axios = require('axios');
        const Agent = require('undici').Agent;
        const local = require('./db');
        """, "typescript")
    assert facts.imports == {
        "Redis": ("ioredis", "*"), "RedisCluster": ("ioredis", "Cluster"), "pg": ("pg", "*"),
        "Queue": ("bullmq", "Queue"), "axios": ("axios", "*"), "Agent": ("undici", "Agent"),
        "local": ("./db", "*")}


@pytest.mark.parametrize(("code", "expected"), [
    # exported async functions with parameters are operations; start-up names are not
    ("export async function charge(id) {}\nexport async function startServer(port) {}",
     {"charge": "exported async function (called per operation)"}),
    ("async function charge(id) {}\nmodule.exports = { charge };",
     {"charge": "exported async function (called per operation)"}),
    ("function wait(id) { return new Promise((r) => r(id)); }\nmodule.exports = { wait };",
     {"wait": "exported async function (called per operation)"}),
    # a plain exported helper is not, nor a private async one
    ("export function format(x) { return x; }\nasync function load(id) {}", {}),
    ("export function onConnection(socket) {}", {"onConnection": "exported event handler "
                                                                 "(runs per event)"}),
    ("const cron = require('node-cron');\nfunction nightly() {}\n"
     "cron.schedule('0 3 * * *', nightly);", {"nightly": "scheduled job (runs repeatedly)"}),
    ("function poll() {}\nsetInterval(poll, 1000);", {"poll": "interval callback (runs "
                                                              "repeatedly)"}),
    # `define` alone is not a scheduler
    ("function Widget() {}\ncustomElements.define('x-w', Widget);", {}),
])
def test_what_runs_per_call_and_why(code, expected):
    facts = facts_of(code, "typescript")
    found = {facts.source.function_name(f): facts.per_call[f.id]
             for fs in facts._functions_by_name.values() for f in fs if f.id in facts.per_call}
    assert found == expected


def test_methods_of_singletons_and_injectables_run_per_call_but_not_their_lifecycle():
    facts = facts_of("""
        @Injectable()
        export class Alerts {
          constructor(private readonly bus: Bus) {}
          onModuleInit() {}
          notify(user: string) {}
          private render(user: string) {}
        }
        class Store {
          start() {}
          save(item) {}
          _index(item) {}
        }
        export const store = new Store();
        class Draft { save(item) {} }
        export function make() { return new Draft(); }
        """, "typescript")
    methods = {}
    stack = [(facts.source.root, "")]
    while stack:
        node, owner = stack.pop()
        if node.type == "class_declaration":
            owner = facts.source.function_name(node)
        if node.type == "method_definition":
            methods[f"{owner}.{facts.source.function_name(node)}"] = facts.per_call.get(node.id)
        stack.extend((child, owner) for child in node.children)
    assert methods["Alerts.notify"] == "a method of the injectable Alerts (called per request)"
    assert methods["Store.save"] == "a method of Store, made once at load (called per operation)"
    assert methods["Draft.save"] is None  # made per call of make(): not a singleton
    assert methods["Alerts.constructor"] is None and methods["Alerts.onModuleInit"] is None
    assert methods["Store.start"] is None and methods["Store._index"] is None
    assert methods["Alerts.render"] is None
    assert len(facts.long_lived_classes) == 2
    assert all(facts.per_call_is_inferred(r) for r in facts.per_call.values())


@pytest.mark.parametrize(("body", "leaks"), [
    ("const c = new MongoClient(url); await c.connect(); return c.db('a').stats();", True),
    ("const c = new MongoClient(url); try { return await c.db('a').stats(); } "
     "finally { await c.close(); }", False),
    ("const c = new MongoClient(url); try { return await c.db('a').stats(); } "
     "finally { if (c) await c.close(); }", False),
    ("const c = new MongoClient(url); if (id) { await c.close(); } return 1;", True),
    ("const c = new MongoClient(url); try { await c.connect(); } catch (e) { await c.close(); }",
     True),
    # a close after an await that may throw, outside try/finally, is skipped when it throws
    ("const c = new MongoClient(url); await c.db('a').stats(); await c.close();", True),
    ("const c = new MongoClient(url); try { await c.db('a').stats(); } "
     "catch (e) { await c.close(); throw e; } await c.close();", False),
    ("const c = new MongoClient(url); return c.connect().finally(() => c.close());", False),
    ("return new MongoClient(url);", False),  # a factory: the caller owns it
])
def test_a_client_must_be_closed_on_every_path(body, leaks):
    code = f"""
        const {{ MongoClient }} = require('mongodb');
        export async function report(id, url) {{
          {body}
        }}
        """
    assert any(rule == "client-per-request" for _, rule in flagged(code, "typescript")) == leaks


def test_a_helper_that_makes_a_client_is_followed_to_its_per_call_callers():
    code = """
        const { Pool } = require('pg');
        const makePool = (url) => new Pool({ connectionString: url });
        app.get('/x', async (req, res) => {
          const pool = makePool(process.env.DB);
          res.json(await pool.query('select 1'));
        });
        """
    assert (3, "client-per-request") in flagged(code)
    assert not flagged(code.replace("res.json(await pool.query('select 1'));",
                                    "try { res.json(await pool.query('select 1')); } "
                                    "finally { await pool.end(); }"))


def test_unknown_clients_count_only_when_imported_from_a_package():
    leaky = """
        import { SearchClient } from 'search-kit';
        export async function find(q: string) {
          const client = new SearchClient();
          return client.search(q);
        }
        """
    assert (4, "client-per-request") in flagged(leaky, "typescript")
    assert not flagged(leaky.replace("'search-kit'", "'./search'"), "typescript")
    assert not flagged(leaky.replace("SearchClient", "QueryClient"), "typescript")


def test_a_removal_with_a_new_function_is_reported_where_it_is():
    code = """
        const bus = require('./bus');
        function unfollow(user, fn) {
          bus.off('x', (m) => fn(m));
          bus.removeListener('y', fn.bind(null));
          bus.off('z', fn);
        }
        """
    found = flagged(code)
    assert (4, "listener-not-removed") in found and (5, "listener-not-removed") in found
    assert (6, "listener-not-removed") not in found


@pytest.mark.parametrize(("add", "leaks"), [
    ("process.once('SIGTERM', () => res.end());", True),
    ("process.once('warning', () => res.end());", False),
    ("bus.once('done', () => res.end()); bus.once('failed', () => res.end());", True),
    ("bus.once('done', onDone); bus.once('failed', onDone); "
     "res.on('close', () => { bus.off('done', onDone); bus.off('failed', onDone); });", False),
])
def test_once_listeners_whose_event_may_never_come(add, leaks):
    code = f"""
        const bus = require('./bus');
        function handle(req, res) {{
          const onDone = () => res.end();
          {add}
        }}
        """
    assert any(rule == "listener-not-removed" for _, rule in flagged(code)) == leaks


def test_a_listener_that_removes_only_itself_after_filtering():
    leaky = """
        const bus = require('./bus');
        export function waitFor(id) {
          return new Promise((resolve) => {
            const onDone = (job) => {
              if (job.id !== id) return;
              bus.off('done', onDone);
              resolve(job);
            };
            bus.on('done', onDone);
          });
        }
        """
    assert (10, "listener-not-removed") in flagged(leaky)
    # without the filter it is removed by the first event, like `once`
    assert not flagged(leaky.replace("if (job.id !== id) return;", ""))


def test_the_settings_name_a_resource_by_package():
    code = """
        import { Tracker } from 'telemetry-kit';
        export async function track(name: string) {
          const t = new Tracker();
          t.send(name);
        }
        """
    assert not flagged(code, "typescript")
    assert (4, "client-per-request") in flagged(code, "typescript", ("telemetry-kit:Tracker",))
    assert not flagged(code, "typescript", ("other-kit:Tracker",))


def test_a_per_request_class_listening_on_an_emitter_its_maker_passes_in():
    code = """
        const bus = require('./bus');
        class Session {
          constructor(source, res) {
            source.on('update', (u) => res.write(u));
          }
        }
        function handle(req, res) {
          return new Session(bus, res);
        }
        module.exports = { handle };
        """
    assert (5, "listener-not-removed") in flagged(code)
    assert not flagged(code.replace("new Session(bus, res)",
                                    "new Session(new EventEmitter(), res)"))


def test_look_alikes_of_per_call_listeners_and_connections():
    # an emitter facade's own `on` passes the caller's listener through
    assert not flagged("""
        class Bus {
          constructor(ee) { this.ee = ee; }
          on(event, fn) { this.ee.on(event, fn); }
        }
        export const bus = new Bus(new EventEmitter());
        """)
    # an idempotent connect of a package or of the project's module, result not kept
    assert not flagged("""
        const mongoose = require('mongoose');
        const db = require('./db');
        app.get('/x', async (req, res) => {
          await mongoose.connect(process.env.URL);
          await db.connect();
          res.end();
        });
        """)


@pytest.mark.parametrize(("code", "expected"), [
    ("function poll() { check(); setTimeout(poll, 1000); }\npoll();",
     {"poll": "interval callback (runs repeatedly)"}),
    ("function later() {}\nfunction once() { setTimeout(later, 1000); }", {}),
    ("const auth = (socket, next) => next();\nio.use(auth);",
     {"auth": "middleware (runs per request)"}),
    ("const get = ({ ctx, input }) => ctx.db.find(input);", {"get": "request handler"}),
])
def test_more_per_call_shapes(code, expected):
    facts = facts_of(code)
    found = {facts.source.function_name(f): facts.per_call[f.id]
             for fs in facts._functions_by_name.values() for f in fs if f.id in facts.per_call}
    assert found == expected


def test_an_exported_service_object_and_h3_handlers():
    leaky = """
        const { Pool } = require('pg');
        const bus = require('./bus');
        module.exports = {
          async findUser(id) {
            const pool = new Pool();
            return pool.query('select 1', [id]);
          },
          follow: async (id, fn) => {
            bus.on('user:' + id, (u) => fn(u));
          },
        };
        """
    assert {(6, "client-per-request"), (10, "listener-not-removed")} <= flagged(leaky)
    h3 = """
        import { Redis } from 'ioredis';
        export default defineEventHandler(async (event) => {
          const redis = new Redis();
          return redis.get('x');
        });
        """
    assert (4, "client-per-request") in flagged(h3, "typescript")
    channel = """
        const rabbit = require('./rabbit');
        app.post('/mail', async (req, res) => {
          const channel = await rabbit.createChannel();
          channel.sendToQueue('mail', Buffer.from('x'));
          res.end();
        });
        """
    assert (4, "client-per-request") in flagged(channel)


def test_a_subscription_ended_by_unsubscribe_is_not_reported():
    code = """
        const sub = require('./redis').duplicate();
        io.on('connection', (socket) => {
          const onFlag = (flag) => socket.emit('flag', flag);
          sub.subscribe('flags', onFlag);
          socket.on('disconnect', () => sub.unsubscribe('flags', onFlag));
        });
        """
    assert not flagged(code)
    assert (5, "listener-not-removed") in flagged(code.replace(
        "socket.on('disconnect', () => sub.unsubscribe('flags', onFlag));", ""))
