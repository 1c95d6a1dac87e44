"""Which functions run once per request (or connection, message, render), and which run once.

A leak pattern is a leak when it repeats: a listener added per request, a pool created per
call. The rules ask two questions of the code around a candidate:

- per-call: a function registered as a route or middleware, passed to `createServer`, listening
  for 'request'/'connection'/'message', with a handler's parameters, an exported `handler` or
  `GET`-style function, a Nest route method, a GraphQL resolver, a queue job handler or message
  consumer (Bull, BullMQ, amqplib, kafkajs), a React component or hook, a scheduled job or
  interval callback (node-cron, node-schedule, `new CronJob`, agenda, `setInterval`), an
  exported async function or exported `on...`/`handle...` event handler, a public method of
  a class that lives as long as the process (a NestJS `@Injectable`/`@Controller`, or a class
  made once at module level: `export const billing = new BillingClient()`) - and any function
  such code calls by name (a few calls deep, same file; `this.x()` within the same class);
- start-up: a function named like one-time setup (`init`, `register...`), or one that is only
  ever called while the module loads.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.classes import singleton_classes
from heapsight.lint.source import (
    FIELD_TYPES,
    FUNCTION_TYPES,
    FUNCTIONS_QUERY,
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

if TYPE_CHECKING:
    from heapsight.lint.facts import FileFacts
    from heapsight.lint.source import SourceFile

# Exported functions that frameworks call per request: AWS Lambda/Netlify `handler`, Next.js
# route handlers named after the HTTP method.
EXPORTED_HANDLERS = frozenset({"handler", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD",
                               "OPTIONS"})
# Route registration methods (Express, Koa-router, Fastify, Hapi-ish, Nest-ish).
ROUTE_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "del", "all", "use", "head", "options",
    "route", "handle", "handler",
})
# Events whose listener runs once per request, connection or message.
PER_CALL_EVENTS = frozenset({"request", "connection", "message", "upgrade", "stream"})
# Framework hooks that run once per request (Fastify's addHook, h3/Nitro's hooks.hook).
PER_REQUEST_HOOKS = frozenset({"request", "onRequest", "preParsing", "preValidation",
                               "preHandler", "preSerialization", "onSend", "onResponse",
                               "beforeResponse", "afterResponse", "render:response",
                               # hapi's request lifecycle (`server.ext('onPreAuth', fn)`)
                               "onPreAuth", "onCredentials", "onPostAuth", "onPostHandler",
                               "onPreResponse"})
ROUTE_DECORATORS = frozenset({"Get", "Post", "Put", "Patch", "Delete", "All", "Head", "Options",
                              "MessagePattern", "EventPattern", "SubscribeMessage"})

# Functions that fill registries once at start-up rather than per event.
SETUP_NAMES = re.compile(r"^(register|define|init|setup|configure|install|plugin|bootstrap|listen$|main$|"
                         r"load\w*config|on\w*added)", re.I)
# React function components and hooks run on every render; effects re-run on every mount.
_COMPONENT_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
_HOOK_NAME = re.compile(r"^use[A-Z]")
_JSX = "[(jsx_element) (jsx_self_closing_element)] @jsx"

_REGISTRATIONS = file_query("""
(call_expression
  function: (member_expression property: (property_identifier) @method)
  arguments: (arguments) @args
  (#any-of? @method "on" "addListener" "hook" "addHook" "ext" "createServer" "get" "post" "put" "patch" "delete"
   "del" "all" "use" "head" "options" "route" "handle" "handler")) @call
