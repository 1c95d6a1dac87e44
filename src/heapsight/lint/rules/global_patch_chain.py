"""global-patch-chain (global-growth)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import (
    FUNCTION_TYPES,
    SourceFile,
    file_query,
    parameter_names,
    root_identifier,
    text,
    unwrap,
)

_PATCHES = file_query("""
(assignment_expression
  left: (member_expression object: (_) @target property: (property_identifier) @method) @left
  right: [(function_expression) (arrow_function) (call_expression)] @value) @assign
""")
# Every assignment to a member, asked only in files with a patch: does one put a value back?
_ASSIGNMENTS = """
(assignment_expression
  left: (member_expression) @left
  right: (_) @value) @assign
"""
# Objects every module of the process shares: the global object, and Node's own modules
# (`require('fs')` returns the same object to every caller, whoever loads it and how often).
_GLOBAL_OBJECTS = frozenset({"globalThis", "global", "window", "process", "console"})
_CORE_MODULES = frozenset({
    "fs", "http", "https", "http2", "net", "tls", "dns", "child_process", "crypto", "events",
    "stream", "util", "os", "zlib", "module", "timers", "worker_threads", "cluster", "dgram",
    "readline", "vm", "url", "querystring", "async_hooks", "perf_hooks", "diagnostics_channel",
    "buffer"})


_WRAPPER_TYPES = FUNCTION_TYPES | {"call_expression"}


class GlobalPatchChain(Rule):
    """What it does:
    Finds a method of a process-wide object - the global object (`globalThis.fetch`),
    `process`, `console`, a Node core module (`fs.close`, `http.request`) or a prototype in
    one - replaced by a wrapper that calls the method it replaces, with no check that it is
    already wrapped and no code that puts the original back.

    Why is this bad?
    The wrapper keeps the previous method alive, and with it everything the previous
    wrapper's closure holds. Code that runs again - a module re-evaluated by a test runner's
    fresh registry or a hot reload, a function called per request - wraps the wrapper, and
    the process-wide object keeps an ever longer chain of closures, each with its own module
    scope (graceful-fs under Jest, React's fetch patch under `next dev`).

    Example:
    ```js
    const fs = require('fs');
    const queue = [];
    const close = fs.close;
    fs.close = function (fd, cb) {
      return close.call(fs, fd, (err) => { retry(queue); cb(err); });
    };
    ```

    Use instead:
    Patch once: mark the wrapper and check for the mark before wrapping, or keep the
    original and put it back before patching again.
    ```js
    if (!fs.close[kPatched]) {
      const close = fs.close;
      fs.close = function (fd, cb) {
        return close.call(fs, fd, (err) => { retry(queue); cb(err); });
      };
      fs.close[kPatched] = true;
    }
    ```
    """

    id = "global-patch-chain"
    category = "global-growth"
    summary = "A process-wide method is wrapped around its previous value with no once-check"
    fix = "Patch once (check a mark on the method first) or restore the original before patching"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        assigned: dict[str, list[Node]] | None = None
        for match in source.matches(_PATCHES):
            target, left, value = match["target"][0], match["left"][0], unwrap(match["value"][0])
            root = root_identifier(target) if target.type != "identifier" else target
            if root is None or (text(root) not in _GLOBAL_OBJECTS and text(root) not in (
                    facts.imports)) or value.type not in _WRAPPER_TYPES:
                continue  # the common case, decided before the scope questions
            shown = text(left)
            if not _wraps(source, shown, value, match["assign"][0]) or not _process_wide(
                    source, facts, target):
                continue
            if assigned is None:
                assigned = {}
                for found in source.matches(_ASSIGNMENTS):
                    assigned.setdefault(text(found["left"][0]), []).append(
                        unwrap(found["value"][0]))
            if any(_restores(other, shown) for other in assigned.get(shown, [])):
                continue  # the original is put back somewhere
            if _guarded(source, match["assign"][0], text(target)):
                continue
            yield self.finding(
                source, match["assign"][0],
                f"`{shown}` is replaced by a wrapper around its current value, with no check "
                f"that it is already wrapped: each time this runs again (a re-evaluated "
                f"module, a hot reload, another call) the process-wide object keeps one more "
                f"wrapper and everything its closure holds")


def _process_wide(source: SourceFile, facts: FileFacts, target: Node) -> bool:
    """The global object, process, console, a core module's binding or a prototype in one."""
    root = root_identifier(target) if target.type != "identifier" else target
    if root is None or root.type != "identifier":
        return False
    name = text(root)
    if name in _GLOBAL_OBJECTS:
        return source.is_global_object(root) or not source.is_module_binding(root)
    imported = facts.imports.get(name) if source.is_module_binding(root) else None
    if imported is None:
        return False
    package = imported[0].removeprefix("node:").split("/")[0]
    return package in _CORE_MODULES


def _wraps(source: SourceFile, shown: str, value: Node, assign: Node) -> bool:
    """The new value calls the one it replaces: `fn(target.m)`, an IIFE given it, or a
    function that uses a variable holding it (`const original = target.m`)."""
    if value.type == "call_expression":
        arguments = value.child_by_field_name("arguments")
        return arguments is not None and any(text(unwrap(arg)) == shown
                                             for arg in arguments.named_children)
    if value.type not in FUNCTION_TYPES:
        return False
    holders = {name for name in _names_holding(source, shown, assign)}
    return any(holder in text(value) for holder in holders) or shown in text(
        value.child_by_field_name("body") or value)


def _names_holding(source: SourceFile, shown: str, assign: Node) -> Iterator[str]:
    """Variables in scope of `assign` whose value is `shown` (`const original = fs.close`)."""
    scopes = list(source.enclosing_functions(assign)) + [source.root]
    for scope in scopes:
        for node in _declarators_in(scope):
            value = node.child_by_field_name("value")
            name = node.child_by_field_name("name")
            if value is not None and name is not None and text(unwrap(value)) == shown:
                yield text(name)


def _declarators_in(scope: Node) -> Iterator[Node]:
    stack = list(scope.named_children)
    while stack:
        node = stack.pop()
        if node.type == "variable_declarator":
            yield node
        if node.type not in FUNCTION_TYPES:
            stack.extend(node.named_children)


def _restores(value: Node, shown: str) -> bool:
    """`fetch = original` elsewhere: a plain name or property, not a wrapper."""
    return value.type in ("identifier", "member_expression") and text(value) != shown


def _guarded(source: SourceFile, assign: Node, target: str) -> bool:
    """Inside an `if` (or after an early return) that looks at the target: `if
    (!fs.close[kPatched])`, `if (fs.close.name !== 'wrapped')`."""
    node = assign.parent
    while node is not None and node.type not in FUNCTION_TYPES and node.type != "program":
        if node.type in ("if_statement", "ternary_expression") and target in text(
                node.child_by_field_name("condition")):
            return True
        if node.type == "binary_expression" and target in text(node):
            return True  # `patched || (fs.close = wrap(fs.close))`
        node = node.parent
    function = source.enclosing_function(assign)
    if function is not None and target in parameter_names(function):
        return False
    scope = function.child_by_field_name("body") if function is not None else source.root
    for statement in scope.named_children if scope is not None else []:
        if statement.start_byte >= assign.start_byte:
            break
        if statement.type == "if_statement" and target in text(
                statement.child_by_field_name("condition")) and "return" in text(
                statement.child_by_field_name("consequence")):
            return True
    return False
