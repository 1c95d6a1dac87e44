"""client-per-request (resource-per-request)."""

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
    last_name,
    outer,
    own_nodes,
    parameter_names,
    root_identifier,
    text,
    unwrap,
)

# `new X(...)` that opens a pool, client or connection (pg, mysql2, ioredis, mongodb, prisma,
# sequelize, http/undici agents), whatever the file imports. `Client` only with its package's
# namespace: too common a name.
CONSTRUCTORS = frozenset({"Pool", "Redis", "IORedis", "MongoClient", "PrismaClient", "Sequelize",
                          "Agent", "Knex", "Kafka", "Cluster", "pg.Client", "Memcached"})
# Factory calls that do the same (mysql/mysql2, redis, generic-pool, knex, axios instances,
# amqplib). `[tool.heapsight.lint] resources = [...]` adds names to both tables.
FACTORIES = frozenset({"createPool", "createConnection", "createClient", "createPoolCluster",
                       "createCluster", "knex", "axios.create", "amqp.connect",
                       "amqplib.connect"})
# What each package exports that opens sockets, pools or timers and must be closed: a class
# (`new Queue(...)`), a factory (`createClient(...)`, `axios.create(...)`), or, for `*`, the
# package's default export itself (`new Redis()` from ioredis, `knex({...})`). Matched through
# the file's imports, so `new Queue()` of a to-do list is not a BullMQ queue. `*Client` in a
# package prefix (`@aws-sdk/`) means every `...Client` class the package exports.
PACKAGE_RESOURCES: dict[str, frozenset[str]] = {
    "pg": frozenset({"Pool", "Client"}), "pg-pool": frozenset({"*"}),
    "mysql": frozenset({"createPool", "createConnection", "createPoolCluster"}),
    "mysql2": frozenset({"createPool", "createConnection", "createPoolCluster"}),
    "mysql2/promise": frozenset({"createPool", "createConnection", "createPoolCluster"}),
    "redis": frozenset({"createClient", "createCluster"}),
    "ioredis": frozenset({"*", "Redis", "Cluster"}),
    "mongodb": frozenset({"MongoClient"}), "mongoose": frozenset({"createConnection"}),
    "@prisma/client": frozenset({"PrismaClient"}), "sequelize": frozenset({"*", "Sequelize"}),
    "knex": frozenset({"*", "knex", "Knex"}), "kafkajs": frozenset({"Kafka"}),
    "amqplib": frozenset({"connect"}), "amqplib/callback_api": frozenset({"connect"}),
    "amqp-connection-manager": frozenset({"connect"}),
    "bullmq": frozenset({"Queue", "QueueEvents", "Worker", "FlowProducer"}),
    "bull": frozenset({"*"}), "bee-queue": frozenset({"*"}),
    "undici": frozenset({"Agent", "Pool", "Client", "ProxyAgent", "BalancedPool"}),
    "http": frozenset({"Agent"}), "https": frozenset({"Agent"}),
    "node:http": frozenset({"Agent"}), "node:https": frozenset({"Agent"}),
    "axios": frozenset({"create"}), "memcached": frozenset({"*"}),
    "nodemailer": frozenset({"createTransport"}), "@elastic/elasticsearch": frozenset({"Client"}),
    "cassandra-driver": frozenset({"Client"}), "nats": frozenset({"connect"}),
    "mqtt": frozenset({"connect"}), "tedious": frozenset({"Connection"}),
    "generic-pool": frozenset({"createPool"}), "applicationinsights": frozenset({"TelemetryClient"}),
    "puppeteer": frozenset({"launch", "connect"}), "puppeteer-core": frozenset({"launch", "connect"}),
    "playwright": frozenset({"chromium.launch", "firefox.launch", "webkit.launch"}),
    "playwright-core": frozenset({"chromium.launch", "firefox.launch", "webkit.launch"}),
    "https-proxy-agent": frozenset({"HttpsProxyAgent"}), "http-proxy-agent": frozenset(
        {"HttpProxyAgent"}), "socks-proxy-agent": frozenset({"SocksProxyAgent"}),
    "proxy-agent": frozenset({"ProxyAgent"}), "agentkeepalive": frozenset({"*", "HttpsAgent"}),
    "ssh2": frozenset({"Client"}), "ldapjs": frozenset({"createClient"}),
    "worker_threads": frozenset({"Worker"}), "node:worker_threads": frozenset({"Worker"}),
    # file watchers hold an inotify/FSEvents handle and a listener table until close()
    "chokidar": frozenset({"watch"}), "fs": frozenset({"watch"}),
    "node:fs": frozenset({"watch"}),
    "@aws-sdk/": frozenset({"*Client"}), "@azure/": frozenset({"*Client"}),
    "@google-cloud/": frozenset({"*Client", "Storage", "PubSub", "Firestore", "BigQuery"}),
}
# Functions that generate client classes (gRPC service stubs): `new` of what they return
# opens a channel.
CLIENT_GENERATORS: dict[str, frozenset[str]] = {
    "@grpc/grpc-js": frozenset({"loadPackageDefinition", "makeGenericClientConstructor",
                                "makeClientConstructor"}),
    "grpc": frozenset({"loadPackageDefinition", "makeGenericClientConstructor", "load"}),
}
# Methods of an open connection that open another resource on it (amqplib channels), counted
# when the file imports the package.
CONNECTION_METHODS: dict[str, frozenset[str]] = {
    "kafkajs": frozenset({"producer", "consumer", "admin"}),
    "amqplib": frozenset({"createChannel", "createConfirmChannel"}),
    "amqplib/callback_api": frozenset({"createChannel", "createConfirmChannel"}),
    "amqp-connection-manager": frozenset({"createChannel"}),
}
# A broker connection's channel, whatever module made the connection (`rabbit.createChannel()`).
_CHANNEL_METHODS = frozenset({"createChannel", "createConfirmChannel"})
_BROKER_NAME = re.compile(r"(conn|connection|amqp|rabbit\w*|broker)$", re.I)
# Any other package's `new FooClient(...)`, `new FooPool(...)`, `new FooConnection(...)`,
# except clients that hold no socket of their own and are meant to be made per request or
# render (React Query, Apollo's SSR client).
_UNKNOWN_RESOURCE = re.compile(r"^[A-Z]\w*(Client|Pool|Connection)$")
_NOT_RESOURCES = re.compile(r"(Query|Apollo|GraphQL|Mock|Fake|Test|Stub|Http)Client$")
# `net.createConnection` opens one socket on purpose (a proxy, a probe); not a pool.
SOCKET_MODULES = frozenset({"net", "tls", "http2"})
CLOSE_METHODS = frozenset({"end", "close", "quit", "disconnect", "destroy", "release",
                           "$disconnect", "terminate", "shutdown"})
