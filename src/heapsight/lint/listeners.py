"""Listeners added to emitters that outlive the code adding them, and whether they are removed.

A fact about a file (FileFacts.unremoved_listeners), not a rule: listener-not-removed reports
these, closure-captures-request looks at what their handlers capture. Two kinds of emitter:

- long-lived: a module-level emitter, an import, `process`/`window`: a listener added from
  per-call code piles up unless it is removed;
- shared with the caller or reused: an AbortSignal handed in (it may live for the whole
  process), a socket that a keep-alive agent reuses (`req.socket`, the 'socket' event's
  argument), a client checked out of a pool, and `process` from a class constructor. A listener
  added to one of these from any function that runs more than once piles up unless it is
  removed on the normal path: `once` and `{ once: true }` only remove it if the event fires,
  and 'abort' or 'connect' on an already connected socket usually never do.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.percall import (
    STREAM_CLASS,
    after_done_flag_return,
    first_time_only,
    looks_like_handler,
    registration,
)
from heapsight.lint.source import (
    FUNCTION_TYPES,
    SourceFile,
    descendants,
    emitter_and_event,
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

if TYPE_CHECKING:
    from heapsight.lint.facts import FileFacts

# The methods that register a listener or subscription (`onMessage(fn)` included)
LISTENING = (r"^(on|once|addListener|addEventListener|prependListener|prependOnceListener|"
             r"subscribe|on[A-Z][A-Za-z]*)$")
_ADDS = file_query(f"""
(call_expression
  function: (member_expression object: (_) @target property: (property_identifier) @method)
  arguments: (arguments) @args
  (#match? @method "{LISTENING}")) @call
""")
_REMOVES = file_query("""
(call_expression
  function: (member_expression object: (_) @target property: (property_identifier) @method)
  arguments: (arguments) @args
  (#any-of? @method "off" "removeListener" "removeEventListener" "removeAllListeners"
   "unsubscribe")) @call
""")


# What ends a subscription through the handle a registration returns.
_ENDS = frozenset({"unsubscribe", "off", "remove", "removeListener", "dispose", "close",
                   "destroy", "cancel", "abort", "stop", "end", "release", "detach"})


def _handle_unused(source: SourceFile, call: Node) -> bool:
    """`const sub = bus.subscribe(fn)` and `sub` is only read (`sub.closed`, a log line):
    never unsubscribed, called, stored or handed on, so nothing can end it."""
    holder = outer(call).parent
    name = holder.child_by_field_name("name") if holder is not None and (
        holder.type == "variable_declarator") else None
    function = source.enclosing_function(call)
    if name is None or name.type != "identifier" or function is None:
        return False
    for use in source.identifiers(text(name), function):
        if use.id == name.id:
            continue
        parent = outer(use).parent
        if parent is None:
            return False
        if parent.type == "member_expression":
            if last_name(parent) in _ENDS:
                return False
            continue  # `sub.closed`
        if parent.type in ("template_substitution", "binary_expression", "unary_expression",
                           "parenthesized_expression", "ternary_expression"):
            continue  # shown or tested, not kept
        return False  # called, returned, stored, handed on
    return True


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
    removals = _Removals(source)
    found: list[ListenerAdd] = []
    for match in source.matches(_ADDS):
        call, target = match["call"][0], chained_emitter(match["target"][0])
        method = text(match["method"][0])
        if method == "subscribe":
            source_of = observable_source(target)
            if source_of is None:
                continue  # `.pipe(take(1))`, `.pipe(takeUntil(this.destroy$))`: it ends itself
            target = source_of
        args = _arguments(match)
        # `subscribe(fn)` and `onSomething(fn)` (`bus.onAction(evt, fn)`,
        # `License.onValidate(fn)`): the function is the last argument, and a registration
        # whose result is kept may be the handle that ends it
        subscription = method == "subscribe" or _REGISTRATION_METHOD.match(method) is not None
        if len(args) < (1 if subscription else 2):
            continue
        options = args[2] if len(args) >= 3 and not subscription else None
        if options is not None and _has_option(options, "signal"):
            continue  # removed when that signal aborts
        statement = outer(call).parent
        if statement is None or statement.type != "expression_statement" and (
                subscription or statement.type != "member_expression") and (
                not _handle_unused(source, call)):
            continue  # its result is kept: some emitters return an unsubscribe function
        handler = args[-1] if subscription else args[1]
        if method != "subscribe" and subscription and (not _made_here(handler) or len(args) > 2
                                                       or len(args) == 2 and not _names_event(
                                                           args[0])):
            continue  # `this.onError(err)`, `server.onFetch(box, query, session, done)`,
            # `util.onResEnd(res, cb)`: a method called with data (and a callback for its
            # answer, or for the end of what it was handed), not a registration
        # `subject.subscribe(fn)`, `store.subscribe(fn)`, redis' `subscribe(channel, fn)`: the
        # handle that ends it is dropped; only the long-lived sources below count
        shared = None if subscription else _shared_emitter(source, facts, target, args[0], call)
        if shared is not None:
            scope_function, reason = shared
            if _removed_from_shared(source, removals, target, handler, scope_function):
                continue
            found.append(ListenerAdd(call, target, handler, scope_function, reason))
            continue
        once = "once" in method.lower() or (options is not None and _has_option(options, "once"))
        scope = facts.per_call_scope(call)
        if scope is not None and scope[1].startswith("function made by an exported factory") \
                and facts.named_like_start_up(scope[0]) and not facts.runs_again(scope[0]):
            continue  # a plugin's `initialize()`: the host calls it once, when it loads it
        if scope is None:
            # code that can run again - on the same object, for `this` and the fields set
            # when it was made; at all, for a module-level emitter or `process` - adding a
            # new function each time
            own = _own_emitter(source, facts, target, call)
            repeating = facts.repeats(call, per_object=own)
            if repeating is None or not (own or source.is_long_lived(target) or (
                    _long_lived_argument(source, facts, target, repeating)) or (
                    _this_of_module_object(target, call)) or (
                    _application_of_request(target, source)) or (
                    _captured_parameter(source, target, repeating)
                    and _made_per_run(source, handler, repeating))):
                continue
            own_event = own and not once and _event_per_call(args[0], repeating)
            # `new Promise((resolve, reject) => { x.once('done', resolve); x.once('error',
            # reject) })`: an operation's outcome, one of two, so the other listener stays
            outcome = once and _outcome_pair(source, removals, match, repeating)
            if not outcome and not _made_per_run(source, handler, repeating) and not (
                    own_event) and not (
                    method in _DUPLICATING and _fires_again(repeating)) and not (
                    _handed_in(handler, repeating)) and not (
                    method in _DUPLICATING and facts.exported_function(repeating)
                    and source.is_global_object(root_identifier(target) or target)):
                continue
            if own and not own_event and not outcome and not facts.shown_to_repeat(
                    repeating) and not _per_operation_method(source, repeating, handler):
                continue  # a method nothing shows running twice on one object
            if once and not outcome:
                continue  # removed when its event fires
            if subscription and repeating.type != "method_definition" and not (
                    _fires_again(repeating) or facts.shown_to_repeat(repeating)):
                continue  # a subscription by a function nothing shows running twice
            if not own and not outcome and facts.named_like_start_up(repeating) and not (
                    facts.runs_again(repeating)):
                continue  # `start()`, `init()`, `registerHandlers()`: once, exported or
                # not, unless the file calls it again
            if not own and not outcome and not _fires_again(repeating) and not (
                    facts.runs_again(repeating) or facts.handed_to_users(repeating)):
                continue  # nothing shows it running twice: not called again in the file,
                # and no function the module hands its users
            scope = (repeating, "a method that can run many times on one object" if own
                     else "a listener, which runs at every event it listens for, and Node's "
                     "emitters keep the same function once per add"
                     if _fires_again(repeating) and not _made_per_run(source, handler, repeating)
                     else "a function that can run more than once")
        if once and not (_lifecycle_event(args[0]) and not facts.per_call_is_inferred(scope[1])
                         ) and not _once_pair(source, removals, match, scope[0]):
            continue  # removed when the event fires, and it fires in the normal course
        if not (source.is_long_lived(target) or _global_name(source, target)
                or _instance_emitter(source, facts, target, call)
                or _long_lived_argument(source, facts, target, scope[0])
                or _application_of_request(target, source)
                or _this_of_module_object(target, call)
                or (_captured_parameter(source, target, scope[0])
                    or _outer_binding(source, target, scope[0]))
                and _made_per_run(source, handler, scope[0])
                or not scope[1].startswith("a function that can run")
                and _came_from_outside(source, target, call)
                or _object_older_than_call(source, facts, target, call, scope[1])
                or scope[1].startswith("a method that can run")):
            continue
        if _checks_listeners(call, scope[0]) or first_time_only(call, per_object=False) or (
                after_done_flag_return(source.source, call, scope[0], False)):
            continue  # `if (!x.listeners('e').includes(f))`, `if (!done) { done = true }`,
            # `if (installed) return; ...; installed = true`
        if _facade(source.function_name(scope[0]), target) and _passes_on_parameter(
                handler, scope[0]):
            continue  # `on(event, fn) { this.bus.on(event, fn); }`, `onConnect(fn) {
            # this.on('connected', fn); }`: a registration API; its caller decides
        if _removed(source, removals, target, handler, scope[0]):
            continue
        if _made_anew_before(target, call, scope[0]):
            continue  # `this.server = http.createServer(app); this.server.on(...)`
        found.append(ListenerAdd(call, target, handler, scope[0], scope[1]))
    reported = {add.call.id for add in found}
    found.extend(add for add in _left_on_retry(source, removals) if add.call.id not in reported)
    found.extend(_socket_timeouts(source, facts, removals))
    return found


_SET_TIMEOUTS = file_query("""
(call_expression
  function: (member_expression object: (_) @target property: (property_identifier) @method)
  arguments: (arguments (_) (_) @handler)
  (#eq? @method "setTimeout")) @call
""")


def _socket_timeouts(source: SourceFile, facts: FileFacts, removals: _Removals
                     ) -> list[ListenerAdd]:
    """`socket.setTimeout(ms, fn)` adds `fn` as a 'timeout' listener (`setTimeout(0)` only
    stops the timer): on a socket a keep-alive agent reuses, each call adds one more."""
    found = []
    for match in source.matches(_SET_TIMEOUTS):
        call, target, handler = match["call"][0], match["target"][0], match["handler"][0]
        function = source.enclosing_function(call)
        if function is None or not _reused_socket(source, target) or facts.in_setup_code(call):
            continue
        if _guarded_per_emitter(source, target, call, function) or _removed_from_shared(
                source, removals, target, handler, function):
            continue
        found.append(ListenerAdd(call, target, handler, function,
                                 "a socket that a keep-alive agent reuses for later requests"))
    return found


_BRANCHES = frozenset({"if_statement", "else_clause", "catch_clause", "switch_case",
                       "ternary_expression", "statement_block"})


def _left_on_retry(source: SourceFile, removals: _Removals) -> list[ListenerAdd]:
    """A function that runs itself again (a retry, a reconnect, another pass: `this.connect()`
    from its own 'close' handler) while a listener it added is still on an emitter it did not
    make: on the path that reruns it, nothing removes that listener, so each run leaves one
    more. A removal counts on that path when it runs before the rerun in the same flow, or in
    a handler of the same event that triggers the rerun; a `once` listener for that event is
    used up by it."""
    found: list[ListenerAdd] = []
    for match in source.matches(_ADDS):
        call, target = match["call"][0], match["target"][0]
        args = _arguments(match)
        if len(args) < 2 or text(match["method"][0]) == "subscribe":
            continue
        if _REGISTRATION_METHOD.match(text(match["method"][0])) and not _made_here(args[-1]):
            continue  # `this.onReply(id, data)`: a method called with data, not a registration
        function = next((f for f in source.enclosing_functions(call)
                         if source.function_name(f)), None)
        if function is None or _made_in(source, target, function) or _in_branch(
                call, function):
            continue  # (in a branch, the rerun may well take the other arm)
        reruns = [c for c in _self_calls(source, function)
                  if c.start_byte > call.end_byte and not _exclusive(call, c)
                  and _same_emitter_passed(target, function, c)]
        if not reruns:
            continue
        once = "once" in text(match["method"][0]).lower()
        event, handler = text(args[0]), args[1]
        left = [c for c in reruns
                if not (once and _in_handler_of(source, c, text(target), event, function))
                and not _removed_before(source, removals, target, handler, c, function)]
        if left:
            found.append(ListenerAdd(call, target, handler, function,
                                     "a function that runs itself again (a retry) with the "
                                     "listener still on"))
    return found


def _in_branch(node: Node, function: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.id != function.id:
        if _if_arm(parent) or parent.type in ("else_clause", "catch_clause", "switch_case",
                                              "ternary_expression"):
            return True
        parent = parent.parent
    return False


def _same_emitter_passed(target: Node, function: Node, rerun: Node) -> bool:
    """An emitter that is a parameter is the same one in the rerun only when the rerun passes
    it on in the same place (`drain(queue, next)` inside `drain(queue, ...)`)."""
    root = root_identifier(target)
    parameters = parameter_names(function)
    if root is None or text(root) not in parameters:
        return True
    arguments = rerun.child_by_field_name("arguments")
    values = [a for a in arguments.named_children if a.type != "comment"] \
        if arguments is not None else []
    index = parameters.index(text(root))
    return index < len(values) and text(values[index]) == text(root)


def _made_in(source: SourceFile, target: Node, function: Node) -> bool:
    """The emitter is a local of the function, assigned in it (`this.child = spawn()`), or
    made right there (`fs.createWriteStream(f).on(...)`): each run listens to a new one."""
    if unwrap(target).type in ("call_expression", "new_expression"):
        return True
    root = root_identifier(target)
    if root is not None and text(root) in source.declared_names(function) and (
            text(root) not in parameter_names(function)):
        return True
    # a local (or a callback's parameter) of a function nested in this one: each run makes
    # it anew (`.then((conn) => conn.on(...))`, `const stream = session.request()` in a callback)
    for inner in source.enclosing_functions(target):
        if inner.id == function.id:
            break
        if root is not None and (text(root) in source.declared_names(inner)
                                 or text(root) in parameter_names(inner)):
            return True
    wanted = text(target)
    return any(node.type == "assignment_expression" and text(
        node.child_by_field_name("left")) == wanted for node in own_nodes(function))


# Calls that make a new emitter: a server, a child process, a connection, a stream
_MAKES = re.compile(r"^(create[A-Z]\w*|spawn\w*|fork|exec\w*|connect|listen|open\w*|request)$")


def _made_anew_before(target: Node, call: Node, function: Node) -> bool:
    """Earlier in `function`, on every path to `call`, the emitter (or the object holding it)
    was given a new object: `this.server = http.createServer(app)`, `child = spawn(cmd)` before
    `child.stdout.on(...)`. Each run listens to the object it has just made, and the listener
    goes when that object does, whatever slot it is kept in."""
    emitter = text(unwrap(target))
    for node in own_nodes(function):
        if node.type != "assignment_expression" or node.end_byte > call.start_byte:
            continue
        left = text(node.child_by_field_name("left"))
        if emitter != left and not emitter.startswith(left + "."):
            continue
        right = node.child_by_field_name("right")
        if right is None:
            continue
        value = unwrap(right)
        callee = value.child_by_field_name("function")
        if value.type != "new_expression" and not (
                value.type == "call_expression" and callee is not None
                and _MAKES.match(last_name(callee))):
            continue
        block = node.parent.parent if node.parent is not None else None  # not in an `if` arm
        if node.parent is not None and node.parent.type == "expression_statement" and (
                block is not None and block.start_byte <= call.start_byte
                and call.end_byte <= block.end_byte):
            return True
    return False


def _self_calls(source: SourceFile, function: Node) -> list[Node]:
    """Calls of `function` (`name()`, `this.name()`, `self.name()`) inside it."""
    name = source.function_name(function)
    calls = []
    for use in source.identifiers(name, function) + [
            p for p in source.property_names(name)
            if function.start_byte <= p.start_byte < function.end_byte]:
        callee = use if use.type == "identifier" else use.parent
        if callee is None:
            continue
        call = callee.parent
        owner = callee.child_by_field_name("object")
        if call is not None and call.type == "call_expression" and (
                call.child_by_field_name("function") == callee) and (
                use.type == "identifier" or (owner is not None and (
                    unwrap(owner).type == "this" or text(owner) == "self"))):
            calls.append(call)
    return calls


def _exclusive(first: Node, second: Node) -> bool:
    """`first` sits in a branch (an `if` arm, a `catch`, a `case`) that does not hold
    `second`: they never run in the same pass."""
    node = first.parent
    while node is not None and not (node.start_byte <= second.start_byte < node.end_byte):
        if node.type in _BRANCHES and node.type != "statement_block" or (
                node.type == "statement_block" and node.parent is not None
                and node.parent.type in ("if_statement", "else_clause")):
            return True
        if node.type in ("arrow_function", "function_expression", "function"):
            return False
        node = node.parent
    return False


def _handler_registration(source: SourceFile, function: Node) -> tuple[str, str] | None:
    """(emitter, event) when `function` (or the local name it is bound to) is a listener."""
    node = outer(function)
    holder = node.parent
    name = None
    if holder is not None and holder.type == "variable_declarator":
        name = text(holder.child_by_field_name("name"))
    elif holder is not None and holder.type == "member_expression" and text(
            holder.child_by_field_name("property")) == "bind":
        node = outer(holder.parent) if holder.parent is not None else node
        holder = node.parent
    if holder is not None and holder.type == "arguments":
        call = holder.parent
        callee = call.child_by_field_name("function") if call is not None else None
        values = holder.named_children
        if callee is not None and callee.type == "member_expression" and len(values) >= 2 and (
                values[1] == node):
            return text(callee.child_by_field_name("object")), text(values[0])
        return None
    if name is None:
        return None
    scope = source.enclosing_function(function)
    for match in source.matches(_ADDS, scope) if scope is not None else []:
        values = match["args"][0].named_children
        if len(values) >= 2 and text(values[1]) == name:
            return text(match["target"][0]), text(values[0])
    return None


def _in_handler_of(source: SourceFile, call: Node, emitter: str, event: str,
                   function: Node) -> bool:
    for around in source.enclosing_functions(call):
        if around.id == function.id:
            return False
        if _handler_registration(source, around) == (emitter, event):
            return True
    return False


def _removed_before(source: SourceFile, removals: _Removals, target: Node, handler: Node,
                    rerun: Node, function: Node) -> bool:
    target_text = _emitter_text(source, target)
    if target_text in removals.all_by_text:
        return True
    events = {r for around in source.enclosing_functions(rerun) if around.id != function.id
              for r in [_handler_registration(source, around)] if r is not None}
    for match in source.matches(_REMOVES, function):
        removal = match["call"][0]
        values = match["args"][0].named_children
        if text(match["target"][0]) != target_text or len(values) < 2 or (
                text(values[1]) != text(handler)):
            continue
        if removal.start_byte < rerun.start_byte and _same_flow(removal, rerun):
            return True
        home = source.enclosing_function(removal)
        if home is not None and home.start_byte <= rerun.start_byte < home.end_byte:
            continue  # in the code that reruns, but not on its path
        registration = next((_handler_registration(source, f)
                             for f in source.enclosing_functions(removal)
                             if f.id != function.id), None)
        if registration is not None and registration in events:
            return True  # runs with the event that triggers the rerun
    return False


def _same_flow(removal: Node, rerun: Node) -> bool:
    """The removal runs whenever the flow reaches the rerun: no branch and no function lies
    between it and the code they share."""
    node = removal.parent
    while node is not None and not (node.start_byte <= rerun.start_byte < node.end_byte):
        if node.type in ("if_statement", "else_clause", "catch_clause", "switch_case",
                         "ternary_expression") or node.type in (
                "arrow_function", "function_expression", "function", "function_declaration",
                "method_definition") or _if_arm(node):
            return False
        node = node.parent
    return True


def _if_arm(node: Node) -> bool:
    return node.type != "if_statement" and node.parent is not None and (
        node.parent.type == "if_statement") and node != node.parent.child_by_field_name(
        "condition")


_EMITTER_API = frozenset({"on", "once", "addListener", "addEventListener", "prependListener",
                          "prependOnceListener"})
# Events an emitter fires once at the end of its life (or of the process): a `once` listener
# for one of them, added per call, waits until shutdown.
LIFECYCLE_EVENTS = frozenset({"SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR2", "exit",
                              "beforeExit", "shutdown", "close", "end", "finish", "destroy",
                              "disconnect"})


def _once_pair(source: SourceFile, removals: _Removals, add: dict[str, list[Node]],
               scope: Node) -> bool:
    """`x.once('a', f); x.once('b', g)` in one call, and `f` is not removed from `x` (a
    removal of another function does not count): only one of the events may come, and the
    other listener stays on `x` for good."""
    return _other_once(source, removals, add, scope) is not None


def _outcome_pair(source: SourceFile, removals: _Removals, add: dict[str, list[Node]],
                  method: Node) -> bool:
    """A `_once_pair` whose two listeners settle a promise made in `method` (resolve and
    reject): two outcomes of one operation, so exactly one of the events comes. Two `once`
    listeners that both run the same continuation wait for both events instead."""
    other = _other_once(source, removals, add, method)
    return other is not None and all(
        _settles_own_promise(source, method, _arguments(pair)[1]) for pair in (add, other))


def _other_once(source: SourceFile, removals: _Removals, add: dict[str, list[Node]],
                scope: Node) -> dict[str, list[Node]] | None:
    """The other `once` of a pair that leaves `add`'s listener on its emitter, or None."""
    function = source.enclosing_function(add["call"][0])
    if function is None:
        return None
    target = chained_emitter(add["target"][0])
    arguments = _arguments(add)
    if len(arguments) < 2:
        return None
    event = text(arguments[0])
    for other in source.matches(_ADDS, function):
        if other["call"][0].id == add["call"][0].id or text(
                chained_emitter(other["target"][0])) != text(target):
            continue
        if "once" not in text(other["method"][0]).lower() or source.enclosing_function(
                other["call"][0]) != function:
            continue
        others = _arguments(other)
        if len(others) >= 2 and text(others[0]) != event:
            return None if _removed(source, removals, target, arguments[1], scope) else other
    return None


def _facade(name: str, target: Node) -> bool:
    """A function named like a registration itself (`on`, `addListener`), or an `onConnect`
    / `onTrade` method registering on its own object's emitter (`this`, `this.market`): it dies
    with the object. (`onChange(fn) { appEvents.on(...) }` keeps the function in an emitter
    that outlives the object: a plugin API's leak.)"""
    if name in _EMITTER_API:
        return True
    target = unwrap(target)
    owner = target.child_by_field_name("object") if target.type == "member_expression" else None
    return _REGISTRATION_METHOD.match(name) is not None and (
        target.type == "this" or owner is not None and unwrap(owner).type == "this")


def _passes_on_parameter(handler: Node, function: Node) -> bool:
    """The listener is a parameter of `function`, or a wrapper made on the spot that calls
    one (`(m) => callback(m.data)`)."""
    parameters = set(parameter_names(function))
    wrapped = unwrap(handler)
    if text(wrapped) in parameters:
        return True
    return wrapped.type in ("arrow_function", "function_expression") and _calls_one_of(
        wrapped, parameters)


def _calls_one_of(function: Node, names: set[str]) -> bool:
    """Somewhere in `function` a call of one of `names` (`cb(x)`, `resolve(v)`)."""
    return any(node.type == "call_expression" and text(node.child_by_field_name("function"))
               in names for node in descendants(function))


def _arguments(add: dict[str, list[Node]]) -> list[Node]:
    return [a for a in add["args"][0].named_children if a.type != "comment"]


def chained_emitter(target: Node) -> Node:
    """`x` for the object of `x.once('a', f).once('b', g)`'s second call: Node's emitters
    return themselves from on/once/addListener and their removals, so a chain adds to `x`."""
    while target.type == "call_expression":
        function = target.child_by_field_name("function")
        if function is None or function.type != "member_expression" or text(
                function.child_by_field_name("property")) not in _CHAINING:
            break
        target = function.child_by_field_name("object") or target
    return target


def observable_source(target: Node) -> Node | None:
    """`this.eventBus` for `this.eventBus.ofType(E).pipe(map(f))`: a stream derived from a
    long-lived source by operators is subscribed to that source. None when an operator ends
    the subscription by itself (`take`, `first`, `takeUntil`, `timeout`)."""
    while target.type == "call_expression":
        function = target.child_by_field_name("function")
        if function is None or function.type != "member_expression" or text(
                function.child_by_field_name("property")) not in _OPERATORS:
            break
        if text(function.child_by_field_name("property")) == "pipe" and _ENDING.search(
                text(target.child_by_field_name("arguments") or target)):
            return None
        target = function.child_by_field_name("object") or target
    return target


# Methods of event buses and RxJS observables that derive a stream from the one they are on.
_OPERATORS = frozenset({"ofType", "pipe", "asObservable", "select", "events$", "observe",
                        "valueChanges"})
_ENDING = re.compile(r"\b(take|first|takeUntil|takeWhile|timeout|single|find|last)\s*\(")


_CHAINING = frozenset({"on", "once", "addListener", "prependListener", "prependOnceListener",
                       "off", "removeListener", "removeAllListeners", "setMaxListeners"})


# Parameters that hold the call's own objects (the request, the connection, the message):
# they die with the call, whatever is attached to them.
_CALL_OWN = frozenset({"req", "request", "res", "response", "reply", "ctx", "context", "h",
                       "next", "socket", "ws", "connection", "conn", "stream", "msg", "message",
                       "job", "event", "payload", "data", "options", "opts", "callback", "cb",
                       "done"})


def _long_lived_argument(source: SourceFile, facts: FileFacts, target: Node,
                         function: Node) -> bool:
    """The emitter is a parameter of the per-call function that outlives the call: a caller in
    this file passes a long-lived one there (`follow(bus, res)`), or the function is a request
    handler that takes it besides the request's own objects (`attach(emitter, req, res)`)."""
    root = unwrap(target)
    if root.type != "identifier":
        return False
    params = parameter_names(function)
    name = text(root)
    if name not in params or name in _CALL_OWN:
        return False
    if any(name in source.declared_names(f) for f in source.enclosing_functions(root)
           if f.id != function.id and function.start_byte < f.start_byte):
        return False  # shadowed in a nested function
    index = params.index(name)
    own_name = source.function_name(function)
    kind, field = "call_expression", "function"
    if own_name == "constructor" and function.parent is not None and (
            function.parent.parent is not None):  # `new Session(bus, res)`
        own_name = text(function.parent.parent.child_by_field_name("name"))
        kind, field = "new_expression", "constructor"
    calls = [use.parent for use in (source.identifiers(own_name) if own_name else [])
             if use.parent is not None and use.parent.type == kind
             and use.parent.child_by_field_name(field) == use]
    if function.type == "method_definition" and own_name and kind == "call_expression":
        # `pool.runOn(worker)`: a method called on its object
        calls += [use.parent.parent for use in source.property_names(own_name)
                  if use.parent is not None and use.parent.type == "member_expression"
                  and use.parent.parent is not None
                  and use.parent.parent.type == "call_expression"
                  and use.parent.parent.child_by_field_name("function") == use.parent]
    for call in calls:
        arguments = call.child_by_field_name("arguments")
        passed = [a for a in arguments.named_children if a.type != "comment"] \
            if arguments is not None else []
        if index < len(passed) and (source.is_long_lived(passed[index]) or _taken_from_long_lived(
                source, passed[index]) or _application_of_request(passed[index])):
            return True
    # a named handler (not a callback handed to createServer or on(), whose arguments are
    # the connection's own) that takes the emitter beside the request
    holder = outer(function).parent
    return not calls and bool(own_name) and holder is not None and (
        holder.type != "arguments") and looks_like_handler(params) and not (
        _registered_by_name(source, own_name))


def _registered_by_name(source: SourceFile, name: str) -> bool:
    """`wss.on('connection', this.onConnection)`, `createServer(handle)`: the function is
    handed by name to a registration, whose emitter calls it with each event's own objects (a
    new connection and its request)."""
    uses = [use.parent for use in source.property_names(name) if use.parent is not None
            and use.parent.type == "member_expression"] + source.identifiers(name)
    return any(found is not None and (re.match(LISTENING, found[0]) or found[0] == "createServer")
               for found in map(registration, uses))


def _taken_from_long_lived(source: SourceFile, value: Node) -> bool:
    """`const worker = pool.idle[0]; pool.runOn(worker)`: a local that holds an element or
    field of a long-lived object is that long-lived object."""
    value = unwrap(value)
    if value.type != "identifier":
        return False
    declarator = next((d for f in source.enclosing_functions(value)
                       for d in source.declarators(text(value), f)), None)
    initial = declarator.child_by_field_name("value") if declarator is not None else None
    initial = unwrap(initial) if initial is not None else None
    if initial is not None and initial.type == "binary_expression" and text(
            initial.child_by_field_name("operator")) in ("||", "??"):
        initial = unwrap(initial.child_by_field_name("left") or initial)  # `g.x || (g.x = {})`
    if initial is not None and initial.type == "identifier" and source.is_global_object(initial):
        return True  # `const g = globalThis as any`
    if initial is None or initial.type not in ("member_expression", "subscript_expression"):
        return False
    if source.is_long_lived(initial):
        return True
    # rooted at a variable of an outer function, which the calling closure keeps
    root = root_identifier(initial)
    user = source.enclosing_function(value)
    return root is not None and user is not None and text(root) != "this" and (
        text(root) not in source.declared_names(user)) and any(
        text(root) in source.declared_names(f) for f in source.enclosing_functions(user))


def _checks_listeners(call: Node, function: Node) -> bool:
    """The code asks the emitter about its listeners first and adds one only when it is not
    there yet: inside an `if` on `listeners(...)`/`listenerCount(...)` or on a call of the
    emitter given the same event (`if (!bus.hasListener(evt, 'x'))`), or after an early
    return on such a test (`if (bus.hasListener(evt, 'x')) return;`)."""
    asked = emitter_and_event(call)
    node = call
    while node.parent is not None and node.id != function.id:
        parent = node.parent
        if parent.type == "if_statement" and _asks_emitter(
                parent.child_by_field_name("condition"), asked):
            return True
        if parent.type == "statement_block":
            for earlier in parent.named_children:
                if earlier.start_byte >= node.start_byte:
                    break
                if earlier.type == "if_statement" and _returns(earlier) and _asks_emitter(
                        earlier.child_by_field_name("condition"), asked):
                    return True
        node = parent
    return False


def _asks_emitter(condition: Node | None, emitter_and_event: tuple[str, str] | None) -> bool:
    if condition is None:
        return False
    if "listeners(" in text(condition) or "listenerCount(" in text(condition):
        return True
    if emitter_and_event is None:
        return False
    emitter, event = emitter_and_event
    for node in descendants(condition):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        owner = callee.child_by_field_name("object") if callee is not None and (
            callee.type == "member_expression") else None
        if owner is not None and text(owner) == emitter and arguments is not None and any(
                text(a) == event for a in arguments.named_children):
            return True
    return False


def _returns(statement: Node) -> bool:
    """`if (...) return;` / `if (...) { ...; return; }` with no else."""
    if statement.child_by_field_name("alternative") is not None:
        return False
    consequence = statement.child_by_field_name("consequence")
    if consequence is None:
        return False
    if consequence.type == "return_statement":
        return True
    return any(c.type == "return_statement" for c in consequence.named_children)


def _lifecycle_event(event: Node) -> bool:
    return event.type == "string" and text(event).strip("'\"`") in LIFECYCLE_EVENTS


def _application_of_request(target: Node, source: SourceFile | None = None) -> bool:
    """`req.app` (Express), `ctx.app` (Koa), `request.server` (Fastify), `req.socket.server`
    on a parameter, whatever it is called: the request's way back to the application or server, which outlives every request; with
    `source`, also a local the call took from it (`const users = context.app.service('users')`,
    `const bus = req.app.get('bus')`): what the application hands out lives as long as it."""
    target = unwrap(target)
    if source is not None and target.type == "identifier":
        function = source.enclosing_function(target)
        declarator = next(source.declarators(text(target), function), None) if (
            function is not None) else None
        value = declarator.child_by_field_name("value") if declarator is not None else None
        while value is not None and unwrap(value).type in ("call_expression",
                                                            "member_expression"):
            value = unwrap(value)
            if value.type == "member_expression" and _application_of_request(value):
                return True
            value = value.child_by_field_name(
                "function" if value.type == "call_expression" else "object")
        return False
    if target.type != "member_expression" or text(target.child_by_field_name("property")) not in (
            "app", "server"):
        return False
    owner = unwrap(target.child_by_field_name("object") or target)
    if owner.type == "member_expression" and text(owner.child_by_field_name("property")) in (
            "socket", "connection"):
        owner = unwrap(owner.child_by_field_name("object") or owner)
    # a parameter's (whatever it is called): a handler is handed its request or context
    parent = owner.parent if owner.type == "identifier" else None
    while parent is not None:
        if parent.type in FUNCTION_TYPES and text(owner) in parameter_names(parent):
            return True
        parent = parent.parent
    return False


# What names an event or a topic in `bus.onAction(evt, fn)`, as opposed to the data of a call
_EVENT_WORDS = re.compile(r"(event|evt|type|topic|channel|name|key|action|kind|signal|message|"
                          r"msg|path|route|pattern|subject|command|cmd|id)s?$", re.I)
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _names_event(argument: Node) -> bool:
    """`'change'`, `EventName.Change`, `STATE.CONNECTED`, `topic`, `eventName`: an event's
    name, not an object the call is about (`res`, `mailbox`)."""
    argument = unwrap(argument)
    if argument.type in ("string", "template_string", "number"):
        return True
    if argument.type not in ("identifier", "member_expression"):
        return False
    root = root_identifier(argument)
    return _EVENT_WORDS.search(last_name(argument)) is not None or _CONSTANT.match(
        last_name(argument)) is not None or root is not None and (
        _CONSTANT.match(text(root)) is not None or text(root)[:1].isupper())


def _made_here(handler: Node) -> bool:
    """A function made at the call (`(m) => ...`, `function () {}`, `f.bind(this)`): a new one
    each time, so each call adds one more."""
    handler = unwrap(handler)
    if handler.type in ("arrow_function", "function_expression", "function"):
        return True
    if handler.type == "object" and any(
            child.type == "method_definition" or child.type == "pair" and (
                unwrap(child.child_by_field_name("value") or child).type in (
                    "arrow_function", "function_expression"))
            for child in handler.named_children):
        return True  # `subscribe({ afterCreate(e) {...} })`: a table of new handlers
    callee = handler.child_by_field_name("function") if handler.type == "call_expression" \
        else None
    return callee is not None and last_name(callee) == "bind"


def _per_operation_method(source: SourceFile, method: Node, handler: Node) -> bool:
    """What the method is shows it runs once per operation on one object: it mints a fresh
    id for each call (`++this.seq`), or it wraps a function its caller hands in (a
    subscription API: `watch(topic, fn) { this.on(topic, (e) => fn(e)) }`)."""
    for node in own_nodes(method):
        counts = node.type == "update_expression" and "++" in text(node) or (
            node.type == "augmented_assignment_expression" and text(node).replace(
                " ", "").endswith("+=1"))
        if counts:
            target = node.named_children[0] if node.named_children else None
            if target is not None and target.type == "member_expression" and unwrap(
                    target.child_by_field_name("object") or target).type == "this":
                return True
    wrapped = unwrap(handler)
    return wrapped.type in ("arrow_function", "function_expression") and (
        _passes_on_parameter(wrapped, method))


def _settles_own_promise(source: SourceFile, method: Node, handler: Node) -> bool:
    """`handler` settles a `new Promise(...)` made in `method`: it is the executor's resolve
    or reject, or a function of the executor that calls one."""
    for executor in source.enclosing_functions(handler):
        if executor == method:
            return False
        if promise_of_executor(executor) is None:
            continue
        settles = set(parameter_names(executor))
        body = _local_function(source, handler, executor) or unwrap(handler)
        if text(body) in settles:
            return True
        return body.type in FUNCTION_TYPES and _calls_one_of(body, settles)
    return False


def _event_per_call(event: Node, function: Node) -> bool:
    """An event name made from the call's own values (`'done:' + jobId`, a template with the
    id): each call listens for an event of its own, which fires at most once, so an `on`
    listener for it is never used again and never removed."""
    if event.type not in ("binary_expression", "template_string"):
        return False
    parameters = set(parameter_names(function))
    return any(node.type == "identifier" and text(node) in parameters
               for node in descendants(event))



# Node's EventEmitter keeps a listener once per add, even the same function (the DOM's
# addEventListener does not).
_DUPLICATING = frozenset({"on", "addListener", "prependListener"})


def _handed_in(handler: Node, function: Node) -> bool:
    """The listener is a parameter of a method (`onChange(callback) { bus.on('x', callback) }`):
    each call hands in its own function, and a method runs more than once."""
    handler = unwrap(handler)
    return function.type == "method_definition" and handler.type == "identifier" and (
        text(handler) in parameter_names(function))


def _fires_again(function: Node) -> bool:
    """The function is a listener for an event that comes again (`socket.on('message', fn)`,
    not `'close'`/`'end'`, which end the emitter's life): what it adds, it adds per event."""
    arguments = outer(function).parent
    call = arguments.parent if arguments is not None and arguments.type == "arguments" else None
    if call is None or call.type != "call_expression" or last_name(
            call.child_by_field_name("function") or call) not in _DUPLICATING:
        return False
    event = arguments.named_children[0] if arguments is not None else None
    return event is not None and event.id != outer(function).id and not _lifecycle_event(event)


def _made_per_run(source: SourceFile, handler: Node, function: Node) -> bool:
    """A new function each time `function` runs: made at the call (`(m) => ...`,
    `f.bind(this)`), or a local function of `function` (`const onEnd = () => ...`)."""
    if _made_here(handler):
        return True
    handler = unwrap(handler)
    if handler.type == "member_expression" and any(
            node.type == "assignment_expression" and text(node.child_by_field_name("left"))
            == text(handler) and _made_here(node.child_by_field_name("right") or node)
            for node in own_nodes(function)):
        return True  # `this.onError = this.fail.bind(this); x.on('error', this.onError)`
    return handler.type == "identifier" and _local_function(source, handler, function) is not None


def _own_emitter(source: SourceFile, facts: FileFacts, target: Node, call: Node) -> bool:
    """`this`, or `this.<field>` set only when the object is made: it outlives each call of
    the object's methods."""
    target = unwrap(target)
    if target.type == "this":
        return True
    if target.type != "member_expression" or unwrap(
            target.child_by_field_name("object") or target).type != "this":
        return False
    return _field_set_once(source, facts, text(target.child_by_field_name("property")))


def _field_set_once(source: SourceFile, facts: FileFacts, field: str) -> bool:
    for found in facts.this_fields:
        if text(found["name"][0]) != field:
            continue
        assignment = found["name"][0].parent
        holder = assignment.parent if assignment is not None else None
        if holder is not None and holder.type == "assignment_expression":
            function = source.enclosing_function(holder)
            if function is None or source.function_name(function) != "constructor":
                return False  # replaced later: the emitter changes with the object's state
    return True


def _instance_emitter(source: SourceFile, facts: FileFacts, target: Node, call: Node) -> bool:
    """`this` or `this.<field>` in a method of a class whose one instance serves the whole
    process (facts.long_lived_classes), where the field is set only when the object is made
    (a constructor parameter, a field initialiser): the emitter lives as long as the object."""
    target = unwrap(target)
    field = None
    if target.type == "member_expression":
        owner = unwrap(target.child_by_field_name("object") or target)
        if owner.type != "this":
            return False
        field = text(target.child_by_field_name("property"))
    elif target.type != "this":
        return False
    body = _class_body_of_this(call)
    if body is None or body.id not in facts.long_lived_classes:
        return False
    return field is None or _field_set_once(source, facts, field)


_REGISTRATION_METHOD = re.compile(r"^on[A-Z]")


def _global_name(source: SourceFile, target: Node) -> bool:
    """An emitter rooted at a name the file neither declares nor imports (`strapi.eventHub`,
    `WIKI.events`): a global the host application set up, which outlives every call."""
    root = root_identifier(target)
    if root is None:
        return False
    name = text(root)
    return name not in source.declared_names(source.root) and not any(
        name in source.declared_names(f) for f in source.enclosing_functions(root))


def _object_older_than_call(source: SourceFile, facts: FileFacts, target: Node, call: Node,
                            reason: str) -> bool:
    """`this` (or a field set when the object was made) in per-call code inside a method
    other than the constructor, of a class the file does not make per call: the object was
    there before the call and stays after it, so each call's listener stays on it."""
    if reason.startswith("constructed per") or not _own_emitter(source, facts, target, call):
        return False
    body = _class_body_of_this(call)
    method = body is not None and next((f for f in source.enclosing_functions(call)
                                        if f.type == "method_definition"), None)
    if not method or body is None or source.function_name(method) == "constructor":
        return False
    return bool(facts.outlives_calls(body))


def _came_from_outside(source: SourceFile, target: Node, call: Node, depth: int = 0) -> bool:
    """The emitter was there before the call and is not the call's own: a local looked up by
    a fixed key in something handed in (`const bus = container.resolve(Modules.EVENT_BUS)`,
    `app.get('io')`: a registry hands out the one it keeps), or a local taken from such a
    value."""
    base = unwrap(target)
    while base.type in ("member_expression", "subscript_expression"):
        inner = unwrap(base.child_by_field_name("object") or base)
        if inner.type == "this":
            break
        base = inner
    if base.type != "identifier" or depth > 3:
        return False
    function = source.enclosing_function(call)
    value = _local_value(source, text(base), function) if function is not None else None
    if value is None:
        return False
    if value.type == "call_expression":
        callee = value.child_by_field_name("function")
        arguments = value.child_by_field_name("arguments")
        passed = [a for a in arguments.named_children if a.type != "comment"] if (
            arguments is not None) else []
        if callee is None or callee.type != "member_expression" or not passed or not all(
                _fixed_key(a) for a in passed):
            return False
        owner = root_identifier(callee.child_by_field_name("object") or callee)
        return owner is not None and _is_parameter(owner)
    if value.type in ("member_expression", "subscript_expression"):
        return _came_from_outside(source, value, call, depth + 1)
    return False


def _local_value(source: SourceFile, name: str, function: Node) -> Node | None:
    """What `const name = ...` (or `const { name } = ...`) in `function` was given, past an
    `await`."""
    for node in own_nodes(function):
        if node.type != "variable_declarator":
            continue
        pattern = node.child_by_field_name("name")
        if pattern is None or not (text(pattern) == name or pattern.type == "object_pattern"
                                   and name in _pattern_names_of(pattern)):
            continue
        value = node.child_by_field_name("value")
        value = unwrap(value) if value is not None else None
        if value is not None and value.type == "await_expression" and value.named_children:
            value = unwrap(value.named_children[0])
        return value
    return None


def _pattern_names_of(pattern: Node) -> set[str]:
    return {text(n) for n in descendants(pattern) if n.type in (
        "shorthand_property_identifier_pattern", "identifier")}


def _fixed_key(argument: Node) -> bool:
    """A literal, or a constant spelled as one (`Modules.EVENT_BUS`, `EventBus`)."""
    argument = unwrap(argument)
    if argument.type in ("string", "number"):
        return True
    name = last_name(argument) if argument.type in ("identifier", "member_expression") else ""
    return bool(name) and name[:1].isupper()


def _is_parameter(name: Node) -> bool:
    parent = name.parent
    while parent is not None:
        if parent.type in FUNCTION_TYPES and text(name) in parameter_names(parent):
            return True
        parent = parent.parent
    return False


def _captured_parameter(source: SourceFile, target: Node, function: Node) -> bool:
    """`strapi.db.events` in a method of the object a factory returns, where `strapi` is the
    factory's parameter: the factory ran once and its closures keep what it was handed, so the
    emitter outlives every call of the method."""
    root = root_identifier(target)
    holder = outer(function).parent
    if root is None or not (function.type == "method_definition" or holder is not None
                            and holder.type == "pair"):
        return False  # a method, or a function-valued property (`subscribe: async function`)
    name = text(root)
    if name in source.declared_names(function) or name in parameter_names(function):
        return False
    for around in source.enclosing_functions(function):
        if around.id == function.id:
            continue
        if name in parameter_names(around):
            return True
        if name in source.declared_names(around):
            return False
    return False


def _outer_binding(source: SourceFile, target: Node, function: Node) -> bool:
    """The emitter is a local or parameter of a function around the per-call one (`watcher`
    made in `configureServer()`, used in the per-connection callback inside it): the
    per-call function's closure keeps it, so it outlives every call."""
    root = root_identifier(target)
    holder = outer(function).parent
    if root is None or text(root) == "this" or holder is None or holder.type != "arguments":
        return False  # (only a callback handed to a call: a handler some caller registers)
    name = text(root)
    if name in source.declared_names(function) or name in parameter_names(function):
        return False
    return any(name in source.declared_names(around) or name in parameter_names(around)
               for around in source.enclosing_functions(function) if around.id != function.id)


def _this_of_module_object(target: Node, call: Node) -> bool:
    """`this.broker.bus` in a method of an object literal written at module level (a service
    definition, `module.exports = { actions: { ship: { handler() {} } } }`): `this` is that
    object, or what a framework makes from it once, and it lives as long as the process."""
    root = unwrap(target)
    while root.type in ("member_expression", "subscript_expression"):
        root = unwrap(root.child_by_field_name("object") or root)
    if root.type != "this":
        return False
    node = call.parent
    while node is not None and node.type not in ("method_definition", "function_expression",
                                                  "function_declaration", "function",
                                                  "generator_function_declaration",
                                                  "class_body"):
        node = node.parent
    if node is None or node.type in ("function_declaration", "class_body",
                                     "generator_function_declaration"):
        return False
    holder = node.parent
    if node.type != "method_definition":
        holder = holder.parent if holder is not None and holder.type == "pair" else None
    while holder is not None and holder.type in ("object", "pair", "array"):
        holder = holder.parent
    if holder is not None and holder.type == "arguments" and holder.parent is not None and (
            text(holder.parent.child_by_field_name("function") or holder).split(".")[0]
            in ("Object", "Reflect")):
        return False  # `Object.defineProperties(X.prototype, {...})`: `this` is each X
    while holder is not None and holder.type not in FUNCTION_TYPES and holder.type not in (
            "program", "class_body"):
        holder = holder.parent  # `module.exports = {...}`, `export default {...}`, `svc({...})`
    return holder is not None and holder.type == "program" and node.parent is not None and (
        node.parent.type in ("object", "pair"))


def _class_body_of_this(node: Node) -> Node | None:
    """The class body whose instance `this` is at `node` (arrow functions keep the method's
    `this`; any other function has its own)."""
    parent = node.parent
    while parent is not None:
        if parent.type == "method_definition":
            body = parent.parent
            return body if body is not None and body.type == "class_body" else None
        if parent.type in ("function_expression", "function_declaration", "function",
                           "generator_function", "generator_function_declaration"):
            return None
        parent = parent.parent
    return None


_ITERATOR_RETURNS = file_query("""
(object (method_definition name: (property_identifier) @name body: (statement_block) @body)
  (#eq? @name "return")) @object
""")
_NEXT_CALLS = file_query("""
(call_expression function: (member_expression object: (_) @inner
  property: (property_identifier) @method) (#eq? @method "next"))
""")


def unforwarded_returns(source: SourceFile) -> list[Node]:
    """`return()` of an iterator object that wraps another (its code calls `inner.next()`)
    without ever calling `inner.return()`: ending the outer iterator leaves the inner one - a
    PubSub subscription, a stream reader - with its listener on the shared emitter. Returns
    the first statement of each such `return()`."""
    found: list[Node] = []
    for match in source.matches(_ITERATOR_RETURNS):
        obj, body = match["object"][0], match["body"][0]
        if not any(m.type == "method_definition" and text(m.child_by_field_name("name")) == "next"
                   for m in obj.named_children):
            continue
        scope = source.enclosing_function(obj)
        if scope is None:
            continue
        inners = {text(m["inner"][0]) for m in source.matches(_NEXT_CALLS, scope)
                  if unwrap(m["inner"][0]).type != "this"}
        scope_text = text(scope)
        if not inners or any(f"{inner}.return" in scope_text for inner in inners):
            continue
        statements = [c for c in body.named_children if c.type != "comment"]
        if statements:
            found.append(statements[0])
    return found


def listener_adds(source: SourceFile) -> list[Node]:
    """Every `x.on(...)`-style registration call of the file, wherever it runs."""
    return [match["call"][0] for match in source.matches(_ADDS)]


def futile_removals(source: SourceFile) -> list[Node]:
    """Removal calls whose function is made right there (`off('x', (e) => h(e))`,
    `removeListener('x', this.h.bind(this))`): it was never added, so nothing is removed."""
    return [match["call"][0] for match in source.matches(_REMOVES)
            if _removes_a_new_function(match)]


# A request whose socket a keep-alive connection or agent reuses for the next request.
_REQUESTS = frozenset({"req", "request", "raw", "clientRequest"})
# Methods that hand out a client or connection owned by a pool, to be given back later.
_CHECKOUTS = frozenset({"connect", "acquire", "getConnection", "checkout"})


def _shared_emitter(source: SourceFile, facts: FileFacts, target: Node, event: Node,
                    call: Node) -> tuple[Node, str] | None:
    """(the function adding the listener, why its emitter outlives it) for an emitter shared
    with the caller or reused across calls; None for any other emitter."""
    function = source.enclosing_function(call)
    if function is None or facts.in_setup_code(call):
        return None
    name = last_name(target)
    event_name = text(event).strip("'\"`")
    if _guarded_per_emitter(source, target, call, function):
        return None  # `if (!socket[kListening]) socket.on(...)`: once per emitter
    if (event_name == "abort" or name.lower().endswith("signal")) and (
            unwrap(target).type != "this"):  # an object's own 'abort' event dies with it
        if any(_created_here(source, target, f)
               for f in (function, *source.enclosing_functions(function))):
            return None  # a controller made for this call dies with it
        owner = unwrap(target).child_by_field_name("object")
        if owner is not None and last_name(owner) in _REQUESTS:
            return None  # `request.signal`: the request's own signal dies with it
        return function, "an AbortSignal handed in, which may outlive every call using it"
    if _reused_socket(source, target):
        return function, "a socket that a keep-alive agent reuses for later requests"
    if _checked_out(source, target, function):
        return function, "a client checked out of a pool and given back to it"
    if _from_module_cache(source, facts, target, function):
        return function, "an object kept in a module-level cache and handed out again"
    if source.is_global_object(root_identifier(target) or target) and (
            source.function_name(function) == "constructor") and (
            function.parent is None or facts.long_lived_classes.get(
                function.parent.id, STREAM_CLASS) == STREAM_CLASS):
        return function, "the constructor of a class made more than once"
    return None


def _guarded_per_emitter(source: SourceFile, target: Node, call: Node,
                         function: Node) -> bool:
    """Inside an `if` that tests something on the emitter itself (`!socket[flag]`,
    `seen.has(req.socket) === false`, `!socket._meta`): the listener goes on once per emitter."""
    emitter = text(target)
    tests = (f"{emitter}.", f"{emitter}[", f"has({emitter})", f"includes({emitter})",
             f"get({emitter})")
    node = call.parent
    while node is not None and node.id != function.id:
        if node.type == "if_statement":
            condition = text(node.child_by_field_name("condition"))
            if any(test in condition for test in tests):
                return True
        node = node.parent
    return False


def _created_here(source: SourceFile, target: Node, function: Node, depth: int = 0) -> bool:
    """`const controller = new AbortController(); controller.signal...` inside `function`,
    also through the function's own fields and literals (`this.controller = new
    AbortController(); this.signal = this.controller.signal`, `const member = { timer: new
    TimeoutController() }; member.timer.signal`)."""
    target = unwrap(target)
    if target.type in ("new_expression", "call_expression"):
        return True
    if depth > 4:
        return False
    if target.type == "identifier":
        declarator = next(source.declarators(text(target), function), None)
        value = declarator.child_by_field_name("value") if declarator is not None else None
        return value is not None and _created_here(source, value, function, depth + 1)
    if target.type != "member_expression":
        return False
    assigned = next((node.child_by_field_name("right") for node in own_nodes(function)
                     if node.type == "assignment_expression"
                     and text(node.child_by_field_name("left")) == text(target)), None)
    if assigned is not None:
        return _created_here(source, assigned, function, depth + 1)
    owner = target.child_by_field_name("object")
    if owner is None or unwrap(owner).type == "this":
        return False
    root = root_identifier(owner)
    declarator = next(source.declarators(text(root), function), None) if (
        root is not None and root.id == unwrap(owner).id) else None
    literal = declarator.child_by_field_name("value") if declarator is not None else None
    if literal is not None and unwrap(literal).type == "object":
        part = next((pair.child_by_field_name("value") for pair in unwrap(literal).named_children
                     if pair.type == "pair" and text(pair.child_by_field_name("key")) == text(
                         target.child_by_field_name("property"))), None)
        return part is not None and _created_here(source, part, function, depth + 1)
    return _created_here(source, owner, function, depth + 1)


def _reused_socket(source: SourceFile, target: Node) -> bool:
    """`req.socket`, `req.connection`, or the argument of a 'socket' event listener."""
    target = unwrap(target)
    if target.type == "member_expression" and text(
            target.child_by_field_name("property")) in ("socket", "connection"):
        owner = last_name(target.child_by_field_name("object") or target)
        if owner in _REQUESTS:
            return True
        # `ctx.socket` in a request handler, where ctx wraps the request (koa's context)
        handler = source.enclosing_function(target)
        root = root_identifier(target)
        return handler is not None and root is not None and looks_like_handler(
            parameter_names(handler)) and text(root) in source.declared_names(handler) and (
            text(root) not in parameter_names(handler))
    if target.type != "identifier":
        return False
    function = source.enclosing_function(target)
    while function is not None:
        if text(target) in parameter_names(function):
            registration = outer(function).parent
            call = registration.parent if registration is not None else None
            if call is not None and call.type == "call_expression":
                arguments = call.child_by_field_name("arguments")
                first = arguments.named_children[0] if arguments is not None and (
                    arguments.named_children) else None
                return first is not None and text(first).strip("'\"`") == "socket"
            return False
        function = source.enclosing_function(function)
    return False


def _initialiser_call(source: SourceFile, target: Node, function: Node) -> Node | None:
    """The call that `target` is declared with in `function` (`const x = f(...)`), if any."""
    target = unwrap(target)
    if target.type != "identifier":
        return None
    declarator = next(source.declarators(text(target), function), None)
    value = declarator.child_by_field_name("value") if declarator is not None else None
    value = unwrap(value) if value is not None else None
    return value if value is not None and value.type == "call_expression" else None


def _checked_out(source: SourceFile, target: Node, function: Node) -> bool:
    """`const client = await pool.connect()` in `function`: the client goes back to the pool
    with whatever listeners it was given."""
    call = _initialiser_call(source, target, function)
    callee = call.child_by_field_name("function") if call is not None else None
    return callee is not None and callee.type == "member_expression" and text(
        callee.child_by_field_name("property")) in _CHECKOUTS and "pool" in last_name(
        callee.child_by_field_name("object") or callee).lower()


def _from_module_cache(source: SourceFile, facts: FileFacts, target: Node,
                       function: Node) -> bool:
    """`const pool = getPool(key)` where getPool (in this file) keeps what it makes in a
    module-level map or object and returns it: every caller gets the same long-lived object."""
    call = _initialiser_call(source, target, function)
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is None or callee.type != "identifier":
        return False
    return any(_caches_in_module(source, helper)
               for helper in facts.functions_named(text(callee)))


def _caches_in_module(source: SourceFile, helper: Node) -> bool:
    """`helper` stores into a module-level collection (`POOLS[key] = x`, `pools.set(k, x)`)."""
    for node in _assignments_and_sets(helper):
        root = root_identifier(node)
        if root is not None and source.is_module_binding(root):
            return True
    return False


def _assignments_and_sets(function: Node) -> list[Node]:
    """The objects stored into by `x[k] = v` and `x.set(k, v)` directly in `function`."""
    found: list[Node] = []
    for node in own_nodes(function):
        if node.type == "assignment_expression":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "subscript_expression":
                found.append(left.child_by_field_name("object") or left)
        elif node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "member_expression" and text(
                    callee.child_by_field_name("property")) == "set":
                found.append(callee.child_by_field_name("object") or callee)
    return found


def _removed_from_shared(source: SourceFile, removals: _Removals, target: Node,
                         handler: Node, function: Node) -> bool:
    """Removed from an emitter of the same name anywhere in the file (with the same named
    handler, or in the same function); or, for a socket, added only while it connects."""
    name = last_name(target)
    if name in removals.all_by_name:
        return True
    if handler.type not in ("arrow_function", "function_expression", "function") and (
            text(handler) != "") and (name, last_name(handler)) in removals.handler_by_name:
        return True
    if removals.inside(removals.by_name.get(name, []), function):
        return True
    # a socket that is only listened to while it is still connecting gets its 'connect'
    return any(b"connecting" in (f.text or b"") for f in
               (function, *source.enclosing_functions(function)))


def _has_option(options: Node, key_name: str) -> bool:
    """`{ signal }` / `{ signal: s }`, or `{ once: true }` for key_name "once"."""
    if options.type != "object":
        return False
    for member in options.named_children:
        key = member.child_by_field_name("key") if member.type == "pair" else member
        if text(key) != key_name:
            continue
        if key_name != "once":
            return True
        return member.type == "pair" and text(member.child_by_field_name("value")) == "true"
    return False


class _Removals:
    """Every removal in the file, indexed by the emitter's text and last name, so each added
    listener is checked in logarithmic time (a scan per listener grows with the square of the
    file). Removals of a function made on the spot are left out: they remove nothing."""

    def __init__(self, source: SourceFile) -> None:
        self.by_text: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.all_by_text: set[str] = set()
        self.all_by_name: set[str] = set()
        self.handler_by_text: set[tuple[str, str]] = set()
        self.handler_by_name: set[tuple[str, str]] = set()
        self.positions_by_handler: dict[tuple[str, str], list[int]] = {}
        self.named_handler_at: dict[int, Node] = {}  # removals of a named function, by start
        for match in source.matches(_REMOVES):
            if _removes_a_new_function(match) or _never_called(source, match["call"][0]):
                continue
            target = chained_emitter(match["target"][0])
            target_text, name = _emitter_text(source, target), last_name(target)
            start = match["call"][0].start_byte
            self.by_text.setdefault(target_text, []).append(start)
            self.by_name.setdefault(name, []).append(start)
            if text(match["method"][0]) == "removeAllListeners":
                self.all_by_text.add(target_text)
                self.all_by_name.add(name)
            args = match["args"][0].named_children
            if len(args) >= 2:
                self.handler_by_text.add((target_text, text(args[1])))
                self.positions_by_handler.setdefault((target_text, text(args[1])), []).append(
                    start)
                self.handler_by_name.add((name, last_name(args[1])))
                if args[1].type == "identifier":
                    self.named_handler_at[start] = args[1]
        for positions in (*self.by_text.values(), *self.by_name.values(),
                          *self.positions_by_handler.values()):
            positions.sort()

    @staticmethod
    def inside(positions: list[int], scope: Node) -> bool:
        index = bisect_left(positions, scope.start_byte)
        return index < len(positions) and positions[index] < scope.end_byte


def _never_called(source: SourceFile, removal: Node) -> bool:
    """The removal sits in a method (`unhandle()`, `dispose()`) that nothing in the file
    calls, of a class the file itself makes objects of: the file owns those objects and
    never runs their cleanup (a `close()` that forgets to call it)."""
    method = next((f for f in source.enclosing_functions(removal)
                   if f.type == "method_definition"), None)
    if method is None or method.parent is None or method.parent.parent is None:
        return False
    name = source.function_name(method)
    named = method.parent.parent.child_by_field_name("name")
    if not name or named is None or name == "constructor":
        return False
    made = [use.parent for use in source.identifiers(text(named))
            if use.parent is not None and use.parent.type == "new_expression"]
    if not made or not all(_kept_in_own_field(new) for new in made):
        return False
    uses = [use for use in source.property_names(name) + source.identifiers(name)
            if use.parent is None or use.parent.type != "method_definition"]
    return not uses


def _kept_in_own_field(new: Node) -> bool:
    """`this.handler = new Handler(this)`: an object made for its owner, which alone holds
    it and so alone can run its cleanup."""
    assignment = outer(new).parent
    if assignment is None or assignment.type != "assignment_expression":
        return False
    left = assignment.child_by_field_name("left")
    return left is not None and left.type == "member_expression" and unwrap(
        left.child_by_field_name("object") or left).type == "this"


def _removes_a_new_function(match: dict[str, list[Node]]) -> bool:
    """`off('x', (e) => h(e))` or `off('x', this.h.bind(this))`: the function removed is made
    right there, so it never equals the one that was added and nothing is removed."""
    arguments = [a for a in match["args"][0].named_children if a.type != "comment"]
    if len(arguments) < 2:
        return False
    handler = unwrap(arguments[1])
    if handler.type in ("arrow_function", "function_expression", "function"):
        return True
    callee = handler.child_by_field_name("function") if handler.type == "call_expression" \
        else None
    return callee is not None and last_name(callee) == "bind"


def _removed(source: SourceFile, removals: _Removals, target: Node, handler: Node,
             scope: Node) -> bool:
    """Removed in the per-call scope (its close/finish handlers are nested in it), or the same
    handler is removed from the same emitter anywhere in the file - but not when the only
    removal is the listener's own, after it has returned early for other events: then it is
    removed only if the event it waits for ever comes."""
    target_text = _emitter_text(source, target)
    if target_text in removals.all_by_text:
        return True
    positions = removals.by_text.get(target_text, [])
    if handler.type != "arrow_function" and (
            target_text, text(handler)) in removals.handler_by_text:
        named = removals.positions_by_handler[(target_text, text(handler))]
        home = _declaring_function(source, handler) if handler.type == "identifier" else None
        if home is not None and not removals.inside(named, home):
            return False  # the same name in another function: another function removed
        return not _removed_only_by_itself(source, named, handler, scope)
    if not removals.inside(positions, scope):
        return False
    if handler.type == "identifier" and all(
            (other := removals.named_handler_at.get(p)) is not None
            and text(other) != text(handler) and _local_function(source, other, scope)
            for p in positions if scope.start_byte <= p < scope.end_byte):
        return False  # only other functions of this call are taken off the emitter here
    return not _removed_only_by_itself(source, positions, handler, scope)


def _emitter_text(source: SourceFile, target: Node) -> str:
    """The emitter as spelled, with an alias of `this` spelled `this`: `const client = this;
    ...; client.removeListener('x', f)` takes `f` off the object `this.on('x', f)` added it to."""
    spelled = text(target)
    root = root_identifier(target)
    function = source.enclosing_function(target) if root is not None else None
    while root is not None and function is not None:
        declarator = next(source.declarators(text(root), function), None)
        if declarator is not None:
            value = declarator.child_by_field_name("value")
            if value is not None and unwrap(value).type == "this":
                return "this" + spelled[len(text(root)):]
            break
        function = source.enclosing_function(function)
    return spelled


def _declaring_function(source: SourceFile, name: Node) -> Node | None:
    """The function whose local `name` is, or None for a module-level or unknown name."""
    return next((f for f in source.enclosing_functions(name)
                 if text(name) in source.declared_names(f)), None)


def _removed_only_by_itself(source: SourceFile, positions: list[int], handler: Node,
                            scope: Node) -> bool:
    """Every removal from the emitter in the file is inside the handler itself, after an
    early `return` that skips the events it is not waiting for."""
    function = _local_function(source, handler, scope)
    if function is not None:  # a local handler: only this call's removals can reach it
        positions = [p for p in positions if scope.start_byte <= p < scope.end_byte]
    if function is None or not positions:
        return False
    if not all(function.start_byte <= p < function.end_byte for p in positions):
        return False
    first = positions[0]
    return any(node.type == "return_statement" and node.end_byte <= first
               and _inside_if(node, function) for node in own_nodes(function))


def _local_function(source: SourceFile, handler: Node, scope: Node) -> Node | None:
    """The function a handler name stands for, declared in `scope`."""
    handler = unwrap(handler)
    if handler.type != "identifier":
        return None
    for use in source.identifiers(text(handler), scope):
        parent = use.parent
        if parent is None:
            continue
        if parent.type == "variable_declarator" and parent.child_by_field_name("name") == use:
            value = parent.child_by_field_name("value")
            value = unwrap(value) if value is not None else None
            if value is not None and value.type in ("arrow_function", "function_expression",
                                                    "function"):
                return value
        if parent.type == "function_declaration" and parent.child_by_field_name("name") == use:
            return parent
    return None


def _inside_if(node: Node, function: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.id != function.id:
        if parent.type == "if_statement":
            return True
        parent = parent.parent
    return False


# a slot (a field, a module binding) given a closure, an object carrying closures, or what an
# inline function makes of the slot's old value (`hooks = ((prev) => () => {...})(hooks)`)
_MEMBER_ASSIGNMENTS = file_query("""
(assignment_expression left: [(member_expression) (identifier) (subscript_expression)] @left
  right: [(arrow_function) (function_expression) (object) (call_expression)
          (parenthesized_expression) (ternary_expression)] @right) @assignment
""")
_MAP_SETS = file_query("""
(call_expression
  function: (member_expression object: (_) @map property: (property_identifier) @method)
  arguments: (arguments (_) @key [(arrow_function) (function_expression)] @right)
  (#eq? @method "set")) @assignment
""")


@dataclass(frozen=True)
class Rewrap:
    assignment: Node
    target: str  # `context.waitUntil`
    scope: Node  # the function that runs again
    sibling: bool = False  # the old value is kept by a sibling closure, not called by the new


def rewrapped_functions(source: SourceFile, facts: FileFacts) -> list[Rewrap]:
    """`obj.method = (...) => { ...; previous(...) }`, where `previous` is what `obj.method`
    was (`const previous = obj.method.bind(obj)`), run by code that runs again on an object
    it was handed: each run wraps the previous run's wrapper, so the chain - and everything
    each wrapper closes over - grows with every call, unless the code first looks whether
    it wrapped already (an early return)."""
    found: list[Rewrap] = []
    slots = [(m["left"][0], text(m["left"][0]), m) for m in source.matches(_MEMBER_ASSIGNMENTS)]
    slots += [(m["map"][0], f"{text(m['map'][0])}.get({text(m['key'][0])})", m)
              for m in source.matches(_MAP_SETS)]
    for left, target, match in slots:
        right, assignment = unwrap(match["right"][0]), match["assignment"][0]
        function = source.enclosing_function(assignment)
        if function is None or left.type == "identifier" and not source.is_module_binding(left):
            continue
        root = root_identifier(left)
        made = _closures_made(right, target)
        if made is None:
            continue
        previous = _previous_value_names(source, function, target, assignment)
        if made and not (previous and any(
                source.identifiers(name, closure) for name in previous
                for closure in _closures_sharing_scope(made[0], function))):
            continue
        if _set_afresh_before(function, target, assignment):
            continue  # each call wraps a value it just made, not the last call's wrapper
        if root is None or text(root) not in parameter_names(function):
            # a slot on an object that outlives the call (a field of a long-lived `this`, a
            # module binding, an element of a long-lived table), in code that runs again on it
            repeating = facts.repeats(assignment, per_object=True)
            if repeating is not None and not _returns_early(
                    function, assignment, (target, *previous)) and (
                    _slot_outlives_call(source, facts, left, assignment)):
                found.append(Rewrap(assignment, target.replace(".get(", "[").rstrip(")")
                                    + ("]" if ".get(" in target else ""), repeating,
                                    not any(source.identifiers(name, right)
                                            for name in previous)))
            continue
        reason = facts.per_call_reason(function)
        if reason is not None and not reason.startswith(("called", "constructed")):
            continue  # a handler wrapping its own response's method: it dies with the call
        repeating = facts.repeats(assignment)
        if repeating is None or _returns_early(function, assignment) or not _handed_a_kept_one(
                source, facts, function, parameter_names(function).index(text(root))):
            continue
        found.append(Rewrap(assignment, target, repeating))
    return found


def _set_afresh_before(function: Node, target: str, before: Node) -> bool:
    """`processor = require(path)` earlier in the function: the slot gets a value that owes
    nothing to its old one before it is wrapped."""
    for node in own_nodes(function):
        if node.type != "assignment_expression" or node.end_byte > before.start_byte:
            continue
        right = node.child_by_field_name("right")
        if text(node.child_by_field_name("left")) == target and right is not None and (
                target not in text(right)):
            return True
    return False


def _closures_made(value: Node, target: str) -> list[Node] | None:
    """The closures a new value of the slot `target` carries: itself, the functions of an
    object literal; [] for an inline function applied to the slot's old value (which it
    keeps by construction); None when the value carries no closure."""
    if value.type in ("arrow_function", "function_expression", "function"):
        return [value]
    if value.type == "ternary_expression":  # `prev ? (x) => fn(prev(x)) : fn`
        branches = [unwrap(b) for b in (value.child_by_field_name("consequence"),
                                        value.child_by_field_name("alternative"))
                    if b is not None]
        return [b for b in branches if b.type in ("arrow_function", "function_expression")
                ] or None
    if value.type == "object":
        return [node for child in value.named_children for node in (
            child, child.child_by_field_name("value")) if node is not None
            and node.type in ("method_definition", "arrow_function", "function_expression")
        ] or None
    if value.type == "call_expression":
        callee = unwrap(value.child_by_field_name("function") or value)
        arguments = value.child_by_field_name("arguments")
        if callee.type in ("arrow_function", "function_expression") and arguments is not None \
                and any(text(a) == target for a in arguments.named_children):
            return []
    return None


def _closures_sharing_scope(closure: Node, function: Node) -> list[Node]:
    """`closure` and the other functions made directly in `function`: V8 keeps one context
    per scope, so a closure stored anywhere keeps what any of its siblings uses."""
    return [closure] + [node for node in own_nodes(function) if node.id != closure.id
                        and node.type in ("arrow_function", "function_expression")]


def _slot_outlives_call(source: SourceFile, facts: FileFacts, left: Node, at: Node) -> bool:
    """The object holding the slot was there before the call and stays after it: `this` (or a
    field of it) in a method of a class or of a module-level object, a module binding or a
    process-wide object, or a local taken from one (`const user = realtime.users[id]`)."""
    base = unwrap(left)
    if base.type == "member_expression":
        base = unwrap(base.child_by_field_name("object") or base)
    root = base
    while root.type in ("member_expression", "subscript_expression"):
        root = unwrap(root.child_by_field_name("object") or root)
    if root.type == "this":
        if _this_of_module_object(left, at):
            return True
        inner = source.enclosing_function(at)
        reason = facts.per_call_reason(inner) if inner is not None else None
        if inner is not None and inner.type == "arrow_function" and reason is not None and (
                not facts.per_call_is_inferred(reason)):
            return True  # a handler the object registered: its `this` serves every call
        body = _class_body_of_this(at)
        method = next((f for f in source.enclosing_functions(at)
                       if f.type == "method_definition"), None)
        if body is None or method is None or source.function_name(method) == "constructor":
            return False
        # the object serves operations, not a builder configured once (`map(fn)` that
        # returns `this`): the class has one long-lived object, or the method is shown to run
        # again, or it does asynchronous work per call
        return body.id in facts.long_lived_classes or facts.shown_to_repeat(method) or any(
            child.type == "async" for child in method.children)
    if source.is_global_object(root):
        # a process-wide method patched in place is global-patch-chain's case; an entry of
        # a table kept on the global object (`globalThis.renderers[k]`) is a slot like any
        return unwrap(left).type == "subscript_expression"
    return source.is_long_lived(base) or _taken_from_long_lived(source, root) or (
        _parameter_of_outer_function(source, facts, root, at))


def _parameter_of_outer_function(source: SourceFile, facts: FileFacts, root: Node,
                                 at: Node) -> bool:
    """`app` in a route handler inside `module.exports = (app) => { router.post(...) }`: the
    object the set-up function was handed, which every call of the handler shares (not
    `res` of an enclosing handler, which dies with its request)."""
    if root.type != "identifier":
        return False
    around = list(source.enclosing_functions(at))
    reason = facts.per_call_reason(around[0]) if around else None
    if reason is None or facts.per_call_is_inferred(reason) or reason.startswith(
            ("called", "constructed", "function made by")) or facts.named_like_start_up(
            around[0]):
        return False  # (a hook object's `initialize()` runs once, whoever made it)
    name = text(root)
    for index, function in enumerate(around[1:], start=1):
        if name in parameter_names(function):
            return facts.per_call_reason(function) is None and not any(
                name in source.declared_names(f) for f in around[:index])
    return False


def _handed_a_kept_one(source: SourceFile, facts: FileFacts, function: Node,
                       position: int) -> bool:
    """Some caller in the file passes, at `position`, an object it did not just make (a
    field of its options, a variable): one that may be handed in again (`wrap(options.ctx)`,
    not `wrap(clone(fs))`)."""
    name = source.function_name(function)
    for use in source.identifiers(name) if name else []:
        call = use.parent
        if call is None or call.type != "call_expression" or (
                call.child_by_field_name("function") != use):
            continue
        arguments = call.child_by_field_name("arguments")
        values = [a for a in arguments.named_children if a.type != "comment"] \
            if arguments is not None else []
        value = unwrap(values[position]) if position < len(values) else None
        caller = source.enclosing_function(call)
        root = root_identifier(value) if value is not None else None
        if value is None or root is None or value.type not in (
                "identifier", "member_expression", "subscript_expression"):
            continue
        owner = next((f for f in source.enclosing_functions(call)
                      if text(root) in parameter_names(f)), None)
        if owner is not None and (
                (value.type == "identifier" and owner == caller)
                or _registered_per_call(facts, owner)):
            continue  # a caller's own parameter (a job, a response, a message) is its own
        return True
    return False


def _registered_per_call(facts: FileFacts, function: Node) -> bool:
    """A handler a framework calls per event with that event's objects (a route, a
    listener, a consumer), not a function only inferred to run often."""
    reason = facts.per_call_reason(function)
    return reason is not None and not reason.startswith(("called", "constructed")) and (
        not facts.per_call_is_inferred(reason))


def _previous_value_names(source: SourceFile, function: Node, target: str,
                          before: Node) -> list[str]:
    """Locals of `function` declared from `target` (`= ctx.fn`, `= ctx.fn.bind(ctx)`)."""
    names = []
    for node in own_nodes(function):
        if node.type != "variable_declarator" or node.start_byte >= before.start_byte:
            continue
        value = node.child_by_field_name("value")
        value = unwrap(value) if value is not None else None
        if value is not None and value.type == "binary_expression":
            # `app.hooks && app.hooks[name]` reads the slot on its right, `slot || noop` and
            # `slot ?? noop` on their left
            side = {"&&": "right", "||": "left", "??": "left"}.get(
                text(value.child_by_field_name("operator")))
            value = unwrap(value.child_by_field_name(side) or value) if side else value
        while value is not None and text(value) != target and value.type in (
                "call_expression", "as_expression"):
            inner = value.child_by_field_name("function") if value.type == "call_expression" \
                else value.named_children[0]
            if inner is None:
                break
            value = unwrap(inner.child_by_field_name("object") or inner) if (
                inner.type == "member_expression" and last_name(inner) == "bind") else unwrap(inner)
            if value.type == "member_expression" and text(value) == target:
                break
        if value is not None and _same_slot(text(value), target):
            names.append(text(node.child_by_field_name("name")))
    return names


def _same_slot(read: str, target: str) -> bool:
    """`slots?.[k]` reads the slot `slots[k]`; `a?.b` reads `a.b`."""
    return read == target or read.replace("?.[", "[").replace("?.", ".") == target


def _returns_early(function: Node, before: Node, tested: tuple[str, ...] = ()) -> bool:
    """An `if` before `before` in the function whose branch returns: the work may be done;
    with `tested`, only an `if` whose condition looks at one of those (the slot itself, or
    what it held: `if (prev.wrapped) return`)."""
    return any(node.type == "if_statement" and node.end_byte <= before.start_byte and any(
        child.type in ("return_statement", "throw_statement") for child in descendants(
            node.child_by_field_name("consequence") or node)) and (not tested or any(
                name in text(node.child_by_field_name("condition") or node) for name in tested))
        for node in own_nodes(function))
