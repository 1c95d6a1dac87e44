"""global-collection-growth (global-growth)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, file_query, outer, text
from heapsight.lint.usage import classify, collection_kind

_GLOBAL_MEMBERS = file_query("""
(member_expression object: (identifier) @global property: (property_identifier) @name
  (#any-of? @global "global" "globalThis" "window")) @member
""")
_GLOBAL_SUBSCRIPTS = file_query("""
(assignment_expression
  left: (subscript_expression object: (identifier) @global index: (_) @key)
  (#any-of? @global "global" "globalThis" "window")) @assign
""")

_GLOBAL_DELETES = file_query("""
(unary_expression argument: (subscript_expression object: (identifier) @global)
  (#any-of? @global "global" "globalThis" "window")) @delete
""")


class GlobalCollectionGrowth(Rule):
    """What it does:
    Finds collections hung on the global object - `global.x`, `globalThis.x`, `window.x` - that
    a function adds to (`push`, `set`, `add`, `[key] =`) while nothing removes from them, and
    functions that add properties to the global object under computed keys.

    Why is this bad?
    The global object is a GC root: whatever it holds lives for the whole process, and every
    module can reach it, so nobody feels responsible for trimming it. Globals that grow per
    request are among the most common leaks heap snapshots show, directly under `(GC roots)`.

    Example:
    ```js
    function track(req) {
      globalThis.requests = globalThis.requests || [];
      globalThis.requests.push({ url: req.url, at: Date.now() });
    }
    ```

    Use instead:
    Keep the data in a module with a bound (cap the array, use an LRU), or in a metrics
    counter if only the count matters; remove what you add to the global object.
    ```js
    const recent = [];
    function track(req) {
      recent.push({ url: req.url, at: Date.now() });
      if (recent.length > 100) recent.shift();
    }
    ```
    """

    id = "global-collection-growth"
    category = "global-growth"
    summary = "A collection on global/globalThis/window grows and is never trimmed"
    fix = "Keep the data in a bounded module-level structure, or remove what you add"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        by_name: dict[str, list[Node]] = {}
        for match in source.matches(_GLOBAL_MEMBERS):
            if source.is_global_object(match["global"][0]):
                by_name.setdefault(text(match["name"][0]), []).append(match["member"][0])
        for name, uses in by_name.items():
            usage = classify(source, uses, name)
            if usage.bounds:
                continue
            grows = usage.grows_in_functions(source)
            if grows:
                owner = text(uses[0].child_by_field_name("object"))
                yield self.finding(
                    source, grows[0],
                    f"`{owner}.{name}` lives on the global object and grows here, but nothing "
                    f"ever removes from it; it is a GC root and will grow for the process's life")
        yield from self._implicit_globals(source)
        deletes = bool(source.matches(_GLOBAL_DELETES))
        for match in source.matches(_GLOBAL_SUBSCRIPTS):
            assign = match["assign"][0]
            if match["key"][0].type in ("string", "number") or (
                    source.enclosing_function(assign) is None):
                continue
            if not source.is_global_object(match["global"][0]) or deletes:
                continue
            yield self.finding(
                source, outer(assign),
                f"`{text(assign.child_by_field_name('left'))} = ...` adds a property to the global "
                f"object under a computed key on every call and nothing deletes it")

    def _implicit_globals(self, source: SourceFile) -> Iterator[Finding]:
        """Sloppy-mode scripts: `seen = []` inside a function, with `seen` declared nowhere,
        creates a property of the global object; report it when it then only grows."""
        if source.language != "javascript" or _strict(source):
            return
        declared = source.all_declared_names()
        reported: set[str] = set()
        for match in source.matches(_BARE_ASSIGNMENTS):
            name = text(match["name"][0])
            if name in declared or name in reported or name in _HOST_GLOBALS:
                continue
            if source.enclosing_function(match["assign"][0]) is None:
                continue
            uses = source.identifiers(name)
            usage = classify(source, uses, name, collection_kind(match["value"][0]))
            # the creating assignment is not a reset: any other plain assignment is
            usage.bounds = [b for b in usage.bounds if b.id != match["assign"][0].id]
            if usage.bounds:
                continue
            grows = usage.grows_in_functions(source)
            if grows:
                reported.add(name)
                yield self.finding(
                    source, grows[0],
                    f"`{name}` is declared nowhere, so assigning it made it a property of the "
                    f"global object (sloppy mode); it grows here and nothing removes from it")


_BARE_ASSIGNMENTS = file_query("""
(assignment_expression left: (identifier) @name right: (_) @value) @assign
""", ("javascript",))
# Names a script may assign without declaring because the host provides them.
_HOST_GLOBALS = frozenset({"module", "exports", "require", "window", "global", "globalThis",
                           "self", "document", "process", "console", "undefined"})


def _strict(source: SourceFile) -> bool:
    """A module (import/export) or a 'use strict' directive: undeclared assignments throw."""
    head = source.source[:2000]
    if b"'use strict'" in head or b'"use strict"' in head:
        return True
    return any(statement.type in ("import_statement", "export_statement")
               for statement in source.root.named_children)