# Calls that use a client or agent passed in an options object without keeping it
# (`fetch(url, { dispatcher })`, `axios.get(url, { httpAgent })`).
_USING_CALLS = frozenset({"fetch", "request", "get", "post", "put", "patch", "delete", "head",
                          "stream", "send", "query", "execute", "sendMail"})

_CALLED_NAMES = sorted(FACTORIES | {"create", "createTransport", "connect", "createClient",
                                    "createConnection", "createPool", "createChannel",
                                    "createConfirmChannel"}
                       | {n.rsplit(".", 1)[-1] for names in PACKAGE_RESOURCES.values()
                          for n in names if n[:1].islower()}
                       | {n for names in CONNECTION_METHODS.values() for n in names})
# The query keeps only calls whose name is in the tables (or a `create...Agent`), so the rule
# looks at a few calls per file, not every one.
_CREATIONS = file_query(f"""
(new_expression constructor: [(identifier) (member_expression)] @name) @create
(call_expression function: [(identifier) @name
                            (member_expression property: (property_identifier) @name)]
  (#match? @name "^({'|'.join(_CALLED_NAMES)}|create[A-Za-z0-9_]*Agent)$")) @create
""")
# The project's own additions (`resources` in the settings), matched only when it has some.
_ANY_CALL = "(call_expression function: [(identifier) (member_expression)] @name) @create"


