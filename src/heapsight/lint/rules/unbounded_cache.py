"""cache-without-eviction (unbounded-cache)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import FUNCTIONS_QUERY, SourceFile, file_query, outer, text
from heapsight.lint.usage import Usage, classify, collection_kind

_THIS_MEMBERS = file_query(
    "(member_expression object: (this) property: (property_identifier) @name) @member")
# Class fields are spelled differently by the two grammars.


class CacheWithoutEviction(Rule):
    """What it does:
    Finds a Map or plain object used as a read-through cache - looked up with `get`/`has`/`[key]`
    and then filled with `set`/`[key] =` in the same function - that nothing ever evicts from:
    no `delete`, no `clear`, no size check, no TTL, no replacement.

    Why is this bad?
    A cache keyed by user ids, URLs or query strings has as many keys as the traffic has. Without
    eviction it is a leak with a good excuse: every distinct key stays in the heap forever.

    Example:
    ```js
    const userCache = new Map();
    async function getUser(id) {
      if (userCache.has(id)) return userCache.get(id);
      const user = await db.users.find(id);
      userCache.set(id, user);
      return user;
    }
    ```

    Use instead:
    Use an LRU with a TTL (for example `lru-cache`'s `new LRUCache({ max: 500, ttl: 60_000 })`),
    or evict yourself when the map passes a maximum size.
    ```js
    const userCache = new Map();
    async function getUser(id) {
      if (userCache.has(id)) return userCache.get(id);
      const user = await db.users.find(id);
      if (userCache.size >= 500) userCache.delete(userCache.keys().next().value);
      userCache.set(id, user);
      return user;
    }
    ```
    """

    id = "cache-without-eviction"
    category = "unbounded-cache"
    summary = "A Map/object read-through cache that never evicts"
    fix = "Use an LRU with a TTL (e.g. lru-cache) or evict past a maximum size"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        for declarator in source.module_declarators():
            name_node = declarator.child_by_field_name("name")
            kind = collection_kind(declarator.child_by_field_name("value"))
            if kind not in ("map", "object") or name_node is None or (
                    name_node.type != "identifier"):
                continue
            if declarator.parent is not None and declarator.parent.parent is not None and (
                    declarator.parent.parent.type == "export_statement"):
                continue
            name = text(name_node)
            uses = [u for u in source.identifiers(name) if u != name_node]
            if not classify(source, uses, name, kind).grows_in_functions(source):
                continue  # the common case, decided before the costlier scope checks
            uses = [u for u in uses
                    if u.type != "identifier" or source.is_module_binding(u)]
            finding = self._check_usage(source, facts, classify(source, uses, name, kind), name, kind)
            if finding is not None:
                yield finding
        yield from self._check_factory_closures(source, facts)
        yield from self._check_class_fields(source, facts)
        yield from self._check_memory_stores(source)

    def _check_memory_stores(self, source: SourceFile) -> Iterator[Finding]:
        """Middleware whose default store is an in-memory map that never prunes (table below)."""
        for module, option in IN_MEMORY_DEFAULT_STORES.items():
            if module.encode() not in source.source:
                continue
            for match in source.matches(_CALLS_BY_NAME):
                callee = match["callee"][0]
                if not _bound_to_module(source, callee, module):
                    continue
                arguments = match["args"][0].named_children
                options = arguments[0] if arguments else None
                if options is not None and options.type == "object" and any(
                        text(member.child_by_field_name("key") or member) == option
                        for member in options.named_children):
                    continue
                yield self.finding(
                    source, match["call"][0],
                    f"`{text(callee)}(...)` from {module} without `{option}` keeps every "
                    f"entry in its default in-memory store, which never prunes expired ones; "
                    f"give it a store that expires entries")

    def _check_factory_closures(self, source: SourceFile,
                                facts: FileFacts) -> Iterator[Finding]:
        """A Map/object a function declares and fills from a closure it returns: it lives as
        long as that closure, which is called per operation."""
        for function_id in facts.per_call:
            returned = _node_by_id(facts, function_id)
            if returned is None:
                continue
            factory = source.enclosing_function(returned)
            if factory is None:
                continue
            for declarator in _own_declarators(factory):
                name_node = declarator.child_by_field_name("name")
                kind = collection_kind(declarator.child_by_field_name("value"))
                if kind not in ("map", "object") or name_node is None or (
                        name_node.type != "identifier"):
                    continue
                name = text(name_node)
                uses = [u for u in source.identifiers(name, factory) if u != name_node
                        and source.enclosing_function(u) != factory]
                usage = classify(source, uses, name, kind)
                if source.identifiers(name, factory) and _escapes(source, name, factory):
                    continue
                finding = self._check_usage(source, facts, usage, name, kind)
                if finding is not None:
                    yield finding

    def _check_class_fields(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        seen: set[tuple[int, str]] = set()
        members: dict[str, list[Node]] = {}
        for match in source.matches(_THIS_MEMBERS):
            members.setdefault(text(match["name"][0]), []).append(match["member"][0])
        for found in facts.this_fields:
            kind = collection_kind(found["value"][0])
            if kind not in ("map", "object"):
                continue
            name = text(found["name"][0])
            body = _class_body(found["name"][0])
            if body is None or (body.id, name) in seen:
                continue
            seen.add((body.id, name))
            uses = [m for m in members.get(name, [])
                    if body.start_byte <= m.start_byte < body.end_byte]
            usage = classify(source, uses, name, kind)
            # the constructor's initialising assignment is not a bound; a reset elsewhere is
            usage.bounds = [b for b in usage.bounds if not _initialises(source, b)]
            finding = self._check_usage(source, facts, usage, f"this.{name}", kind)
            if finding is not None:
                yield finding

    def _check_usage(self, source: SourceFile, facts: FileFacts, usage: Usage, name: str,
                     kind: str) -> Finding | None:
        if usage.bounds or usage.exported:
            return None
        grow = usage.read_through(source)
        if grow is None or not _keyed_by_traffic(facts, grow):
            return None
        function = source.enclosing_function(grow)
        where = source.function_name(function) if function is not None else ""
        where = f" in {where}()" if where else ""
        noun = "a Map" if kind == "map" else "an object"
        return self.finding(
            source, grow,
            f"`{name}` is {noun} used as a cache (looked up, then filled{where}) but nothing "
            f"evicts from it: no delete, clear, size check or TTL")


# Middleware whose default store is an unbounded in-memory map: module -> the option that
# replaces the store. express-session's MemoryStore is documented as leaking and not meant for
# production; extend this table for other such defaults.
IN_MEMORY_DEFAULT_STORES = {"express-session": "store"}

_CALLS_BY_NAME = file_query(
    "(call_expression function: (identifier) @callee arguments: (arguments) @args) @call")


def _bound_to_module(source: SourceFile, callee: Node, module: str) -> bool:
    """`callee` names a module-level `const x = require(module)` or `import x from module`."""
    if not source.is_module_binding(callee):
        return False
    name = text(callee)
    quoted = (f"'{module}'", f'"{module}"', f"`{module}`")
    for statement in source.root.named_children:
        if statement.type == "import_statement":
            clause = next((c for c in statement.named_children if c.type == "import_clause"),
                          None)
            default = clause.named_children[0] if clause is not None and (
                clause.named_children) else None
            if default is not None and text(default) == name and any(
                    q == text(statement.child_by_field_name("source")) for q in quoted):
                return True
        elif statement.type in ("lexical_declaration", "variable_declaration"):
            for declarator in statement.named_children:
                value = declarator.child_by_field_name("value")
                if text(declarator.child_by_field_name("name")) == name and value is not None \
                        and text(value) in (f"require({q})" for q in quoted):
                    return True
    return False


def _node_by_id(facts: FileFacts, node_id: int) -> Node | None:
    reason = facts.per_call.get(node_id, "")
    if not reason.startswith("function made by an exported factory"):
        return None
    for found in facts.source.matches(FUNCTIONS_QUERY):
        if found["function"][0].id == node_id:
            return found["function"][0]
    return None


def _own_declarators(function: Node) -> list[Node]:
    body = function.child_by_field_name("body")
    found: list[Node] = []
    for statement in body.named_children if body is not None else []:
        if statement.type in ("lexical_declaration", "variable_declaration"):
            found.extend(c for c in statement.named_children if c.type == "variable_declarator")
    return found


def _escapes(source: SourceFile, name: str, factory: Node) -> bool:
    """The collection itself is returned or handed out by the factory (someone else owns it)."""
    for use in source.identifiers(name, factory):
        holder = outer(use).parent
        if holder is not None and source.enclosing_function(use) == factory and holder.type in (
                "return_statement", "arguments", "pair", "shorthand_property_identifier"):
            return True
    return False


def _keyed_by_traffic(facts: FileFacts, grow: Node) -> bool:
    """Filled per request, or with the result of async work (a lookup of user data); a "done"
    flag (`notified[type] = true`) set in async start-up code is not a cache of that kind."""
    if facts.in_setup_code(grow):
        return False
    scope = facts.per_call_scope(grow)
    if scope is not None and not facts.per_call_is_inferred(scope[1]):
        return True
    if not facts.runs_per_call_or_async(grow):
        return False
    value = _stored_value(grow)
    return value is None or value.type not in _LITERALS


_LITERALS = frozenset({"true", "false", "null", "undefined", "number", "string"})


def _stored_value(grow: Node) -> Node | None:
    if grow.type == "call_expression":  # cache.set(key, value)
        args = grow.child_by_field_name("arguments")
        named = args.named_children if args is not None else []
        return named[1] if len(named) >= 2 else None
    holder = outer(grow).parent  # cache[key] = value
    return holder.child_by_field_name("right") if holder is not None else None


def _initialises(source: SourceFile, bound: Node) -> bool:
    if bound.type != "assignment_expression" or collection_kind(
            bound.child_by_field_name("right")) is None:
        return False
    function = source.enclosing_function(bound)
    return function is not None and source.function_name(function) == "constructor"


def _class_body(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type != "class_body":
        parent = parent.parent
    return parent