""")
# Job and message consumers: Bull's `queue.process(fn)`, amqplib's `channel.consume(q, fn)`,
# BullMQ's `new Worker(name, fn)`, kafkajs' `consumer.run({ eachMessage, eachBatch })`.
_CONSUMERS = file_query("""
(call_expression
  function: (member_expression property: (property_identifier) @method)
  arguments: (arguments) @args
  (#any-of? @method "process" "consume" "run")) @call
(new_expression constructor: (identifier) @class arguments: (arguments) @args
  (#eq? @class "Worker")) @new
""")
_CONSUMER_REASONS = {"process": "queue job handler (runs per job)",
                     "consume": "message consumer (runs per message)",
                     "Worker": "queue job handler (runs per job)"}
_KAFKA_HANDLERS = frozenset({"eachMessage", "eachBatch"})
# GraphQL: the root types of a resolver map, and a resolver's (parent, args, context, info).
_RESOLVER_ROOTS = frozenset({"Query", "Mutation", "Subscription"})
_RESOLVER_CONTEXT = frozenset({"context", "ctx", "contextValue"})
_CREATE_SERVER = file_query("""
(call_expression function: (identifier) @f arguments: (arguments) @args
  (#any-of? @f "createServer" "defineEventHandler" "eventHandler" "defineCachedEventHandler"
   "defineWebSocketHandler"))
""")
_NAMED_CALLS = file_query("""
(call_expression function: (identifier) @callee) @call
(call_expression function: (member_expression object: (this) property: [(property_identifier) (private_property_identifier)] @callee)) @call
""")
_CONSTRUCTIONS = file_query("""
(new_expression constructor: (identifier) @class) @new
""")
_CLASSES = file_query("""
[(class_declaration name: (_) @name body: (class_body) @body)
 (class name: (_) @name body: (class_body) @body)]
""")
# Scheduled and repeated work: node-cron's `cron.schedule(expr, fn)`, node-schedule's
# `scheduleJob(spec, fn)`, cron's `new CronJob(expr, fn)`, agenda's `agenda.define(name, fn)`,
# and `setInterval(fn, ms)`: the callback runs again and again for the life of the process.
_SCHEDULED = file_query("""
(call_expression function: (member_expression object: (_) @object property: (property_identifier) @method)
  arguments: (arguments) @args
  (#any-of? @method "schedule" "scheduleJob" "define" "every")) @call
(call_expression function: (identifier) @method arguments: (arguments) @args
  (#any-of? @method "scheduleJob" "setInterval" "setTimeout")) @call
(new_expression constructor: (identifier) @method arguments: (arguments) @args
  (#eq? @method "CronJob")) @call
""")
# `define`/`every` are too common a name alone (`customElements.define`): only on a scheduler.
_SCHEDULER_OBJECT = re.compile(r"(agenda|scheduler|cron|jobs?)$", re.I)
# Methods of a long-lived object that run at start or stop, not per call.
LIFECYCLE = re.compile(r"^(constructor|start\w*|stop\w*|close|connect|disconnect|destroy|dispose|"
                        r"shutdown|open|listen|run|main|on(Module|Application)\w+|serve\w*|"
                        r"begin\w*|launch\w*|boot\w*|create(App|Server|Application)\w*|"
                        r"beforeApplicationShutdown|\w*[iI]nit\w*|setup\w*|register\w*|"
                        r"configure\w*|bootstrap\w*|load\w*|get|set)$")
# Names of code that runs once per process or object, whatever calls it: `start`, `initialize`,
# `setupRoutes`, `stopAll` (not `run`, `load` or `get`, which real code calls per operation).
START_UP = re.compile(r"^_?(start|stop|init|initiali[sz]e|setup|boot|bootstrap|launch|install|"
                      r"configure|main|listen|register)([A-Z_]\w*)?$")
_EVENT_HANDLER_NAME = re.compile(r"^(on|handle)[A-Z]")
# Reasons inferred from what a function is (exported, async, a method of a singleton, a
# timer or job callback) rather than from a framework registering it per request: a rule that
# needs traffic-shaped keys or many calls per second can ask `inferred(reason)`.
INFERRED = ("exported async function", "a method of", "stream method",
            "called per operation", "called per chunk", "interval callback", "scheduled job")
# Per-chunk code of a stream: it runs very often, on data shaped by the stream's own format.
PER_CHUNK = ("stream method", "called per chunk")


def inferred(reason: str) -> bool:
    return reason.startswith(INFERRED)


def per_chunk(reason: str) -> bool:
    return reason.startswith(PER_CHUNK)
_EXPORT_LISTS = file_query("""
(assignment_expression left: (member_expression) @left right: (object) @names)
(export_clause) @clause
(assignment_expression left: (member_expression) @target right: (identifier) @named)
""")


def per_call_functions(source: SourceFile, facts: FileFacts) -> dict[int, str]:
    """Node id of every per-call function -> why it is one ("request handler", ...)."""
    reasons: dict[int, str] = {}
    named: dict[str, list[Node]] = {}
    for function in [m["function"][0] for m in source.matches(FUNCTIONS_QUERY)]:
        name = source.function_name(function)
        if name:
            named.setdefault(name, []).append(function)
        params = parameter_names(function)
        if looks_like_handler(params):
            reasons[function.id] = "request handler"
        elif _returned_by_exported_factory(function):
            reasons[function.id] = "function made by an exported factory (called per operation)"
        elif name in EXPORTED_HANDLERS and _is_exported(function):
            reasons[function.id] = "exported request handler"
        elif function.type == "method_definition" and _has_route_decorator(function):
            reasons[function.id] = "route handler"
        elif function.type == "method_definition" and name != "constructor" and (
                _has_called_decorator(function)):
            reasons[function.id] = "decorated method (the framework calls it per operation)"
        elif _is_resolver(function, params):
            reasons[function.id] = "GraphQL resolver (runs per query)"
        elif _HOOK_NAME.match(name) or (
                _COMPONENT_NAME.match(name) and source.language != "typescript"
                and source.captures(_JSX, function)):
            reasons[function.id] = "React component (runs on every render)"
    for found in source.matches(_REGISTRATIONS):
        method = text(found["method"][0])
        args = [a for a in found["args"][0].named_children if a.type != "comment"]
        if method in ("on", "addListener", "hook", "addHook", "ext"):
            event = text(args[0]).strip("'\"`") if args and (args[0].type == "string" or (
                args[0].type == "template_string" and not args[0].named_children)) else ""
            if len(args) >= 2 and (event in PER_CALL_EVENTS or (
                    method in ("hook", "addHook", "ext") and event in PER_REQUEST_HOOKS)):
                _mark(args[1], f"per-{event} listener", reasons, named)
        elif method == "route" and args and args[0].type in ("object", "array"):
            # hapi's `server.route({ method, path, handler })` (or a list of them, or
            # `options: { handler }`), fastify's `fastify.route({ method, url, handler })`
            for config in (args[0].named_children if args[0].type == "array" else args[:1]):
                for handler in _route_handlers(config):
                    _mark(handler, "route handler", reasons, named)
        elif method == "createServer" and args:
            _mark(args[-1], "request handler", reasons, named)
        elif method in ROUTE_METHODS and len(args) >= 2 and args[0].type in (
                "string", "template_string", "regex", "array"):
            for arg in args[1:]:
                _mark(arg, "route handler", reasons, named)
        elif method == "use" and args:
            for arg in args:  # `app.use((req, res, next) => ...)`, socket.io's `io.use(auth)`
                functions = [unwrap(arg)] if unwrap(arg).type in FUNCTION_TYPES else (
                    named.get(text(arg), []) if arg.type == "identifier" else [])
                if any("next" in parameter_names(f) for f in functions):
                    _mark(arg, "middleware (runs per request)", reasons, named)
    for found in source.matches(_CREATE_SERVER):
        args = found["args"][0].named_children
        if args:
            _mark(args[-1], "request handler", reasons, named)
    for found in source.matches(_CONSUMERS):
        kind = text(found["method"][0] if "method" in found else found["class"][0])
        args = [a for a in found["args"][0].named_children if a.type != "comment"]
        if kind == "run":  # kafkajs: the handlers are properties of its one argument
            for member in (args[0].named_children if args and args[0].type == "object" else []):
                key = member.child_by_field_name("key") if member.type == "pair" else member
                if text(key) in _KAFKA_HANDLERS:
                    value = member.child_by_field_name("value") if member.type == "pair" \
                        else member
                    if value is not None:
                        _mark(value, "message consumer (runs per message)", reasons, named)
        else:
            for arg in args[1:] if kind == "Worker" else args:
                if unwrap(arg).type in FUNCTION_TYPES or (
                        arg.type == "identifier" and text(arg) in named):
                    _mark(arg, _CONSUMER_REASONS[kind], reasons, named)
    _scheduled_jobs(source, reasons, named)
    _scoped_providers(source, reasons)
    _long_lived_methods(source, facts.long_lived_classes, reasons)
    _exported_operations(source, reasons, named)
    _propagate_calls(source, reasons, named)
    _constructed_per_call(source, facts, reasons)
    return reasons


# Dependency-injection containers that make a new object per request or per resolve: Nest's
# `@Injectable({ scope: Scope.REQUEST })`, InversifyJS' `.to(X).inRequestScope()` or
# `.inTransientScope()`, and a `toDynamicValue(factory)` not marked `.inSingletonScope()`.
_PER_RESOLVE_SCOPES = ("Scope.REQUEST", "Scope.TRANSIENT")
_BINDINGS = file_query("""
(call_expression function: (member_expression property: (property_identifier) @method)
  arguments: (arguments) @args
  (#any-of? @method "to" "toDynamicValue")) @call
""")


def _scoped_providers(source: SourceFile, reasons: dict[int, str]) -> None:
    constructors: dict[str, Node] = {}
    for found in source.matches(_CLASSES):
        body = found["body"][0]
        constructor = next((m for m in body.named_children if m.type == "method_definition"
                            and source.function_name(m) == "constructor"), None)
        if constructor is None:
            continue
        constructors[text(found["name"][0])] = constructor
        declaration = body.parent
        holders = [declaration] + ([declaration.parent] if declaration is not None
                                   and declaration.parent is not None
                                   and declaration.parent.type == "export_statement" else [])
        if any(child.type == "decorator" and any(scope in text(child)
                                                 for scope in _PER_RESOLVE_SCOPES)
               for holder in holders if holder is not None for child in holder.children):
            reasons.setdefault(constructor.id, "constructed per request (a request-scoped "
                                               "provider)")
    for found in source.matches(_BINDINGS):
        call = found["call"][0]
        chain = outer(call).parent
        scope = text(chain.child_by_field_name("property")) if chain is not None and (
            chain.type == "member_expression") else ""
        args = found["args"][0].named_children
        if not args:
            continue
        if text(found["method"][0]) == "to" and scope in ("inRequestScope", "inTransientScope"):
            constructor = constructors.get(text(args[0]))
            if constructor is not None:
                reasons.setdefault(constructor.id, "constructed per resolve (a transient "
                                                   "binding)")
        elif text(found["method"][0]) == "toDynamicValue" and scope != "inSingletonScope" and (
                unwrap(args[0]).type in FUNCTION_TYPES):
            reasons.setdefault(unwrap(args[0]).id, "called per resolve (a transient binding)")


def _scheduled_jobs(source: SourceFile, reasons: dict[int, str],
                    named: dict[str, list[Node]]) -> None:
    for found in source.matches(_SCHEDULED):
        method = text(found["method"][0])
        if method in ("define", "every") and not _SCHEDULER_OBJECT.search(
                last_name(found["object"][0])):
            continue
        args = [a for a in found["args"][0].named_children if a.type != "comment"]
        if method == "setTimeout":
            # `function poll() { ...; setTimeout(poll, ms); }`: a loop that reschedules itself
            first = args[0] if args else None
            caller = source.enclosing_function(found["call"][0])
            if first is None or first.type != "identifier" or caller is None or (
                    source.function_name(caller) != text(first)):
                continue
            args = [first]
            reason = "interval callback (runs repeatedly)"
        elif method == "setInterval":
            args = args[:1]
            reason = "interval callback (runs repeatedly)"
        else:
            reason = "scheduled job (runs repeatedly)"
        for arg in args:
            if unwrap(arg).type in FUNCTION_TYPES or (
                    arg.type == "identifier" and text(arg) in named):
                _mark(arg, reason, reasons, named)


def long_lived_classes(source: SourceFile) -> dict[int, str]:
    """Class body id -> why its instance lives as long as the process: a NestJS-style
    injectable, or a class made only at module level (`export const store = new Store()`)."""
    found: dict[int, str] = {}
    injected = singleton_classes(source)
    made_at_load: dict[str, bool] = {}
    for match in source.matches(_CONSTRUCTIONS):
        name = text(match["class"][0])
        at_load = source.enclosing_function(match["new"][0]) is None
        made_at_load[name] = made_at_load.get(name, True) and at_load
    for match in source.matches(_CLASSES):
        name, body = text(match["name"][0]), match["body"][0]
        declaration = body.parent
        if name in injected:
            found[body.id] = f"a method of the injectable {name} (called per request)"
        elif made_at_load.get(name):
            found[body.id] = f"a method of {name}, made once at load (called per operation)"
        elif declaration is not None and _is_stream_class(declaration, body):
            found[body.id] = STREAM_CLASS
    return found




# A Node stream's `_transform`/`_write`/`_read` run once per chunk on the same instance.
STREAM_CLASS = "a stream, which outlives each chunk"
STREAM_METHODS = frozenset({"_transform", "_write", "_writev", "_read"})
_STREAM_BASES = re.compile(r"\b(Transform|Writable|Readable|Duplex|PassThrough)\b")


def _is_stream_class(declaration: Node, body: Node) -> bool:
    heritage = next((c for c in declaration.named_children if c.type == "class_heritage"), None)
    return heritage is not None and _STREAM_BASES.search(text(heritage)) is not None and any(
        member.type == "method_definition" and text(member.child_by_field_name("name"))
        in STREAM_METHODS for member in body.named_children)


def _long_lived_methods(source: SourceFile, classes: dict[int, str],
                        reasons: dict[int, str]) -> None:
    """Public methods of a long-lived object run per call of whoever uses it; private ones
    (`private`, `#x`, `_x`) only when a per-call method calls them (see _propagate_calls)."""
    for body_id, reason in classes.items():
        body = next((m["body"][0] for m in source.matches(_CLASSES)
                     if m["body"][0].id == body_id), None)
        if body is None:
            continue
        for member in body.named_children:
            if member.type != "method_definition" or member.id in reasons:
                continue
            name = source.function_name(member)
            if reason == STREAM_CLASS:
                if name in STREAM_METHODS:
                    reasons[member.id] = "stream method (runs per chunk)"
                continue
            if not name or name.startswith(("_", "#")) or LIFECYCLE.match(name):
                continue
            if any(child.type in ("accessibility_modifier", "get", "set", "static")
                   and text(child) in ("private", "protected", "get", "set", "static")
                   for child in member.children):
                continue
            reasons[member.id] = reason


def _exported_operations(source: SourceFile, reasons: dict[int, str],
                         named: dict[str, list[Node]]) -> None:
    """An exported async function (or one returning a new Promise) with parameters is an
    operation the importer calls per request or job; so is an exported `onX`/`handleX`. One
    that registers handlers (a Fastify plugin, a router factory) is setup: it runs once."""
    exported = exported_names(source)
    functions = [m["function"][0] for m in source.matches(FUNCTIONS_QUERY)]
    registers = set()
    for function in functions:
        if function.id in reasons and not inferred(reasons[function.id]):
            around = source.enclosing_function(function)
            while around is not None and around.id not in registers:
                registers.add(around.id)
                around = source.enclosing_function(around)
    for function in functions:
        if function.id in reasons or function.id in registers:
            continue
        name = source.function_name(function)
        if not name or SETUP_NAMES.match(name) or LIFECYCLE.match(name):
            continue
        if function.type == "method_definition" or (
                function.parent is not None and function.parent.type == "pair"):
            if not _in_exported_object(function):
                continue  # a method of a class, or of an object nobody exports
        elif not (_is_exported(function) or (name in exported and function in named.get(
                name, []) and source.enclosing_function(function) is None)):
            continue
        if _EVENT_HANDLER_NAME.match(name):
            reasons[function.id] = "exported event handler (runs per event)"
        elif parameter_names(function) and _is_async(function):
            reasons[function.id] = "exported async function (called per operation)"


def _in_exported_object(function: Node) -> bool:
    """A method of the object a module exports (`module.exports = { async find(id) {} }`,
    `export default { ... }`): the importers' API, called per operation."""
    holder = function.parent if function.type == "method_definition" else (
        function.parent.parent if function.parent is not None else None)
    if holder is None or holder.type != "object":
        return False
    parent = outer(holder).parent
    if parent is None:
        return False
    if parent.type == "assignment_expression":
        return text(parent.child_by_field_name("left")) in ("module.exports", "exports")
    return parent.type == "export_statement"


def _is_async(function: Node) -> bool:
    if any(child.type == "async" for child in function.children):
        return True
    body = function.child_by_field_name("body")
    if body is None:
        return False
    if body.type == "new_expression":
        return text(body.child_by_field_name("constructor")) == "Promise"
    return any(statement.type == "return_statement" and statement.named_children
               and statement.named_children[0].type == "new_expression"
               and text(statement.named_children[0].child_by_field_name("constructor"))
               == "Promise" for statement in body.named_children)


def exported_names(source: SourceFile) -> set[str]:
    """Names listed in `module.exports = { a, b: c }` or `export { a, b }`, or assigned to
    an export (`module.exports.configure = configure`, `exports.f = f`)."""
    names: set[str] = set()
    for found in source.matches(_EXPORT_LISTS):
        if "target" in found:
            if text(found["target"][0]).startswith(("module.exports", "exports.")):
                names.add(text(found["named"][0]))
            continue
        if "left" in found:
            if text(found["left"][0]) not in ("module.exports", "exports"):
                continue
            for member in found["names"][0].named_children:
                value = member.child_by_field_name("value") if member.type == "pair" \
                    else member
                if value is not None and value.type in ("identifier",
                                                        "shorthand_property_identifier"):
                    names.add(text(value))
        else:
            for specifier in found["clause"][0].named_children:
                local = specifier.child_by_field_name("name")
                if local is not None:
                    names.add(text(local))
    return names


def _constructed_per_call(source: SourceFile, facts: FileFacts, reasons: dict[int, str]) -> None:
    """`new Session(req)` in per-call code: Session's constructor runs per call too."""
    constructors: dict[str, Node] = {}
    for found in source.matches(_CLASSES):
        for member in found["body"][0].named_children:
            if member.type == "method_definition" and source.function_name(member) == (
                    "constructor"):
                constructors[text(found["name"][0])] = member
    if not constructors:
        return
    for found in source.matches(_CONSTRUCTIONS):
        constructor = constructors.get(text(found["class"][0]))
        if constructor is None or constructor.id in reasons:
            continue
        creator = next((fn for fn in source.enclosing_functions(found["new"][0])
                        if fn.id in reasons), None)
        if creator is not None:
            name = source.function_name(creator)
            reasons[constructor.id] = ("constructed per request in "
                                       + (f"{name}()" if name else "a handler"))


def _is_resolver(function: Node, params: list[str]) -> bool:
    """A GraphQL resolver: `(parent, args, context, info)`, or a function-valued field of a
    resolver map's `Query`, `Mutation` or `Subscription` object (`Query: { user: (_, a) => }`)."""
    if len(params) >= 3 and (params[-1] == "info" or params[2] in _RESOLVER_CONTEXT) and (
            len(params) == 4 or params[-1] == "info"):
        return True
    field = function.parent
    if field is None or field.type not in ("pair", "method_definition"):
        field = function if function.type == "method_definition" else None
    holder = field.parent if field is not None else None
    root = holder.parent if holder is not None and holder.type == "object" else None
    return root is not None and root.type == "pair" and text(
        root.child_by_field_name("key")) in _RESOLVER_ROOTS


def repeatable_function(source: SourceFile, facts: FileFacts, node: Node) -> Node | None:
    """The nearest named function around `node` that nothing marks as per-call but that can
    run any number of times: a method or a named function that is not start-up code (by its
    name, or by only being called while the module loads). Anonymous callbacks are left out:
    who calls them, and how often, is unknown."""
    if facts.in_setup_code(node):
        return None
    function = source.enclosing_function(node)
    while function is not None:
        name = source.function_name(function)
        if name:
            if LIFECYCLE.match(name) or SETUP_NAMES.match(name) or name[:1].isupper() and (
                    function.type != "method_definition"):
                return None  # start-up, or an old-style constructor
            return function
        function = source.enclosing_function(function)
    return None


def looks_like_handler(params: list[str]) -> bool:
    """A request handler's parameters: `req` (Express, http), `request` with `response`/`reply`/
    `h` (http, Fastify, Hapi), or `ctx, next` (Koa). `request` alone is too common elsewhere."""
    if "req" in params:
        return True
    if "ctx" in params and "input" in params:
        return True  # a tRPC procedure: `.query(({ ctx, input }) => ...)`
    if "request" in params and {"response", "reply", "h", "res"}.intersection(params):
        return True
    return params[:1] in (["ctx"], ["context"]) and "next" in params


def in_setup_code(source: SourceFile, node: Node, load_only: dict[int, bool]) -> bool:
    """Inside a function named like one-time setup (`init`, `register...`, `setup`...), or
    one that is only ever called while the module loads (`load_only` memoises that); or a
    lazy one-time start: `if (!timer) timer = setInterval(...)`."""
    return _lazily_once(node) or _in_iife_at_load(source, node, load_only) or any(
        SETUP_NAMES.match(source.function_name(function))
        or _only_called_at_load(source, function, load_only)
        for function in source.enclosing_functions(node))


def _in_iife_at_load(source: SourceFile, node: Node, load_only: dict[int, bool]) -> bool:
    """`(function () { setInterval(prune, 60000) })()` at module level (or in code only called
    at load): a function called where it is written runs as often as the code around it. Only
    the innermost functions count: a function an IIFE defines may be called at any time."""
    function = source.enclosing_function(node)
    while function is not None:
        wrapped = outer(function)
        called = wrapped.parent
        if called is None or called.type != "call_expression" or (
                called.child_by_field_name("function") != wrapped):
            return False
        function = source.enclosing_function(called)
        if function is None or _only_called_at_load(source, function, load_only):
            return True
    return False


def _lazily_once(node: Node) -> bool:
    """`node` is assigned to `x` inside `if (!x)` (or `x == null`, `x === undefined`): it runs
    the first time only."""
    expression = outer(node)
    assignment = expression.parent
    if assignment is None or assignment.type != "assignment_expression" or (
            assignment.child_by_field_name("right") != expression):
        return False
    target = text(assignment.child_by_field_name("left"))
    guards = (f"!{target}", f"{target} == null", f"{target} === null",
              f"{target} === undefined", f"{target} == undefined")
    parent = assignment.parent
    while parent is not None and parent.type not in FUNCTION_TYPES:
        if parent.type == "if_statement":
            condition = text(parent.child_by_field_name("condition"))
            if any(guard in condition for guard in guards):
                return True
        parent = parent.parent
    return False


def _only_called_at_load(source: SourceFile, function: Node, load_only: dict[int, bool]) -> bool:
    """Every use of the function's name is a direct call at module level, or from another such
    function (a token table built by `createToken(...)` calls, say): it runs a fixed number of
    times."""
    key = function.id
    if key not in load_only:
        load_only[key] = False  # while deciding: a recursive call does not make it so
        name = source.function_name(function)
        answer = False
        if name and function.type != "method_definition":
            bindings = {n.start_byte for n in (function.child_by_field_name("name"),
                                               _declarator_name(function)) if n is not None}
            uses = [use for use in source.identifiers(name) if use.start_byte not in bindings]
            answer = bool(uses) and all(
                use.parent is not None and use.parent.type == "call_expression"
                and use.parent.child_by_field_name("function") == use
                and _runs_at_load(source, use, load_only) for use in uses)
        load_only[key] = answer
    return load_only[key]


def _runs_at_load(source: SourceFile, node: Node, load_only: dict[int, bool]) -> bool:
    caller = source.enclosing_function(node)
    return caller is None or _only_called_at_load(source, caller, load_only)


def _declarator_name(function: Node) -> Node | None:
    declared = outer(function).parent
    if declared is not None and declared.type == "variable_declarator":
        return declared.child_by_field_name("name")
    return None


def _mark(node: Node, reason: str, reasons: dict[int, str],
          named: dict[str, list[Node]]) -> None:
    node = unwrap(node)
    if node.type in FUNCTION_TYPES:
        reasons.setdefault(node.id, reason)
    elif node.type == "identifier":
        for function in named.get(text(node), []):
            if _in_scope_of(function, node):
                reasons.setdefault(function.id, reason)
    elif node.type == "array":
        for element in node.named_children:
            _mark(element, reason, reasons, named)


def _propagate_calls(source: SourceFile, reasons: dict[int, str],
                     named: dict[str, list[Node]]) -> None:
    """A function called by name from per-call code is per-call too ("called per request")."""
    calls = [(found["callee"][0], found["call"][0]) for found in source.matches(_NAMED_CALLS)]
    for _ in range(4):  # a short fixed point: handler -> helper -> helper's helper
        changed = False
        for callee, call in calls:
            targets = named.get(text(callee), [])
            if not targets:
                continue
            caller = next((fn for fn in source.enclosing_functions(call) if fn.id in reasons),
                          None)
            if caller is None:
                continue
            by_this = callee.parent is not None and callee.parent.type == "member_expression"
            for target in targets:
                # `this.save()` calls a method of the same class; a bare `save()` never does
                is_method = target.type == "method_definition"
                if is_method != by_this or (by_this and _class_of(target) != _class_of(call)):
                    continue
                if not is_method and not _in_scope_of(target, call):
                    continue  # another function's local of the same name
                inside = target.start_byte <= call.start_byte and call.end_byte <= target.end_byte
                if target.id not in reasons and not inside:
                    caller_name = source.function_name(caller)
                    how = "called per chunk from " if per_chunk(reasons[caller.id]) else (
                        "called per operation from " if inferred(reasons[caller.id])
                        else "called per request from ")
                    reasons[target.id] = how + (f"{caller_name}()" if caller_name
                                                else "a handler")
                    changed = True
        if not changed:
            break


def _in_scope_of(function: Node, use: Node) -> bool:
    """`use` can see `function` by its name: a function declared inside another one is a
    local of it (`let walk = (n) => ...` in two functions are two functions)."""
    scope = outer(function).parent
    while scope is not None and scope.type not in FUNCTION_TYPES:
        scope = scope.parent
    return scope is None or scope.start_byte <= use.start_byte < scope.end_byte


def _class_of(node: Node) -> int | None:
    """The id of the class body around `node`, to tell methods of different classes apart."""
    parent = node.parent
    while parent is not None and parent.type != "class_body":
        parent = parent.parent
    return parent.id if parent is not None else None


def _returned_by_exported_factory(function: Node) -> bool:
    """`export function createLink() { ...; return (op, next) => ... }`: what the factory
    hands out is called by the user's code once per operation."""
    statement = outer(function).parent
    # a method of the object the factory returns: `return { async query() { ... } }`
    while statement is not None and statement.type in ("pair", "object"):
        statement = outer(statement).parent
    if function.type == "method_definition" and function.parent is not None and (
            function.parent.type == "object"):
        statement = outer(function.parent).parent
    if statement is None or statement.type != "return_statement":
        return False
    factory = statement.parent
    while factory is not None and factory.type not in FUNCTION_TYPES:
        factory = factory.parent
    return factory is not None and _is_exported(factory)


def _factory_of(function: Node) -> Node | None:
    """The function that returns the object literal `function` is a method of (`return {
    m() {} }`, `() => ({ m() {} })`)."""
    node = function.parent if function.type == "method_definition" else outer(function).parent
    while node is not None and node.type in ("pair", "object", "parenthesized_expression"):
        node = node.parent
    if node is not None and node.type == "return_statement":
        node = node.parent
        while node is not None and node.type not in FUNCTION_TYPES:
            node = node.parent
        return node
    return node if node is not None and node.type == "arrow_function" else None


def handed_to_users(source: SourceFile, function: Node, exported: frozenset[str],
                    depth: int = 0) -> bool:
    """The module hands `function` to its users, who may call it any number of times: it is
    exported, a public method of an exported class (`X.prototype.m` of an exported `X` too),
    or a function of the object an exported factory returns. `exported`: the file's
    `exported_names()`."""
    name = source.function_name(function)
    if _is_exported(function) or name and name in exported:
        return True
    if not name or name.startswith(("_", "#")):
        return False
    if _returned_by_exported_factory(function) or _returned_by_listed_factory(
            source, function, exported) or _in_exported_value(source, function, name,
                                                                exported) or (
            handed_to_other_code(source, function)):
        return True
    factory = _factory_of(function)
    if factory is not None and depth < 3 and (
            handed_to_users(source, factory, exported, depth + 1) or any(
                _handed(call) for call in _calls_of(source, source.function_name(factory)))):
        return True  # a method of what a factory makes for other code
    member = outer(function).parent if function.type != "method_definition" else function
    if member is not None and (member.type == "method_definition" or member.type in FIELD_TYPES):
        if any(child.type == "accessibility_modifier" and text(child) != "public"
               for child in member.children):
            return False
        declaration = member.parent.parent if member.parent is not None else None
        owner = declaration.child_by_field_name("name") if declaration is not None else None
        return owner is not None and _exported_class(source, member, text(owner))
    assignment = outer(function).parent
    left = assignment.child_by_field_name("left") if assignment is not None and (
        assignment.type == "assignment_expression") else None
    found = re.match(r"^([\w$]+)\.prototype\.[\w$]+$", text(left)) if left is not None else None
    return found is not None and any(
        use.parent is not None and use.parent.type == "assignment_expression"
        and use.parent.child_by_field_name("right") == use
        and text(use.parent.child_by_field_name("left")).startswith(("module.exports",
                                                                     "exports."))
        for use in source.identifiers(found.group(1)))


_EXPORT_VALUES = file_query("""
(assignment_expression left: (member_expression) @left right: (_) @value)
""")


_EXPORT_ALIASES = file_query("""
(variable_declarator name: (identifier) @alias value: (_) @value)
(export_statement value: (_) @default)
""")


def _in_exported_value(source: SourceFile, function: Node, name: str,
                       exported_by_name: frozenset[str]) -> bool:
    """The function sits in, or is named in, what the module exports (`module.exports = {
    ... }`, `export default { ... }`, an object later exported by name, a property set on an
    alias of `module.exports`): a service definition's methods, a hook table (`{ around: {
    create: [stampReplies] } }`), `const api = module.exports; api.chats.enter = function`."""
    values = [found["value"][0] for found in source.matches(_EXPORT_VALUES)
              if text(found["left"][0]).startswith(("module.exports", "exports."))]
    exported = exported_by_name | {text(v) for v in values if v.type == "identifier"}
    aliases = set()
    for found in source.matches(_EXPORT_ALIASES):
        if "default" in found:
            values.append(found["default"][0])
            continue
        value = unwrap(found["value"][0])
        alias = text(found["alias"][0])
        if alias in exported:
            values.append(value)
        if text(value).startswith("module.exports") or (
                value.type == "assignment_expression" and text(
                    value.child_by_field_name("left")) == "module.exports"):
            aliases.add(alias)
            if value.type == "assignment_expression":
                values.append(value)
    for value in values:
        if value.start_byte <= function.start_byte < value.end_byte or any(
                node.type in ("identifier", "shorthand_property_identifier")
                and text(node) == name for node in descendants(value)):
            return True
    holder = outer(function).parent
    left = holder.child_by_field_name("left") if holder is not None and (
        holder.type == "assignment_expression") else None
    root = root_identifier(left) if left is not None and left.type == "member_expression" \
        else None
    return root is not None and text(root) in aliases | exported


def handed_to_other_code(source: SourceFile, function: Node) -> bool:
    """The function, an object or array holding it, or its name, is an argument of a call
    that is no one-shot (`then`, `once`): the code it is handed to calls it when it decides
    (`new ApolloServer({ plugins: [{ requestDidStart() {} }] })`, `hooks({ after: [notify] })`)."""
    if _handed(function):
        return True
    name = source.function_name(function)
    return bool(name) and any(_handed(use) for use in source.identifiers(name)
                              if use.parent is not None and not (
                                  use.parent.type == "call_expression"
                                  and use.parent.child_by_field_name("function") == use))


def _handed(node: Node) -> bool:
    """`node`, or an object or array holding it, is an argument of a call that is no one-shot."""
    node = outer(node)
    while node.parent is not None and node.parent.type in ("pair", "object", "array"):
        node = outer(node.parent)
    holder = node.parent
    if holder is None or holder.type != "arguments" or holder.parent is None:
        return False
    callee = holder.parent.child_by_field_name("function") or holder.parent.child_by_field_name(
        "constructor")
    return callee is not None and last_name(callee) not in _ONE_SHOT


def _calls_of(source: SourceFile, name: str) -> list[Node]:
    return [use.parent for use in source.identifiers(name) if name and use.parent is not None
            and use.parent.type == "call_expression"
            and use.parent.child_by_field_name("function") == use]


def _returned_by_listed_factory(source: SourceFile, function: Node,
                                exported: frozenset[str]) -> bool:
    """A function of the object returned (directly or through a local) by a factory the
    module exports by name (`const makeX = () => { return { m() {} } }; module.exports = {
    makeX }`)."""
    node = outer(function).parent
    while node is not None and node.type in ("pair", "object"):
        node = outer(node).parent
    if function.type == "method_definition" and function.parent is not None:
        node = outer(function.parent).parent
    if node is not None and node.type == "variable_declarator":
        local = text(node.child_by_field_name("name"))
        factory = node.parent
        while factory is not None and factory.type not in FUNCTION_TYPES:
            factory = factory.parent
        if factory is None or not any(
                n.type == "return_statement" and n.named_children
                and text(n.named_children[0]) == local for n in own_nodes(factory)):
            return False
    elif node is None or node.type != "return_statement":
        return False
    factory = node.parent
    while factory is not None and factory.type not in FUNCTION_TYPES:
        factory = factory.parent
    return factory is not None and (source.function_name(factory) in exported
                                    or _is_exported(factory))


def _route_handlers(config: Node) -> list[Node]:
    """The `handler` of a route's configuration object, also under `options`/`config`."""
    found: list[Node] = []
    for pair in config.named_children if config.type == "object" else []:
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        value = pair.child_by_field_name("value") if pair.type == "pair" else None
        if key is None or value is None:
            continue
        if text(key).strip("'\"") == "handler":
            found.append(value)
        elif text(key).strip("'\"") in ("options", "config") and value.type == "object":
            found.extend(_route_handlers(value))
    return found


def _is_exported(function: Node) -> bool:
    parent = outer(function).parent
    if parent is not None and parent.type == "assignment_expression":
        return text(parent.child_by_field_name("left")).startswith(("exports.",
                                                                    "module.exports"))
    while parent is not None and parent.type in ("variable_declarator", "lexical_declaration",
                                                 "variable_declaration"):
        parent = parent.parent
    return parent is not None and parent.type == "export_statement"


def _has_called_decorator(method: Node) -> bool:
    """`@post('/todos')`, `@HTTPMethod({ path })`, `@OnEvent('order.created')`: a decorator
    call registers the method with a framework, which calls it per request, message or event;
    whatever the decorator's name, the method is an entry point, not start-up code."""
    sibling = method.prev_named_sibling
    while sibling is not None and sibling.type == "decorator":
        if sibling.named_children and sibling.named_children[0].type == "call_expression":
            return True
        sibling = sibling.prev_named_sibling
    return False


def _has_route_decorator(method: Node) -> bool:
    sibling = method.prev_named_sibling
    while sibling is not None and sibling.type == "decorator":
        call = sibling.named_children[0] if sibling.named_children else None
        name = call.child_by_field_name("function") if call is not None and (
            call.type == "call_expression") else call
        if text(name) in ROUTE_DECORATORS:
            return True
        sibling = sibling.prev_named_sibling
    return False


# -- how often a function runs, from the file's structure rather than its names ----------------
#
# A method runs more than once unless the file shows otherwise: `connect()` runs again on every
# reconnect, `init()` again for every middleware sharing a store. So the only functions taken to
# run once are the ones the file shows running once: a constructor (once per object), code at
# module level, a function only ever called while the module loads, and a method only ever
# called (as `this.m()`) from the constructor or from such methods (once per object too).
_LISTENING_CALLS = frozenset({"on", "addListener", "addEventListener", "prependListener",
                              "setInterval", "subscribe"})


def once_per_object(source: SourceFile, function: Node, memo: dict[int, bool]) -> bool:
    """The constructor (a class's, or an old-style `function Name()`), or a method called
    only from it (directly or through other such methods): it runs once per object."""
    key = function.id
    if key in memo:
        return memo[key]
    memo[key] = False  # while deciding: a method that calls itself runs again
    name = source.function_name(function)
    answer = name == "constructor" or (not _is_method(function) and name[:1].isupper())
    if not answer and name and _is_method(function):
        uses = source.property_names(name) + source.identifiers(name)
        calls = [use for use in uses if _this_call(use)]
        others = [use for use in uses if not _this_call(use) and not _declares(use, function)]
        answer = bool(calls) and not others and all(
            (caller := _named_function_around(source, call)) is not None
            and not _in_listener_of(source, call, caller)
            and once_per_object(source, caller, memo) for call in calls)
    memo[key] = answer
    return answer


def repeating_function(source: SourceFile, node: Node, load_only: dict[int, bool],
                       memo: dict[int, bool], per_object: bool,
                       per_call: dict[int, str] | None = None) -> Node | None:
    """The function around `node` that can run more than once - per object when `per_object`
    (what matters for an emitter or a field of `this`), per process otherwise (a module-level
    emitter, `process`) - or None when the file shows it runs once. A callback registered as a
    listener or interval runs per event; any other anonymous callback runs when the function
    around it does."""
    if _lazily_once(node) or first_time_only(node, per_object):
        return None
    for function in source.enclosing_functions(node):
        if after_done_flag_return(source.source, node, function, per_object):
            return None
        if _registered_as_listener(function) or per_call and function.id in per_call and (
                function.type != "method_definition"):
            return function  # (a route callback is anonymous, and runs per request)
        if not source.function_name(function):
            continue
        if _only_called_at_load(source, function, load_only):
            return None
        if once_per_object(source, function, memo):
            return None if per_object else _made_more_than_once(source, function, load_only)
        return function
    return None


def first_time_only(node: Node, per_object: bool) -> bool:
    """Inside `if (!done) { done = true; ... }` (or `if (!this.x) { this.x = ...; ... }`): the
    branch runs the first time only - per process for a variable, per object for a field of
    `this`."""
    parent = node.parent
    while parent is not None and parent.type not in FUNCTION_TYPES:
        if parent.type == "if_statement":
            condition = parent.child_by_field_name("condition")
            branch = parent.child_by_field_name("consequence")
            if condition is not None and branch is not None and (
                    branch.start_byte <= node.start_byte < branch.end_byte):
                for flag in _tested_names(condition):
                    if flag.startswith("this.") and not per_object:
                        continue
                    if any(child.type == "expression_statement" and child.named_children
                           and child.named_children[0].type == "assignment_expression"
                           and text(child.named_children[0].child_by_field_name("left"))
                           == flag for child in branch.named_children):
                        return True
        parent = parent.parent
    return False


def after_done_flag_return(source_text: bytes, node: Node, function: Node,
                            per_object: bool) -> bool:
    """`node` comes after `if (loaded) return ...;` at the top level of `function`, and the
    function sets that flag to `true` (itself or in a callback it leaves): the code past the
    return runs the first time only - per process for a variable, per object for a field."""
    body = function.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return False
    statement = node
    while statement.parent is not None and statement.parent.id != body.id:
        statement = statement.parent
    if statement.parent is None:
        return False
    for earlier in body.named_children:
        if earlier.start_byte >= statement.start_byte:
            break
        if earlier.type != "if_statement" or earlier.child_by_field_name("alternative"):
            continue
        consequence = earlier.child_by_field_name("consequence")
        if consequence is None or not (consequence.type == "return_statement" or any(
                c.type == "return_statement" for c in consequence.named_children)):
            continue
        condition = earlier.child_by_field_name("condition")
        inner = unwrap(condition.named_children[0]) if condition is not None and (
            condition.named_children) else None
        if inner is None or inner.type not in ("identifier", "member_expression"):
            continue  # a plain `if (flag)`, not a comparison or a negation
        flag = text(inner)
        if flag.startswith("this.") and not per_object:
            continue
        if not any(a.type == "assignment_expression"
                   and text(a.child_by_field_name("left")) == flag
                   and text(a.child_by_field_name("right")) == "true"
                   for a in descendants(function)):
            continue
        assigned = re.finditer(rb"(?<![\w.$])" + re.escape(flag.encode())
                               + rb"\s*=(?!=)\s*([^;,)\n]*)", source_text)
        if all(m.group(1).strip() == b"true" or re.search(
                rb"\b(let|var|const)\s+$", source_text[max(0, m.start() - 8):m.start()])
               for m in assigned):  # the declaration's first value does not count
            return True  # a "done" flag this function sets and nothing resets (not a busy flag)
    return False


def _tested_names(condition: Node) -> list[str]:
    """`x`, `this.x` tested by a condition (`!x`, `x == null`, `!this.x`, `x === false`)."""
    found = []
    stack = [condition]
    while stack:
        node = stack.pop()
        if node.type == "identifier" or (node.type == "member_expression" and unwrap(
                node.child_by_field_name("object") or node).type == "this"):
            found.append(text(node))
            continue
        stack.extend(node.named_children)
    return found


def _made_more_than_once(source: SourceFile, constructor: Node,
                         load_only: dict[int, bool]) -> Node | None:
    """The constructor runs once per object: more than once when the file makes its objects
    in code that can run again (`new Session(req)` in a handler). Objects are long-lived
    unless the file shows otherwise: a class it never makes, or makes only while the module
    loads (`module.exports = new Store()`), is taken to have one."""
    owner = _class_name(source, constructor)
    if not owner:
        return constructor
    made = [use for use in source.identifiers(owner)
            if use.parent is not None and use.parent.type == "new_expression"]
    if not made and _exported_class(source, constructor, owner) and _outlived_by_emitters(
            source, constructor):
        return constructor  # other modules make its objects, and they end before the process
    if all((maker := source.enclosing_function(use)) is None or _only_called_at_load(
            source, maker, load_only) for use in made):
        return None
    return constructor


_REMOVALS = frozenset({"off", "removeListener", "removeEventListener"})


def _outlived_by_emitters(source: SourceFile, constructor: Node) -> bool:
    """The class takes its listeners off a long-lived emitter (a module binding, an import,
    `process`) somewhere in its body: its objects end while those emitters live on, so the
    class expects more than one over the life of the process."""
    body = constructor.parent
    if body is None:
        return False
    for node in descendants(body):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        if callee is None or callee.type != "member_expression" or text(
                callee.child_by_field_name("property")) not in _REMOVALS:
            continue
        if source.is_long_lived(callee.child_by_field_name("object") or callee):
            return True
    return False


def _exported_class(source: SourceFile, constructor: Node, owner: str) -> bool:
    """`module.exports = class X`, `export class X`, `export default class`, or `X` named in
    an export list or assigned to `module.exports`/`exports.X`: the class itself is handed
    out, not an object of it."""
    if constructor.type != "method_definition" and constructor.type not in FIELD_TYPES:
        return False
    body = constructor.parent
    declaration = body.parent if body is not None else None
    if declaration is None:
        return False
    if _is_exported(declaration) or (declaration.parent is not None
                                     and declaration.parent.type == "export_statement"):
        return True
    if owner in exported_names(source):
        return True
    return any(use.parent is not None and use.parent.type == "assignment_expression"
               and use.parent.child_by_field_name("right") == use
               and text(use.parent.child_by_field_name("left")).startswith(
                   ("module.exports", "exports."))
               for use in source.identifiers(owner))


def one_object(source: SourceFile, body: Node, load_only: dict[int, bool]) -> bool:
    """The class (by its body) has one object for the life of the process as far as the file
    shows: it never makes one, or makes them only while the module loads."""
    declaration = body.parent
    named = declaration.child_by_field_name("name") if declaration is not None else None
    if named is None:
        return False
    return all((maker := source.enclosing_function(use)) is None or _only_called_at_load(
        source, maker, load_only) for use in source.identifiers(text(named))
        if use.parent is not None and use.parent.type == "new_expression")


def _class_name(source: SourceFile, function: Node) -> str:
    if function.type == "method_definition":
        body = function.parent
        declaration = body.parent if body is not None else None
        named = declaration.child_by_field_name("name") if declaration is not None else None
        return text(named) if named is not None else ""
    return source.function_name(function)


def _is_method(function: Node) -> bool:
    holder = outer(function).parent
    if function.type == "method_definition" or holder is not None and holder.type in FIELD_TYPES:
        return True
    return holder is not None and holder.type == "assignment_expression" and (
        ".prototype." in text(holder.child_by_field_name("left")))


def _this_call(use: Node) -> bool:
    """`this.name(...)` (or `self.name(...)`, the old spelling of `this` in a closure)."""
    member = use.parent
    if member is None or member.type != "member_expression" or (
            member.child_by_field_name("property") != use):
        return False
    owner = unwrap(member.child_by_field_name("object") or member)
    call = member.parent
    return (owner.type == "this" or text(owner) == "self") and call is not None and (
        call.type == "call_expression") and call.child_by_field_name("function") == member


def _declares(use: Node, function: Node) -> bool:
    """`use` is the name the function is declared under (`m() {}`, `X.prototype.m = ...`)."""
    if function.start_byte <= use.start_byte < function.end_byte and (
            use == function.child_by_field_name("name")):
        return True
    holder = outer(function).parent
    left = holder.child_by_field_name("left") if holder is not None and (
        holder.type == "assignment_expression") else None
    return left is not None and left.start_byte <= use.start_byte < left.end_byte


def _named_function_around(source: SourceFile, node: Node) -> Node | None:
    return next((f for f in source.enclosing_functions(node) if source.function_name(f)),
                None)


def _registered_as_listener(function: Node) -> bool:
    """`x.on('e', <function>)`, `setInterval(<function>)`, `bus.onMessage(<function>)`: it
    runs again at every event."""
    arguments = outer(function).parent
    call = arguments.parent if arguments is not None and arguments.type == "arguments" else None
    if call is None or call.type != "call_expression":
        return False
    name = last_name(call.child_by_field_name("function") or call)
    return name in _LISTENING_CALLS or _REGISTRATION_NAME.match(name) is not None or (
        arguments is not None and _registered_under_a_name(function, arguments))


def _registered_under_a_name(function: Node, arguments: Node) -> bool:
    """`helpers.register('highlight', fn)`, `generator.add('feed', fn)`: a function handed to a
    method call, last, after a name - a hook or helper the host calls by that name, each time
    it is needed; not a one-off callback (`forEach(fn)`, `new Promise(fn)`)."""
    values = [a for a in arguments.named_children if a.type != "comment"]
    call = arguments.parent
    callee = call.child_by_field_name("function") if call is not None else None
    return len(values) >= 2 and values[-1].id == outer(function).id and values[0].type in (
        "string", "template_string") and callee is not None and callee.type == "member_expression" \
        and "once" not in last_name(callee).lower()  # (`once('ready', fn)`: one event)


# `bus.onAction(evt, fn)`, `socket.onMessage(fn)`: a registration by its shape.
_REGISTRATION_NAME = re.compile(r"^on[A-Z]")


def _in_listener_of(source: SourceFile, call: Node, function: Node) -> bool:
    """The call sits in a listener or interval callback that `function` registers: it runs at
    every event, not once when `function` runs."""
    for around in source.enclosing_functions(call):
        if around.id == function.id:
            return False
        if _registered_as_listener(around):
            return True
    return False


# Callbacks that run later, once: a function they call runs again only when the code that
# registers them runs again.
_LATER_ONCE = frozenset({"once", "setTimeout", "setImmediate", "nextTick", "then", "catch",
                         "finally", "prependOnceListener", "listen", "queueMicrotask"})
_LATER_AGAIN = frozenset({"on", "addListener", "addEventListener", "prependListener",
                          "setInterval"})


def shown_to_repeat(source: SourceFile, function: Node, per_call: dict[int, str],
                    memo: dict[int, bool], depth: int = 0) -> bool:
    """The file shows the function running again on the same object or in the same process:
    it calls itself (a retry, a reconnect: directly or from a callback it registers), or it is
    called from a listener or interval callback that fires again, from per-call code, or from
    a function shown to repeat. `connect()` called again from its own 'close' handler repeats,
    whatever its name."""
    key = function.id
    if key in memo:
        return memo[key]
    memo[key] = False
    name = source.function_name(function)
    answer = False
    if name and depth < 4:
        uses = source.identifiers(name) + (source.property_names(name) if _is_method(function)
                                           else [])
        for use in uses:
            call = use.parent
            if call is not None and call.type == "member_expression" and _this_call(use):
                call = call.parent
            if call is None or call.type != "call_expression" or (
                    call.child_by_field_name("function") not in (use, use.parent)):
                continue
            if _call_repeats(source, call, function, per_call, memo, depth):
                answer = True
                break
    memo[key] = answer
    return answer


def _call_repeats(source: SourceFile, call: Node, function: Node, per_call: dict[int, str],
                  memo: dict[int, bool], depth: int) -> bool:
    for around in source.enclosing_functions(call):
        if around.id == function.id or around.id in per_call:
            return True  # a retry from inside itself, or a call from per-call code
        registered = registration(around)
        if registered is not None:
            method, register = registered
            if method in _LATER_AGAIN or _REGISTRATION_NAME.match(method):
                return True
            if method in _LATER_ONCE:
                inside = function.start_byte <= register.start_byte < function.end_byte
                if inside:
                    return True  # registered by the function itself: it runs again
                continue  # runs once when that fires: ask who registered it
        elif not source.function_name(around) and _handed_out(around):
            return True  # a callback the function returns: its taker runs it when it likes
        if source.function_name(around):
            return shown_to_repeat(source, around, per_call, memo, depth + 1)
    return False


def _handed_out(function: Node) -> bool:
    """`return async (job) => {...}`, `() => (x) => ...`: a function handed to the caller,
    who keeps it and runs it as often as it likes (a processor, a middleware, a handler)."""
    holder = outer(function).parent
    if holder is not None and holder.type == "return_statement":
        return True
    return holder is not None and holder.type == "arrow_function" and (
        holder.child_by_field_name("body") == outer(function))


def registration(value: Node) -> tuple[str, Node] | None:
    """(`on`, the call) when `value` (a function, or its name) is passed to `x.on(...)`,
    `setTimeout(...)`, ...; also through `.bind(...)`."""
    node = outer(value)
    holder = node.parent
    if holder is not None and holder.type == "member_expression" and text(
            holder.child_by_field_name("property")) == "bind":
        bound = holder.parent
        node = outer(bound) if bound is not None else node
        holder = node.parent
    call = holder.parent if holder is not None and holder.type == "arguments" else None
    if call is None or call.type != "call_expression":
        return None
    return last_name(call.child_by_field_name("function") or call), call


# -- weaker evidence of running again (the timer rules) --------------------------------------

_METHOD_CALLS = file_query("""
(call_expression function: (member_expression property: (property_identifier) @name)) @call
""")
# Callbacks that run at most once per registration: a promise's reactions, `once` listeners.
_ONE_SHOT = frozenset({"once", "then", "catch", "finally"})


def body_method(source: SourceFile, function: Node) -> Node:
    """A `new Promise((resolve, reject) => ...)` executor runs with its method: the method."""
    while function.type in ("arrow_function", "function_expression") and (
            promise_of_executor(function) is not None):
        around = source.enclosing_function(function)
        if around is None:
            break
        function = around
    return function


def called_again(source: SourceFile, facts: FileFacts, function: Node, depth: int = 0) -> bool:
    """Weaker evidence than `shown_to_repeat` that `function` (a method or named function)
    runs more than once, for rules whose other evidence is strong (a timer handle replaced,
    a field cleared elsewhere): it is called from two places, or from a listener or timer callback (a reconnect, an event that
    comes back), from per-call code, or from an exported function the user may call any number
    of times. Its name is not asked: `connect`, `init` and `start` run again in real code.
    Called only from module-level code or a constructor, or from nowhere, it is not shown."""
    name = source.function_name(function)
    if not name or name == "constructor" or depth > 3:
        return False
    calls = [m["call"][0] for m in source.matches(_METHOD_CALLS) if text(m["name"][0]) == name]
    calls += [use.parent for use in source.identifiers(name) if use.parent is not None
              and use.parent.type == "call_expression"
              and use.parent.child_by_field_name("function") == use]
    calls = [call for call in calls if not _on_object_made_there(source, facts, call)]
    if len(calls) >= 2:
        return True
    for call in calls:
        caller = source.enclosing_function(call)
        if caller is None or source.function_name(caller) == "constructor":
            continue  # at load, or once per object
        holder = caller.parent
        if caller.type in ("arrow_function", "function_expression") and holder is not None \
                and holder.type == "arguments" and holder.parent is not None:
            callee = holder.parent.child_by_field_name("function") or holder.parent
            if holder.parent.type == "new_expression" or last_name(callee) in _ONE_SHOT:
                caller = body_method(source, caller)
                if caller.type in ("arrow_function", "function_expression"):
                    # a one-shot callback runs once per run of the function that made it
                    registrar = source.enclosing_function(caller)
                    if registrar is None or not source.function_name(registrar):
                        continue
                    caller = registrar
            else:
                return True  # a listener, a timer, a callback run per item
        if facts.per_call_reason(caller) is not None or facts.per_call_scope(
                caller) is not None or facts.exported_function(caller):
            return True
        if called_again(source, facts, caller, depth + 1):
            return True
    return False


def _on_object_made_there(source: SourceFile, facts: FileFacts, call: Node) -> bool:
    """`const k = new KeepAlive(socket); k.start()`: once for each object made."""
    callee = call.child_by_field_name("function")
    receiver = callee.child_by_field_name("object") if callee is not None and (
        callee.type == "member_expression") else None
    caller = source.enclosing_function(call)
    if receiver is None or receiver.type != "identifier" or caller is None:
        return False
    if next(source.declarators(text(receiver), caller), None) is None and not any(
            node.type == "assignment_expression"
            and text(node.child_by_field_name("left")) == text(receiver)
            for node in own_nodes(caller)):
        return False  # made by a function around this one: a callback here runs again on it
    made = facts.assigned_value(text(receiver), caller, call)
    return made is not None and unwrap(made).type == "new_expression"