class ClientPerRequest(Rule):
    """What it does:
    Finds a database pool, client, connection, queue or HTTP agent (`new Pool`, `createPool`,
    `new Redis`, `new MongoClient`, `axios.create`, `new Queue` of BullMQ, `new SQSClient`, an
    HTTP `Agent`, an amqplib channel, a file watcher of `chokidar` or `fs`, ...) created in a request handler, a job, a method of a
    long-lived service or any function that can run again, and not closed there on every path
    (a `finally`, or the function's own flow - not only an `if` branch or a `catch`). The table
    works through the file's imports (`new Queue` from `bullmq`, any `...Client` of an
    `@aws-sdk/` package, any other package's `new ...Client/...Pool/...Connection`), and
    `resources` in the settings extends it; a class the file declares as extending one of
    these (`class Db extends PrismaClient`) counts too, and an object the code makes and opens
    itself (`connect()`, `initialize()`) counts whatever its library. A factory's name called
    on a property of an object (`app.db.knex('jobs')`) is that object's method, not the
    library's factory, and `knex(...)` imported from a file of the project is the
    application's instance building a query; `knex()` without a config, or a local holding an
    instance (`const knex = Model.knex(); knex(table)`), makes none. A package whose default
    export opens one counts under whatever name the file gives it (`const Knex =
    require('knex'); Knex({...})`). Node's own `http`/`https` `Agent` counts only when its options may turn
    `keepAlive` on: without it the agent closes each socket when its request ends. A helper
    that only makes and
    returns one is followed to its callers. Also finds a client stored into a field or an
    outer variable by code that runs again and that the file shows being run (called, or
    handed on as a callback), replacing the previous one without closing it or looking first
    (`this.client = new pg.Client()` in a `connect()` every query calls), an early `return`
    before the `try` whose `finally` closes the client, and a
    close that an `await` which throws skips.

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
    Create the pool once, at module level (or lazily, once), and share it; or, for a client
    that must be per call, close it in `finally`.
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
        table = _Table(facts)
        matches = source.matches(_CREATIONS)
        extra = table.extra_names.union(*table.extra_packages.values())
        calls_open = table.calls_open
        if extra or calls_open:
            # the project's own additions, and `const Knex = require('knex'); Knex({...})`: a
            # package whose default export opens one, called under whatever name the file
            # gave it
            seen = {m["create"][0].id for m in matches}
            matches = matches + [m for m in source.matches(_ANY_CALL)
                                 if m["create"][0].id not in seen and (
                                     last_name(m["name"][0]) in extra
                                     or calls_open and m["name"][0].type == "identifier"
                                     and table.from_package(m["name"][0]))]
        closed_slots = _closed_slots(source)
        replaced: set[int] = set()
        for create, opened, slot in _slot_replacements(source, facts, table, matches,
                                                       closed_slots):
            replaced.add(create.id)
            if facts.runs_once_at_start_up(create):
                continue  # `init()` opens the one client
            yield self.finding(
                source, create,
                f"`{opened}` replaces the one in `{slot}` each time this runs, without closing "
                f"the previous one or checking whether there is one; close the old one first, "
                f"or create it once and reuse it")
        opened_here = _opened_locals(source)
        seen = {m["create"][0].id for m in matches}
        matches = matches + [{"create": [n]} for n in opened_here.values() if n.id not in seen]
        for match in matches:
            create = match["create"][0]
            what = table.resource_name(create)
            if what is None and create.id in opened_here:
                what = _spelled(create)
            if what is None or create.id in replaced:
                continue
            found = _opened_per_call(source, facts, create)
            if found is None:
                continue
            where = facts.describe(found)
            yield self.finding(
                source, create,
                f"`{what}` is created in {where}, so every call opens a new one and nothing "
                f"closes it on every path; create it once at module level and share it, or "
                f"close it in `finally`")


def _opened_per_call(source: SourceFile, facts: FileFacts, create: Node) -> Node | None:
    """The per-call function that opens this resource and neither closes it on every path nor
    hands it to someone who keeps it; None when there is none. A helper that only makes and
    returns the resource (`const getPool = () => new Pool(...)`) is followed to its callers."""
    scope = facts.per_call_scope(create)
    if scope is not None and _kept_locally(source, create, scope[0], scope[1]):
        return scope[0]
    if scope is not None and scope[1].startswith("called per resolve") and (
            _returning_helper(source, create) == scope[0]):
        return scope[0]  # a container's transient factory: nobody closes what it hands out
    if scope is not None and scope[1].startswith("constructed per") and _kept_in_unclosed_field(
            source, create):
        return scope[0]  # kept by an object made per call, which never closes it
    if scope is None:
        # a method or named function that can run again: a client it opens, keeps to itself
        # and does not close on every path is one more open client per run
        function = facts.repeatable_scope(create)
        if function is not None and not _guarded_once(function) and _used(
                source, create, function) and _kept_locally(source, create, function, "called"):
            return function
    helper = _returning_helper(source, create)
    if helper is None:
        return None
    name = source.function_name(helper)
    for use in source.identifiers(name) if name else []:
        call = use.parent
        if call is None or call.type != "call_expression" or (
                call.child_by_field_name("function") != use):
            continue
        caller = facts.per_call_scope(call)
        if caller is not None and caller[0].id != helper.id and _kept_locally(
                source, call, caller[0], caller[1]):
            return caller[0]
    return None


_AGENT_FACTORY = re.compile(r"^create\w*Agent$")


def _is_agent(create: Node) -> bool:
    """An HTTP agent (`new https.Agent`, `new ProxyAgent`, `createTunnelAgent(...)`): meant to
    be shared; one per request keeps its keep-alive sockets open after the request."""
    callee = create.child_by_field_name("constructor" if create.type == "new_expression"
                                        else "function")
    name = last_name(callee) if callee is not None else ""
    return name.endswith("Agent") if create.type == "new_expression" else bool(
        _AGENT_FACTORY.match(name))


def _into_local_options(source: SourceFile, use: Node, holder: Node, function: Node) -> bool:
    """`init.agent = agent` / `init.agent = tunnel.agent` / `{ agent }` where `init` is an
    object this function declares: the request options of this one call."""
    node = holder
    if node.type == "member_expression" and (node.child_by_field_name("object") == use):
        node = outer(node).parent or node  # `tunnel.agent` used as a value
    if node.type in ("pair", "shorthand_property_identifier", "object"):
        return True
    if node.type != "assignment_expression":
        return False
    left = node.child_by_field_name("left")
    root = root_identifier(left) if left is not None else None
    return root is not None and left is not None and left.type == "member_expression" and (
        text(root) in source.declared_names(function))


def _guarded_once(function: Node) -> bool:
    """The function starts by returning when its work is already done (`if (x.connection)
    return;`): an idempotent initialiser, which opens at most one."""
    body = function.child_by_field_name("body")
    first = body.named_children[0] if body is not None and body.named_children else None
    if first is None or first.type != "if_statement":
        return False
    consequence = first.child_by_field_name("consequence")
    if consequence is None or not (consequence.type == "return_statement" or any(
            c.type == "return_statement" for c in consequence.named_children)):
        return False
    # the test looks at state that outlives the call (`this.client`, a module variable), not
    # only at the call's own arguments (`if (message.type === 'ping') return`)
    own = set(parameter_names(function)) | {"undefined", "NaN"}
    condition = first.child_by_field_name("condition")
    return condition is not None and any(
        node.type == "this" or node.type == "identifier" and text(node) not in own and (
            node.parent is None or node.parent.type != "member_expression"
            or node.parent.child_by_field_name("object") == node)
        for node in descendants(condition))


def _used(source: SourceFile, create: Node, function: Node) -> bool:
    """Something is done with the new resource (`client.get(...)`, `sqs.send(...)`, `db('users')`),
    not only configured (`conn.models = ...`): a client opened to be used, not one being set
    up."""
    if _is_agent(create):
        return True  # made to go into a request's options
    parent = outer(create).parent
    if parent is None or parent.type != "variable_declarator":
        return True
    local = parent.child_by_field_name("name")
    if local is None or local.type != "identifier":
        return True
    for use in source.identifiers(text(local), function):
        holder = use.parent
        if holder is not None and holder.type == "call_expression" and (
                holder.child_by_field_name("function") == use):
            return True  # `db('users')`: a knex instance is called to query
        if holder is None or holder.type != "member_expression":
            continue
        while holder.parent is not None and holder.parent.type == "member_expression" and (
                holder.parent.child_by_field_name("object") == holder):
            holder = holder.parent  # `prisma.user.findMany(...)`: a method of a part of it
        if holder.parent is not None and holder.parent.type == "call_expression":
            return True
    return False


def _returning_helper(source: SourceFile, create: Node) -> Node | None:
    """The function whose result is this new resource: `return new Pool()` or `() => new
    Pool()` (not a lazy `return pool || (pool = new Pool())`, which keeps it)."""
    node = outer(create)
    parent = node.parent
    function = source.enclosing_function(create)
    if function is None or parent is None:
        return None
    if parent.type == "return_statement" or parent.id == function.id:
        return function
    return None


class _Table:
    """The constructors and factories that open a resource, for one file: the built-in names,
    the packages it imports, and the project's own (`resources` in the settings: `Name` for
    any import, `package:Name` for one package's)."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.imports = facts.imports
        self.extra_names = {e for e in facts.extra_resources if ":" not in e}
        self.extra_packages: dict[str, set[str]] = {}
        for entry in facts.extra_resources:
            if ":" in entry:
                package, name = entry.rsplit(":", 1)
                self.extra_packages.setdefault(package, set()).add(name)
        self.packages = {package for package, _ in self.imports.values()}
        self.methods = frozenset().union(*(CONNECTION_METHODS.get(p, frozenset())
                                           for p in self.packages))

    def _database_module(self, owner: Node | None) -> bool:
        """`rdb` in `rdb.connect()` names a database module: its name or the path it is
        required from says so (`require('../database/redis')`, `import * as db from './db'`)."""
        if owner is None or owner.type != "identifier":
            return False
        name = text(owner)
        imported = self.imports.get(name)
        if imported is not None:  # the project's own module, not a package
            return imported[0].startswith(".") and _DATABASE_WORD.search(
                imported[0].rsplit("/", 1)[-1]) is not None
        return _required_from_database(self.facts, owner)

    @property
    def calls_open(self) -> bool:
        """The file imports a package whose default export opens a resource when called
        (`knex`, `ioredis`, `bull`), under whatever name it gives it."""
        return any("*" in self._package_names(package) for package in self.packages)

    def _package_names(self, package: str) -> frozenset[str] | set[str]:
        names = PACKAGE_RESOURCES.get(package)
        if names is None:
            names = next((n for prefix, n in PACKAGE_RESOURCES.items()
                          if prefix.endswith("/") and package.startswith(prefix)), frozenset())
        extra = self.extra_packages.get(package)
        return names | extra if extra else names

    def from_package(self, callee: Node) -> bool:
        imported = self.facts.imported_from_package(callee)
        if imported is None:
            return False
        package, name = imported
        names = self._package_names(package)
        if name in names:  # "*": the package's default export itself
            return True
        if "*Client" in names and name.endswith("Client"):
            return True
        return _UNKNOWN_RESOURCE.match(name) is not None and (
            _NOT_RESOURCES.search(name) is None) and callee.parent is not None and (
            callee.parent.type == "new_expression")

    def _agent_without_keep_alive(self, callee: Node, create: Node) -> bool:
        """`new https.Agent({ rejectUnauthorized: false })`: Node's own agent, without
        `keepAlive`, closes each socket when its request ends; dropping it leaves nothing open.
        Options it cannot read (a variable, a spread) may turn keep-alive on."""
        imported = self.facts.imported_from_package(callee)
        if imported is None or imported[0].removeprefix("node:") not in ("http", "https"):
            return False
        arguments = create.child_by_field_name("arguments")
        given = [a for a in arguments.named_children if a.type != "comment"] if (
            arguments is not None) else []
        if not given:
            return True
        options = unwrap(given[0])
        if options.type != "object":
            return False
        for part in options.named_children:
            key = part.child_by_field_name("key") if part.type == "pair" else part
            if key is not None and text(key).strip("'\"") == "keepAlive":
                value = part.child_by_field_name("value") if part.type == "pair" else None
                return value is not None and text(value) == "false"
            if part.type == "spread_element":
                return False
        return True

    def _generated_client(self, callee: Node) -> bool:
        """`new api.IngestService(addr, creds)` where `api` comes from a package's client
        generator (`grpc.loadPackageDefinition(def).com.x.v1`): each is a channel."""
        root = root_identifier(callee)
        if root is None or root == callee:
            return False
        function = self.facts.source.enclosing_function(callee)
        for scope in (function, None):
            declarator = next(self.facts.source.declarators(text(root), scope), None)
            value = declarator.child_by_field_name("value") if declarator is not None else None
            while value is not None and value.type in ("member_expression", "call_expression",
                                                       "subscript_expression"):
                if value.type == "call_expression":
                    generator = value.child_by_field_name("function")
                    imported = self.facts.imported_from_package(generator) \
                        if generator is not None else None
                    if imported is not None and generator is not None and last_name(
                            generator) in (
                            CLIENT_GENERATORS.get(imported[0], frozenset())):
                        return True
                    value = generator
                else:
                    value = value.child_by_field_name("object")
            if declarator is not None:
                return False
        return False

    def _subclass_of_resource(self, callee: Node, depth: int = 0) -> bool:
        """`new PrismaService()` where this file declares `class PrismaService extends
        PrismaClient`: an object of a subclass opens what its base class opens."""
        if callee.type != "identifier" or depth > 3:
            return False
        for match in self.facts.source.matches(_CLASS_DECLARATIONS):
            if text(match["name"][0]) == text(callee):
                base = _base_class(match["class"][0])
                return base is not None and self._constructs_resource(base, depth + 1)
        return False

    def _constructs_resource(self, callee_node: Node, depth: int = 0) -> bool:
        """`new <callee_node>(...)` opens a pool, client or connection."""
        callee = text(callee_node)
        short = callee.rsplit(".", 1)[-1]
        if callee in self.extra_names or short in self.extra_names or (
                self.from_package(callee_node)):
            return True
        if callee in CONSTRUCTORS or (short in CONSTRUCTORS and short not in ("Cluster",)):
            return True
        if short == "Cluster" and callee.split(".")[0] in ("Redis", "IORedis"):
            return True
        if short == "Client" and callee.split(".")[0] in ("pg", "redis", "memjs"):
            return True
        return self._generated_client(callee_node) or self._subclass_of_resource(
            callee_node, depth)

    def resource_name(self, create: Node) -> str | None:
        if create.type == "new_expression":
            callee_node = create.child_by_field_name("constructor")
            if callee_node is None or not self._constructs_resource(callee_node) or (
                    self._agent_without_keep_alive(callee_node, create)):
                return None
            return f"new {text(callee_node)}"
        function = create.child_by_field_name("function")
        if function is None or (function.type == "member_expression" and unwrap(
                function.child_by_field_name("object") or function).type == "this"):
            return None  # `this.createConnection()`: the class's own method, not a library's
        name = last_name(function)
        if _AGENT_FACTORY.match(name):
            return f"{text(function)}()"
        if name not in _FACTORY_NAMES and name not in _CHANNEL_METHODS and (
                name not in self.extra_names) and (
                name not in self.methods) and not (
                function.type == "identifier" and name in self.imports):
            return None
        callee = text(function)
        if callee in self.extra_names or (name in self.extra_names
                                          and function.type == "identifier"):
            return f"{callee}()"
        if self.from_package(function):
            return f"{callee}()"
        imported = self.facts.imported_from_package(function)
        if imported is not None and not self._package_names(imported[0]):
            return None  # another package's `createClient` (a hosted API's), not in the table
        if function.type == "member_expression" and (name in self.methods or (
                name in _CHANNEL_METHODS and _BROKER_NAME.search(
                    last_name(function.child_by_field_name("object") or function)))):
            return f"{callee}()"
        if name in _DATABASE_OPENERS and function.type == "member_expression" and (
                self._database_module(function.child_by_field_name("object"))) and (
                _declared_with(create)):
            return f"{callee}()"  # `const cxn = rdb.connect()`, not an idempotent `await db.connect()`
        if callee in ("axios.create", "amqp.connect", "amqplib.connect"):
            return f"{callee}()"
        if name not in FACTORIES:
            return None
        arguments = create.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments is not None and (
            arguments.named_children) else None
        if name in ("knex", "Knex") and (
                first is None or first.type in ("string", "template_string")
                or self.facts.imported_from_project(function)
                or function.type == "identifier" and any(
                    name in self.facts.source.declared_names(around)
                    for around in self.facts.source.enclosing_functions(function))):
            # knex makes an instance only from a config: `knex('users')` queries one,
            # `Model.knex()` returns the one bound to it (objection's getter), and so do
            # `const knex = require('../lib/knex'); knex(table)` (the app's instance) and
            # `const knex = this.knex(); knex(table)` (a local holding one)
            return None
        if function.type == "member_expression":
            owner = unwrap(function.child_by_field_name("object") or function)
            if text(owner) in SOCKET_MODULES or owner.type != "identifier":
                return None  # `app.db.knex('jobs')`: a method of an object the app made, not
                # a library's factory (`mysql.createPool`, `redis.createClient`)
        elif name == "createConnection":
            return None  # a bare createConnection is usually net's, imported by name
        return f"{callee}()"


