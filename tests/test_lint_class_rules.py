"""The facts behind the class, lifetime, timer and global rules, each on a small real parse."""

from __future__ import annotations

import textwrap
from pathlib import Path

from heapsight.lint.engine import lint_paths, lint_source, select_rules
from heapsight.lint.facts import FileFacts
from heapsight.lint.source import SourceFile


def facts(code: str, language: str = "javascript") -> FileFacts:
    return FileFacts(SourceFile("t.js", textwrap.dedent(code).encode(), language))


def rules_on(code: str, language: str = "javascript") -> set[tuple[int, str]]:
    findings, _, problem = lint_source("t.js", textwrap.dedent(code).encode(), language,
                                       select_rules())
    assert problem is None, problem
    return {(f.line, f.rule) for f in findings}


def test_which_classes_have_one_instance_for_the_life_of_the_process():
    known = facts("""
        @Injectable()
        export class Billing {}
        class Registry {}
        export const registry = new Registry();
        class PerRequest {}
        function handle() { return new PerRequest(); }
        function Legacy() {}
        module.exports = new Legacy();
        """, "typescript")
    assert known.singleton("Billing") == "@Injectable()"
    assert known.singleton("Registry") == "made once at module level"
    assert known.singleton("Legacy") == "made once at module level"
    assert known.singleton("PerRequest") == ""


def test_an_implicit_global_is_decided_by_scope_not_by_any_declaration_in_the_file():
    found = facts("""
        function split(node) { return node.left; }
        function grow(tree) {
          if (node = tree.find()) return node;
          var kept = tree.root;
          kept = tree.next;
        }
        """).implicit_globals
    assert [g.name for g in found] == ["node"]  # a parameter of split() does not declare it


def test_a_use_strict_in_a_comment_does_not_make_a_script_strict():
    sloppy = facts("""
        // legacy script: no 'use strict' here
        function f(x) { last = x.parent; }
        """).implicit_globals
    strict = facts("""
        (function () {
          'use strict';
          function f(x) { last = x.parent; }
        })();
        """).implicit_globals
    assert [g.name for g in sloppy] == ["last"]
    assert strict == []


def test_removal_only_when_a_call_is_cancelled_is_no_removal():
    assert (9, "module-collection-growth") in rules_on("""
        const inFlight = {};
        function abortRequest(id) {
          inFlight[id].abort();
          delete inFlight[id];
        }
        function send(request, stream) {
          stream.on('response', (response) => {
            inFlight[request.id] = { response, abort: () => stream.destroy() };
          });
        }
        module.exports = { abortRequest, send };
        """)


def test_an_interval_started_by_two_functions_is_reported_where_the_old_one_is_lost():
    flagged = rules_on("""
        class Heartbeat {
          start() {
            clearInterval(this.timer);
            this.timer = setInterval(() => this.ping(), 1000);
          }
          resume() {
            this.timer = setInterval(() => this.ping(), 1000);
          }
          stop() { clearInterval(this.timer); }
          ping() {}
        }
        """)
    assert (8, "timer-overwritten") in flagged
    assert (5, "timer-overwritten") not in flagged


_SERVICE = """
    export class AuditTrail {
      private readonly entries: { user: string; at: number }[] = [];
      constructor(private readonly store: Store) {}
      async record(user: string) {
        await this.store.touch(user);
        this.entries.push({ user, at: Date.now() });
      }
    }
    """


def _lint_project(tmp_path, files: dict[str, str]) -> set[tuple[str, int, str]]:
    for name, code in files.items():
        (tmp_path / name).write_text(textwrap.dedent(code), encoding="utf-8")
    result = lint_paths([tmp_path], select_rules(["field-collection-growth"]))
    return {(Path(f.file).name, f.line, f.rule) for f in result.findings}


