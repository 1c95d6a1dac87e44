"""Intervals started inside functions, and whether anything can clear them.

A fact about a file (FileFacts.interval_starts): interval-not-cleared reports the uncleared
ones, closure-captures-request looks at what their callbacks capture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.source import (
    FUNCTIONS_QUERY,
    SourceFile,
    file_query,
    last_name,
    outer,
    root_identifier,
    text,
)

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
    # per-call code, and cleared only from inside its own callback: on a condition that the
    # end of the call (close, error) may never meet
    self_cleared_only: bool = False


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
            scope = facts.per_call_scope(call)
            # a poll-until-done helper (exported, async) stops on its own condition; a
            # request handler's interval must also stop when the request ends
            self_only = cleared and callback is not None and _cleared_only_inside(
                source, name, callback, function) and scope is not None and (
                not facts.per_call_is_inferred(scope[1]))
            found.append(IntervalStart(call, callback, function, name, cleared and not self_only,
                                       self_only))
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


def _cleared_only_inside(source: SourceFile, name: str, callback: Node,
                         function: Node) -> bool:
    """Every clearInterval/clearTimeout(name) in `function` sits inside `callback`."""
    clears = [use for use in source.identifiers(name, function)
              if _is_clear_argument(use)]
    return bool(clears) and all(
        callback.start_byte <= use.start_byte and use.end_byte <= callback.end_byte
        for use in clears)


def _is_clear_argument(use: Node) -> bool:
    arguments = outer(use).parent
    call = arguments.parent if arguments is not None and arguments.type == "arguments" else None
    return call is not None and last_name(call.child_by_field_name("function") or call) in (
        "clearInterval", "clearTimeout")


# -- timers whose handle is overwritten -------------------------------------------------------

_TIMER_CALLS = file_query("""
(call_expression function: (identifier) @f
  (#any-of? @f "setTimeout" "setInterval")) @timer
""")

_FRESH_KEY = ("++", "randomUUID", "uuid", "nanoid", "Date.now", "nextId", "counter")


@dataclass(frozen=True)
class TimerOverwrite:
    call: Node
    function: Node
    handle: str  # where the handle is kept: `this._closeTimer`, `map entry`
    keyed: bool  # kept in an entry of a collection under a key that can repeat


def overwritten_timers(source: SourceFile, facts: FileFacts) -> list[TimerOverwrite]:
    """Timers whose handle replaces an earlier one without clearing it.

    `this.timer = setTimeout(...)` in a method that may run again while the previous timer is
    pending, or a timer kept in a collection entry (`map.set(key, { timer })`,
    `cache[key] = record`) under a key that can come again: the old timer keeps running, with
    everything its callback holds. Reading the old handle first (a guard or a clear) is fine.
    """
    found: list[TimerOverwrite] = []
    for match in source.matches(_TIMER_CALLS):
        call = match["timer"][0]
        function = source.enclosing_function(call)
        if function is None or facts.in_setup_code(call):
            continue
        if source.function_name(function) == "constructor":
            continue  # once per object
        node = outer(call)
        parent = node.parent
        if parent is None:
            continue
        if parent.type == "assignment_expression" and parent.child_by_field_name("right") == node:
            left = parent.child_by_field_name("left")
            if left is None or left.type != "member_expression":
                continue
            handle = text(left)
            owner = left.child_by_field_name("object")
            if owner is not None and owner.type == "this":
                if _field_overwritten(source, facts, call, function, parent, handle):
                    found.append(TimerOverwrite(call, function, handle, False))
                continue
            record = root_identifier(left)
            if record is not None and _stored_under_key(source, text(record), function) and (
                    not _clears_in(source, function)):
                found.append(TimerOverwrite(call, function, f"{text(record)}.{last_name(left)}",
                                            True))
        elif parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
            name = text(parent.child_by_field_name("name"))
            if name and _stored_under_key(source, name, function) and (
                    not _clears_in(source, function)):
                found.append(TimerOverwrite(call, function, name, True))
    return found


def _field_overwritten(source: SourceFile, facts: FileFacts, call: Node, method: Node,
                       assignment: Node, handle: str) -> bool:
    """`this.x = setTimeout(...)` straight in a method, where the class clears `this.x`
    elsewhere (so a timer can be pending) but this method neither looks at the old handle
    first nor is the timer's own reschedule, and the callback does not mark it done."""
    if method.type != "method_definition" or method.parent is None or (
            method.parent.type != "class_body"):
        return False  # a nested callback: usually the timer rescheduling itself
    if source.function_name(method) in facts.rescheduling_methods:
        return False  # runs from a timer's own callback: the old timer has fired
    if last_name(call.child_by_field_name("function") or call) != "setTimeout":
        return False  # intervals: interval-not-cleared
    field = handle.rsplit(".", 1)[-1]
    before = source.source[method.start_byte:assignment.start_byte].decode("utf-8", "replace")
    if f".{field}" in before:
        return False  # a guard or a clear first
    arguments = call.child_by_field_name("arguments")
    callback = arguments.named_children[0] if arguments is not None and (
        arguments.named_children) else None
    if callback is not None and f".{field} =" in text(callback):
        return False  # the callback marks the timer done: the owner tracks whether it is pending
    return field in facts.cleared_handle_names


def rescheduling_methods(source: SourceFile) -> frozenset[str]:
    """Methods a timer callback runs, directly or through one more `this.method()` call."""
    called = re.compile(r"(?:this|self|me|that)\.(#?\w+)")
    direct: set[str] = set()
    for match in source.matches(_TIMER_CALLS):
        arguments = match["timer"][0].child_by_field_name("arguments")
        if arguments is not None and arguments.named_children:
            direct.update(called.findall(text(arguments.named_children[0])))
    names = set(direct)
    for found in source.matches(FUNCTIONS_QUERY):
        function = found["function"][0]
        if function.type == "method_definition" and source.function_name(function) in direct:
            names.update(called.findall(text(function)))
    return frozenset(names)


def cleared_handle_names(source: SourceFile) -> frozenset[str]:
    """The last names of everything the file passes to clearTimeout/clearInterval."""
    return frozenset(last_name(m["handle"][0]) for m in source.matches(_CLEARS))


def _clears_in(source: SourceFile, function: Node) -> bool:
    return any(_is_clear_call(node) for name in ("clearTimeout", "clearInterval")
               for node in source.identifiers(name, function))


def _is_clear_call(node: Node) -> bool:
    parent = node.parent
    return parent is not None and (parent.type == "call_expression" or (
        parent.type == "member_expression" and parent.parent is not None
        and parent.parent.type == "call_expression"))


def _stored_under_key(source: SourceFile, name: str, function: Node) -> bool:
    """`name` (or an object holding it) is stored in `function` with `x.set(key, ...)` or
    `x[key] = ...`, under a key that is not made fresh for this call."""
    for use in source.identifiers(name, function):
        node = outer(use)
        holder = node.parent
        while holder is not None and holder.type in ("pair", "object",
                                                     "shorthand_property_identifier"):
            node, holder = holder, holder.parent
        if use.type == "shorthand_property_identifier":
            node = use.parent or use  # the object literal
            holder = node.parent
        if holder is None:
            continue
        if holder.type == "arguments" and holder.parent is not None:
            callee = holder.parent.child_by_field_name("function")
            arguments = holder.named_children
            if callee is not None and last_name(callee) == "set" and len(arguments) >= 2 and (
                    arguments[1].id == node.id) and not _fresh(source, arguments[0], function):
                return True
        if holder.type == "assignment_expression" and holder.child_by_field_name(
                "right") == node:
            left = holder.child_by_field_name("left")
            if left is not None and left.type == "subscript_expression":
                key = left.child_by_field_name("index")
                if key is not None and not _fresh(source, key, function):
                    return True
    return False


def _fresh(source: SourceFile, key: Node, function: Node) -> bool:
    """A key made new for this call: `++id`, a uuid, or a variable set from one."""
    if any(marker in text(key) for marker in _FRESH_KEY):
        return True
    if key.type != "identifier":
        return False
    for scope in (function, *source.enclosing_functions(function)):
        for use in source.identifiers(text(key), scope):
            declarator = use.parent
            if declarator is not None and declarator.type == "variable_declarator" and (
                    declarator.child_by_field_name("name") == use):
                value = declarator.child_by_field_name("value")
                return value is not None and any(m in text(value) for m in _FRESH_KEY)
    return False


def _handed_on(source: SourceFile, name: str, declaration: Node, function: Node) -> bool:
    for use in source.identifiers(name, function):
        if use.start_byte < declaration.end_byte and use.end_byte > declaration.start_byte:
            continue
        parent = outer(use).parent
        if parent is not None and parent.type in _HANDED_ON:
            return True
    return False