# `class PrismaService extends PrismaClient`.
_CLASS_DECLARATIONS = file_query("(class_declaration name: (_) @name) @class")


def _base_class(declaration: Node) -> Node | None:
    """`PrismaClient` in `class X extends PrismaClient` (the two grammars spell it apart)."""
    heritage = next((c for c in declaration.named_children if c.type == "class_heritage"),
                    None)
    for child in heritage.named_children if heritage is not None else []:
        if child.type == "extends_clause":
            child = child.child_by_field_name("value") or child
        if child.type in ("identifier", "member_expression"):
            return child
    return None


# `x.connect()` / `x.createClient()` on the project's own database module.
_DATABASE_OPENERS = frozenset({"connect", "createClient", "createConnection", "createPool"})
_DATABASE_WORD = re.compile(r"^(redis|mongo\w*|database|db|postgres\w*|pg|mysql|sql\w*|"
                            r"memcache\w*|amqp|rabbit\w*|kafka|nats|mqtt|elastic\w*|"
                            r"cassandra)$", re.I)


def _declared_with(create: Node) -> bool:
    parent = outer(create).parent
    return parent is not None and parent.type == "variable_declarator"


def _required_from_database(facts: FileFacts, owner: Node) -> bool:
    """`owner` is a local `const rdb = require('<path ending in a database word>')`."""
    function = facts.source.enclosing_function(owner)
    declarator = next(facts.source.declarators(text(owner), function), None)
    if declarator is None:
        return False
    value = declarator.child_by_field_name("value")
    value = unwrap(value) if value is not None else None
    if value is None or value.type != "call_expression" or text(
            value.child_by_field_name("function")) != "require":
        return False
    arguments = value.child_by_field_name("arguments")
    first = arguments.named_children[0] if arguments is not None and (
        arguments.named_children) else None
    path = text(first).strip("'\"`") if first is not None else ""
    return path.startswith(".") and _DATABASE_WORD.search(path.rsplit("/", 1)[-1]) is not None