def test_a_class_no_file_of_the_project_makes_per_call_outlives_its_calls(tmp_path):
    """Made by a container or at start-up elsewhere: its fields grow per call of its methods."""
    found = _lint_project(tmp_path, {"audit.ts": _SERVICE, "main.ts": """
        import { AuditTrail } from './audit';
        export const audit = container.resolve(AuditTrail);
        """})
    assert found == {("audit.ts", 7, "field-collection-growth")}


def test_a_class_another_file_makes_per_call_is_short_lived(tmp_path):
    """The same class, made per request in another file: each object dies with its call."""
    found = _lint_project(tmp_path, {"audit.ts": _SERVICE, "routes.ts": """
        import { AuditTrail } from './audit';
        export async function handle(req) {
          const trail = new AuditTrail(req.store);
          await trail.record(req.user);
        }
        """})
    assert found == set()


def test_a_subclass_made_per_call_makes_its_base_short_lived(tmp_path):
    """TypeScript's compiled `new Sub_1.default()` of a subclass counts for the base class."""
    found = _lint_project(tmp_path, {"audit.ts": _SERVICE, "scoped.js": """
        const audit_1 = require('./audit');
        class ScopedTrail extends audit_1.AuditTrail {}
        exports.default = ScopedTrail;
        """, "use.js": """
        const ScopedTrail_1 = require('./scoped');
        exports.handle = async (req) => new ScopedTrail_1.default(req.store).record(req.user);
        """})
    assert found == set()


# -- the project's call graph: code only start-up runs (project.py) -------------------------

_SIGNALS = """
    function trackSignals() {
      process.on('SIGUSR2', dump);
    }
    function dump() {}
    module.exports = { trackSignals };
    """


def _listeners(tmp_path, files: dict[str, str]) -> set[tuple[str, int]]:
    for name, code in files.items():
        (tmp_path / name).write_text(textwrap.dedent(code), encoding="utf-8")
    result = lint_paths([tmp_path], select_rules(["listener-not-removed"]))
    return {(Path(f.file).name, f.line) for f in result.findings}


def test_code_the_project_calls_only_at_start_up_is_not_reported(tmp_path):
    """The entry point calls trackSignals() once, at load, through an async main()."""
    assert _listeners(tmp_path, {"metrics.js": _SIGNALS, "server.js": """
        const { trackSignals } = require('./metrics');
        async function main() { trackSignals(); }
        main().catch(console.error);
        """}) == set()


def test_a_call_per_request_anywhere_keeps_the_finding(tmp_path):
    found = _listeners(tmp_path, {"metrics.js": _SIGNALS, "server.js": """
        const metrics = require('./metrics');
        metrics.trackSignals();
        app.get('/debug', (req, res) => { metrics.trackSignals(); res.end(); });
        """})
    assert found == {("metrics.js", 3)}


def test_a_function_handed_on_as_a_callback_may_run_any_number_of_times(tmp_path):
    found = _listeners(tmp_path, {"metrics.js": _SIGNALS, "server.js": """
        const { trackSignals } = require('./metrics');
        trackSignals();
        bus.on('reload', trackSignals);
        """})
    assert found == {("metrics.js", 3)}


def test_a_function_of_the_same_name_elsewhere_says_nothing_about_this_one(tmp_path):
    """Another file's own trackSignals() runs at load; this file's is called by nobody known."""
    found = _listeners(tmp_path, {"metrics.js": _SIGNALS, "other.js": """
        function trackSignals() {}
        trackSignals();
        """})
    assert found == {("metrics.js", 3)}


def test_a_class_made_once_at_start_up_adds_its_listeners_once(tmp_path):
    notifier = """
        class Notifier {
          constructor() { process.on('exit', () => this.flush()); }
          flush() {}
        }
        module.exports = Notifier;
        """
    assert _listeners(tmp_path, {"notifier.js": notifier, "main.js": """
        const Notifier = require('./notifier');
        function boot() { return new Notifier(); }
        boot();
        """}) == set()
    (tmp_path / "worker.js").write_text(textwrap.dedent("""
        const Notifier = require('./notifier');
        async function work() {
          while (true) { await next(); new Notifier(); }
        }
        work();
        """), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("notifier.js", 3)}


