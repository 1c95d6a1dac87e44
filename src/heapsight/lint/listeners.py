"""Listeners added to long-lived emitters from per-call code, and whether they are removed.

A fact about a file (FileFacts.unremoved_listeners), not a rule: listener-not-removed reports
these, closure-captures-request looks at what their handlers capture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.source import SourceFile, file_query, outer, text

if TYPE_CHECKING:
    from heapsight.lint.facts import FileFacts

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


def unremoved_listeners(source: SourceFile, facts: FileFacts) -> list[ListenerAdd]:
    """Listeners added to long-lived emitters from per-call code and never removed.

    listener-not-removed reports them; closure-capture asks what their closures hold.
    """
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
        scope = facts.per_call_scope(call)
        if scope is None or not source.is_long_lived(target):
            continue
        handler = args[1]
        if _removed(source, removes, target, handler, scope[0]):
            continue
        found.append(ListenerAdd(call, target, handler, scope[0], scope[1]))
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
