"""The facts behind the class, lifetime, timer and global rules, each on a small real parse."""

from __future__ import annotations

import textwrap

from heapsight.lint.engine import lint_source, select_rules
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
