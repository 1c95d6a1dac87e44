"""global-collection-growth (global-growth)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import (
    SourceFile,
    file_query,
    last_name,
    outer,
    text,
    unwrap,
)
from heapsight.lint.usage import called_in_file, classify, collection_kind, constant_key

_GLOBAL_MEMBERS = file_query("""
(member_expression object: (identifier) @global property: (property_identifier) @name
  (#any-of? @global "global" "globalThis" "window")) @member
""")
# `(global as any).x`, `(globalThis as unknown as Bag).x`: the global object behind a cast
_CAST_MEMBERS = file_query("""
(member_expression object: (parenthesized_expression) @cast
  property: (property_identifier) @name) @member
""")
_GLOBAL_SUBSCRIPTS = file_query("""
(assignment_expression
  left: (subscript_expression object: (identifier) @global index: (_) @key)
  (#any-of? @global "global" "globalThis" "window")) @assign
""")

# `globalThis[KEY]` in any position: under a constant key it is one named global
_GLOBAL_KEYED = file_query("""
(subscript_expression object: (identifier) @global index: (_) @key
  (#any-of? @global "global" "globalThis" "window")) @member
""")

_COMMENTS = file_query("(comment) @comment")
# ESLint's declaration of the globals a file uses: `/* global WIKI, app:writable */`
_GLOBAL_COMMENT = re.compile(r"/\*\s*globals?\s+([^*]*)\*/")
_GLOBAL_NAMES = frozenset({"global", "globalThis", "window"})

_GLOBAL_DELETES = file_query("""
(unary_expression argument: (subscript_expression object: (identifier) @global)
  (#any-of? @global "global" "globalThis" "window")) @delete
""")


class GlobalCollectionGrowth(Rule):
    """What it does:
    Finds collections hung on the global object - `global.x`, `globalThis.x`, `window.x`, and
    deeper (`global.app.audit`) - that a function adds to (`push`, `set`, `add`, `[key] =`)
    while nothing removes from them, and functions that add properties to the global object
    under computed keys. A local alias of the global object (`const g = globalThis as any`)
    and `(process as any).x` count as the global object. Under a constant key (a literal, `Symbol.for`, a module `const` or an
    import) `global[KEY]` is one named global: setting it is not growth, growing it is. A module binding of the global object itself (`const g = globalThis
    as unknown as {...}`) and a name the file declares global for its linter (`/* global APP
    */`) and never declares itself count as the global object too (there `set`/`add` count
    only on a collection the file makes: an object made elsewhere may be a cache that expires).

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
        if b" as " in source.source:
            for match in source.matches(_CAST_MEMBERS):
                held = unwrap(match["cast"][0])
                if held.type == "identifier" and text(held) in (*_GLOBAL_NAMES, "process") and (
                        source.is_global_object(held)):  # (`(process as any).x`: data hung on it)
                    by_name.setdefault(text(match["name"][0]), []).append(match["member"][0])
        for match in source.matches(_GLOBAL_KEYED):
            key = match["key"][0]
            if _fixed_key(source, key) and source.is_global_object(match["global"][0]):
                by_name.setdefault(f"[{text(key)}]", []).append(match["member"][0])
        for name, uses in by_name.items():
            usage = classify(source, uses, name)
            if _live_bounds(source, usage.bounds):
                continue
            grows = usage.grows_in_functions(source)
            if grows:
                shown = uses[0].child_by_field_name("object")
                owner = text(unwrap(shown)) if shown is not None else name
                spelled = f"{owner}{name}" if name.startswith("[") else f"{owner}.{name}"
                yield self.finding(
                    source, grows[0],
                    f"`{spelled}` lives on the global object and grows here, but nothing "
                    f"ever removes from it; it is a GC root and will grow for the process's life")
        yield from self._implicit_globals(source, facts)
        yield from self._module_aliases(source, by_name)
        yield from self._global_paths(source, facts)
        deletes = bool(source.matches(_GLOBAL_DELETES))
        for match in source.matches(_GLOBAL_SUBSCRIPTS):
            assign = match["assign"][0]
            if _fixed_key(source, match["key"][0]) or source.enclosing_function(assign) is None:
                continue
            if not source.is_global_object(match["global"][0]) or deletes:
                continue
            yield self.finding(
                source, outer(assign),
                f"`{text(assign.child_by_field_name('left'))} = ...` adds a property to the global "
                f"object under a computed key on every call and nothing deletes it")

    def _module_aliases(self, source: SourceFile,
                        by_name: dict[str, list[Node]]) -> Iterator[Finding]:
        """`const buckets = (globalThis.__buckets ??= new Map())`: a module binding for a
        collection kept on the global object (so that a reloaded module finds it again); it
        grows through the binding."""
        for declarator in source.module_declarators():
            name_node = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            if name_node is None or name_node.type != "identifier" or value is None:
                continue
            value = unwrap(value)
            if value.type not in ("augmented_assignment_expression", "binary_expression"):
                continue
            held = value.child_by_field_name("left")
            made = value.child_by_field_name("right")
            if made is not None and made.type in ("parenthesized_expression",
                                                  "assignment_expression"):
                made = unwrap(made)
                made = made.child_by_field_name("right") if made.type == (
                    "assignment_expression") else made
            kind = collection_kind(made) if made is not None else None
            owner = held.child_by_field_name("object") if held is not None and (
                held.type == "member_expression") else None
            if kind is None or held is None or owner is None or text(owner) not in (
                    "global", "globalThis", "window"):
                continue
            name = text(name_node)
            uses = [u for u in source.identifiers(name) if u != name_node
                    and source.is_module_binding(u)]
            uses += [u for u in by_name.get(last_name(held), []) if u.id != held.id]
            usage = classify(source, uses, name, kind)
            if usage.bounds or usage.exported:
                continue
            grows = usage.grows_in_functions(source)
            if grows:
                yield self.finding(
                    source, grows[0],
                    f"`{name}` is `{text(held)}`, a {kind} on the global object, and grows "
                    f"here while nothing ever removes from it; it is a GC root and will grow "
                    f"for the process's life")

    def _global_paths(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        """A collection deeper on the global object: `global.app.audit.push(...)`, or under
        a name that is the global object or one of its properties by the file's own word - a
        module binding of the global object itself (`const g = globalThis as unknown as
        {...}`), a name the file declares global for its linter (`/* global WIKI */`) and
        never declares itself. Grouped by the path as spelled."""
        roots = _global_roots(source)
        if not roots:
            return
        paths: dict[str, list[Node]] = {}
        for root_name, why in roots.items():
            for root in source.identifiers(root_name):
                if root.type != "identifier":
                    continue
                scope = next((fn for fn in source.enclosing_functions(root)
                              if root_name in source.declared_names(fn)), None)
                if scope is not None and not _global_alias(source, root_name, scope):
                    continue  # a local of the same name
                depth, node = 0, outer(root)
                while node.parent is not None and node.parent.type == "member_expression" and (
                        node.parent.child_by_field_name("object") == node):
                    node, depth = node.parent, depth + 1
                    if depth >= 2 or why != "is the global object":
                        paths.setdefault(text(node), []).append(node)  # (`global.x`: above)
                    node = outer(node)
        for path, uses in paths.items():
            usage = classify(source, uses, path)
            if _live_bounds(source, usage.bounds) or usage.exported:
                continue
            made = any(_made_as_collection(use) for use in uses)
            grows = [g for g in usage.grows_in_functions(source)
                     if not facts.in_setup_code(g) and not constant_key(source, g)
                     and (made or _grows_any_object(g))]
            if grows:
                root_name = path.split(".", 1)[0].split("[", 1)[0]
                yield self.finding(
                    source, grows[0],
                    f"`{path}` hangs off the global object (`{root_name}` "
                    f"{roots[root_name]}) and grows here, but nothing ever removes from it; "
                    f"it is a GC root and will grow for the process's life")

    def _implicit_globals(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        """Sloppy-mode scripts: `seen = []` inside a function, with `seen` declared nowhere,
        creates a property of the global object; report it when it then only grows."""
        for implicit in facts.implicit_globals:
            made = {assignment.id for assignment in implicit.assignments
                    if _creates(assignment, implicit.name)}
            if not made:
                continue
            kind = next((collection_kind(_created_value(value)) for assignment, value in zip(
                implicit.assignments, implicit.values, strict=True) if assignment.id in made),
                None)
            usage = classify(source, implicit.uses, implicit.name, kind)
            # creating the collection is not a reset: any other plain assignment is
            usage.bounds = [b for b in usage.bounds if b.id not in made]
            if usage.bounds:
                continue
            refills = [a for a in implicit.assignments if a.id in implicit.refills]
            grows = [g for g in usage.grows_in_functions(source) if not any(
                a.end_byte <= g.start_byte and (f := source.enclosing_function(a)) is not None
                and g.start_byte < f.end_byte for a in refills)]  # (implicit-global's)
            if grows:
                yield self.finding(
                    source, grows[0],
                    f"`{implicit.name}` is declared nowhere, so assigning it made it a property "
                    f"of the global object (sloppy mode); it grows here and nothing removes "
                    f"from it")


def _fixed_key(source: SourceFile, key: Node) -> bool:
    """A key that names one property whatever the call: a literal, `Symbol.for('x')`, or a
    module-level `const` or import (`global[KAFKA]` where `const KAFKA = Symbol()`)."""
    key = unwrap(key)
    if key.type in ("string", "number"):
        return True
    if key.type == "call_expression":
        return text(key.child_by_field_name("function")) == "Symbol.for"
    if key.type != "identifier" or not source.is_module_binding(key):
        return False
    declarator = next(source.declarators(text(key), source.root), None)
    return declarator is None or declarator.parent is not None and text(
        declarator.parent).startswith("const")  # (no declarator: an import)


def _live_bounds(source: SourceFile, bounds: list[Node]) -> list[Node]:
    """The bounds that can run while the collection grows: not a wholesale reset (`x = []`)
    in a method nothing in the file calls (a lifecycle hook the host runs at boot or
    shutdown, `boot() { globalThis.timings = [] }`), which empties it once, not per call."""
    live = []
    for bound in bounds:
        function = source.enclosing_function(bound)
        if bound.type == "assignment_expression" and function is not None and (
                function.type == "method_definition") and not called_in_file(
                source, source.function_name(function)):
            continue
        live.append(bound)
    return live


def _created_value(value: Node) -> Node:
    """`[]` of `x = typeof x === 'undefined' ? [] : x` or `x = x || []`."""
    if value.type == "ternary_expression":
        for branch in ("consequence", "alternative"):
            chosen = value.child_by_field_name(branch)
            if chosen is not None and collection_kind(chosen) is not None:
                return chosen
    if value.type == "binary_expression" and text(value.child_by_field_name("operator")) in (
            "||", "??"):
        return value.child_by_field_name("right") or value
    return value


def _creates(assignment: Node, name: str) -> bool:
    """The assignment makes the collection, once: `x = x || []`, `x = typeof x ===
    'undefined' ? {} : x`, or `x = []` under `if (typeof x === 'undefined')`/`if (!x)`."""
    value = assignment.child_by_field_name("right")
    if value is None or collection_kind(_created_value(value)) is None:
        return False
    if value.type in ("ternary_expression", "binary_expression"):
        return name in text(value)
    parent = assignment.parent
    while parent is not None and parent.type in ("expression_statement", "statement_block",
                                                 "parenthesized_expression"):
        parent = parent.parent
    if parent is not None and parent.type == "if_statement":
        return name in text(parent.child_by_field_name("condition"))
    return True  # the one creating assignment; a second plain one counts as a reset


def _global_roots(source: SourceFile) -> dict[str, str]:
    """Names whose member paths live on the global object -> why."""
    roots: dict[str, str] = {}
    declared = source.declared_names(source.root)
    for name in _GLOBAL_NAMES:
        if name.encode() in source.source and name not in declared:
            roots[name] = "is the global object"
    for declarator in source.module_declarators():
        name_node = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if name_node is None or name_node.type != "identifier" or value is None:
            continue
        value = unwrap(value)
        if value.type == "identifier" and text(value) in roots:
            roots[text(name_node)] = f"is `{text(value)}`"
    if b" as " in source.source or b"= global" in source.source:
        for match in source.matches(_ALIASES):  # `const g = globalThis as any` in a function
            value = unwrap(match["value"][0])
            if value.type == "identifier" and text(value) in _GLOBAL_NAMES and (
                    source.is_global_object(value)):
                roots.setdefault(text(match["name"][0]), f"is `{text(value)}`")
    if b"global" in source.source:
        for match in source.matches(_COMMENTS):
            found = _GLOBAL_COMMENT.match(text(match["comment"][0]))
            if found is None:
                continue
            for item in found.group(1).split(","):
                name = item.split(":", 1)[0].strip()
                if name.isidentifier() and name not in declared:
                    roots[name] = "is declared a global (`/* global */`)"
    return roots


_ALIASES = file_query("(variable_declarator name: (identifier) @name value: (_) @value)")


def _global_alias(source: SourceFile, name: str, scope: Node) -> bool:
    """`name` is declared in `scope` as the global object (`const g = globalThis as any`)."""
    return any((value := d.child_by_field_name("value")) is not None
               and unwrap(value).type == "identifier" and text(unwrap(value)) in _GLOBAL_NAMES
               for d in source.declarators(name, scope))


def _made_as_collection(use: Node) -> bool:
    """`path = []`, `path ??= new Map()`, `path = path || {}`: the file makes the collection."""
    holder = outer(use).parent
    if holder is None or holder.type not in ("assignment_expression",
                                             "augmented_assignment_expression") or (
            holder.child_by_field_name("left") != outer(use)):
        return False
    value = holder.child_by_field_name("right")
    return value is not None and collection_kind(_created_value(unwrap(value))) is not None


def _grows_any_object(grow: Node) -> bool:
    """`path[key] = v` or `path.push(v)` grow whatever the object is; `path.set(k, v, ttl)`
    on an object made elsewhere may be a cache with its own expiry."""
    if grow.type == "subscript_expression":
        return True
    callee = grow.child_by_field_name("function")
    return callee is not None and last_name(callee) in ("push", "unshift")
