"""Intervals started inside functions, and whether anything can clear them.

A fact about a file (FileFacts.interval_starts): interval-not-cleared reports the uncleared
ones, closure-captures-request looks at what their callbacks capture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.source import SourceFile, file_query, last_name, outer, text

if TYPE_CHECKING:
    from heapsight.lint.facts import FileFacts

_INTERVALS = file_query("""
(call_expression function: (identifier) @f arguments: (arguments) @args
  (#eq? @f "setInterval")) @call
(call_expression
  function: (member_expression object: (identifier) @o property: (property_identifier) @f)
  arguments: (arguments) @args
  (#eq? @f "setInterval") (#any-of? @o "window" "global" "globalThis" "timers" "self")) @call
""")
_CLEARS = file_query("""
(call_expression function: (identifier) @f arguments: (arguments . (_) @handle)
  (#any-of? @f "clearInterval" "clearTimeout")) @call
(call_expression function: (member_expression property: (property_identifier) @f)
  arguments: (arguments . (_) @handle)
  (#any-of? @f "clearInterval" "clearTimeout")) @call
""")
# Uses of a handle variable that hand it to someone else, who may clear it.
_HANDED_ON = frozenset({"arguments", "return_statement", "pair", "array", "assignment_expression",
                        "shorthand_property_identifier", "variable_declarator", "arrow_function"})


@dataclass(frozen=True)
class IntervalStart:
    call: Node
    callback: Node | None
    function: Node  # the function that starts it
    handle: str  # "" when the handle is dropped
    cleared: bool  # some clearInterval in the file could be clearing it


def interval_starts(source: SourceFile, facts: FileFacts) -> list[IntervalStart]:
    """Every setInterval started inside a function, with what became of its handle."""
    cleared_names = {last_name(m["handle"][0]) for m in source.matches(_CLEARS)}
    found: list[IntervalStart] = []
    for match in source.matches(_INTERVALS):
        call = match["call"][0]
        function = source.enclosing_function(call)
        if function is None or facts.in_setup_code(call):
            continue  # started once at load or start-up: a deliberate background task
        args = match["args"][0].named_children
        callback = args[0] if args else None
        node = outer(call)
        parent = node.parent
        # `setInterval(...).unref()` still drops the handle
        if parent is not None and parent.type == "member_expression" and text(
                parent.child_by_field_name("property")) in ("unref", "ref"):
            node = outer(parent.parent) if parent.parent is not None else parent
            parent = node.parent
        if parent is None:
            continue
        if parent.type == "expression_statement":
            found.append(IntervalStart(call, callback, function, "", False))
        elif parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
            name = text(parent.child_by_field_name("name"))
            cleared = name in cleared_names or _handed_on(source, name, parent, function)
            found.append(IntervalStart(call, callback, function, name, cleared))
        elif parent.type == "assignment_expression" and parent.child_by_field_name("right") == node:
            left = parent.child_by_field_name("left")
            if left is None:
                continue
            handle = text(left)
            cleared = last_name(left) in cleared_names
            if left.type == "identifier" and not cleared:
                cleared = _handed_on(source, handle, parent, function)
            found.append(IntervalStart(call, callback, function, handle, cleared))
        # anything else (an argument, a return value, an object field) is managed elsewhere
    return found


def _handed_on(source: SourceFile, name: str, declaration: Node, function: Node) -> bool:
    for use in source.identifiers(name, function):
        if use.start_byte < declaration.end_byte and use.end_byte > declaration.start_byte:
            continue
        parent = outer(use).parent
        if parent is not None and parent.type in _HANDED_ON:
            return True
    return False