_FACTORY_NAMES = frozenset(FACTORIES | _DATABASE_OPENERS | {"create", "createTransport"}
                           | {n.rsplit(".", 1)[-1] for names in PACKAGE_RESOURCES.values()
                              for n in names if n[:1].islower()})


def _closes(use: Node, holder: Node, function: Node) -> bool:
    """`x.close()` (or end/quit/...) that runs on every path out of `function`: in a `finally`
    block or a `.finally()`/event callback, or not inside an `if`, `catch`, `case`, `?:`,
    `&&`/`||` of `function` itself."""
    if holder.type != "member_expression":
        return False
    if text(holder.child_by_field_name("property")) not in CLOSE_METHODS:
        # `finally { await client.finish() }`: a call with no arguments on the client in a
        # `finally` block is its cleanup, whatever the library calls it
        call = holder.parent
        arguments = call.child_by_field_name("arguments") if call is not None and (
            call.type == "call_expression") else None
        if arguments is None or [a for a in arguments.named_children if a.type != "comment"]:
            return False
        node = call
        while node is not None and node.id != function.id and node.type != "finally_clause":
            node = node.parent
        return node is not None and node.type == "finally_clause"
    node = holder.parent
    branch = False
    while node is not None and node.id != function.id:
        if node.type == "finally_clause":
            return True  # `finally { if (c) c.close() }` too
        if node.type in ("if_statement", "else_clause", "catch_clause", "switch_case",
                         "ternary_expression") or (node.type == "binary_expression" and text(
                             node.child_by_field_name("operator")) in ("&&", "||", "??")):
            branch = True
        node = node.parent
    return not branch


