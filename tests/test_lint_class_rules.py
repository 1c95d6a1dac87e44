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
