"""Intervals started inside functions, and whether anything can clear them.

A fact about a file (FileFacts.interval_starts): interval-not-cleared reports the uncleared
ones, closure-captures-request looks at what their callbacks capture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.classes import once_per_instance, owner_class
from heapsight.lint.percall import body_method
from heapsight.lint.source import (
    FUNCTION_TYPES,
    FUNCTIONS_QUERY,
    SourceFile,
    descendants,
    file_query,
    last_name,
    outer,
    own_nodes,
    parameter_names,
    promise_of_executor,
    root_identifier,
    text,
    unwrap,
)
from heapsight.lint.usage import awaits_in, fresh_key, handed_out_functions, in_cleanup_clause

if TYPE_CHECKING:
    from heapsight.lint.facts import FileFacts

_INTERVALS = file_query("""
(call_expression function: (identifier) @f arguments: (arguments) @args
  (#eq? @f "setInterval")) @call
(call_expression
  function: (member_expression object: (identifier) @o property: (property_identifier) @f)
  arguments: (arguments) @args
  (#eq? @f "setInterval")) @call
""")  # (any namespace: `window.`, `timers.`, a framework's own `Meteor.setInterval`)
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
    # per-call code that clears it only after an await, outside finally/catch: a call that
    # throws or is abandoned there leaves it running
    cleared_on_success_only: bool = False


def interval_starts(source: SourceFile, facts: FileFacts) -> list[IntervalStart]:
    """Every setInterval started inside a function, with what became of its handle."""
    cleared_names = {last_name(m["handle"][0]) for m in source.matches(_CLEARS)}
    found: list[IntervalStart] = []
    for match in source.matches(_INTERVALS):
        call = match["call"][0]
        function = source.enclosing_function(call)
        if function is None or (facts.in_setup_code(call)
                                and not _handed_out_by_setup(source, function)
                                and not _setup_runs_again(source, facts, call, function)):
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
            if _lives_with_its_object(source, facts, function):
                continue
            found.append(IntervalStart(call, callback, function, "", False))
        elif parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
            name = text(parent.child_by_field_name("name"))
            # a local handle is cleared by its own function (or a closure in it); a clear of
            # the same name in another function clears another timer
            cleared = name in cleared_names and any(
                _is_clear_argument(use) for use in source.identifiers(name, function)) or (
                _handed_on(source, name, parent, function))
            scope = facts.per_call_scope(call)
            # a poll-until-done helper (exported, async) stops on its own condition; a
            # request handler's interval must also stop when the request ends
            self_only = cleared and callback is not None and _cleared_only_inside(
                source, name, callback, function, parent) and scope is not None and (
                not facts.per_call_is_inferred(scope[1]))
            # cleared on the success path only: whatever runs the function (it is not
            # start-up code, above), a throw or an abandoned await skips the clear
            success_only = cleared and not self_only and (
                _cleared_only_after_await(source, name, call, function)
                or _cleared_only_in_catch(source, name, function)
                or scope is not None and _cleared_only_when_finished(
                    source, name, callback, function))
            found.append(IntervalStart(call, callback, function, name,
                                       cleared and not self_only and not success_only,
                                       self_only, success_only))
        elif parent.type == "assignment_expression" and parent.child_by_field_name("right") == node:
            left = parent.child_by_field_name("left")
            if left is None:
                continue
            handle = text(left)
            restart = _cleared_only_to_restart(source, left, function, parent)
            if not restart and (left.type == "identifier" and handle not in (
                    source.declared_names(function)) or left.type == "member_expression") and (
                    _read_before(source, handle, function, parent)):
                continue  # `if (timer) return;` first: started once, whoever calls
            cleared = last_name(left) in cleared_names and not restart
            if left.type == "identifier" and not cleared:
                cleared = _handed_on(source, handle, parent, function)
            found.append(IntervalStart(call, callback, function, handle, cleared))
        # anything else (an argument, a return value, an object field) is managed elsewhere
    return found


# Methods that end an object's life: an interval that one of them does not clear outlives it.
_TEARDOWN = re.compile(r"^_?(close|destroy|dispose|stop|terminate|shutdown|disconnect|teardown|"
                       r"unload|release|cleanup|kill|quit|end)([A-Z_]\w*)?$")


def _lives_with_its_object(source: SourceFile, facts: FileFacts, function: Node) -> bool:
    """The constructor of a class that offers no way to end its objects (no close(),
    destroy(), stop()...) and that this file does not make per call: an interval it starts
    runs for the object's life, by design (a device's poll, a singleton's sweep). (Made per
    call elsewhere, the class has no way to stop it at all; that is not seen here.)"""
    body = function.parent
    if function.type != "method_definition" or source.function_name(function) != (
            "constructor") or body is None or body.type != "class_body":
        return False
    if any(member.type == "method_definition" and _TEARDOWN.match(
            source.function_name(member)) for member in body.named_children):
        return False
    return facts.one_object(body)


def _read_before(source: SourceFile, handle: str, function: Node, node: Node) -> bool:
    before = source.source[function.start_byte:node.start_byte].decode("utf-8", "replace")
    return re.search(rf"(?<![\w$]){re.escape(handle)}(?![\w$])", before) is not None


def _setup_runs_again(source: SourceFile, facts: FileFacts, call: Node, function: Node) -> bool:
    """Start-up code by its name or place that the file runs again (`configure()` from a
    listener), with no look at the handle before the start (`if (!timer)` starts it once)."""
    holder = outer(call).parent
    target = holder.child_by_field_name("left") if holder is not None and (
        holder.type == "assignment_expression") else holder.child_by_field_name(
        "name") if holder is not None and holder.type == "variable_declarator" else None
    if target is not None and not (holder is not None and _cleared_only_to_restart(
            source, target, function, holder)):
        before = source.source[function.start_byte:call.start_byte].decode("utf-8", "replace")
        if re.search(rf"(?<![\w$]){re.escape(last_name(target))}(?![\w$])", before):
            return False
    return facts.runs_again(body_method(source, function))


def _cleared_only_after_await(source: SourceFile, name: str, call: Node,
                              function: Node) -> bool:
    """Every clear of the local handle `name` is in `function` itself, after an await that
    follows the start, and outside `finally`/`catch`: a rejection skips it."""
    uses = source.identifiers(name, function)
    clears = [use for use in uses if _is_clear_argument(use)]
    if not clears or len(clears) + 1 != len(uses):
        return False  # handed on, or used in ways this does not follow
    waits = [w for w in awaits_in(function) if w.start_byte > call.end_byte]
    return all(source.enclosing_function(clear) == function
               and not in_cleanup_clause(clear, function)
               and any(w.end_byte <= clear.start_byte for w in waits) for clear in clears)


def _cleared_only_in_catch(source: SourceFile, name: str, function: Node) -> bool:
    """Every clear of the local handle `name` is in a `catch` of `function`: the call that
    succeeds leaves the interval running."""
    uses = source.identifiers(name, function)
    clears = [use for use in uses if _is_clear_argument(use)]
    if not clears or len(clears) + 1 != len(uses):
        return False  # handed on, or used in ways this does not follow
    return all(source.enclosing_function(clear) == function
               and in_cleanup_clause(clear, function, ("catch_clause",)) for clear in clears)


def _cleared_only_when_finished(source: SourceFile, name: str, callback: Node | None,
                                function: Node) -> bool:
    """`res.on('finish', () => clearInterval(ticker))` for an interval that writes to `res`,
    in a function that never ends `res`: a stream kept open until the client leaves emits
    'close', not 'finish', so the interval outlives the connection."""
    clears = [use for use in source.identifiers(name, function) if _is_clear_argument(use)]
    if not clears or callback is None:
        return False
    streams: set[str] = set()
    for clear in clears:
        listener = source.enclosing_function(clear)
        arguments = listener.parent if listener is not None else None
        call = arguments.parent if arguments is not None and arguments.type == "arguments" \
            else None
        callee = call.child_by_field_name("function") if call is not None else None
        first = arguments.named_children[0] if arguments is not None and (
            arguments.named_children) else None
        if callee is None or callee.type != "member_expression" or last_name(callee) not in (
                "on", "once") or first is None or text(first).strip("'\"`") not in (
                "finish", "end"):
            return False
        streams.add(text(callee.child_by_field_name("object")))
    return all(re.search(rf"(?<![\w$.]){re.escape(stream)}(?![\w$])", text(callback))
               and f"{stream}.end(" not in text(function) for stream in streams)


def _cleared_only_to_restart(source: SourceFile, left: Node, function: Node,
                             assignment: Node) -> bool:
    """`if (this.tick) clearInterval(this.tick); this.tick = setInterval(...)` and no other
    clear of that field in the file: the old interval is stopped, but the last one never is;
    once the object is dropped (its stream ended), it runs on and keeps the object."""
    owner = left.child_by_field_name("object") if left.type == "member_expression" else None
    if owner is None or owner.type != "this":
        return False
    field = last_name(left)
    clears = [m["handle"][0] for m in source.matches(_CLEARS)
              if last_name(m["handle"][0]) == field]
    return bool(clears) and all(
        function.start_byte <= handle.start_byte and handle.end_byte <= assignment.start_byte
        for handle in clears)


def _handed_out_by_setup(source: SourceFile, function: Node) -> bool:
    """`init()` returns `{ start }`: its user may call `start()` any number of times, so what
    `start` does is not start-up code however the function around it is named."""
    setup = source.enclosing_function(function)
    return setup is not None and function.id in handed_out_functions(source, setup)


def _cleared_only_inside(source: SourceFile, name: str, callback: Node,
                         function: Node, declaration: Node) -> bool:
    """Every clearInterval/clearTimeout(name) in `function` sits inside `callback`."""
    clears = [use for use in source.identifiers(name, function)
              if _is_clear_argument(use)]
    if any(not (function.start_byte <= m["handle"][0].start_byte < function.end_byte)
           and m["handle"][0].type == "member_expression"
           and last_name(m["handle"][0]) == name
           and _kept_in_entry(source, name, declaration, function)
           for m in source.matches(_CLEARS)):
        return False  # kept in an entry (`{ controller, tick }`) whose timer is cleared elsewhere
    return bool(clears) and all(
        callback.start_byte <= use.start_byte and use.end_byte <= callback.end_byte
        for use in clears)


def _kept_in_entry(source: SourceFile, name: str, declaration: Node, function: Node) -> bool:
    """The handle is put into an object or handed to a call after it is made."""
    for use in source.identifiers(name, function):
        if use.start_byte < declaration.end_byte:
            continue
        parent = outer(use).parent
        if use.type == "shorthand_property_identifier" or (
                parent is not None and parent.type in ("pair", "array", "arguments")
                and not _is_clear_argument(use)):
            return True
    return False


def _is_clear_argument(use: Node) -> bool:
    arguments = outer(use).parent
    call = arguments.parent if arguments is not None and arguments.type == "arguments" else None
    return call is not None and last_name(call.child_by_field_name("function") or call) in (
        "clearInterval", "clearTimeout")


# -- methods the file itself runs more than once --------------------------------------------

# Asked only for the few timers whose method may run again: run on demand, not in the batch.
# -- timers whose handle is overwritten -------------------------------------------------------

_TIMER_CALLS = file_query("""
(call_expression function: (identifier) @f
  (#any-of? @f "setTimeout" "setInterval")) @timer
""")



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
    starters = _interval_starters(source)
    for match in source.matches(_TIMER_CALLS):
        call = match["timer"][0]
        function = source.enclosing_function(call)
        if function is None:
            continue
        setup = facts.in_setup_code(call)
        node = outer(call)
        parent = node.parent
        if parent is None:
            continue
        if parent.type == "assignment_expression" and parent.child_by_field_name("right") == node:
            left = parent.child_by_field_name("left")
            if left is None:
                continue
            if _interval_replaced(source, facts, call, body_method(source, function), parent,
                                  left, starters, setup):
                found.append(TimerOverwrite(call, function, text(left), False))
                continue
            if setup:
                continue
            if source.function_name(function) == "constructor":
                continue  # once per object
            if left.type != "member_expression":
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
            if setup or source.function_name(function) == "constructor":
                continue
            name = text(parent.child_by_field_name("name"))
            if name and _stored_under_key(source, name, function) and (
                    not _clears_in(source, function)):
                found.append(TimerOverwrite(call, function, name, True))
        elif parent.type == "arguments" and parent.parent is not None:
            # `this.polls.set(id, setInterval(...))` straight into an entry
            setter = parent.parent.child_by_field_name("function")
            values = parent.named_children
            if setter is None or last_name(setter) != "set" or len(values) < 2 or (
                    values[1].id != node.id) or setup or source.function_name(function) == (
                    "constructor") or _clears_in(source, function):
                continue
            key = values[0]
            table = setter.child_by_field_name("object") if setter.type == (
                "member_expression") else None
            if table is None or last_name(table) not in facts.cleared_handle_names and not (
                    _cleared_from(source, last_name(table))):
                continue  # nothing clears the entries' timers: interval-not-cleared's domain
            if fresh_key(source, key, function) or _made_by_every_caller(source, key, function) or (
                    _run_by_timers_only(source, function)):
                continue
            found.append(TimerOverwrite(call, function, f"{text(table)} entry", True))
    return found


def _cleared_from(source: SourceFile, table: str) -> bool:
    """Some clear takes its handle from the table (`clearInterval(polls.get(id))`, a loop
    over its values)."""
    return any(table in text(m["handle"][0]) for m in source.matches(_CLEARS)) or re.search(
        rf"{re.escape(table)}\.(?:values|forEach)\(".encode(), source.source) is not None


def _run_by_timers_only(source: SourceFile, function: Node) -> bool:
    """Every call of `function` in the file is in a timer's callback (`setTimeout(() =>
    broadcast(id, tries + 1), ms)`, its own retry among them): it runs when a timer of its
    table fires, so the entry it replaces holds a timer that has fired already."""
    calls = _calls_by_name(source, function)
    return bool(calls) and all(_in_timer_callback(source, call) for call in calls)


def _calls_by_name(source: SourceFile, function: Node) -> list[Node]:
    """The file's calls of the named `function` (`poll(ctx)`): none for an anonymous one."""
    name = source.function_name(function)
    return [use.parent for use in source.identifiers(name) if name and use.parent is not None
            and use.parent.type == "call_expression"
            and use.parent.child_by_field_name("function") == use]


def _in_timer_callback(source: SourceFile, node: Node) -> bool:
    callback = source.enclosing_function(node)
    holder = callback.parent if callback is not None else None
    call = holder.parent if holder is not None and holder.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    return callee is not None and last_name(callee) == "setTimeout" and (
        holder is not None and holder.named_children[0] == callback)


def _made_by_every_caller(source: SourceFile, key: Node, function: Node) -> bool:
    """`watch(worker)` keyed by `worker.id`, and every call in the file passes a value made
    right there (`watch(cluster.fork())`): a new object, so a new key, each time."""
    root = root_identifier(key)
    name = source.function_name(function)
    parameters = parameter_names(function)
    if root is None or not name or text(root) not in parameters:
        return False
    position = parameters.index(text(root))
    arguments = [c.child_by_field_name("arguments") for c in _calls_by_name(source, function)]
    passed = [a.named_children[position] for a in arguments
              if a is not None and position < len(a.named_children)]
    return bool(passed) and all(unwrap(p).type in ("call_expression", "new_expression")
                                for p in passed)


# Calls that run their callback again and again: timers and job schedulers (node-cron's
# `cron.schedule`, node-schedule's `scheduleJob`, `new CronJob(spec, fn)`, agenda's `every`).
_REPEATERS = file_query("""
(call_expression function: [(identifier) @f (member_expression property: (property_identifier) @f)]
  arguments: (arguments) @args
  (#any-of? @f "setInterval" "schedule" "scheduleJob" "every" "repeat")) @call
(new_expression constructor: (identifier) @f arguments: (arguments) @args
  (#eq? @f "CronJob")) @call
""")


def _interval_starters(source: SourceFile) -> dict[str, set[int]]:
    """Where each interval handle is started: `this.x` or a plain name -> the functions."""
    starters: dict[str, set[int]] = {}
    for match in source.matches(_TIMER_CALLS):
        call = match["timer"][0]
        if text(match["f"][0]) != "setInterval":
            continue
        assignment = outer(call).parent
        function = source.enclosing_function(call)
        if assignment is None or assignment.type != "assignment_expression" or function is None:
            continue
        left = assignment.child_by_field_name("left")
        key = _handle_key(left) if left is not None else ""
        if key:
            starters.setdefault(key, set()).add(function.id)
    return starters


def _handle_key(left: Node) -> str:
    if left.type == "identifier":
        return text(left)
    owner = left.child_by_field_name("object") if left.type == "member_expression" else None
    return f"this.{last_name(left)}" if owner is not None and owner.type == "this" else ""


def _interval_replaced(source: SourceFile, facts: FileFacts, call: Node, function: Node,
                       assignment: Node, left: Node, starters: dict[str, set[int]],
                       setup: bool) -> bool:
    """`this.timer = setInterval(...)` or `timer = setInterval(...)` (a variable of an outer
    scope) in code that runs more than once, with no look at the old handle first, while the
    file clears that handle somewhere (else interval-not-cleared reports it): the interval
    started last time keeps running and can no longer be cleared.

    Runs more than once: per-call code; a method of a class with one shared instance (its
    methods are what the program calls per operation); code a scheduler's callback runs; or
    one of two functions that start the same handle, when it is not the start-up one (`start`,
    `onModuleInit`...). A module-level handle started in a constructor is shared by every
    instance, but whether a second instance is ever made is not in the file: not reported.
    """
    if text(call.child_by_field_name("function")) != "setInterval":
        return False
    key = _handle_key(left) or _passed_in_handle(source, left, function)
    if not key or last_name(left) not in facts.cleared_handle_names:
        return False
    if key.startswith("this.") and function.type != "method_definition":
        return False  # a callback inside a method: usually the timer rescheduling itself
    if not key.startswith("this.") and text(left) in source.declared_names(function):
        return False  # a local handle: interval-not-cleared's
    before = source.source[function.start_byte:assignment.start_byte].decode("utf-8", "replace")
    if re.search(rf"(?<![\w$]){re.escape(key)}(?![\w$])", before):
        return False  # the old handle is read first: a guard or a clear
    if key.startswith("this.") and _clears_through_method(source, assignment, function,
                                                          last_name(left)):
        return False  # `this.clearNomTimer(); this.nomTimer = setInterval(...)`
    if key.startswith("this.") and facts.runs_again(function):
        return True  # whatever its name: `connect()` on every reconnect, `init()` per user
    scope = facts.per_call_scope(call)
    if key != _handle_key(left) and scope is not None and not facts.per_call_is_inferred(
            scope[1]):
        return True  # a handler, whatever its name, on the connection it was handed
    name = source.function_name(function)
    if setup or once_per_instance(name):
        return False
    if facts.per_call_scope(function) is not None or _run_by_repeater(source, function):
        return True
    if key.startswith("this.") and facts.singleton(owner_class(function)):
        return True
    return len(starters.get(key, ())) > 1


def _passed_in_handle(source: SourceFile, left: Node, function: Node) -> str:
    """`client.data.clock = setInterval(...)` where `client` is a parameter: the handle lives
    on an object that was there before the call and stays after it (a connection, a
    session), so a second call replaces what the first one started."""
    root = root_identifier(left) if left.type == "member_expression" else None
    if root is None or text(root) not in parameter_names(body_method(source, function)):
        return ""
    return text(left)


def _run_by_repeater(source: SourceFile, function: Node) -> bool:
    """`function` is, or is called by name from, a callback of a timer or job scheduler."""
    callbacks = [arg for match in source.matches(_REPEATERS)
                 for arg in match["args"][0].named_children if arg.type in (
                     "arrow_function", "function_expression", "function")]
    if any(c.start_byte <= function.start_byte and function.end_byte <= c.end_byte
           for c in callbacks):
        return True
    name = source.function_name(function)
    if not name:
        return False
    return any(c.start_byte <= use.start_byte < c.end_byte for c in callbacks
               for use in source.identifiers(name, c)
               if use.parent is not None and use.parent.type == "call_expression")


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
    if f".{field}" in before or _clears_through_method(source, assignment, method, field):
        return False  # a guard or a clear first
    if facts.named_like_start_up(method) and not facts.runs_again(method):
        return False  # `start()`, `init()`: once, unless the file calls it again
    if facts.repeats(call, per_object=True) is None:
        return False  # a method only the constructor calls: once per object
    arguments = call.child_by_field_name("arguments")
    callback = arguments.named_children[0] if arguments is not None and (
        arguments.named_children) else None
    if callback is not None and f".{field} =" in text(callback):
        return False  # the callback marks the timer done: the owner tracks whether it is pending
    if field not in facts.cleared_handle_names:
        return False
    # A method that overrides its base class's (`override started()`) is a hook the base
    # class runs when it decides; unless this file shows it runs again, it is not a method
    # the program calls per operation.
    return not _overrides(method) or facts.runs_again(method)


def _clears_through_method(source: SourceFile, node: Node, method: Node, field: str) -> bool:
    """`this._clearPing();` on the way to `node` (a statement before it in its block or in a
    block around it), where `_clearPing()` clears `this.<field>`."""
    before = []
    while node.parent is not None and node.id != method.id:
        sibling = node.prev_named_sibling
        while node.parent.type == "statement_block" and sibling is not None:
            if sibling.type == "expression_statement":
                before.append(text(sibling))
            sibling = sibling.prev_named_sibling
        node = node.parent
    called = set(re.findall(r"^this\.([\w$]+)\(", "\n".join(before), re.M))
    return any(found["function"][0].type == "method_definition"
               and source.function_name(found["function"][0]) in called
               and re.search(rf"clear(Timeout|Interval)\(\s*this\.{re.escape(field)}\b",
                             text(found["function"][0]))
               for found in source.matches(FUNCTIONS_QUERY))


def _overrides(method: Node) -> bool:
    return any(child.type == "override_modifier" or text(child) == "override"
               for child in method.children if child.type != "statement_block")


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
    `x[key] = ...`, under a key that is not made fresh for this call, and under no key that
    is: an entry kept under a fresh id in one table (`clients.set(socket.id, client)`) is
    still reachable there, with its timer, when another table's entry is replaced."""
    keys: list[Node] = []
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
                    arguments[1].id == node.id):
                table = callee.child_by_field_name("object") if callee.type == (
                    "member_expression") else None
                if table is None or not _evicts_timers(source, table):
                    keys.append(arguments[0])
        if holder.type == "assignment_expression" and holder.child_by_field_name(
                "right") == node:
            left = holder.child_by_field_name("left")
            if left is not None and left.type == "subscript_expression":
                key = left.child_by_field_name("index")
                if key is not None:
                    keys.append(key)
    fresh = [fresh_key(source, key, function) for key in keys]
    return bool(keys) and not any(fresh)


_MADE_WITH_ARGUMENTS = file_query("""
(assignment_expression left: (_) @target
  right: [(call_expression arguments: (arguments) @args)
          (new_expression arguments: (arguments) @args)])
(variable_declarator name: (identifier) @target
  value: [(call_expression arguments: (arguments) @args)
          (new_expression arguments: (arguments) @args)])
""")


def _evicts_timers(source: SourceFile, table: Node) -> bool:
    """The table was made with a callback that clears a timer (`lru({ dispose: (t) =>
    clearTimeout(t) })`): the container clears the timer of each entry it drops or
    replaces."""
    wanted = text(table)
    for match in source.matches(_MADE_WITH_ARGUMENTS):
        if text(match["target"][0]) != wanted:
            continue
        arguments = match["args"][0]
        if any(
                inner.type in FUNCTION_TYPES and _clears_in(source, inner)
                for inner in descendants(arguments)):
            return True
    return False




def _handed_on(source: SourceFile, name: str, declaration: Node, function: Node) -> bool:
    for use in source.identifiers(name, function):
        if use.start_byte < declaration.end_byte and use.end_byte > declaration.start_byte:
            continue
        parent = outer(use).parent
        if parent is None or parent.type not in _HANDED_ON:
            continue
        if parent.type == "return_statement" and _result_always_dropped(source, function):
            continue  # returned to callers that all drop it
        if parent.type == "arguments" and _only_shown(parent.parent):
            continue  # `Boolean(timer)`, `log.debug('polling', timer)`: nobody gets to clear it
        container = _container_kept_in(source, use)
        if container is None or _clears_entries_of(source, container):
            return True  # (kept in a table of timers nothing clears: not handed to a clearer)
    return False


# Calls that only turn a value into text or a flag, or print it: the handle goes no further.
_SHOWING = frozenset({"Boolean", "String", "Number", "inspect", "format"})
_LOGGING = re.compile(r"^(console|\w*log(ger)?|debug)$|\.(log(ger)?|debug)$", re.I)
_LOG_LEVELS = frozenset({"log", "debug", "info", "warn", "error", "trace", "verbose", "silly"})


def _only_shown(call: Node | None) -> bool:
    callee = call.child_by_field_name("function") if call is not None and (
        call.type == "call_expression") else None
    if callee is None:
        return False
    if callee.type == "identifier":
        return text(callee) in _SHOWING
    receiver = callee.child_by_field_name("object") if callee.type == "member_expression" \
        else None
    return receiver is not None and last_name(callee) in _LOG_LEVELS and bool(
        _LOGGING.search(text(receiver)))


def _result_always_dropped(source: SourceFile, function: Node) -> bool:
    """Every call of the named function in the file is a statement of its own (`poll(ctx);`):
    what it returns is dropped. False when the file never calls it (its users may keep it)."""
    calls = _calls_by_name(source, function)
    return bool(calls) and all(
        (holder := outer(call).parent) is not None and holder.type == "expression_statement"
        for call in calls)


def _container_kept_in(source: SourceFile, use: Node) -> str | None:
    """`this.timers` for `this.timers.push(h)`, `this.byId.set(k, h)`, `byId[k] = h`: the
    handle is kept in a long-lived table rather than handed to code that clears it."""
    node = outer(use)
    holder = node.parent
    if holder is not None and holder.type == "arguments" and holder.parent is not None:
        callee = holder.parent.child_by_field_name("function")
        if callee is not None and callee.type == "member_expression" and last_name(callee) in (
                "push", "add", "set", "unshift") and holder.named_children[-1].id == node.id:
            table = callee.child_by_field_name("object")
        else:
            return None
    elif holder is not None and holder.type == "assignment_expression" and (
            holder.child_by_field_name("right") == node):
        left = holder.child_by_field_name("left")
        table = left.child_by_field_name("object") if left is not None and (
            left.type == "subscript_expression") else None
    else:
        return None
    if table is None:
        return None
    root = unwrap(table)
    while root.type == "member_expression":
        root = unwrap(root.child_by_field_name("object") or root)
    if root.type == "identifier" and any(text(root) in source.declared_names(f)
                                         for f in source.enclosing_functions(use)):
        return None  # the caller's table (a parameter) or the call's own
    return text(table) if root.type in ("this", "identifier") else None


def _clears_entries_of(source: SourceFile, container: str) -> bool:
    """Some function of the file clears a timer and reads the table (`clearInterval(
    this.byId.get(id))`, a loop over it), or hands the table's entries to a clear
    (`this.timers.forEach(clearInterval)`)."""
    field = re.escape(container.rsplit(".", 1)[-1])
    mentions = re.compile(rf"(?<![\w$]){field}(?![\w$])")
    for match in source.matches(_CLEARS):
        function = source.enclosing_function(match["call"][0])
        if function is not None and mentions.search(text(function)):
            return True
    whole = source.source.decode("utf-8", "replace")
    return re.search(rf"(?<![\w$]){field}\s*\.\s*forEach\(\s*(?:\w+\.)?clear(?:Interval|Timeout)\b",
                     whole) is not None


# -- operation timeouts that nothing clears ---------------------------------------------------

_TIMEOUTS = file_query("""
(call_expression
  function: [(identifier) @f
             (member_expression object: (identifier) @o property: (property_identifier) @f)]
  arguments: (arguments . (_) @callback)
  (#eq? @f "setTimeout")) @call
""")
# What a timeout guard does when the operation takes too long.
_ENDING_CALLS = frozenset({"abort", "destroy", "cancel", "kill", "terminate", "reject"})
_SHORT_DELAY_MS = 1000
_WORDS = re.compile(r"[A-Za-z][a-z0-9]*")


@dataclass(frozen=True)
class DroppedTimeout:
    call: Node
    function: Node
    # cleared only after the await it guards, outside finally: a throw skips the clear
    skipped_on_throw: bool = False
    # the callback brings back state (this name) that a teardown function (`teardown`)
    # resets: a teardown before the timer fires is undone when it fires
    revives: str = ""
    teardown: Node | None = None


def dropped_timeouts(source: SourceFile, facts: FileFacts) -> list[DroppedTimeout]:
    """Timeouts that guard one operation (their callback aborts, rejects or destroys it),
    started per call with the handle dropped: when the operation ends first, nothing can
    clear the timer, and its callback keeps the operation's objects until it fires."""
    found: list[DroppedTimeout] = []
    for match in source.matches(_TIMEOUTS):
        call = match["call"][0]
        if "o" in match and text(match["o"][0]) not in ("window", "global", "globalThis",
                                                        "self", "timers"):
            continue
        callback = unwrap(match["callback"][0])
        revived = _revived_after_teardown(source, facts, call, callback)
        if revived is not None:
            function = source.enclosing_function(call)
            if function is not None:
                found.append(DroppedTimeout(call, body_method(source, function),
                                            revives=revived[0], teardown=revived[1]))
            continue
        guard = _guards_an_await(source, call)
        if callback.type not in ("arrow_function", "function_expression", "function") or (
                not guard and not _ends_operation(callback)
                and not _settles_a_race(source, call)):
            continue
        function = source.enclosing_function(call)
        if function is None or function == callback or facts.in_setup_code(call):
            continue
        if not guard and _only_ending(source, callback, function):
            continue  # the delay is the operation (`setTimeout(() => resolve(sample()), ms)`)
        name = source.function_name(function)
        if name == "constructor":
            if not _made_again(source, facts, function):
                continue  # once per object, and the file does not show objects made per call
        elif once_per_instance(name):
            continue
        if not guard and not _dropped(source, call, function) and not _kept_but_never_cleared(
                facts, call):
            continue
        arguments = call.child_by_field_name("arguments")
        delay = arguments.named_children[1] if arguments is not None and len(
            arguments.named_children) > 1 else None
        if delay is None or (delay.type == "number" and _number(text(delay)) < _SHORT_DELAY_MS):
            continue
        found.append(DroppedTimeout(call, body_method(source, function), guard))
    return found


_NULLS = ("null", "undefined", "false")
_RESETS = file_query("""
(assignment_expression right: [(null) (undefined) (false)]) @reset
""")


def _methods_named(source: SourceFile, name: str) -> list[Node]:
    return [match["function"][0] for match in source.matches(FUNCTIONS_QUERY)
            if match["function"][0].type == "method_definition"
            and source.function_name(match["function"][0]) == name]


def _null_assignments(source: SourceFile) -> list[Node]:
    """`x = null`, `this.x = undefined`, `x = false` anywhere in the file."""
    return [match["reset"][0] for match in source.matches(_RESETS)]


def _revived_after_teardown(source: SourceFile, facts: FileFacts, call: Node,
                            callback: Node) -> tuple[str, Node] | None:
    """`setTimeout(() => restart(), ms)` with the handle dropped, where the callback (or a
    function it calls, two calls deep) assigns a variable or field - `runner = create()` -
    that another function of the file resets (`runner = null`, a stop or close): nothing can
    cancel the timer, so a teardown before it fires is undone when it fires, and the revived
    state (a connection, a consumer) lives on after its owner stopped it.
    -> (the revived name, the teardown function)."""
    function = source.enclosing_function(call)
    if callback.type not in ("arrow_function", "function_expression") or function is None or (
            not _dropped(source, call, function)):
        return None
    reviving: list[Node] = [callback]
    frontier = [callback]
    for _ in range(2):
        following: list[Node] = []
        for body in frontier:
            for node in descendants(body):
                if node.type != "call_expression":
                    continue
                callee = node.child_by_field_name("function")
                if callee is None:
                    continue
                if callee.type == "identifier":
                    targets = facts.functions_named(text(callee))
                elif callee.type == "member_expression" and text(
                        callee.child_by_field_name("object")) == "this":
                    targets = _methods_named(source, last_name(callee))  # `this.connect()`
                else:
                    continue
                for target in targets:
                    if all(target.id != f.id for f in reviving):
                        reviving.append(target)
                        following.append(target)
        frontier = following
    assigned: set[str] = set()
    for body in reviving:
        for node in descendants(body):
            if node.type != "assignment_expression":
                continue
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or text(right) in _NULLS:
                continue
            name = text(left)
            if left.type == "identifier" and any(
                    name in source.declared_names(f) for f in (
                        body, *source.enclosing_functions(node)) if f.id != function.id and
                    f.start_byte >= body.start_byte):
                continue  # a local of the reviving function
            if left.type in ("identifier", "member_expression"):
                assigned.add(name)
    if not assigned:
        return None
    for node in _null_assignments(source):
        left = node.child_by_field_name("left")
        if left is None or text(left) not in assigned:
            continue
        teardown = source.enclosing_function(node)
        if teardown is None or source.function_name(teardown) == "constructor" or any(
                teardown.id == f.id or (
                f.start_byte <= teardown.start_byte < f.end_byte) for f in reviving):
            continue
        return text(left), teardown
    return None


def _made_again(source: SourceFile, facts: FileFacts, constructor: Node) -> bool:
    """The class of `constructor` is made (`new C(...)`) in code that runs more than once:
    each object is one operation, and the constructor runs per operation."""
    body = constructor.parent
    declaration = body.parent if body is not None else None
    name = declaration.child_by_field_name("name") if declaration is not None else None
    if name is None:
        return False
    for use in source.identifiers(text(name)):
        made = use.parent
        if made is None or made.type != "new_expression":
            continue
        function = source.enclosing_function(made)
        if function is not None and (facts.per_call_scope(made) is not None or facts.runs_again(
                body_method(source, function))):
            return True
    return False


def _kept_but_never_cleared(facts: FileFacts, call: Node) -> bool:
    """`this.timer = setTimeout(...)` and nothing in the file clears anything of that name."""
    holder = outer(call).parent
    left = holder.child_by_field_name("left") if holder is not None and (
        holder.type == "assignment_expression") else None
    return left is not None and last_name(left) not in facts.cleared_handle_names


def _guards_an_await(source: SourceFile, call: Node) -> bool:
    """`const t = setTimeout(...); await work(); clearTimeout(t)` with every clear after
    the await and outside finally/catch: a call whose work throws leaves the timer armed."""
    declarator = outer(call).parent
    function = source.enclosing_function(call)
    if declarator is None or declarator.type != "variable_declarator" or function is None:
        return False
    name = declarator.child_by_field_name("name")
    if name is None or name.type != "identifier" or not _cleared_only_after_await(
            source, text(name), call, function):
        return False
    # and the function catches the error and goes on (a loop's step, a retry): its caller
    # runs it again, and the armed timers pile up; an error that propagates ends the caller
    parent = call.parent
    while parent is not None and parent.id != function.id:
        if parent.type == "try_statement" and parent.child_by_field_name("handler") is not None:
            return True
        parent = parent.parent
    return False


def _settles_a_race(source: SourceFile, call: Node) -> bool:
    """`Promise.race([work, new Promise((resolve) => setTimeout(() => resolve(x), ms))])`:
    the timer settles the losing side of a race; when the work wins, it stays pending."""
    executor = source.enclosing_function(call)
    made = promise_of_executor(executor) if executor is not None else None
    if made is None:
        return False
    element = outer(made).parent
    arguments = element.parent if element is not None and element.type == "array" else None
    race = arguments.parent if arguments is not None and arguments.type == "arguments" else None
    callee = race.child_by_field_name("function") if race is not None else None
    return callee is not None and text(callee) in ("Promise.race", "Promise.any")


def _only_ending(source: SourceFile, callback: Node, function: Node) -> bool:
    """The timer runs in a promise's executor, and only its callback settles the promise:
    no call of `resolve` or `reject` outside it, so nothing can finish first."""
    executor = next((f for f in (function, *source.enclosing_functions(function))
                     if promise_of_executor(f) is not None), None)
    made = promise_of_executor(executor) if executor is not None else None
    if executor is None or made is None:
        return False
    settles = set(parameter_names(executor))
    holder = made.parent
    if not settles or holder is None or (holder.type == "array" and holder.parent is not None
                                         and holder.parent.type == "arguments"):
        return False  # (`Promise.race([op, new Promise(...)])`: a race, not the operation)
    uses = [node for node in descendants(executor) if node.type == "identifier"
            and text(node) in settles and node.parent is not None
            and node.parent.type not in ("formal_parameters", "required_parameter")]
    return bool(uses) and all(callback.start_byte <= node.start_byte < callback.end_byte
                              for node in uses)


def _ends_operation(callback: Node) -> bool:
    """The callback itself (not a function inside it) aborts, rejects, destroys or cancels."""
    for node in own_nodes(callback):
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            words = _WORDS.findall(last_name(callee)) if callee is not None else []
            if words and words[0].lower() in _ENDING_CALLS:
                return True  # `abort()`, `cancelWithStatus(...)`, `destroySoon()`
    return False


def _dropped(source: SourceFile, call: Node, function: Node) -> bool:
    """The handle is thrown away (`setTimeout(...)`, `setTimeout(...).unref()`) or kept in a
    local that nothing reads again."""
    node = outer(call)
    parent = node.parent
    if parent is not None and parent.type == "member_expression" and text(
            parent.child_by_field_name("property")) in ("unref", "ref") and (
            parent.parent is not None):
        node = outer(parent.parent)
        parent = node.parent
    if parent is None:
        return False
    if parent.type == "expression_statement":
        return True
    if parent.type == "arrow_function" and parent.child_by_field_name("body") == node and (
            parent.parent is not None and parent.parent.type == "arguments"
            and parent.parent.parent is not None
            and parent.parent.parent.type == "new_expression"):
        return True  # `new Promise((r) => setTimeout(...))`: the executor's value is ignored
    if parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
        name = parent.child_by_field_name("name")
        return name is not None and name.type == "identifier" and all(
            use == name for use in source.identifiers(text(name), function))
    return False


def _number(literal: str) -> float:
    try:
        return float(literal.replace("_", ""))
    except ValueError:
        return float("inf")


# -- per-call objects whose timer only a cleanup method clears ---------------------------------

_CLASS_BODIES = file_query("""
[(class_declaration name: (_) @name body: (class_body) @body)
 (class name: (_) @name body: (class_body) @body)]
""")
_NEW_INSTANCES = file_query("""
(new_expression constructor: (identifier) @class) @new
""")


@dataclass(frozen=True)
class CleanupNotCalled:
    new: Node  # `new X(...)` in per-call code
    function: Node  # the per-call function
    cls: str
    variable: str  # where the instance is kept ("" when dropped)
    cleanup: str  # the method that would clear the timer
    handle: str  # `this.timer`


def cleanup_not_called(source: SourceFile, facts: FileFacts) -> list[CleanupNotCalled]:
    """`new X(...)` in per-call code, where X (a class of this file) starts an interval in its
    constructor, or in a method the call then runs, that only one of its methods clears
    (`stop()`, `close()`, `destroy()`), and the call never runs that method on the instance
    nor hands the instance on: the interval outlives the call, with the object it holds."""
    timed = _timed_classes(source)
    if not timed:
        return []
    found: list[CleanupNotCalled] = []
    for match in source.matches(_NEW_INSTANCES):
        cls = text(match["class"][0])
        if cls not in timed:
            continue
        new = match["new"][0]
        scope = facts.per_call_scope(new)
        if scope is None or facts.in_setup_code(new):
            continue
        function = source.enclosing_function(new) or scope[0]
        node = outer(new)
        parent = node.parent
        variable = ""
        if parent is not None and parent.type == "variable_declarator" and (
                parent.child_by_field_name("value") == node):
            name = parent.child_by_field_name("name")
            if name is None or name.type != "identifier":
                continue
            variable = text(name)
        elif parent is None or parent.type != "expression_statement":
            continue  # returned, passed on, stored: its owner decides when it stops
        starts, cleanups = timed[cls]
        called = _methods_called_on(source, variable, function) if variable else set()
        if variable and called is None:
            continue  # handed on
        started = [handle for method, handles in starts.items()
                   if method == "constructor" or method in (called or set())
                   for handle in handles]
        for handle in started:
            stoppers = [method for method, cleared in cleanups.items() if handle in cleared]
            if stoppers and not set(stoppers) & (called or set()):
                found.append(CleanupNotCalled(new, function, cls, variable, stoppers[0],
                                              handle))
                break
    return found


def _timed_classes(source: SourceFile) -> dict[str, tuple[dict[str, set[str]],
                                                          dict[str, set[str]]]]:
    """Class -> (method -> `this.x` interval handles it starts, method -> handles it clears),
    for classes whose intervals only methods other than the starter clear."""
    result: dict[str, tuple[dict[str, set[str]], dict[str, set[str]]]] = {}
    for match in source.matches(_CLASS_BODIES):
        starts: dict[str, set[str]] = {}
        clears: dict[str, set[str]] = {}
        for member in match["body"][0].named_children:
            if member.type != "method_definition":
                continue
            name = source.function_name(member)
            body = text(member)
            for handle in re.findall(r"(this\.[\w$#]+)\s*=\s*setInterval\(", body):
                starts.setdefault(name, set()).add(handle)
            for handle in re.findall(r"clearInterval\(\s*(this\.[\w$#]+)\s*\)", body):
                clears.setdefault(name, set()).add(handle)
        if not starts:
            continue
        # a handle the starting method itself (or its own callback) clears needs no stop(),
        # nor one whose cleanup the class wires up itself (`socket.on('close', () =>
        # this.dispose())`)
        body = text(match["body"][0])
        if any(re.search(rf"this\.{re.escape(method)}\b(?!\s*\()", body) or len(
                re.findall(rf"this\.{re.escape(method)}\s*\(", body)) for method in clears):
            continue
        cleanups = {method: handles for method, handles in clears.items()
                    if method not in starts}
        if cleanups:
            result[text(match["name"][0])] = (starts, cleanups)
    return result


def _methods_called_on(source: SourceFile, variable: str, function: Node) -> set[str] | None:
    """Methods the function (and its callbacks) call on `variable`, or None when the variable
    is handed on (returned, passed, stored, assigned) and someone else may stop it."""
    called: set[str] = set()
    for use in source.identifiers(variable, function):
        node = outer(use)
        parent = node.parent
        if parent is None:
            continue
        if parent.type == "variable_declarator" and parent.child_by_field_name("name") == node:
            continue
        if parent.type == "member_expression" and parent.child_by_field_name("object") == node:
            holder = outer(parent).parent
            if holder is not None and holder.type == "call_expression":
                called.add(last_name(parent))
            continue
        return None
    return called