def _left_before_close(create: Node, close: Node, function: Node, local: str) -> bool:
    """A `return` of the function's own that comes after the client is made and before the
    close, outside the `try` whose `finally` closes it, and that neither closes the client
    first nor hands it back: that path leaves it open (a plan returned early for new tables,
    with the connection still open)."""
    guard = close.parent
    while guard is not None and guard.id != function.id and guard.type != "finally_clause":
        guard = guard.parent
    protected = guard.parent if guard is not None and guard.type == "finally_clause" else None
    for node in own_nodes(function):
        if node.type != "return_statement" or not (
                create.end_byte <= node.start_byte < close.start_byte):
            continue
        if protected is not None and protected.start_byte <= node.start_byte < (
                protected.end_byte):
            continue  # inside the try its finally closes
        if local in {text(n) for n in descendants(node) if n.type == "identifier"}:
            continue  # handed back: the caller owns it
        block = node.parent
        if block is not None and any(
                sibling.end_byte <= node.start_byte and f"{local}." in text(sibling) and any(
                    f"{local}.{m}(" in text(sibling) for m in CLOSE_METHODS)
                for sibling in block.named_children):
            continue  # closed just before this return
        return True
    return False


def _waits_for_exit(holder: Node) -> bool:
    """`worker.once('exit', ...)` / `child.on('exit', ...)`."""
    call = holder.parent
    if holder.type != "member_expression" or call is None or call.type != "call_expression" or (
            text(holder.child_by_field_name("property")) not in ("on", "once")):
        return False
    arguments = call.child_by_field_name("arguments")
    first = arguments.named_children[0] if arguments is not None and (
        arguments.named_children) else None
    return first is not None and text(first).strip("'\"`") == "exit"


def _skipped_by_a_throw(source: SourceFile, create: Node, close: Node, function: Node,
                        local: str) -> bool:
    """The close runs in the function's own flow, not in a `finally`, after an `await` that
    may throw (other than the client's own connect): a call that fails skips it, and the
    client stays open. An `await` inside a `try` whose `catch` or `finally` closes the client
    is covered."""
    node = close.parent
    while node is not None and node.id != function.id:
        if node.type in ("finally_clause",) or node.type in FUNCTION_TYPES:
            return False  # in a finally block, or in a callback (an 'end' listener)
        node = node.parent
    for candidate in own_nodes(function):
        if candidate.type != "await_expression" or not (
                create.end_byte <= candidate.start_byte and candidate.end_byte <= close.start_byte):
            continue
        awaited = candidate.named_children[0] if candidate.named_children else None
        callee = awaited.child_by_field_name("function") if awaited is not None and (
            awaited.type == "call_expression") else None
        if callee is not None and callee.type == "member_expression" and text(
                callee.child_by_field_name("object")) == local and last_name(
                callee) in OPEN_METHODS:
            continue  # `await client.connect()`: if it fails there is nothing open
        if not _in_try_that_closes(candidate, function, local) and not _in_handler(
                candidate, function):
            return True
    return False


def _in_handler(node: Node, function: Node) -> bool:
    """In a `catch` or `finally` block: it runs on the way out, not before the close."""
    parent = node.parent
    while parent is not None and parent.id != function.id:
        if parent.type in ("catch_clause", "finally_clause"):
            return True
        parent = parent.parent
    return False


def _in_try_that_closes(node: Node, function: Node, local: str) -> bool:
    parent = node.parent
    while parent is not None and parent.id != function.id:
        if parent.type == "try_statement":
            handlers = [parent.child_by_field_name("handler"),
                        parent.child_by_field_name("finalizer")]
            if any(h is not None and any(f"{local}.{m}(" in text(h) or f"{local}?.{m}(" in text(h)
                                         for m in CLOSE_METHODS) for h in handlers):
                return True
        parent = parent.parent
    return False


def _back_to_its_maker(arguments: Node, create: Node) -> bool:
    """`rdb.info(cxn, ...)` where `cxn = rdb.connect()`: a method of the same object."""
    call = arguments.parent
    callee = call.child_by_field_name("function") if call is not None else None
    maker = create.child_by_field_name("function") if create.type == "call_expression" else None
    if callee is None or maker is None or callee.type != "member_expression" or (
            maker.type != "member_expression"):
        return False
    return text(callee.child_by_field_name("object")) == text(maker.child_by_field_name("object"))


def _hands_on_part(holder: Node) -> bool:
    """`existing = connection.socket`, `return client.stream`: a part of the resource is kept
    by someone else, who owns closing it."""
    if holder.type != "member_expression":
        return False
    node = outer(holder)
    parent = node.parent
    if parent is None or parent.type == "call_expression":
        return False
    if parent.type == "assignment_expression":
        return parent.child_by_field_name("right") == node
    if parent.type == "arguments" and _binding_call(parent):
        return False  # `promisify(client.get)`: a method, to call on the client
    if parent.type == "arguments" and parent.parent is not None and (
            parent.parent.parent is not None
            and parent.parent.parent.type == "await_expression"):
        return False  # `await repo.save(order, runner.manager)`: used for that call only
    return parent.type in ("return_statement", "variable_declarator", "arguments")


# Calls that wrap a function or set its `this` without keeping the object for themselves.
_BINDING_CALLS = frozenset({"bind", "call", "apply", "promisify", "callbackify"})


def _binding_call(arguments: Node) -> bool:
    call = arguments.parent
    callee = call.child_by_field_name("function") if call is not None else None
    return callee is not None and last_name(callee) in _BINDING_CALLS


