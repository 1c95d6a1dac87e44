"""Names a sloppy-mode script assigns without ever declaring them: properties of the global object.

In a script that is not strict (no `'use strict'` directive around the code, no import/export),
`seen = []` inside a function, with `seen` declared in no scope around it, creates
`globalThis.seen`. It lives as long as the process; whatever it holds stays reachable from the
GC roots. (In strict code and in ES modules the same line throws a ReferenceError.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from heapsight.lint.source import SourceFile, file_query, text, unwrap
from heapsight.lint.usage import classify, collection_kind

_BARE_ASSIGNMENTS = file_query("""
(assignment_expression left: (identifier) @name right: (_) @value) @assign
(for_in_statement left: (identifier) @name right: (_) @value) @assign
""", ("javascript",))
# Names a script may assign without declaring because the host provides them.
HOST_GLOBALS = frozenset({"module", "exports", "require", "global", "globalThis", "process",
                          "console", "undefined"})
# A browser provides these too; Node does not, so a CommonJS script that assigns one
# without declaring it (`self = this` in a constructor) makes a new global.
BROWSER_GLOBALS = frozenset({"window", "self", "document", "location", "onmessage", "onload",
                             "onerror", "name", "status"})
_COMMONJS = re.compile(rb"(?<![\w$.])(?:require\(|module\.exports\b|exports\.)")


# A `'use strict'` directive: at the start of a line (a comment that quotes it is not).
_STRICT_LINE = re.compile(rb"""^[ \t]*['"]use strict['"]""", re.MULTILINE)


@dataclass(frozen=True)
class ImplicitGlobal:
    name: str
    assignments: list[Node]  # `name = value` inside functions, each with @value at [1]
    values: list[Node]
    uses: list[Node]  # every identifier in the file that refers to the global
    # the assignments that give it a new empty collection the same call then fills: the
    # global keeps the last call's filled collection
    refills: frozenset[int] = frozenset()


def implicit_globals(source: SourceFile) -> list[ImplicitGlobal]:
    """Every name assigned inside a function of a sloppy-mode script with no declaration in
    scope, and the uses that refer to that global."""
    if source.language != "javascript" or _module(source) or _STRICT_LINE.search(
            source.source):
        return []  # a directive at the start of a line, in a function or at the top
    found: dict[str, tuple[list[Node], list[Node]]] = {}
    declared = source.all_declared_names()
    commonjs = _COMMONJS.search(source.source) is not None
    provided = HOST_GLOBALS if commonjs else HOST_GLOBALS | BROWSER_GLOBALS
    for match in source.matches(_BARE_ASSIGNMENTS):
        name_node, assignment = match["name"][0], match["assign"][0]
        if assignment.type == "for_in_statement" and assignment.child_by_field_name(
                "kind") is not None:
            continue  # `for (var k in o)`: declared; `for (k in o)` assigns a global
        name = text(name_node)
        if name in provided or (source.enclosing_function(assignment) is None
                                and (not commonjs or _tested_first(assignment, name))):
            continue  # (at the top of a CommonJS module, not of a browser script, the
            #            undeclared name is a global rather than one of the script's own;
            #            `if (typeof _ == 'function') _ = ...` updates a global on purpose)
        # most assigned names are declared in the assigning function: a set lookup rules
        # them out before the scope walk
        if name in declared and (_declared_nearby(source, name_node, assignment)
                                 or not _refers_to_global(source, name_node)):
            continue
        if _strict_function(source, assignment):
            continue
        assignments, values = found.setdefault(name, ([], []))
        assignments.append(assignment)
        values.append(match["value"][0])
    result = []
    for name, (assignments, values) in found.items():
        uses = [use for use in source.identifiers(name)
                if use.type == "shorthand_property_identifier" or _refers_to_global(source, use)]
        found_global = ImplicitGlobal(name, assignments, values, uses)
        refills = frozenset(a.id for a, v in zip(assignments, values, strict=True)
                            if refilled_per_call(source, found_global, a, v))
        result.append(ImplicitGlobal(name, assignments, values, uses, refills))
    return result


def _tested_first(assignment: Node, name: str) -> bool:
    """Inside an `if` whose condition asks about the name (`typeof _ == 'function'`)."""
    parent = assignment.parent
    while parent is not None:
        condition = parent.child_by_field_name("condition")
        if parent.type == "if_statement" and condition is not None and re.search(
                rf"(?<![\w$]){re.escape(name)}(?![\w$])", text(condition)):
            return True
        parent = parent.parent
    return False


_DECLARING = frozenset({"variable_declarator", "required_parameter", "optional_parameter",
                        "formal_parameters", "catch_clause", "function_declaration",
                        "class_declaration"})


def _declared_nearby(source: SourceFile, identifier: Node, assignment: Node) -> bool:
    """A quick yes for the common case: the enclosing function itself declares the name with
    a plain `let`/`const`/`var` or a parameter (the full scope walk answers the rest)."""
    function = source.enclosing_function(assignment)
    if function is None:
        return False
    for use in source.identifiers(text(identifier), function):
        parent = use.parent
        if parent is None or parent.type not in _DECLARING or use.id == identifier.id:
            continue
        if parent.type != "variable_declarator" or parent.child_by_field_name("name") == use:
            return True
    return False


def _refers_to_global(source: SourceFile, identifier: Node) -> bool:
    name = text(identifier)
    return not any(name in source.declared_names(scope)
                   for scope in (*source.enclosing_functions(identifier), source.root))


def _module(source: SourceFile) -> bool:
    return any(statement.type in ("import_statement", "export_statement")
               for statement in source.root.named_children)


def _directive(body: Node | None) -> bool:
    """The body starts with a `'use strict'` directive (its prologue: leading strings)."""
    if body is None:
        return False
    for statement in body.named_children:
        if statement.type == "comment":
            continue
        if statement.type != "expression_statement" or not statement.named_children or (
                statement.named_children[0].type != "string"):
            return False
        if text(statement.named_children[0])[1:-1] == "use strict":
            return True
    return False


def _strict_function(source: SourceFile, node: Node) -> bool:
    """Inside a function (or a class body, always strict) that is strict."""
    parent = node.parent
    while parent is not None:
        if parent.type in ("class_body", "class_declaration", "class"):
            return True
        parent = parent.parent
    return any(_directive(function.child_by_field_name("body"))
               for function in source.enclosing_functions(node))


def refilled_per_call(source: SourceFile, implicit: ImplicitGlobal, assignment: Node,
                      value: Node) -> bool:
    """`links = {}` and then `links[k] = v` in the same function (or a callback it runs):
    each call gives the global a new collection and fills it, so the global keeps the last
    call's filled collection (not growth across calls)."""
    value = unwrap(value)
    kind = collection_kind(value)
    if kind is None or (value.type in ("object", "array") and value.named_child_count):
        return False
    function = source.enclosing_function(assignment)
    if function is None:
        return False
    parent = assignment.parent
    while parent is not None and parent.id != function.id:
        condition = parent.child_by_field_name("condition")
        if parent.type in ("if_statement", "ternary_expression") and condition is not None \
                and implicit.name in text(condition):
            return False  # `if (typeof x === 'undefined') x = []`: made once, then grows
        parent = parent.parent
    grows = classify(source, implicit.uses, implicit.name, kind).grows
    return any(assignment.end_byte <= grow.start_byte < function.end_byte for grow in grows)
