"""client-per-request (resource-per-request)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import (
    SourceFile,
    file_query,
    outer,
    parameter_names,
    root_identifier,
    text,
)

# `new X(...)` that opens a pool, client or connection (pg, mysql2, ioredis, mongodb, prisma,
# sequelize, http/undici agents). `Client` only with its package's namespace: too common a name.
CONSTRUCTORS = frozenset({"Pool", "Redis", "IORedis", "MongoClient", "PrismaClient", "Sequelize",
                          "Agent", "Knex", "Kafka", "Cluster", "pg.Client", "Memcached"})
# Factory calls that do the same (mysql/mysql2, redis, generic-pool, knex, axios instances,
# amqplib). `[tool.heapsight.lint] resources = [...]` adds names to both tables.
FACTORIES = frozenset({"createPool", "createConnection", "createClient", "createPoolCluster",
                       "createCluster", "knex", "axios.create", "amqp.connect",
                       "amqplib.connect"})
# `net.createConnection` opens one socket on purpose (a proxy, a probe); not a pool.
SOCKET_MODULES = frozenset({"net", "tls", "http2"})
CLOSE_METHODS = frozenset({"end", "close", "quit", "disconnect", "destroy", "release",
                           "$disconnect", "terminate"})

_CREATIONS = file_query("""
(new_expression constructor: [(identifier) (member_expression)] @name) @create
(call_expression function: (identifier) @name
  (#any-of? @name "createPool" "createConnection" "createClient" "createPoolCluster"
   "createCluster" "knex")) @create
(call_expression function: (member_expression property: (property_identifier) @name)
  (#any-of? @name "createPool" "createConnection" "createClient" "createPoolCluster"
   "createCluster" "create" "connect")) @create
""")
# The project's own additions, matched only when it has some.
_ANY_CALL = "(call_expression function: [(identifier) (member_expression)] @name) @create"


class ClientPerRequest(Rule):
    """What it does:
    Finds a database pool, client or connection (`new Pool`, `createPool`, `createConnection`,
    `new Redis`, `new MongoClient`, `new PrismaClient`, an HTTP `Agent`, ...) created inside a
    request handler or a function called per request, and not closed there.

    Why is this bad?
    Pools and clients are built to be created once and shared. One per request opens sockets,
    buffers and timers that outlive the request, exhausts the database's connection limit, and
    shows up in heap snapshots as thousands of `Pool`/`Socket` objects.

    Example:
    ```js
    app.get('/users', async (req, res) => {
      const pool = new Pool({ connectionString: process.env.DATABASE_URL });
      const { rows } = await pool.query('SELECT * FROM users');
      res.json(rows);
    });
    ```

    Use instead:
    Create the pool once, at module level (or lazily, once), and share it.
    ```js
    const pool = new Pool({ connectionString: process.env.DATABASE_URL });
    app.get('/users', async (req, res) => {
      const { rows } = await pool.query('SELECT * FROM users');
      res.json(rows);
    });
    ```
    """

    id = "client-per-request"
    category = "resource-per-request"
    summary = "A pool/client/connection is created per request instead of once"
    fix = "Create the pool or client once at module level and share it"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        matches = source.matches(_CREATIONS)
        if facts.extra_resources:
            matches = matches + source.matches(_ANY_CALL)
        for match in matches:
            create, name = match["create"][0], match["name"][0]
            what = _resource_name(create, name, facts.extra_resources)
            if what is None:
                continue
            scope = facts.per_call_scope(create)
            if scope is None:
                continue
            function = scope[0]
            if not _kept_locally(source, create, function, scope[1]):
                continue
            where = facts.describe(function)
            yield self.finding(
                source, create,
                f"`{what}` is created in {where}, so every call opens a new one and nothing "
                f"closes it; create it once at module level and share it")


def _resource_name(create: Node, name: Node, extra: frozenset[str]) -> str | None:
    if create.type == "new_expression":
        callee = text(create.child_by_field_name("constructor"))
        short = callee.rsplit(".", 1)[-1]
        if callee in extra or short in extra:
            return f"new {callee}"
        if callee in CONSTRUCTORS or (short in CONSTRUCTORS and short not in ("Cluster",)):
            return f"new {callee}"
        if short == "Cluster" and callee.split(".")[0] in ("Redis", "IORedis"):
            return f"new {callee}"
        if short == "Client" and callee.split(".")[0] in ("pg", "redis", "memjs"):
            return f"new {callee}"
        return None
    function = create.child_by_field_name("function")
    callee = text(function)
    if callee in extra or (text(name) in extra and function is not None
                           and function.type == "identifier"):
        return f"{callee}()"
    if callee in ("axios.create", "amqp.connect", "amqplib.connect"):
        return f"{callee}()"
    if text(name) not in FACTORIES or text(name) in ("create", "connect"):
        return None
    if function is not None and function.type == "member_expression":
        if text(function.child_by_field_name("object")) in SOCKET_MODULES:
            return None
    elif text(name) == "createConnection":
        return None  # a bare createConnection is usually net's, imported by name
    return f"{text(function)}()"


def _returned(use: Node, function: Node) -> bool:
    """`use` is (part of an object or array literal) returned by `function` itself."""
    node = outer(use)
    parent = node.parent
    while parent is not None and parent.type in ("pair", "object", "array",
                                                 "shorthand_property_identifier"):
        parent = parent.parent
    return parent is not None and parent.type == "return_statement" and (
        parent.start_byte > function.start_byte and parent.end_byte <= function.end_byte)


def _kept_locally(source: SourceFile, create: Node, function: Node, reason: str) -> bool:
    """True when the new resource is used or kept only in this call and never closed.

    Assigning it to an outer variable, a property or a map (lazy, once-only creation), passing
    it on, or returning it (a factory) all mean someone else owns it - except that what a
    request handler returns, or puts on the request's own objects, stays with that request.
    """
    handler = not reason.startswith(("called", "constructed"))
    own = set(parameter_names(function)) if handler else set()
    node = outer(create)
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "member_expression":
        return True  # `new Pool().query(...)`: used once and dropped
    if parent.type == "expression_statement":
        return True
    if parent.type != "variable_declarator" or parent.child_by_field_name("value") != node:
        return False
    local = parent.child_by_field_name("name")
    if local is None or local.type != "identifier":
        return False
    for use in source.identifiers(text(local), function):
        holder = outer(use).parent
        if holder is None or use == local:
            continue
        if holder.type == "member_expression" and text(
                holder.child_by_field_name("property")) in CLOSE_METHODS:
            return False
        if holder.type == "assignment_expression" and own:
            target = root_identifier(holder.child_by_field_name("left") or holder)
            if target is not None and text(target) in own:
                continue  # `event.context.db = client`: kept on this request's objects
        if handler and _returned(use, function):
            continue  # a per-request context object: nobody closes it either
        if holder.type in ("return_statement", "arguments", "assignment_expression", "pair",
                           "array", "shorthand_property_identifier", "arrow_function"):
            return False
        if use.type == "shorthand_property_identifier":
            return False
    return True