def _passed_for_use(holder: Node) -> bool:
    """`{ dispatcher }` / `{ agent: a }` in the options of a call that only uses it."""
    node: Node | None = holder
    while node is not None and node.type in ("pair", "shorthand_property_identifier",
                                             "object"):
        node = node.parent
    if node is None or node.type != "arguments" or node.parent is None:
        return False
    callee = node.parent.child_by_field_name("function")
    return node.parent.type == "call_expression" and callee is not None and (
        last_name(callee) in _USING_CALLS)


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
    agent = _is_agent(create)
    node = outer(create)
    parent = node.parent
    while agent and parent is not None and (parent.type == "ternary_expression" or (
            parent.type == "binary_expression" and parent.child_by_field_name("right") == node
            and text(parent.child_by_field_name("operator")) in ("||", "??"))):
        # `const agent = https ? new https.Agent() : new http.Agent()`, and the fallback
        # `opts.agent || new http.Agent()`: made per call whenever none is configured
        node = outer(parent)
        parent = node.parent
    if parent is None:
        return False
    wrapper = parent.parent if parent.type == "arguments" else None
    kept_as = outer(wrapper).parent if wrapper is not None else None
    if wrapper is not None and wrapper.type in ("call_expression", "new_expression") and (
            kept_as is not None and kept_as.type == "variable_declarator"):
        # `const db = Document.from(new Client())`: the wrapper the call keeps holds the
        # client; it is this call's as long as the wrapper is
        return _kept_locally(source, wrapper, function, reason)
    if parent.type == "member_expression":
        # `new Pool().query(...)`: used once and dropped; `(await connect()).socket` keeps a part
        return not _hands_on_part(parent)
    arguments = create.child_by_field_name("arguments")
    if arguments is not None and any(unwrap(a).type in FUNCTION_TYPES
                                     for a in arguments.named_children):
        return False  # `createConnection(opts, (err, conn) => ...)`: the callback gets it
    if parent.type == "expression_statement":
        return True
    if agent and parent.type == "assignment_expression" and parent.child_by_field_name(
            "right") == node and _into_local_options(source, node, parent, function):
        return True  # `options.agent = new https.Agent()`: this call's own request options
    if parent.type != "variable_declarator" or parent.child_by_field_name("value") != node:
        return False
    local = parent.child_by_field_name("name")
    if local is None or local.type != "identifier":
        return False
    for use in source.identifiers(text(local), function):
        holder = outer(use).parent
        if holder is None or use == local:
            continue
        if _waits_for_exit(holder):
            return False  # a thread or process the code waits to see exit ends by itself
        if _closes(use, holder, function) and not _skipped_by_a_throw(
                source, create, use, function, text(local)) and not _left_before_close(
                create, use, function, text(local)):
            return False
        if agent and _into_local_options(source, use, holder, function):
            continue  # `init.agent = agent`: the options of this call's own request
        if _hands_on_part(holder):
            return False
        if holder.type == "assignment_expression" and own:
            target = root_identifier(holder.child_by_field_name("left") or holder)
            if target is not None and text(target) in own:
                continue  # `event.context.db = client`: kept on this request's objects
        if handler and _returned(use, function):
            continue  # a per-request context object: nobody closes it either
        if holder.type in ("pair", "shorthand_property_identifier") or (
                use.type == "shorthand_property_identifier"):
            if _passed_for_use(use if use.type == "shorthand_property_identifier" else holder):
                continue
            return False
        if holder.type == "arguments" and (_back_to_its_maker(holder, create)
                                           or _binding_call(holder)):
            continue  # `rdb.info(cxn)`, `get.bind(client)`: used, not handed to a new owner
        if holder.type in ("return_statement", "arguments", "assignment_expression",
                           "array", "arrow_function"):
            return False
    return True


_CLOSE_CALLS = file_query("""
(call_expression function: (member_expression object: (_) @slot
  property: (property_identifier) @method)
  (#any-of? @method "end" "close" "quit" "disconnect" "destroy" "release" "$disconnect"
   "terminate" "shutdown" "connect" "open" "listen" "initialize")) @call
""")


_NEWS = file_query("(assignment_expression right: (new_expression) @new)")


def _closed_slots(source: SourceFile) -> dict[str, list[Node]]:
    """`this.client`, `pool`, ... -> the calls that close what they hold (`this.client.end()`,
    `pool?.close()`): the file itself says the object there is a resource to close."""
    found: dict[str, list[Node]] = {}
    for match in source.matches(_CLOSE_CALLS):
        if text(match["method"][0]) in CLOSE_METHODS:
            found.setdefault(_slot_text(match["slot"][0]), []).append(match["call"][0])
    return found


def _slot_text(node: Node) -> str:
    return text(unwrap(node)).replace("?.", ".").replace("self.", "this.", 1)


def _slot_replacements(source: SourceFile, facts: FileFacts, table: _Table,
                       matches: list[dict[str, list[Node]]],
                       closed_slots: dict[str, list[Node]]) -> list[tuple[Node, str, str]]:
    """A client stored into a field or an outer variable (`this.client = new pg.Client()`,
    `singleton = createRedisInstance()`) by code that runs again, with no look at what is
    there first and no close of it: each run drops the previous client unclosed. The client
    is a resource by the table, by a same-file helper that returns one, or because the file
    closes what that slot holds (`this.client.end()` in `disconnect()`)."""
    candidates: dict[int, tuple[Node, str]] = {}
    for match in matches:
        create = match["create"][0]
        what = table.resource_name(create)
        if what is None:
            continue
        candidates[create.id] = (create, what)
        helper = _returning_helper(source, create)
        name = source.function_name(helper) if helper is not None else ""
        for use in source.identifiers(name) if name else []:
            call = use.parent
            if call is not None and call.type == "call_expression" and (
                    call.child_by_field_name("function") == use):
                candidates.setdefault(call.id, (call, f"{name}()"))
    for new in [m["new"][0] for m in source.matches(_NEWS)] if closed_slots else []:
        candidates.setdefault(new.id, (new, f"new {text(new.child_by_field_name('constructor'))}"))
    found = []
    for create, what in candidates.values():
        node = outer(create)
        assignment = node.parent
        if assignment is None or assignment.type != "assignment_expression" or (
                assignment.child_by_field_name("right") != node):
            continue
        left = assignment.child_by_field_name("left")
        if left is None:
            continue
        slot = _slot_text(left)
        own_field = slot.startswith("this.") and slot.count(".") == 1
        function = source.enclosing_function(create)
        if create.type == "new_expression" and table.resource_name(create) is None and (
                slot not in closed_slots or function is None
                or not _opened(source, function, slot, assignment)):
            continue
        if function is None or not (own_field or (
                left.type == "identifier" and text(left) not in source.declared_names(function)
                and not source.is_global_object(left))):
            continue
        if facts.repeats(create, per_object=own_field) is None or (
                facts.per_call_scope(create) is None and not _called_in_file(source, function)):
            continue  # nothing in the file runs it again (an `init()` the host calls once)
        if _looked_at_or_closed(source, function, assignment, slot, closed_slots):
            continue
        found.append((create, what, slot))
    return found