def test_a_default_export_called_once_by_its_importer_runs_at_start_up(tmp_path):
    """`export default function` and `module.exports = function`, called by whoever imports
    them whole."""
    signals = """
        export default async function listenForSignals(options) {
          process.on('SIGHUP', () => reload(options));
        }
        """
    assert _listeners(tmp_path, {"signals.mjs": signals, "main.mjs": """
        import onSignals from './signals.mjs';
        await onSignals({});
        """}) == set()
    (tmp_path / "main.mjs").write_text(textwrap.dedent("""
        import onSignals from './signals.mjs';
        bus.on('config', (options) => onSignals(options));
        """), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("signals.mjs", 3)}


def test_a_default_export_by_name_is_the_function_it_names(tmp_path):
    """`export default watchErrors` and `module.exports = watchErrors` export the file's
    function of that name: an importer calling it once at load calls that function once."""
    entry = """
        function watchErrors(options) {
          process.on('uncaughtException', (e) => options.log(e));
        }
        export default watchErrors;
        """
    assert _listeners(tmp_path, {"entry.mjs": entry, "main.mjs": """
        import watchErrors from './entry.mjs';
        watchErrors({ log: console.error });
        """}) == set()
    common = """
        function watchErrors(options) {
          process.on('uncaughtException', (e) => options.log(e));
        }
        module.exports = watchErrors;
        """
    (tmp_path / "main.mjs").unlink()
    (tmp_path / "entry.mjs").unlink()
    assert _listeners(tmp_path, {"entry.js": common, "main.js": """
        const watchErrors = require('./entry');
        watchErrors({ log: console.error });
        """}) == set()
    (tmp_path / "main.js").write_text(textwrap.dedent("""
        const watchErrors = require('./entry');
        bus.on('restart', () => watchErrors({ log: console.error }));
        """), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("entry.js", 3)}


def test_a_module_function_called_as_it_is_required_runs_where_it_is_required(tmp_path):
    """`require('./edit')(Posts)` calls the function `./edit` exports, there and then."""
    edit = """
        const pubsub = require('../pubsub');
        module.exports = function (Posts) {
          pubsub.on('post:edit', (pid) => Posts.clearCachedPost(pid));
        };
        """
    assert _listeners(tmp_path, {"edit.js": edit, "index.js": """
        const Posts = module.exports;
        require('./edit')(Posts);
        """}) == set()
    (tmp_path / "index.js").write_text(textwrap.dedent("""
        const Posts = module.exports;
        bus.on('reload', () => require('./edit')(Posts));
        """), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("edit.js", 4)}


def test_a_function_an_index_file_re_exports_is_followed_to_its_file(tmp_path):
    """`require('./cache').cachegoose(db)` through `cache/index.js`'s `module.exports = {
    cachegoose: cachegooseFn }` calls `cache/cachegoose.js`'s default export."""
    (tmp_path / "cache").mkdir()
    cachegoose = """
        const events = require('../events');
        function listen(client) {
          events.on('project.update', (project) => client.del(project.id));
        }
        module.exports = function (db) {
          listen(db.client);
        };
        """
    files = {"cache/cachegoose.js": cachegoose, "cache/index.js": """
        const cachegooseFn = require('./cachegoose');
        module.exports = { cachegoose: cachegooseFn };
        """, "main.js": """
        const db = require('./db');
        require('./cache').cachegoose(db);
        """}
    assert _listeners(tmp_path, files) == set()
    (tmp_path / "main.js").write_text(textwrap.dedent("""
        const db = require('./db');
        bus.on('reconnect', () => require('./cache').cachegoose(db));
        """), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("cachegoose.js", 4)}


