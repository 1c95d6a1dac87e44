"""interval-not-cleared (timer-leak)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, file_query, last_name, outer, text

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


def interval_starts(source: SourceFile) -> list[IntervalStart]:
    """Every setInterval started inside a function, with what became of its handle."""
    cached = source.cache.get("interval_starts")
    if cached is not None:
        return cached  # type: ignore[return-value]
    cleared_names = {last_name(m["handle"][0]) for m in source.matches(_CLEARS)}
    found: list[IntervalStart] = []
    for match in source.matches(_INTERVALS):
        call = match["call"][0]
        function = source.enclosing_function(call)
        if function is None or source.in_setup_code(call):
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
    source.cache["interval_starts"] = found
    return found


def _handed_on(source: SourceFile, name: str, declaration: Node, function: Node) -> bool:
    for use in source.identifiers(name, function):
        if use.start_byte < declaration.end_byte and use.end_byte > declaration.start_byte:
            continue
        parent = outer(use).parent
        if parent is not None and parent.type in _HANDED_ON:
            return True
    return False


class IntervalNotCleared(Rule):
    """What it does:
    Finds `setInterval` calls inside functions whose handle is dropped (so nothing can ever stop
    the timer), or stored in a variable or property that no `clearInterval` in the file clears -
    including a class that starts an interval in one method and has no method that clears it.

    Why is this bad?
    An interval runs until it is cleared, and it keeps its callback's closure - and everything
    that closure reaches - alive the whole time. Started per request or per object, intervals
    pile up: each one costs memory and CPU for as long as the process lives.

    Example:
    ```js
    class Poller {
      start() {
        this.timer = setInterval(() => this.poll(), 1000);
      }
    }
    ```

    Use instead:
    Keep the handle and clear it when the work is done: in `stop()`/`close()`, or when the
    request or connection closes.
    ```js
    class Poller {
      start() {
        this.timer = setInterval(() => this.poll(), 1000);
      }
      stop() {
        clearInterval(this.timer);
      }
    }
    ```
    """

    id = "interval-not-cleared"
    category = "timer-leak"
    summary = "setInterval whose handle is dropped or never cleared"
    fix = "Keep the handle and clearInterval it in stop()/close() or when the request closes"

    def check(self, source: SourceFile) -> Iterator[Finding]:
        for start in interval_starts(source):
            if start.cleared:
                continue
            where = source.describe(start.function)
            if not start.handle:
                message = (f"setInterval in {where} drops its handle, so the timer can never be "
                           f"cleared; each call starts one more interval that runs forever")
            elif start.handle.startswith("this."):
                owner = _class_name(start.call)
                message = (f"{owner or 'this class'} starts an interval in {where} "
                           f"(`{start.handle}`) but no method clears it; add a stop()/close() "
                           f"that calls clearInterval({start.handle})")
            else:
                message = (f"setInterval in {where} keeps its handle in `{start.handle}` but "
                           f"nothing calls clearInterval({start.handle})")
            yield self.finding(source, start.call, message)


def _class_name(node: Node) -> str:
    parent = node.parent
    while parent is not None and parent.type not in ("class_declaration", "class"):
        parent = parent.parent
    if parent is None:
        return ""
    name = parent.child_by_field_name("name")
    return f"class {text(name)}" if name is not None else ""
