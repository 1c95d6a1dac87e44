"""closure-captures-request (closure-capture)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import (
    FUNCTION_TYPES,
    SourceFile,
    descendants,
    file_query,
    outer,
    parameter_names,
    text,
    unwrap,
)

# Parameters that hold a whole request, response or framework context.
LARGE_PARAMETERS = frozenset({"req", "request", "res", "response", "ctx", "reply", "context",
                              "info"})
# Locals of a handler that by convention hold a whole request body or an uploaded file.
LARGE_LOCALS = frozenset({"body", "payload", "rawBody", "buffer", "chunks", "fileBuffer"})
# A setTimeout this long (ms, literal) is long-lived enough to pin a request.
LONG_TIMEOUT_MS = 60_000

_TIMEOUTS = file_query("""
(call_expression function: (identifier) @f arguments: (arguments . (_) @callback . (_) @delay)
  (#eq? @f "setTimeout")) @call
""")


class ClosureCapturesRequest(Rule):
    """What it does:
    Finds long-lived callbacks created in per-call code - an interval that is never cleared,
    a listener left on a long-lived emitter, a function kept in a module-level collection or in
    a collection on a long-lived object (`this.callbacks.push(...)` in a singleton service)
    that is never trimmed, a promise kept in such a collection (its executor and `then`
    callbacks), a timeout of a minute or more - whose closure uses the whole request,
    response or context object (`req`, `res`, `ctx`, `info`, a serverless `event`, ...) or the
    whole request body or upload (a local named `body`, `payload`, `rawBody`, `buffer`,
    `chunks`), itself or through a sibling closure of the same scope; a function handed to a
    method of a module-level object whose class keeps it in a collection it never trims.
    Reported where the callback starts: the line that stores or registers it. Also finds a
    method of an object handed in wrapped again by code that runs again (`ctx.waitUntil =
    (p) => previous(p)`: a chain of wrappers, each keeping its call) - and likewise any slot
    that outlives the call (a module `let`, a field of a long-lived object, a property of the
    object a set-up function was handed - a plugin's `app` - or of the `this` of an arrow
    handler the object registered) given, per call, a
    closure, an object carrying closures, or an inline wrapper of its old value, that keeps
    the old value itself or through a sibling closure (`last = { describe: () => ... }` beside
    `const prev = last; const diff = () => prev.size`) - and a request's objects
    stored on its keep-alive socket (`req.socket.meta = { req, res }`) that nothing clears.
    Also any function a call makes and keeps in a table that outlives it (a module binding, a
    field of `this`, a property of an object a function around the call holds;
    `pending.set(id, () => ...)`, `held.push(fn)`, `waiters.get(k).push(fn)`)
    when only other code takes it out - a handler for another event (an ack, an approval, a
    publish, a resume) that may never come - and nothing on the call's own path does (a
    removal after the store, in a callback it leaves, a call of that remover), nothing bounds
    the table's size, and no route handler or listener flushes the whole table in the normal
    course. Tables rebuilt by the call that fills them, copies of another table (filled in a
    loop over it) and WeakMaps are left alone.

    Why is this bad?
    A closure keeps every variable it uses alive, and `req`/`res` reach the socket, headers,
    body buffers and framework state: tens of kilobytes per request. A long-lived callback that
    only needed `req.user.id` keeps all of it for as long as the callback lives.

    Example:
    ```js
    app.post('/jobs', (req, res) => {
      setInterval(() => audit.log(req.user.id), 60_000);
      res.sendStatus(202);
    });
    ```

    Use instead:
    Copy the small fields the callback needs into local constants first, and capture only those
    (and clear the timer when it is no longer needed).
    ```js
    app.post('/jobs', (req, res) => {
      const userId = req.user.id;
      const timer = setInterval(() => audit.log(userId), 60_000);
      res.on('close', () => clearInterval(timer));
      res.sendStatus(202);
    });
    ```
    """

    id = "closure-captures-request"
    category = "closure-capture"
    summary = "A long-lived callback captures the whole request/response object"
    fix = "Copy the fields the callback needs into local constants and capture only those"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        reported_stores: set[int] = set()
        callbacks: list[tuple[Node, str]] = []
        for start in facts.interval_starts:
            if not start.cleared and start.callback is not None:
                callbacks.append((start.callback, "an interval that is never cleared"))
        for add in facts.unremoved_listeners:
            if add.handler is not None:
                callbacks.append((add.handler, f"a listener left on `{text(add.target)}`"))
        for growth in facts.collection_growth:
            for grow in growth.grows:
                for value in _stored_functions(grow):
                    callbacks.append((value, f"a function kept in `{growth.name}`, which is "
                                             f"never trimmed"))
        for grow, field in _instance_collection_growth(source, facts):
            for value in _stored_functions(grow):
                callbacks.append((value, f"a function kept in `this.{field}`, which is never "
                                         f"trimmed and lives as long as its object"))
        callbacks += _handed_to_keepers(source)
        for match in source.matches(_TIMEOUTS):
            delay = _milliseconds(match["delay"][0])
            if delay is not None and delay >= LONG_TIMEOUT_MS:
                callbacks.append((match["callback"][0], f"a {delay // 1000}s timeout"))
        for store, kept_in, removers in _kept_until_another_event(source, facts):
            reported_stores.add(store.id)
            where = ", ".join(removers)
            yield self.finding(
                source, store,
                f"a function made in {_runner(facts, store)} is kept "
                f"in `{kept_in}`, which outlives the call, and only other code ({where}) takes "
                f"it out, when an event that may never come arrives; until then the closure "
                f"holds everything it uses from the call. Remove it on this call's own path "
                f"too (a timeout, the connection's close), or bound the collection")
        for assignment, prop in _kept_on_reused_socket(source, facts):
            yield self.finding(
                source, assignment,
                f"this call's objects are stored on its socket (`.{prop}`), and nothing in the "
                f"file clears that property: a keep-alive socket carries many requests and then "
                f"waits idle, holding the last request's objects all that time; clear it when "
                f"the response ends")
        for rewrap in facts.rewrapped_functions:
            yield self.finding(
                source, rewrap.assignment,
                f"`{rewrap.target}` is replaced in {facts.describe(rewrap.scope)} by a closure "
                + ("made beside one that uses the value it replaces (V8 keeps one context per "
                   "scope, so the new closure holds the old value)" if rewrap.sibling else
                   "that calls the one it replaces") +
                "; on an object that outlives the call, each "
                "call wraps the previous call's wrapper, and the chain keeps every call's "
                "closure; wrap it once (remember that you did) or restore the original when "
                "the call ends")
        reported: set[int] = set()
        for callback, lifetime in callbacks:
            if callback.type not in FUNCTION_TYPES or callback.id in reported or any(
                    a.id in reported_stores for a in _ancestors(callback)):
                continue
            captured = None
            for function in source.enclosing_functions(callback):
                if facts.per_call_reason(function) is not None:
                    captured = self._captured_parameter(source, callback, function)
                    if captured is not None:
                        break
            if captured is None:
                continue
            reported.add(callback.id)
            name, use = captured
            how = f"captured (line {use.start_point[0] + 1}) by" if use != callback else (
                "kept, through a sibling closure that uses it (V8 shares one context per "
                "scope), by")
            # reported where the callback starts: the line that stores or registers it
            yield self.finding(
                source, callback,
                f"`{name}` (the whole {_noun(name)}) is {how} {lifetime}, so it stays in "
                f"the heap as long as that callback; copy the fields it needs into constants")

    @staticmethod
    def _captured_parameter(source: SourceFile, callback: Node,
                            handler: Node) -> tuple[str, Node] | None:
        own = set(parameter_names(callback)) | source.declared_names(callback)
        params = parameter_names(handler)
        candidates = [n for n in params if n in LARGE_PARAMETERS or (
            n == "event" and "context" in params)]  # a serverless event: the whole request
        candidates += sorted(LARGE_LOCALS & source.declared_names(handler))
        for name in candidates:
            if name in own:
                continue
            for use in source.identifiers(name, callback):
                # the nearest function declaring `name` must be the handler itself
                owner = next((fn for fn in source.enclosing_functions(use)
                              if name in source.declared_names(fn)), None)
                if owner is not None and owner.id == handler.id:
                    return name, use
        # V8 keeps one context per scope for all the closures made in it: when a sibling
        # closure of the same handler uses `req`, the long-lived callback keeps `req` too.
        if source.enclosing_function(callback) != handler:
            return None
        for name in candidates:
            if name in own:
                continue
            for use in source.identifiers(name, handler):
                if callback.start_byte <= use.start_byte < callback.end_byte:
                    continue
                closure = source.enclosing_function(use)
                if closure is None or closure.id == handler.id or (
                        source.enclosing_function(closure) != handler):
                    continue
                if name in set(parameter_names(closure)) | source.declared_names(closure):
                    continue
                return name, callback
        return None


_THIS_GROWS = file_query("""
(call_expression
  function: (member_expression
    object: (member_expression object: (this) property: [(property_identifier) (private_property_identifier)] @field)
    property: (property_identifier) @method)
  (#any-of? @method "push" "unshift" "set" "add")) @grow
""")
_TRIMS = ("delete", "clear", "pop", "shift", "splice", "length =", "length=", "filter")


def _instance_collection_growth(source: SourceFile, facts: FileFacts) -> list[tuple[Node, str]]:
    """`this.callbacks.push(...)` in per-call methods of a class whose one instance serves the
    whole process, where nothing in the file trims or replaces `this.callbacks` after the
    constructor."""
    found: list[tuple[Node, str]] = []
    if not facts.long_lived_classes:
        return found
    body_text = source.source
    for match in source.matches(_THIS_GROWS):
        grow, field = match["grow"][0], text(match["field"][0])
        if facts.per_call_scope(grow) is None:
            continue
        body = _class_body(grow)
        if body is None or body.id not in facts.long_lived_classes:
            continue
        trims = [f"{field}.{trim}".encode() for trim in _TRIMS]
        if any(trim in body_text for trim in trims) or _replaced(source, facts, field):
            continue
        found.append((grow, field))
    return found


# Asked only of files that have a keeper class (a walk of its own, not in the batch).
_METHOD_CALLS = """
(call_expression function: (member_expression object: (identifier) @object
  property: (property_identifier) @method) arguments: (arguments) @args) @call
"""


def _handed_to_keepers(source: SourceFile) -> list[tuple[Node, str]]:
    """Functions handed to a method of a module-level object (`hooks.onResult((r) => ...)`)
    whose class, in this file, keeps that argument in a field collection that nothing trims
    (`onResult(fn) { this.after.push(fn); }`): the function lives as long as the object."""
    kept: dict[tuple[str, str], tuple[int, str]] = {}
    body_text = source.source
    for match in source.matches(_THIS_GROWS):
        grow, field = match["grow"][0], text(match["field"][0])
        method = source.enclosing_function(grow)
        arguments = grow.child_by_field_name("arguments")
        values = arguments.named_children if arguments is not None else []
        if method is None or method.type != "method_definition" or not values:
            continue
        stored = unwrap(values[-1])
        params = parameter_names(method)
        owner = method.parent.parent if method.parent is not None else None
        name = owner.child_by_field_name("name") if owner is not None else None
        if stored.type != "identifier" or text(stored) not in params or name is None:
            continue
        if any(f"{field}.{trim}".encode() in body_text for trim in _TRIMS):
            continue
        kept[(text(name), source.function_name(method))] = (params.index(text(stored)), field)
    if not kept:
        return []
    made: dict[str, str] = {}
    for declarator in source.module_declarators():
        value = declarator.child_by_field_name("value")
        value = unwrap(value) if value is not None else None
        if value is not None and value.type == "new_expression":
            made[text(declarator.child_by_field_name("name"))] = text(
                value.child_by_field_name("constructor"))
    found: list[tuple[Node, str]] = []
    for match in source.matches(_METHOD_CALLS):
        holder, called = text(match["object"][0]), text(match["method"][0])
        entry = kept.get((made.get(holder, ""), called))
        if entry is None or not source.is_module_binding(match["object"][0]):
            continue
        values = [a for a in match["args"][0].named_children if a.type != "comment"]
        if entry[0] < len(values):
            found.append((unwrap(values[entry[0]]),
                          f"a function `{holder}.{called}()` keeps in `this.{entry[1]}`, "
                          f"which is never trimmed and lives as long as `{holder}`"))
    return found


_SOCKET_PROPERTIES = file_query("""
(assignment_expression
  left: (member_expression
    object: (member_expression property: (property_identifier) @holder)
    property: (property_identifier) @prop)
  right: (_) @value
  (#any-of? @holder "socket" "connection")) @assignment
""")
_CLEARED_PROPERTIES = file_query("""
(assignment_expression left: (member_expression property: (property_identifier) @prop)
  right: [(null) (undefined) (false)])
(unary_expression operator: "delete"
  argument: (member_expression property: (property_identifier) @prop))
""")


def _kept_on_reused_socket(source: SourceFile, facts: FileFacts) -> list[tuple[Node, str]]:
    """`req.socket.meta = { request, reply }` in per-call code: the socket outlives the request
    (keep-alive), so the property keeps the request's objects until the next request on that
    socket, or until the idle socket closes - unless the file clears it (`= null`, delete)."""
    candidates = source.matches(_SOCKET_PROPERTIES)
    if not candidates:
        return []
    cleared = {text(m["prop"][0]) for m in source.matches(_CLEARED_PROPERTIES)}
    found = []
    for match in candidates:
        prop, value = text(match["prop"][0]), unwrap(match["value"][0])
        if prop in cleared:
            continue
        if value.type not in ("object", "array", *FUNCTION_TYPES):
            continue
        scope = facts.per_call_scope(match["assignment"][0])
        if scope is None or facts.per_call_is_inferred(scope[1]):
            continue
        own = source.declared_names(scope[0]) | set(parameter_names(scope[0]))
        if any(n.type in ("identifier", "shorthand_property_identifier") and text(n) in own
               for n in descendants(value)):
            found.append((match["assignment"][0], prop))
    return found



def _replaced(source: SourceFile, facts: FileFacts, field: str) -> bool:
    """`this.<field> = ...` somewhere other than a constructor: the collection is reset."""
    for assigned in facts.this_fields:
        if text(assigned["name"][0]) != field:
            continue
        function = source.enclosing_function(assigned["name"][0])
        if function is not None and source.function_name(function) != "constructor" and (
                assigned["name"][0].parent is not None
                and assigned["name"][0].parent.type == "member_expression"):
            return True
    return False


def _class_body(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type != "class_body":
        parent = parent.parent
    return parent


def _milliseconds(node: Node) -> int | None:
    """A constant delay: `60000`, `60_000`, `3600e3`, `60 * 60 * 1000`; None for anything else."""
    if node.type == "number":
        try:
            return int(float(text(node).replace("_", "")))
        except ValueError:
            return None  # hex, octal or bigint literals: not a delay anyone writes
    if node.type == "parenthesized_expression" and node.named_children:
        return _milliseconds(node.named_children[0])
    if node.type == "binary_expression" and text(node.child_by_field_name("operator")) == "*":
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is not None and right is not None:
            a, b = _milliseconds(left), _milliseconds(right)
            return a * b if a is not None and b is not None else None
    return None


def _stored_functions(grow: Node) -> list[Node]:
    """The functions a growth stores: `handlers.push(fn)`, `pending.set(id, fn)`, `m[k] = fn`,
    and the callbacks of a promise it stores (`new Promise(executor)`, `p.then(fn)`): a kept
    promise keeps its pending callbacks and what they capture."""
    if grow.type == "call_expression":
        args = grow.child_by_field_name("arguments")
        values = args.named_children if args is not None else []
    else:
        holder = outer(grow).parent
        right = holder.child_by_field_name("right") if holder is not None else None
        values = [right] if right is not None else []
    found: list[Node] = []
    for value in values:
        found.extend(_promise_callbacks(unwrap(value)))
    return found


_PROMISE_METHODS = frozenset({"then", "catch", "finally"})


def _promise_callbacks(value: Node) -> list[Node]:
    """`value` itself if it is a function; the executor of `new Promise(...)`; the callbacks
    along a `.then(...).catch(...)` chain."""
    if value.type in FUNCTION_TYPES:
        return [value]
    if value.type == "new_expression" and text(value.child_by_field_name("constructor")) == (
            "Promise"):
        args = value.child_by_field_name("arguments")
        return [a for a in (args.named_children if args is not None else [])
                if a.type in FUNCTION_TYPES]
    found: list[Node] = []
    while value.type == "call_expression":
        callee = value.child_by_field_name("function")
        if callee is None or callee.type != "member_expression" or text(
                callee.child_by_field_name("property")) not in _PROMISE_METHODS:
            break
        args = value.child_by_field_name("arguments")
        found.extend(a for a in (args.named_children if args is not None else [])
                     if a.type in FUNCTION_TYPES)
        value = unwrap(callee.child_by_field_name("object") or callee)
    return found


def _noun(name: str) -> str:
    if name in ("buffer", "chunks", "fileBuffer"):
        return "uploaded data"
    if name in LARGE_LOCALS:
        return "request body"
    if name == "event":
        return "event, with its body"
    if name in ("req", "request"):
        return "request"
    if name in ("res", "response", "reply"):
        return "response"
    return "context"


def _runner(facts: FileFacts, store: Node) -> str:
    """How the message names the code that runs again around `store`."""
    scope = facts.per_call_scope(store)
    function = scope[0] if scope is not None else facts.repeats(store)
    return facts.describe(function) if function is not None else "code that runs again"


def _ancestors(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


# Storing a value in a collection: `pending.set(k, fn)`, `held.push(fn)`, `m[k] = fn`, and into
# a bucket of one (`waiters.get(k).push(fn)`, `waiters[k].push(fn)`).
_STORES = file_query("""
(call_expression
  function: (member_expression object: (_) @collection property: (property_identifier) @method)
  arguments: (arguments) @args
  (#any-of? @method "set" "push" "unshift" "add")) @store
(assignment_expression left: (subscript_expression object: (_) @collection) right: (_) @value) @store
""")
# What takes entries out of a collection, or bounds it.
_REMOVING_METHODS = frozenset({"delete", "clear", "splice", "shift", "pop"})


def _kept_until_another_event(source: SourceFile, facts: FileFacts
                              ) -> list[tuple[Node, str, list[str]]]:
    """A function made by a call that runs again, stored in a collection that outlives the
    call (a module binding, a field of `this`), which only code elsewhere in the file takes
    out: a handler for another event (an ack, an approval, a publish, a flush). Removal on the
    call's own path (after the store, in a callback the call leaves behind) or a size bound
    anywhere keeps it quiet, as does a removal by the stored function itself only when
    something else also removes it. Returns (the store, the collection, the functions that
    remove)."""
    found: list[tuple[Node, str, list[str]]] = []
    removals: tuple[dict[str, list[Node]], set[str]] | None = None
    for match in source.matches(_STORES):
        store = match["store"][0]
        collection = _container(unwrap(match["collection"][0]))
        if collection is None:
            continue
        if "value" in match:
            values = [match["value"][0]]
        else:
            args = [a for a in match["args"][0].named_children if a.type != "comment"]
            method = text(match["method"][0])
            if (method, len(args)) not in (("set", 2), ("add", 1)) and method not in (
                    "push", "unshift"):
                continue  # not a Map's set(k, v) or a Set's add(v): some other API
            values = args[-1:] if method == "set" else args
        stored = next((f for v in values if (f := _made_by_call(source, unwrap(v), store))
                       is not None), None)
        if stored is None:
            continue
        name = _collection_name(collection)
        if name is None or not _outlives_call(source, facts, collection, store) or (
                _weak(source, name)) or _filled_from_a_table(source, store):
            continue
        function = source.enclosing_function(store)
        if function is None or (facts.per_call_scope(store) is None
                                and facts.repeats(store) is None):
            continue
        if removals is None:
            removals = _collection_removals(source)
        elsewhere: list[Node] = []
        quiet = False
        if name in removals[1]:
            continue  # a size check bounds it
        for removal in removals[0].get(name, []):
            if stored.start_byte <= removal.start_byte < stored.end_byte:
                # the stored function removing itself: only when someone calls it later
                elsewhere.append(stored)
                continue
            if function.start_byte <= removal.start_byte < function.end_byte and (
                    removal.start_byte > store.end_byte
                    or source.enclosing_function(removal) != function):
                quiet = True  # on this call's own path: after the store, or in a callback
                break
            if _resets(removal) and any(f.start_byte <= removal.start_byte < f.end_byte
                                        for f in source.enclosing_functions(store)):
                quiet = True  # the call that fills the table empties it first: a rebuild
                break
            around = source.enclosing_function(removal)
            if around is not None and _resets(removal) and _flushes_in_normal_course(
                    facts, removal, around):
                quiet = True  # a flush of every entry by code that runs again and again
                break
            if around is not None:
                elsewhere.append(around)
        # the stored function itself, called by this call before it is stored, cannot end
        # the life of the entry stored after it (a delivery retried later, which removes
        # itself on success)
        removers = {source.function_name(f) for f in elsewhere if f.id != stored.id} - {""}
        if quiet or not elsewhere or _calls_any(function, removers) or any(
                _calls_any(caller, removers) for caller in _callers(source, function)):
            # never removed at all (the collection rules report the growth), or this call
            # runs the removal itself (`await this.unwatch(id)` before storing anew)
            continue
        found.append((store, name, sorted({facts.describe(f) for f in elsewhere})))
    return found


def _flushes_in_normal_course(facts: FileFacts, removal: Node, function: Node) -> bool:
    """`waiting = []` in a route handler, a listener or an interval callback, not under a
    condition: every entry goes at the next such call, which comes in the normal course (a
    broadcast answering every long poll). One under `if (enabled)` waits for that state."""
    node = removal.parent
    while node is not None and node.id != function.id:
        if node.type in ("if_statement", "switch_statement", "ternary_expression",
                         "catch_clause"):
            return False
        node = node.parent
    reason = facts.per_call_reason(function)
    return reason is not None and not facts.per_call_is_inferred(reason)


def _resets(removal: Node) -> bool:
    """`table = {}` or `table.clear()`: the whole table, not one entry."""
    if removal.type == "assignment_expression":
        return True
    callee = removal.child_by_field_name("function") if removal.type == "call_expression" \
        else None
    return callee is not None and callee.type == "member_expression" and text(
        callee.child_by_field_name("property")) == "clear"


def _weak(source: SourceFile, name: str) -> bool:
    """The collection is made as a WeakMap/WeakSet: an entry goes when its key object does."""
    field = re.escape(name.rsplit(".", 1)[-1])
    return re.search(rf"\b{field}\s*(:[^=;\n]*)?=\s*new\s+Weak(Map|Set)\b".encode(),
                     source.source) is not None


_LOOPS = ("for_in_statement", "for_statement", "while_statement")


def _filled_from_a_table(source: SourceFile, store: Node) -> bool:
    """The store sits in a loop over another collection (`for (const t of types)`,
    `types.forEach((t) => ...)`) of the function around it, under a key made from the loop's
    own variables only (`map.set(t.oid, ...)`, not `` `${hook.id}:${booking.uid}` ``): the
    table is a copy of that collection, as big as it, not one entry per call."""
    function = source.enclosing_function(store)
    loop_names: set[str] = set()
    node = store.parent
    while node is not None and (function is None or node.id != function.id):
        if node.type in _LOOPS:
            left = node.child_by_field_name("left")
            loop_names |= {text(n) for n in descendants(left) if n.type == "identifier"} \
                if left is not None else set()
        node = node.parent
    if function is not None:
        arguments = outer(function).parent
        call = arguments.parent if arguments is not None and (
            arguments.type == "arguments") else None
        callee = call.child_by_field_name("function") if call is not None else None
        if callee is not None and callee.type == "member_expression" and text(
                callee.child_by_field_name("property")) in ("forEach", "map", "reduce",
                                                             "flatMap"):
            loop_names |= set(parameter_names(function))
    if not loop_names:
        return False
    key = _key(store)
    if key is None:
        return True  # a push in a loop over a table: one entry per element
    used = {text(n) for n in descendants(key) if n.type == "identifier"}
    return bool(used) and used <= loop_names


def _key(store: Node) -> Node | None:
    """`k` in `m.set(k, v)` or `m[k] = v`; None for a push."""
    if store.type == "assignment_expression":
        left = store.child_by_field_name("left")
        return left.child_by_field_name("index") if left is not None else None
    arguments = store.child_by_field_name("arguments")
    named = [a for a in arguments.named_children if a.type != "comment"] \
        if arguments is not None else []
    return named[0] if len(named) == 2 else None


def _callers(source: SourceFile, function: Node) -> list[Node]:
    """The functions in the file that call `function` by name (`f(...)`, `this.f(...)`)."""
    name = source.function_name(function)
    if not name:
        return []
    found = []
    for use in source.identifiers(name) + source.property_names(name):
        call = use.parent
        if call is not None and call.type == "member_expression":
            call = call.parent
        if call is not None and call.type == "call_expression" and (
                (around := source.enclosing_function(call)) is not None):
            found.append(around)
    return found


def _calls_any(function: Node, names: set[str]) -> bool:
    """`function` calls one of `names` (`unwatch(id)`, `this.unwatch(id)`)."""
    for node in descendants(function):
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type in ("identifier", "member_expression") and (
                    (text(callee) if callee.type == "identifier" else text(
                        callee.child_by_field_name("property"))) in names):
                return True
    return False


def _container(node: Node) -> Node | None:
    """The collection for `c`, and for a bucket of it (`c.get(k)`, `c[k]`)."""
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        if callee is None or callee.type != "member_expression" or text(
                callee.child_by_field_name("property")) != "get":
            return None
        node = unwrap(callee.child_by_field_name("object") or callee)
    elif node.type == "subscript_expression":
        node = unwrap(node.child_by_field_name("object") or node)
    return node if node.type in ("identifier", "member_expression") else None


def _collection_name(node: Node) -> str | None:
    """`pending`, `this.pending` (`self.` spelled `this.`) or `app.pending`; None for deeper
    paths."""
    if node.type == "identifier":
        return text(node)
    owner = unwrap(node.child_by_field_name("object") or node)
    if owner.type == "this" or (owner.type == "identifier" and text(owner) == "self"):
        return "this." + text(node.child_by_field_name("property"))
    if owner.type == "identifier" and node.type == "member_expression":
        return f"{text(owner)}.{text(node.child_by_field_name('property'))}"
    return None


def _outlives_call(source: SourceFile, facts: FileFacts, collection: Node, store: Node) -> bool:
    """A module binding, a field of `this` in a method, or a property of an object a function
    around the storing one holds (`fastify.pending` in a plugin's route handler)."""
    if collection.type == "identifier":
        return source.is_module_binding(collection)
    owner = unwrap(collection.child_by_field_name("object") or collection)
    if owner.type == "identifier" and text(owner) != "self":
        name = text(owner)
        function = source.enclosing_function(store)
        holder = next((f for f in source.enclosing_functions(store)
                       if name in source.declared_names(f)), None)
        if holder is None:
            return source.is_module_binding(owner)
        return function is not None and holder.id != function.id
    method = next((f for f in source.enclosing_functions(store)
                   if f.type == "method_definition"), None)
    return method is not None and source.function_name(method) != "constructor"


def _made_by_call(source: SourceFile, value: Node, store: Node) -> Node | None:
    """The function `value` is when the storing call makes it: a function or arrow written
    there, or a local function of a function around the store (`const deliver = () => ...`)."""
    if value.type in FUNCTION_TYPES:
        return value
    if value.type != "identifier":
        return None
    name = text(value)
    for function in source.enclosing_functions(store):
        if name not in source.declared_names(function):
            continue
        declarator = next(source.declarators(name, function), None)
        made = declarator.child_by_field_name("value") if declarator is not None else None
        made = unwrap(made) if made is not None else None
        if made is not None and made.type in FUNCTION_TYPES:
            return made
        return None
    return None


# Asked only of files with a candidate store (a walk of its own, not in the batch: it matches
# most method calls).
_REMOVALS = """
(call_expression
  function: (member_expression object: (_) @collection property: (property_identifier) @method)
  ) @removal
(unary_expression operator: "delete" argument: (subscript_expression object: (_) @collection)) @removal
(assignment_expression left: [(identifier) (member_expression)] @collection) @removal
(member_expression object: (_) @collection property: (property_identifier) @size
  (#any-of? @size "size" "length")) @removal
"""


def _collection_removals(source: SourceFile) -> tuple[dict[str, list[Node]], set[str]]:
    """(collection name -> what takes entries out of it: a delete, clear, splice, shift, pop,
    a reassignment outside a constructor; the collections whose size a comparison checks)."""
    found: dict[str, list[Node]] = {}
    bounded: set[str] = set()
    for match in source.matches(_REMOVALS):
        collection = unwrap(match["collection"][0])
        name = _collection_name(collection) if collection.type in (
            "identifier", "member_expression") else None
        if name is None:
            continue
        removal = match["removal"][0]
        if "size" in match:
            comparison = removal.parent
            if comparison is not None and comparison.type == "binary_expression" and text(
                    comparison.child_by_field_name("operator")) in (">", ">=", "<", "<="):
                bounded.add(name)
            continue
        if "method" in match:
            if text(match["method"][0]) in _REMOVING_METHODS:
                found.setdefault(name, []).append(removal)
            continue
        if removal.type == "assignment_expression":
            if removal.child_by_field_name("left") != match["collection"][0]:
                continue
            function = source.enclosing_function(removal)
            if function is None or source.function_name(function) == "constructor":
                continue
        found.setdefault(name, []).append(removal)
    return found, bounded