def test_a_function_required_inside_a_function_is_followed_through_its_local(tmp_path):
    """`const watch = require('./server'); watch()` inside a function calls `./server`'s export;
    binding it to a local is not handing it around."""
    server = """
        function watchSignals(port) {
          process.on('SIGTERM', () => process.exit(0));
          return port;
        }
        module.exports = watchSignals;
        """
    assert _listeners(tmp_path, {"server.js": server, "main.js": """
        function boot(port) {
          const watch = require('./server');
          return watch(port);
        }
        boot(8080);
        """}) == set()
    (tmp_path / "main.js").write_text(textwrap.dedent("""
        function boot(port) {
          const watch = require('./server');
          return watch(port);
        }
        bus.on('restart', (port) => boot(port));
        """), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("server.js", 3)}


def test_a_method_is_start_up_code_only_through_a_file_that_can_reach_its_class(tmp_path):
    """Methods are matched by name; a call of that name in a file that neither defines nor
    imports the class says nothing about it."""
    watcher = """
        class Watcher {
          watch() { process.on('SIGHUP', () => this.reload()); }
          reload() {}
        }
        module.exports = Watcher;
        """
    unrelated = """
        const cfg = require('./config');
        cfg.watch();
        """
    assert _listeners(tmp_path, {"watcher.js": watcher, "other.js": unrelated,
                                 "config.js": "exports.watch = () => {};"}) == {("watcher.js", 3)}
    assert _listeners(tmp_path, {"main.js": """
        const Watcher = require('./watcher');
        new Watcher().watch();
        """}) == set()


def test_a_method_called_on_an_object_of_known_class_is_that_class_s_method(tmp_path):
    """`session.run()` per connection, where the file shows `session` is a Session, says
    nothing of Notifier's run(), which the server's run() calls once through a field holding a
    Notifier; a class field arrow (`run = () => {}`) is a method like any other."""
    files = {"notifier.js": """
        const bus = require('./bus');
        class Notifier {
          run() { bus.on('publish', (id) => console.log(id)); }
        }
        module.exports = Notifier;
        """, "session.js": """
        const bus = require('./bus');
        class Session {
          constructor(socket) { this.socket = socket; }
          run = () => { bus.on('kick', (id) => this.close(id)); };
          close() {}
        }
        module.exports = Session;
        """, "server.js": """
        const net = require('net');
        const Notifier = require('./notifier');
        const Session = require('./session');
        class Server {
          constructor() { this.notifier = new Notifier(); }
          run() {
            this.notifier.run();
            net.createServer((socket) => {
              const session = new Session(socket);
              session.run();
            }).listen(1935);
          }
        }
        new Server().run();
        """, "bus.js": "module.exports = new (require('events'))();"}
    assert _listeners(tmp_path, files) == {("session.js", 5)}
    # an object the file cannot type may be a Notifier: its run() may then run per connection
    (tmp_path / "server.js").write_text(textwrap.dedent(
        files["server.js"].replace("const session = new Session(socket);",
                                   "const session = pick(socket);")), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("notifier.js", 4), ("session.js", 5)}


def test_what_a_decorator_factory_returns_runs_when_the_class_is_defined(tmp_path):
    """`@onStartup()` calls onStartup() and then what it returns, once per decorated method,
    while the module defining the class loads: the registry it fills has a fixed size. A
    factory whose result other code keeps may have it called any number of times."""
    (tmp_path / "on.ts").write_text(textwrap.dedent("""
        const on: { startup: { path: string; name: string }[] } = { startup: [] };
        export function hooks() { return on.startup; }
        export function onStartup(path: string) {
          return (target: any, name: string) => {
            on.startup.push({ path, name });
          };
        }
        """), encoding="utf-8")
    (tmp_path / "lastfm.ts").write_text(textwrap.dedent("""
        import { onStartup } from './on';
        class LastFM {
          @onStartup('lastfm')
          start() { console.log('up'); }
        }
        export default new LastFM();
        """), encoding="utf-8")
    rules = select_rules(["module-collection-growth"])
    assert lint_paths([tmp_path], rules).findings == []
    (tmp_path / "routes.ts").write_text(textwrap.dedent("""
        import { onStartup } from './on';
        export const mark = onStartup('route');
        """), encoding="utf-8")
    assert [f.line for f in lint_paths([tmp_path], rules).findings] == [6]


