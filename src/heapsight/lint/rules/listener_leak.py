"""listener-not-removed (listener-leak)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, file_query, outer, text

_ADDS = file_query("""
(call_expression
  function: (member_expression object: (_) @target property: (property_identifier) @method)
  arguments: (arguments) @args
  (#any-of? @method "on" "addListener" "addEventListener" "prependListener")) @call
""")
_REMOVES = file_query("""
(call_expression
  function: (member_expression object: (_) @target property: (property_identifier) @method)
  arguments: (arguments) @args
  (#any-of? @method "off" "removeListener" "removeEventListener" "removeAllListeners")) @call
""")


@dataclass(frozen=True)
class ListenerAdd:
    call: Node
    target: Node
    handler: Node | None
    scope: Node  # the per-call function it runs in
    reason: str


def unremoved_listeners(source: SourceFile) -> list[ListenerAdd]:
    """Listeners added to long-lived emitters from per-call code and never removed.

    Shared with closure-capture, which asks what such a listener's closure holds on to.
    """
    cached = source.cache.get("unremoved_listeners")
    if cached is not None:
        return cached  # type: ignore[return-value]
    removes = source.matches(_REMOVES)
    found: list[ListenerAdd] = []
    for match in source.matches(_ADDS):
        call, target = match["call"][0], match["target"][0]
        args = [a for a in match["args"][0].named_children if a.type != "comment"]
        if len(args) < 2 or text(match["method"][0]) == "addEventListener" and (
                len(args) >= 3 and _has_signal_or_once(args[2])):
            continue
        statement = outer(call).parent
        if statement is None or statement.type not in ("expression_statement", "member_expression"):
            continue  # its result is kept: some emitters return an unsubscribe function
        scope = source.per_call_scope(call)
        if scope is None or not source.is_long_lived(target):
            continue
        handler = args[1]
        if _removed(source, removes, target, handler, scope[0]):
            continue
        found.append(ListenerAdd(call, target, handler, scope[0], scope[1]))
    source.cache["unremoved_listeners"] = found
    return found


def _has_signal_or_once(options: Node) -> bool:
    if options.type != "object":
        return False
    for member in options.named_children:
        key = member.child_by_field_name("key") if member.type == "pair" else member
        if text(key) == "signal" or (text(key) == "once" and member.type == "pair"
                                     and text(member.child_by_field_name("value")) == "true"):
            return True
    return False


def _removed(source: SourceFile, removes: list[dict[str, list[Node]]], target: Node,
             handler: Node, scope: Node) -> bool:
    """Removed in the per-call scope (its close/finish handlers are nested in it), or the same
    handler is removed from the same emitter anywhere in the file."""
    target_text = text(target)
    handler_text = text(handler)
    for match in removes:
        if text(match["target"][0]) != target_text:
            continue
        call = match["call"][0]
        if scope.start_byte <= call.start_byte and call.end_byte <= scope.end_byte:
            return True
        args = match["args"][0].named_children
        if handler.type != "arrow_function" and len(args) >= 2 and text(args[1]) == handler_text:
            return True
        if text(match["method"][0]) == "removeAllListeners":
            return True
    return False


class ListenerNotRemoved(Rule):
    """What it does:
    Finds `.on(...)`, `.addListener(...)` and `.addEventListener(...)` calls made in per-call
    code - a request handler, a per-connection or per-message listener, or a function such code
    calls - on an emitter that outlives the call (a module-level emitter, `process`, `window`),
    when that code never removes the listener (`off`, `removeListener`, `removeEventListener`)
    and does not pass `{ once: true }` or an AbortSignal.

    Why is this bad?
    Each call adds one more listener to a long-lived emitter, and the listener's closure keeps
    whatever it uses alive. After a day of traffic the emitter holds a million closures. Node
    prints `MaxListenersExceededWarning` at eleven listeners, but the leak goes on after it.

    Example:
    ```js
    const bus = new EventEmitter();
    app.get('/events', (req, res) => {
      bus.on('update', (data) => res.write(JSON.stringify(data)));
    });
    ```

    Use instead:
    Remove the listener when the call is done, usually in the response's `close` handler; or use
    `once`, or an AbortSignal.
    ```js
    app.get('/events', (req, res) => {
      const onUpdate = (data) => res.write(JSON.stringify(data));
      bus.on('update', onUpdate);
      res.on('close', () => bus.off('update', onUpdate));
    });
    ```
    """

    id = "listener-not-removed"
    category = "listener-leak"
    summary = "A listener added per call to a long-lived emitter is never removed"
    fix = "Remove the listener on close (off/removeListener), or use once or an AbortSignal"

    def check(self, source: SourceFile) -> Iterator[Finding]:
        for add in unremoved_listeners(source):
            method = text(add.call.child_by_field_name("function"))
            event = add.call.child_by_field_name("arguments")
            first = event.named_children[0] if event is not None and event.named_children else None
            yield self.finding(
                source, add.call,
                f"`{method}({text(first)}, ...)` runs in {source.describe(add.scope)} and adds a "
                f"listener to `{text(add.target)}`, which outlives it, on every call; nothing "
                f"removes it")

