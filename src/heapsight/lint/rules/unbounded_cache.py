"""cache-without-eviction (unbounded-cache)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import (
    FUNCTIONS_QUERY,
    SourceFile,
    file_query,
    last_name,
    outer,
    parameter_names,
    text,
    unwrap,
    values_given,
)
from heapsight.lint.usage import (
    Usage,
    classify,
    collection_kind,
    composite_key,
    counts_up,
    creates_bucket,
)

_THIS_MEMBERS = file_query(
    "(member_expression object: (this) property: [(property_identifier) "
    "(private_property_identifier)] @name) @member")
# Class fields are spelled differently by the two grammars.


class CacheWithoutEviction(Rule):
    """What it does:
    Finds a Map or plain object used as a read-through cache - looked up with `get`/`has`/`[key]`
    and then filled with `set`/`[key] =` in the same function, or in a function the one that
    looks up calls - that nothing ever evicts from:
    no `delete`, no `clear`, no size check, no TTL, no replacement. On an object that outlives
    the call (a field of `this`, a property of an object passed in), eviction must be where
    the cache fills: a size check, or a delete, clear or reset on the fill path or in a timer;
    an invalidation in another method or a clear in `close()` leaves every other key (a
    timer callback that asks a method to take the entry out evicts it). A Map memo keyed by
    an object whose properties the function reads keeps every key object alive (a WeakMap
    would not), whoever calls it. Also a memoizing loader (DataLoader) made once at load and
    shared by every request.

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
        yield from self._check_scoped(source, facts)
        reported: set[int] = set()
        for finding in self._check_class_fields(source, facts):
            reported.add(finding.line)
            yield finding
        for finding in self._check_outliving_containers(source, facts):
            if finding.line not in reported:
                yield finding
        yield from self._check_memory_stores(source)
        yield from self._check_shared_memoizers(source, facts)
        yield from self._check_fresh_keys(source, facts)
        yield from self._check_memoize_decorators(source)

    def _check_fresh_keys(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        """A Map looked up and filled with a key made in the same call (`path.split('.')`,
        `[a, b]`, `{ id }`): Map keys compare by identity, so no later lookup finds it."""
        for match in source.matches(_MAP_SETS):
            call, key = match["call"][0], match["key"][0]
            collection = text(match["map"][0])
            function = source.enclosing_function(call)
            if function is None:
                continue
            made = _const_in(source, text(key), function)
            if made is None or not _fresh_object(made) or _made_here(facts, collection,
                                                                     function):
                continue
            looked_up = (f"{collection}.has({text(key)})", f"{collection}.get({text(key)})")
            if not any(lookup in text(function) for lookup in looked_up):
                continue
            yield self.finding(
                source, call,
                f"`{collection}` is a Map used as a cache whose key `{text(key)}` is an object "
                f"made in this call (`{' '.join(text(made).split())[:40]}`); Map keys compare "
                f"by identity, so no lookup ever finds it again and every call adds an entry")

    def _check_memoize_decorators(self, source: SourceFile) -> Iterator[Finding]:
        """`@Memoize()` on a method with parameters: one entry per distinct argument, kept for
        the life of the object, with no expiry or size limit given."""
        if b"emoiz" not in source.source:
            return
        for match in source.matches(_DECORATORS):
            decorator = match["decorator"][0]
            if text(match["name"][0]) not in MEMOIZE_DECORATORS:
                continue
            arguments = match["args"][0] if "args" in match else None
            if arguments is not None and arguments.named_children and (
                    arguments.named_children[0].type != "object" or any(
                        option in text(arguments) for option in _MEMO_BOUNDS)):
                continue  # a key function of the author's, or a bound
            method = decorator.next_named_sibling
            while method is not None and method.type in ("decorator", "comment"):
                method = method.next_named_sibling
            if method is None or method.type != "method_definition" or not parameter_names(
                    method):
                continue
            yield self.finding(
                source, decorator,
                f"`{text(decorator)}` caches {source.function_name(method)}() per distinct "
                f"argument for as long as the object lives, with no expiry or size limit; "
                f"each new argument (a fresh object never compares equal) adds an entry")

    def _check_shared_memoizers(self, source: SourceFile,
                                facts: FileFacts) -> Iterator[Finding]:
        """A memoizing loader made once at load (outside every function) from a package whose
        instances cache every key they load by default (table below): shared by every
        request, it keeps every key any request loaded, and the result."""
        if not any(package.encode() in source.source for package in MEMOIZING_BY_DEFAULT):
            return
        for match in source.matches(_NEW_CALLS):
            made = match["new"][0]
            if source.enclosing_function(made) is not None:
                continue
            imported = facts.imports.get(text(match["class"][0]))
            option = MEMOIZING_BY_DEFAULT.get(imported[0]) if imported is not None else None
            if option is None:
                continue
            arguments = match["args"][0].named_children
            if any(option in text(argument) for argument in arguments[1:]):
                continue  # `{ cache: false }`, or a bounded `cacheMap`
            yield self.finding(
                source, made,
                f"`new {text(match['class'][0])}(...)` made once at load caches every key it "
                f"loads and never evicts; shared by every request, it keeps every key (and "
                f"result) any request loaded; make one per request, or pass `{option}`")

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

    def _check_scoped(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        """A Map/object a set-up function (a framework plugin) declares and the per-call
        hooks it registers fill: it lives as long as the application."""
        for declarator, scope in facts.scoped_collections.items():
            name_node = declarator.child_by_field_name("name")
            kind = collection_kind(declarator.child_by_field_name("value"))
            if kind not in ("map", "object") or name_node is None:
                continue
            name = text(name_node)
            uses = [u for u in source.identifiers(name, scope) if u != name_node]
            if _escapes(source, name, scope):
                continue
            finding = self._check_usage(source, facts, classify(source, uses, name, kind),
                                        name, kind)
            if finding is not None and facts.per_call_scope(
                    source.root.descendant_for_point_range(
                        (finding.line - 1, finding.column - 1),
                        (finding.line - 1, finding.column - 1)) or scope) is not None:
                yield finding

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
            shown = f"this.{name}"
            field = found["name"][0].parent
            owner = body.parent.child_by_field_name("name") if body.parent is not None else None
            if field is not None and owner is not None and any(
                    child.type == "static" for child in field.children):
                # `static cache = new Map()`, used as `Owner.cache` anywhere in the file
                shown = f"{text(owner)}.{name}"
                uses = [use for use in source.identifiers(text(owner))
                        if use.parent is not None and text(use.parent) == shown
                        and use.parent.type == "member_expression"]
                uses = [use.parent for use in uses if use.parent is not None]
            usage = classify(source, uses, name, kind)
            # the constructor's initialising assignment is not a bound; a reset elsewhere is
            usage.bounds = [b for b in usage.bounds if not _initialises(source, b)]
            finding = self._check_usage(source, facts, usage, shown, kind)
            if finding is not None:
                yield finding

    def _check_outliving_containers(self, source: SourceFile,
                                    facts: FileFacts) -> Iterator[Finding]:
        """A read-through cache kept on an object that outlives the call - a field of `this`
        (or of `const self = this`), a property of an object passed in - with no eviction on
        the path that fills it: no size check anywhere, and no delete, clear or reset in the
        function that fills it or in a timer. A delete in another method (an invalidation on
        write, a teardown in close()) leaves every key nobody writes or closes."""
        for match in source.matches(_FILLS):
            fill, container, key = match["fill"][0], match["map"][0], match["key"][0]
            if container.type not in ("member_expression", "subscript_expression"):
                continue
            function = source.enclosing_function(fill)
            if function is None or source.function_name(function) == "constructor" or (
                    function.type != "method_definition" and facts.in_setup_code(fill)):
                continue  # (a method of a class a set-up function makes runs when called)
            root = _container_root(container)
            if root is None or not _outlives_call(source, root, function):
                continue
            if key.type in ("string", "number", "true", "false") or (
                    creates_bucket(fill, source)):
                continue
            value = _stored_value(fill)
            if value is None or outer(value).type in _LITERALS or (
                    value.type in ("array", "object") and not value.named_children):
                continue
            if _accumulates(facts, fill) or _made_from_old(facts, fill, value, text(
                    container)) or (root.type == "this" and _new_instance(facts, value, fill)):
                continue  # a counter or a grouping; an object per key is field growth
            scope = _method_scope(source, function)
            if not (_key_made_here(source, key, scope) or _key_made_by_caller(
                    source, facts, key, scope) or facts.per_call_scope(fill) or (
                    _async_value(source, fill, scope)) or facts.in_singleton_method(fill)):
                continue  # a registry under the caller's own names (`add(id, logger)`)
            shown, name = text(container), _container_name(container)
            if not name or not _read_first(text(scope), shown, text(key), fill):
                continue
            if root.type != "this" and _remade_per_operation(source, name):
                continue  # per-query options that a method builds anew each time
            if not _made_as_cache(source, name) or _evicted(source, name, scope) or (
                    _keys_of_another_table(text(scope), shown, text(key))):
                continue
            where = source.function_name(scope)
            where = f" in {where}()" if where else ""
            yield self.finding(
                source, fill,
                f"`{shown}` is used as a cache (looked up, then filled{where}) on an object "
                f"that outlives the call, and nothing evicts from it where it is filled: no "
                f"size check, and no delete, clear or reset on that path or in a timer")

    def _check_usage(self, source: SourceFile, facts: FileFacts, usage: Usage, name: str,
                     kind: str) -> Finding | None:
        if usage.bounds or usage.exported:
            return None
        grow = usage.read_through(source)
        if grow is None or not _keyed_by_traffic(facts, grow):
            return None
        key = _stored_key(grow)
        if _accumulates(facts, grow) and (key is None or not names_an_entity(last_name(key))):
            return None  # a counter or a grouping by a category (a tenant, a status code)
        value = _stored_value(grow)
        if name.startswith("this.") and value is not None and _new_instance(facts, value, grow):
            return None  # an object per key, kept on a field: field-collection-growth's
        if name.startswith("this.") and facts.in_singleton_method(grow) and counts_up(
                grow, usage.lookups):
            return None  # a count per key on a shared object: field-collection-growth's
        function = source.enclosing_function(grow)
        where = source.function_name(function) if function is not None else ""
        where = f" in {where}()" if where else ""
        noun = "a Map" if kind == "map" else "an object"
        if _keyed_by_object(source, grow) and key is not None:
            return self.finding(
                source, grow,
                f"`{name}` is {noun} used as a cache (looked up, then filled{where}) keyed by "
                f"objects (`{text(key)}`): the Map keeps every key object, and its value, "
                f"alive for good; make it a WeakMap, or evict")
        return self.finding(
            source, grow,
            f"`{name}` is {noun} used as a cache (looked up, then filled{where}) but nothing "
            f"evicts from it: no delete, clear, size check or TTL")


_FILLS = file_query("""
(call_expression
  function: (member_expression object: (_) @map property: (property_identifier) @method)
  arguments: (arguments . (_) @key . (_))
  (#eq? @method "set")) @fill
(assignment_expression left: (subscript_expression object: (_) @map index: (_) @key) @fill)
""")
_TIMER_CALLBACKS = file_query("""
(call_expression function: (identifier) @f arguments: (arguments . (_) @callback)
  (#any-of? @f "setInterval" "setTimeout")) @call
""")


def _container_root(container: Node) -> Node | None:
    node = container
    while node.type in ("member_expression", "subscript_expression"):
        node = node.child_by_field_name("object") or node
        if node.type in ("call_expression", "parenthesized_expression"):
            return None
    return node if node.type in ("this", "identifier") else None


def _outlives_call(source: SourceFile, root: Node, function: Node) -> bool:
    """`this`, an alias of it (`const self = this`), or a parameter of the function or of one
    around it: an object that was there before the call and stays after it."""
    if root.type == "this":
        return True
    name = text(root)
    for around in source.enclosing_functions(root):
        if name in parameter_names(around):
            return True
        for declarator in source.declarators(name, around):
            value = declarator.child_by_field_name("value")
            if value is not None and value.type == "this":
                return True
            if value is None and any(  # `var req, client; client = this;`
                    unwrap(given).type == "this" for given in values_given(name, around)):
                return True
    return False


def _method_scope(source: SourceFile, function: Node) -> Node:
    """The outermost function around `function` that is still inside the same method or
    named function: a callback's lookups are its method's."""
    for around in (function, *source.enclosing_functions(function)):
        passed = around.parent is not None and around.parent.type == "arguments"
        if around.type in ("method_definition", "function_declaration") or (
                source.function_name(around) and not passed):
            return around
    return function


def _container_name(container: Node) -> str:
    if container.type == "subscript_expression":
        index = container.child_by_field_name("index")
        return text(index) if index is not None and index.type == "identifier" else ""
    return last_name(container)


def _read_first(scope_text: str, shown: str, key: str, fill: Node) -> bool:
    if fill.type == "call_expression":
        return f"{shown}.get({key})" in scope_text or f"{shown}.has({key})" in scope_text
    reads = scope_text.count(f"{shown}[{key}]")
    writes = len(re.findall(re.escape(f"{shown}[{key}]") + r"\s*=(?!=)", scope_text))
    return reads > writes


def _key_made_here(source: SourceFile, key: Node, scope: Node) -> bool:
    """The key is computed in the call (`String(opts.origin)`, a template, a join), not a
    name the caller hands in as it is: it says what the traffic is, not what the caller
    registers."""
    key = unwrap(key)
    if key.type == "identifier":
        if text(key) in parameter_names(scope):
            return False
        for declarator in source.declarators(text(key), scope):
            value = declarator.child_by_field_name("value")
            if value is not None:
                return _key_made_here(source, value, scope)
        return False
    return key.type in ("call_expression", "template_string", "binary_expression",
                        "member_expression", "subscript_expression")


def _made_from_old(facts: FileFacts, fill: Node, value: Node, container: str,
                   depth: int = 0) -> bool:
    """`const n = (m.get(k) || 0) + 1; m.set(k, n)`, a few local steps deep: the new value
    is made from the old one (a counter, an attempt count), not a cached result."""
    if container in text(value):
        return True
    function = facts.source.enclosing_function(fill)
    if depth > 2 or function is None:
        return False
    value = unwrap(value)
    names = [value] if value.type == "identifier" else [
        n for n in value.named_children if n.type == "identifier"]
    for name in names:
        declared = facts.assigned_value(text(name), function, fill)
        if declared is not None and _made_from_old(facts, fill, declared, container, depth + 1):
            return True
    return False


def _key_made_by_caller(source: SourceFile, facts: FileFacts, key: Node, function: Node,
                        per_call: bool = False) -> bool:
    """The key is a parameter, and a call of the function in this file computes it
    (`this.remember(`search:${query}`, ...)`, `render(`${slug}?${url.search}`)`) - with
    `per_call`, from per-call code: the caller's traffic is the key."""
    key = unwrap(key)
    name = source.function_name(function)
    parameters = parameter_names(function)
    if key.type != "identifier" or not name or text(key) not in parameters:
        return False
    position = parameters.index(text(key))
    for match in source.matches(_NAMED_CALLS):
        if text(match["name"][0]) != name:
            continue
        call = match["call"][0]
        arguments = [a for a in match["args"][0].named_children if a.type != "comment"]
        if position >= len(arguments) or unwrap(arguments[position]).type not in (
                "template_string", "binary_expression", "call_expression"):
            continue
        caller = source.enclosing_function(call)
        if not per_call or facts.per_call_scope(call) is not None or (
                caller is not None and facts.exported_function(caller)):
            return True
    return False


# Asked only for a few keys: run on demand, not in the batch every file runs.
_NAMED_CALLS = """
(call_expression function: [(identifier) @name
                            (member_expression property: (property_identifier) @name)]
  arguments: (arguments) @args) @call
"""


def _async_value(source: SourceFile, fill: Node, scope: Node) -> bool:
    """Filled with the result of async work: after an `await`, or in a callback of the call
    (a promise reaction, a node-style callback, an observable's tap)."""
    function = source.enclosing_function(fill)
    if function is not None and function.id != scope.id:
        return True
    before = source.source[scope.start_byte:fill.start_byte]
    return b"await " in before


def _keys_of_another_table(scope_text: str, shown: str, key: str) -> bool:
    """The key also indexes another table (`manifest[id]`, `defs.get(name)`): the cache is
    a memo over that table's keys, as big as the table, not one entry per call."""
    quoted = re.escape(key)
    for found in re.finditer(rf"([\w$.]+?)(?:\?\.)?\[{quoted}\]|([\w$.]+)\.(?:get|has)\({quoted}\)",
                             scope_text):
        table = (found.group(1) or found.group(2) or "").rstrip("?.")
        if table and table != shown:
            return True
    return False


def _remade_per_operation(source: SourceFile, name: str) -> bool:
    """`options.aliases = {}` in a method other than a constructor: the object that holds
    the table is made (or reset) per operation, and the table goes with it."""
    made = re.compile(rf"\.{re.escape(name)}\s*=\s*(?:new\s+Map\b|\{{\s*\}})")
    for found in made.finditer(source.source.decode("utf-8", "replace")):
        node = source.root.descendant_for_byte_range(found.start(), found.start() + 1)
        function = source.enclosing_function(node) if node is not None else None
        if function is not None and function.type == "method_definition" and (
                source.function_name(function) != "constructor"):
            return True
    return False


def _made_as_cache(source: SourceFile, name: str) -> bool:
    """The file makes the container a Map or an empty object under that name."""
    made = re.compile(rf"(?<![\w$]){re.escape(name)}\]?\s*[:=]\s*(?:new\s+Map\b|\{{\s*\}})")
    return made.search(source.source.decode("utf-8", "replace")) is not None


def _evicted(source: SourceFile, name: str, scope: Node) -> bool:
    """A size check anywhere, or a delete, clear or reset in the function that fills the
    container (or a callback it leaves behind) or in a timer's callback."""
    whole = source.source.decode("utf-8", "replace")
    quoted = re.escape(name)
    if re.search(rf"(?<![\w$]){quoted}\]?\)?\.(?:size|length)\b", whole):
        return True
    removal = re.compile(rf"(?<![\w$]){quoted}\]?\.(?:delete|clear)\(|delete\s+[\w$.\[\]]*"
                         rf"(?<![\w$]){quoted}\]?\[|(?<![\w$]){quoted}\]?\s*=\s*(?!=)")
    callbacks = [text(m["callback"][0]) for m in source.matches(_TIMER_CALLBACKS)]
    places = [text(scope)] + callbacks
    if any(removal.search(place) for place in places):
        return True
    # a timer's callback that asks a method to end the entry (`setTimeout(() =>
    # this.run(id))`, `run` deleting it first) evicts it as well; so does a method named for
    # the end of what the key stands for (`_removeNode(name)`, `onDisconnect(host)`): the
    # table holds the live ones
    called = {name for callback in callbacks for name in _SELF_CALLS.findall(callback)}
    one_entry = re.compile(rf"(?<![\w$]){quoted}\]?\.delete\(|delete\s+[\w$.\[\]]*"
                           rf"(?<![\w$]){quoted}\]?\[")
    return any(source.function_name(m["function"][0]) in called
               and removal.search(text(m["function"][0]))
               or _ENDS_ENTITY.search(source.function_name(m["function"][0]))
               and one_entry.search(text(m["function"][0]))
               for m in source.matches(FUNCTIONS_QUERY))


# Names of functions that end what one key stands for (not `invalidate` or `update`, and not
# the owner's own teardown - `close()`, `destroy()` - which leaves every key until then).
_ENDS_ENTITY = re.compile(r"(?i)(^|_|[a-z])(remove|unregister|unsubscribe|disconnect|drop|"
                          r"evict|expire|prune|purge|sweep|forget|leave|detach|unlisten)")


_SELF_CALLS = re.compile(r"(?:this|self|that)\.(#?[\w$]+)\(")


_MAP_SETS = file_query("""
(call_expression
  function: (member_expression object: (_) @map property: (property_identifier) @method)
  arguments: (arguments . (identifier) @key . (_))
  (#eq? @method "set")) @call
""")
_DECORATORS = file_query("""
(decorator (call_expression function: (identifier) @name arguments: (arguments) @args)) @decorator
(decorator (identifier) @name) @decorator
""", ("typescript", "tsx"))
# Method decorators of memoizing libraries (typescript-memoize, memoize-decorator,
# lodash-decorators, decko) and the options that bound what they keep.
MEMOIZE_DECORATORS = frozenset({"Memoize", "memoize", "Memoized", "memoized"})
_MEMO_BOUNDS = ("expiring", "maxAge", "ttl", "max", "size", "capacity", "tags", "clear",
                "hashFunction", "resolver", "key")
# Calls that return a new array or object every time.
_FRESH_CALLS = frozenset({"split", "map", "filter", "from", "entries", "keys", "values",
                          "flat"})


def _const_in(source: SourceFile, name: str, function: Node) -> Node | None:
    """The value of `const name = ...` declared in `function` itself (not around it)."""
    for declarator in source.declarators(name, function):
        declaration = declarator.parent
        value = declarator.child_by_field_name("value")
        if declaration is not None and declaration.type == "lexical_declaration" and text(
                declaration.children[0]) == "const" and value is not None and (
                source.enclosing_function(declarator) == function):
            return value
    return None


def _fresh_object(value: Node) -> bool:
    value = outer(value)
    if value.type == "ternary_expression":
        return all(_fresh_object(branch) for branch in (
            value.child_by_field_name("consequence"), value.child_by_field_name("alternative"))
            if branch is not None)
    if value.type in ("array", "object"):
        return True
    if value.type == "new_expression":
        return collection_kind(value) is not None or text(
            value.child_by_field_name("constructor")) in ("Array", "Object", "URL", "Date")
    if value.type == "call_expression":
        callee = value.child_by_field_name("function")
        return callee is not None and callee.type == "member_expression" and (
            last_name(callee) in _FRESH_CALLS)
    return False


def _made_here(facts: FileFacts, collection: str, function: Node) -> bool:
    """The map itself is a local made in this call: it dies with the call."""
    if "." in collection or "[" in collection:
        return False
    made = facts.assigned_value(collection, function)
    return made is not None and collection_kind(made) is not None and (
        facts.source.enclosing_function(made) == function)


# Packages whose instances memoize every key they load unless told otherwise: package ->
# the option that turns it off or bounds it. DataLoader is meant to be made per request.
MEMOIZING_BY_DEFAULT = {"dataloader": "cache"}
_NEW_CALLS = file_query("""
(new_expression constructor: (identifier) @class arguments: (arguments) @args) @new
""")

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
    """Filled per request, by a method of an object the whole program shares (a DI service, a
    module-level instance), under a key that names an entity (`userId`, `sessionKey`,
    `contentHash`, `url`), or with the result of async work (a lookup of user data). A "done"
    flag (`notified[type] = true`) set in async start-up code is not a cache of that kind, nor
    is a synchronous memo of a small fixed domain (a RegExp per glob, a formatter per locale)."""
    if facts.in_setup_code(grow):
        return False
    if _keyed_by_object(facts.source, grow):
        return True
    scope = facts.per_call_scope(grow)
    if scope is not None and not facts.per_call_is_inferred(scope[1]):
        return True
    if facts.in_singleton_method(grow):
        return True
    key = _stored_key(grow)
    if key is not None and names_an_entity(last_name(key), qualified=True):
        return True
    function = facts.source.enclosing_function(grow)
    if key is not None and function is not None and composite_key(facts.source, key, function):
        return True
    if key is not None and function is not None and _key_made_by_caller(
            facts.source, facts, key, function, per_call=True):
        return True
    if not facts.runs_per_call_or_async(grow):
        return False
    value = _stored_value(grow)
    return value is None or value.type not in _LITERALS


_LITERALS = frozenset({"true", "false", "null", "undefined", "number", "string"})



def _keyed_by_object(source: SourceFile, grow: Node) -> bool:
    """`memo.set(node, result)` where `node` is a parameter whose properties the function
    reads (`node.rows`, `node.childNodes`): a Map keyed by objects keeps every key object
    alive for as long as the Map lives, however short-lived the objects were meant to be (a
    WeakMap would not)."""
    callee = grow.child_by_field_name("function") if grow.type == "call_expression" else None
    if callee is None or last_name(callee) != "set":
        return False
    key = _stored_key(grow)
    function = source.enclosing_function(grow)
    if key is None or function is None or unwrap(key).type != "identifier":
        return False
    name = text(unwrap(key))
    if name not in parameter_names(function):
        return False
    reads = [use.parent for use in source.identifiers(name, function)
             if use.parent is not None and use.parent.type == "member_expression"
             and use.parent.child_by_field_name("object") == use]
    return any(last_name(read) not in ("length", "size", "constructor") and (
        read.parent is None or read.parent.type != "call_expression") for read in reads)


# The last word of a key's name that names one of an unbounded number of things.
ENTITY_WORDS = frozenset({"id", "ids", "hash", "url", "uri", "ip", "address", "origin", "token",
                          "session", "email", "sql", "query", "uuid", "guid"})
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def names_an_entity(name: str, qualified: bool = False) -> bool:
    """`userId`, `session_id`, `contentHash`, `requestURL`: the last word of the name. With
    `qualified`, a bare `id` or `hash` is not enough (a deprecation id, a warning code): the
    name must say whose it is."""
    words = _WORDS.findall(name)
    return bool(words) and words[-1].lower() in ENTITY_WORDS and (
        not qualified or len(words) > 1)


def _accumulates(facts: FileFacts, grow: Node) -> bool:
    """`m.set(k, (m.get(k) ?? 0) + 1)` or `list = m.get(k) ?? []; ...; m.set(k, list)`: the
    new value is made from the old one (a counter, a grouping), not a cached result."""
    value = _stored_value(grow)
    target = grow.child_by_field_name("function") if grow.type == "call_expression" else grow
    collection = target.child_by_field_name("object") if target is not None else None
    if value is None or collection is None:
        return False
    name = text(collection)
    if name in text(value):
        return True
    function = facts.source.enclosing_function(grow)
    stack: list[Node] = [value]
    names: list[Node] = []
    while stack and len(names) < 20:
        node = stack.pop()
        if node.type == "identifier":
            names.append(node)
        elif node.type not in ("arrow_function", "function_expression"):
            stack.extend(node.named_children)
    for identifier in names:
        if function is None:
            continue
        declared = facts.assigned_value(text(identifier), function, grow)
        if declared is not None and name in text(declared) and collection_kind(declared) is None:
            return True
    return False


def _new_instance(facts: FileFacts, value: Node, grow: Node) -> bool:
    value = outer(value)
    if value.type == "identifier":
        function = facts.source.enclosing_function(grow)
        declared = facts.assigned_value(text(value), function, grow) if function else None
        value = declared if declared is not None else value
    return value.type == "new_expression" and collection_kind(value) is None


def _stored_key(grow: Node) -> Node | None:
    if grow.type == "call_expression":  # cache.set(key, value)
        args = grow.child_by_field_name("arguments")
        named = args.named_children if args is not None else []
        return named[0] if named else None
    return grow.child_by_field_name("index")  # cache[key] = value


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