def test_an_import_through_a_typescript_path_alias_is_a_call_of_the_projects_file(tmp_path):
    """`import { watchErrors } from '@config/errors'`, where tsconfig.json (through `extends`,
    with comments and trailing commas) maps `@config/*` to src/config/*: the bootstrap calls
    the project's watchErrors() once; a route that calls it per request keeps the finding."""
    (tmp_path / "tsconfig.base.json").write_text(
        '{\n  // shared\n  "compilerOptions": {"baseUrl": ".", '
        '"paths": {"@config/*": ["src/config/*"],},},\n}\n', encoding="utf-8")
    (tmp_path / "tsconfig.json").write_text('{"extends": "./tsconfig.base.json"}',
                                            encoding="utf-8")
    (tmp_path / "src" / "config").mkdir(parents=True)
    files = {"src/config/errors.ts": """
        export function watchErrors() {
          process.on('uncaughtException', (error) => console.error(error));
        }
        """, "src/main.ts": """
        import { watchErrors } from '@config/errors';
        async function bootstrap() { watchErrors(); }
        bootstrap();
        """}
    assert _listeners(tmp_path, files) == set()
    (tmp_path / "src" / "routes.ts").write_text(textwrap.dedent("""
        import { watchErrors } from '@config/errors';
        export function routes(app: any) { app.get('/', (req: any, res: any) => watchErrors()); }
        """), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("errors.ts", 3)}
    # a tsconfig.json that does not parse is left alone: the alias is then a package's
    (tmp_path / "src" / "routes.ts").unlink()
    (tmp_path / "tsconfig.json").write_text('{"extends": ', encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("errors.ts", 3)}


def test_a_package_class_of_the_same_name_is_not_a_call_of_the_projects(tmp_path):
    """`new http.Agent()` per request makes no object of the project's own Agent, which the
    program makes once, at start-up."""
    assert _listeners(tmp_path, {"agent.js": """
        const http = require('http');
        class Agent {
          constructor() { process.on('exit', () => this.destroy()); }
          request(url) { return http.get(url, { agent: new http.Agent() }); }
          destroy() {}
        }
        module.exports = Agent;
        """, "main.js": """
        const Agent = require('./agent');
        function boot() {
          const agent = new Agent();
          app.get('/', (req, res) => agent.request(req.query.url).pipe(res));
        }
        boot();
        """}) == set()


def test_callback_style_start_up_runs_once(tmp_path):
    """`db.connect(err => { api(err => ...) })`: Node's error-first callbacks run once, when
    the operation ends; a listener's callback runs at every event, whatever its parameters."""
    api = """
        module.exports = done => {
          const server = createServer();
          process.on('SIGUSR2', () => server.reload());
          server.listen(8080, done);
        };
        """
    assert _listeners(tmp_path, {"api.js": api, "worker.js": """
        const db = require('./lib/db');
        const api = require('./api');
        db.connect(err => {
          if (err) return process.exit(1);
          api(err => { if (err) process.exit(1); });
        });
        """}) == set()
    (tmp_path / "worker.js").write_text(textwrap.dedent("""
        const api = require('./api');
        bus.on('restart', err => api(() => {}));
        """), encoding="utf-8")
    assert _listeners(tmp_path, {}) == {("api.js", 4)}


def test_a_file_the_call_graph_cannot_read_leaves_every_finding_in_place(tmp_path, monkeypatch):
    """A bug in the project pass must not cost the run, nor drop findings on half a graph."""
    from heapsight.lint import project

    def broken(self, node):
        raise RuntimeError("boom")

    monkeypatch.setattr(project.Contexts, "of", broken)
    assert _listeners(tmp_path, {"metrics.js": _SIGNALS, "server.js": """
        const { trackSignals } = require('./metrics');
        trackSignals();
        """}) == {("metrics.js", 3)}