def _called_in_file(source: SourceFile, function: Node) -> bool:
    """Some code in the file calls the function around the replacement (or a named function
    around it), or hands it on as a callback: the file itself shows it being run."""
    for around in (function, *source.enclosing_functions(function)):
        name = source.function_name(around)
        if not name:
            if around.parent is not None and around.parent.type == "arguments":
                return True  # a callback: whoever it is handed to runs it
            continue
        holder = outer(around).parent
        method = around.type == "method_definition" or holder is not None and (
            holder.type == "pair" or holder.type == "assignment_expression" and (
                holder.child_by_field_name("left") or holder).type == "member_expression")
        # `lockClient.init()` calls the client's own method, not an `init()` function
        for use in source.identifiers(name) + (source.property_names(name) if method else []):
            holder = use.parent
            if holder is not None and holder.type == "member_expression":
                holder = holder.parent
            if holder is not None and holder.type in ("call_expression", "arguments"):
                return True
    return False


# Methods that open what an object holds (sockets, files, a server): called on a new object it
# says the object is a live resource, not a plain value.
OPEN_METHODS = frozenset({"connect", "open", "listen", "initialize"})


def _opened(source: SourceFile, function: Node, slot: str, after: Node) -> bool:
    """`this.client.connect(...)` after the assignment, in the same function."""
    for match in source.matches(_CLOSE_CALLS, function):
        call = match["call"][0]
        if call.start_byte > after.start_byte and text(match["method"][0]) in OPEN_METHODS \
                and _slot_text(match["slot"][0]) == slot:
            return True
    return False


def _kept_in_unclosed_field(source: SourceFile, create: Node) -> bool:
    """`this.client = new Redis()` where nothing in the file closes `this.client`."""
    assignment = outer(create).parent
    if assignment is None or assignment.type != "assignment_expression":
        return False
    left = assignment.child_by_field_name("left")
    if left is None or left.type != "member_expression" or unwrap(
            left.child_by_field_name("object") or left).type != "this":
        return False
    return _slot_text(left) not in _closed_slots(source)


def _opened_locals(source: SourceFile) -> dict[int, Node]:
    """Objects made in a function and opened there (`const replica = new DataSource(...);
    await replica.initialize()`, `const sub = client.duplicate(); await sub.connect()`):
    whatever their library, the code itself says they hold connections. Node id -> the
    expression that made the object."""
    found: dict[int, Node] = {}
    for match in source.matches(_CLOSE_CALLS):
        if text(match["method"][0]) not in OPEN_METHODS:
            continue
        local = unwrap(match["slot"][0])
        function = source.enclosing_function(local)
        if local.type != "identifier" or function is None:
            continue
        declarator = next(source.declarators(text(local), function), None)
        value = declarator.child_by_field_name("value") if declarator is not None else None
        value = unwrap(value) if value is not None else None
        if value is not None and value.type == "await_expression" and value.named_children:
            value = unwrap(value.named_children[0])
        if value is None or value.type not in ("new_expression", "call_expression") or (
                source.enclosing_function(value) != function):
            continue
        callee = value.child_by_field_name(
            "constructor" if value.type == "new_expression" else "function")
        if callee is None or last_name(callee) in ("require", "import") or (
                last_name(callee) in _CHECKOUTS) or unwrap(callee).type == "this" or (
                callee.type == "member_expression" and unwrap(
                    callee.child_by_field_name("object") or callee).type == "this"):
            continue  # a checkout, or the object's own factory (it keeps what it makes)
        arguments = value.child_by_field_name("arguments")
        if arguments is not None and any(unwrap(a).type in ("this", "identifier")
                                         for a in arguments.named_children):
            continue  # wraps something the caller already holds (a socket, its owner)
        statement = outer(match["call"][0]).parent
        if statement is not None and statement.type == "await_expression":
            statement = outer(statement).parent
        if statement is None or statement.type != "expression_statement":
            continue  # `const client = await pool.connect()`: a checkout, not an open
        found[value.id] = value
    return found


# `pool.connect()`, `pool.acquire()`: a client lent by a pool, given back with release()
_CHECKOUTS = frozenset({"connect", "acquire", "getConnection", "checkout"})


def _spelled(create: Node) -> str:
    if create.type == "new_expression":
        return f"new {text(create.child_by_field_name('constructor'))}"
    return f"{text(create.child_by_field_name('function'))}()"


def _looked_at_or_closed(source: SourceFile, function: Node, assignment: Node, slot: str,
                         closed_slots: dict[str, list[Node]]) -> bool:
    """The function tests the slot (`if (this.client)`, `if (!pool) ...`, an early return when
    one is there) or closes what it holds before replacing it - itself or through a method
    of the object that does (`this.disconnect()`)."""
    for node in own_nodes(function):
        if node.type in ("if_statement", "ternary_expression", "while_statement"):
            condition = node.child_by_field_name("condition")
            if condition is not None and slot in _slot_text(condition):
                return True
    for call in closed_slots.get(slot, []):
        if function.start_byte <= call.start_byte < assignment.start_byte:
            return True
    closers = {source.function_name(f) for call in closed_slots.get(slot, [])
               if (f := source.enclosing_function(call)) is not None}
    for node in own_nodes(function):
        if node.type == "call_expression" and node.end_byte <= assignment.start_byte:
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "member_expression" and unwrap(
                    callee.child_by_field_name("object") or callee).type in ("this",) and (
                    last_name(callee) in closers):
                return True
    return False
