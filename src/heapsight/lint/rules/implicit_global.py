"""implicit-global (global-growth)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, last_name, text, unwrap

# Calls and properties whose result is a number, string or boolean: nothing for a global to
# keep alive.
_PRIMITIVE_CALLS = frozenset({"now", "String", "Number", "Boolean", "parseInt", "parseFloat",
                              "toString", "toFixed", "join", "trim", "toLowerCase",
                              "toUpperCase", "indexOf", "includes", "test", "hrtime",
                              "random", "floor", "ceil", "round", "min", "max", "abs",
                              "stringify", "getTime", "valueOf", "isArray", "hasOwnProperty"})
_PRIMITIVE_PROPERTIES = frozenset({"length", "size", "name", "id", "type", "code", "message",
                                   "status", "statusCode", "url", "method"})
_RETAINING = frozenset({"call_expression", "member_expression", "subscript_expression",
                        "new_expression", "object", "array", "function_expression",
                        "arrow_function", "class", "this"})


class ImplicitGlobal(Rule):
    """What it does:
    In a sloppy-mode script (no `'use strict'`, no import/export), finds a function that
    assigns an object - a call's result, an element of a list, a new object - to a name that
    no scope around it declares, which makes it a property of the global object; also a new
    empty collection given to such a name and filled in the same call (`links = {}` then
    `links[rel] = href`), which keeps the last call's filled collection; and the variable of
    a `for (key in obj)` / `for (item of list)` loop that no scope declares (a loop variable
    is never meant to outlive its loop). In a CommonJS script, names only a browser provides
    (`self`, `name`, `window`) count too. An undeclared name given a value at the top level of
    a module (`module.exports = Player = Character.extend(...)`) or by start-up code is set
    once: it pollutes the global namespace but keeps nothing per call, and is not reported.

    Why is this bad?
    The global object is a GC root. A forgotten `var` turns a local into a global that keeps
    the last object it was given - a tree node and the whole tree it points into, a cache, a
    request - for as long as the process lives, and every call that runs the function
    overwrites it from wherever it was called. In strict code the same line throws.

    Example:
    ```js
    function largest(items) {
      for (var i = 0; i < items.length; i++) {
        best = pick(best, items[i]);
      }
      return best;
    }
    ```

    Use instead:
    Declare the variable in the function (`let`, `const` or `var`), and add `'use strict'` so
    the next forgotten declaration is an error.
    ```js
    'use strict';
    function largest(items) {
      let best;
      for (let i = 0; i < items.length; i++) {
        best = pick(best, items[i]);
      }
      return best;
    }
    ```
    """

    id = "implicit-global"
    category = "global-growth"
    summary = "An undeclared name assigned an object in a sloppy-mode script becomes a global"
    fix = "Declare the variable (let/const/var) in the function, and add 'use strict'"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        for implicit in facts.implicit_globals:
            for assignment, value in zip(implicit.assignments, implicit.values, strict=True):
                function = source.enclosing_function(assignment)
                if function is None or facts.runs_once_at_start_up(assignment):
                    continue  # one value, set once (while the module loads, or by start-up
                    # code): a polluted global namespace at most, and nothing is kept per call
                where = facts.describe(function)
                if assignment.id in implicit.refills:
                    yield self.finding(
                        source, assignment,
                        f"`{implicit.name}` is declared in no scope around {where}, so this "
                        f"assignment makes it a property of the global object (sloppy mode): "
                        f"each call gives it a new `{_short(value)}` and fills it, and the "
                        f"global keeps the last one alive after the call")
                    continue
                if assignment.type == "for_in_statement":
                    yield self.finding(
                        source, assignment,
                        f"`{implicit.name}`, the variable of this loop, is declared in no scope "
                        f"around {where}, so the loop writes a property of the global object "
                        f"(sloppy mode) that outlives the call and is shared by every caller; "
                        f"declare it in the loop (`for (const {implicit.name} ...)`)")
                    continue
                if not _retains(value, implicit.name):
                    continue
                yield self.finding(
                    source, assignment,
                    f"`{implicit.name}` is declared in no scope around {where}, so this "
                    f"assignment makes it a property of the global object (sloppy mode): it "
                    f"keeps `{_short(value)}` alive after the call")


def _retains(value: Node, name: str) -> bool:
    """An object the global would keep: not a primitive, not an empty collection (those are
    global-collection-growth's when they grow), not the global itself again."""
    value = unwrap(value)
    if value.type not in _RETAINING or name in text(value).split("(")[0].split("."):
        return False
    if value.type in ("object", "array") and value.named_child_count == 0:
        return False
    if value.type == "call_expression":
        callee = value.child_by_field_name("function")
        if callee is None or last_name(callee) in _PRIMITIVE_CALLS:
            return False
        if callee.type == "identifier" and text(callee) in ("Map", "Set", "Array", "Object"):
            return False
    if value.type == "new_expression":
        arguments = value.child_by_field_name("arguments")
        constructor = text(value.child_by_field_name("constructor"))
        if constructor in ("Map", "Set", "Array", "Date") and (
                arguments is None or arguments.named_child_count == 0):
            return False
    if value.type == "member_expression":
        return last_name(value) not in _PRIMITIVE_PROPERTIES
    return True


def _short(value: Node) -> str:
    shown = " ".join(text(value).split())
    return shown if len(shown) <= 40 else shown[:37] + "..."
