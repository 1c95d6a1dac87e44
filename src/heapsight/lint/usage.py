"""How a collection is used across a file: where it grows, where it is read, what bounds it.

The collection, cache and global-growth rules share this: given every expression that refers to
one collection (`items`, `this.cache`, `globalThis.seen`), sort each use into growth (push, set,
add, `[key] =`), lookup (get, has, `[key]`), and bounds (delete, clear, shift, splice, a size
check, reassignment). A collection with growth and no bound anywhere is unbounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.source import (
    FUNCTIONS_QUERY,
    SourceFile,
    file_query,
    last_name,
    outer,
    own_nodes,
    parameter_names,
    root_identifier,
    text,
)

if TYPE_CHECKING:
    from heapsight.lint.facts import FileFacts

GROW_METHODS = frozenset({"push", "unshift", "set", "add"})
LOOKUP_METHODS = frozenset({"get", "has"})
# Methods that remove entries or replace the contents.
BOUND_METHODS = frozenset({"delete", "clear", "pop", "shift", "splice", "prune", "evict",
                           "purge", "reset"})
SIZE_PROPERTIES = frozenset({"length", "size"})
COMPARISONS = frozenset({">", ">=", "<", "<=", "===", "==", "!==", "!="})

# Constructors of collections that can grow without bound; WeakMap/WeakSet are not among them.
COLLECTION_CONSTRUCTORS = frozenset({"Map", "Set", "Array"})
# Collections that bound themselves.
BOUNDED_CONSTRUCTORS = frozenset({"WeakMap", "WeakSet", "WeakRef", "LRUCache", "LRU", "LruCache",
                                  "QuickLRU", "TTLCache", "NodeCache", "Keyv", "BoundedMap"})


def collection_kind(value: Node | None) -> str | None:
    """"array", "map", "set" or "object" for an empty-ish collection literal/constructor."""
    if value is None:
        return None
    if value.type == "array":
        return "array"
    if value.type == "object":
        return "object"
    if value.type in ("new_expression", "call_expression"):
        callee = value.child_by_field_name("constructor") or value.child_by_field_name("function")
        name = text(callee)
        if value.type == "new_expression" and name in COLLECTION_CONSTRUCTORS:
            return name.lower()
        if name == "Object.create" and text(value.child_by_field_name("arguments")) == "(null)":
            return "object"
        if name == "Array" or name == "Array.from":
            return "array"
    return None


@dataclass
class Usage:
    """The uses of one collection, each as the node that shows it."""

    grows: list[Node] = field(default_factory=list)
    lookups: list[Node] = field(default_factory=list)
    bounds: list[Node] = field(default_factory=list)
    exported: bool = False

    def grows_in_functions(self, source: SourceFile) -> list[Node]:
        return [node for node in self.grows if source.enclosing_function(node) is not None]

    def read_through(self, source: SourceFile) -> Node | None:
        """A growth that follows a lookup in the same function: the read-through cache shape."""
        lookup_scopes = {fn.id for node in self.lookups
                         if (fn := source.enclosing_function(node)) is not None}
        for node in self.grows:
            function = source.enclosing_function(node)
            if function is not None and function.id in lookup_scopes:
                return node
        return None


def classify(source: SourceFile, uses: list[Node], name: str, kind: str | None = None) -> Usage:
    """Sort `uses` (expressions that each evaluate to the collection) into a Usage.

    For an array, `items[i] = x` overwrites a slot (a fixed-size buffer, a stack) rather than
    adding a key, so it does not count as growth.
    """
    usage = Usage()
    for use in uses:
        if use.type == "shorthand_property_identifier":
            _note_escape(use, usage)
            continue
        node = outer(use)
        parent = node.parent
        if parent is None:
            continue
        role = parent.type
        if role == "member_expression" and parent.child_by_field_name("object") == node:
            _classify_member(parent, usage)
        elif role == "subscript_expression" and parent.child_by_field_name("object") == node:
            holder = outer(parent).parent
            if holder is not None and holder.type in ("assignment_expression",
                                                      "augmented_assignment_expression") and (
                    holder.child_by_field_name("left") == outer(parent)):
                if kind != "array":
                    usage.grows.append(parent)
            elif holder is not None and holder.type == "unary_expression" and (
                    text(holder).startswith("delete")):
                usage.bounds.append(parent)
            else:
                usage.lookups.append(parent)
        elif role in ("assignment_expression", "augmented_assignment_expression") and (
                parent.child_by_field_name("left") == node):
            if not _initialises(source, parent, node):
                usage.bounds.append(parent)  # replaced wholesale: `items = []`
        else:
            _note_escape(node, usage)
    return usage


def _initialises(source: SourceFile, assignment: Node, target: Node) -> bool:
    """`x = x || []`, `x ??= new Map()`, or a first assignment at module level: not a reset."""
    if assignment.type == "augmented_assignment_expression":
        return text(assignment.child_by_field_name("operator")) in ("??=", "||=")
    right = assignment.child_by_field_name("right")
    if right is not None and right.type == "binary_expression" and text(
            right.child_by_field_name("operator")) in ("||", "??") and (
            text(right.child_by_field_name("left")) == text(target)):
        return True
    return source.enclosing_function(assignment) is None


def _classify_member(member: Node, usage: Usage) -> None:
    prop = text(member.child_by_field_name("property"))
    holder = outer(member).parent
    if holder is None:
        return
    called = holder.type == "call_expression" and (
        holder.child_by_field_name("function") == outer(member))
    if called and prop in GROW_METHODS:
        usage.grows.append(holder)
    elif called and prop in LOOKUP_METHODS:
        usage.lookups.append(holder)
    elif prop in BOUND_METHODS and called:
        usage.bounds.append(holder)
    elif prop in SIZE_PROPERTIES:
        if holder.type == "binary_expression" and text(
                holder.child_by_field_name("operator")) in COMPARISONS:
            if not _loop_condition(holder):
                usage.bounds.append(holder)  # a size check: `if (items.length > MAX)`
        elif holder.type == "assignment_expression" and (
                holder.child_by_field_name("left") == outer(member)):
            usage.bounds.append(holder)  # `items.length = 0`
    elif prop in ("filter", "slice") and called:
        # `items = items.filter(...)` replaces the contents; a bare call does not
        statement = outer(holder).parent
        if statement is not None and statement.type == "assignment_expression":
            usage.bounds.append(holder)


def _loop_condition(node: Node) -> bool:
    """`i < items.length` steering a for/while loop walks the entries; it caps nothing."""
    parent = node.parent
    while parent is not None and parent.type in ("binary_expression",
                                                 "parenthesized_expression"):
        parent = parent.parent
    if parent is None:
        return False
    if parent.type == "for_statement":
        return True
    if parent.type == "expression_statement" and parent.parent is not None:
        return parent.parent.type == "for_statement"  # the condition slot of `for (;;)`
    return parent.type in ("while_statement", "do_statement")


def _note_escape(node: Node, usage: Usage) -> None:
    """Mark the collection exported when it is handed to `module.exports`/`exports`."""
    parent = node.parent
    while parent is not None and parent.type in ("object", "pair", "array",
                                                 "shorthand_property_identifier"):
        parent = parent.parent
    if parent is not None and parent.type == "assignment_expression":
        left = text(parent.child_by_field_name("left"))
        if left.startswith(("module.exports", "exports.")):
            usage.exported = True
    if parent is not None and parent.type in ("export_specifier", "export_clause",
                                              "export_statement"):
        usage.exported = True


def follow_helpers(source: SourceFile, facts: FileFacts, usage: Usage, uses: list[Node],
                   kind: str) -> None:
    """Add what same-file helpers do to a collection passed to them (`append(list, item)`,
    `drain(queue)`): the call counts as growth, or as a bound, at the call site."""
    for use in uses:
        node = outer(use)
        arguments = node.parent
        if arguments is None or arguments.type != "arguments" or arguments.parent is None:
            continue
        call = arguments.parent
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "identifier":
            continue
        position = [a.id for a in arguments.named_children].index(node.id)
        for helper in facts.functions_named(text(callee)):
            names = parameter_names(helper)
            params = helper.child_by_field_name("parameters")
            simple = params is not None and position < len(params.named_children) and (
                params.named_children[position].type in ("identifier", "required_parameter"))
            if not simple or position >= len(names):
                continue
            name = names[position]
            inner = [u for u in source.identifiers(name, helper)
                     if next((fn for fn in source.enclosing_functions(u)
                              if name in source.declared_names(fn)), None) == helper]
            helped = classify(source, inner, name, kind)
            if helped.bounds:
                usage.bounds.append(call)
            elif helped.grows:
                usage.grows.append(call)


@dataclass(frozen=True)
class Growth:
    name: str
    kind: str
    grows: list[Node]  # where it grows per event, first one first
    # entries are removed, but only after an await on the success path: a throw or an
    # abandoned call skips the removal and the entry stays for good
    success_path_only: bool = False


def unbounded_growth(source: SourceFile, facts: FileFacts) -> list[Growth]:
    """Module-level collections that grow per event and are never trimmed.

    module-collection-growth reports them; closure-capture asks whether they keep closures.
    """
    found: list[Growth] = []
    for declarator in source.module_declarators():
        name_node = declarator.child_by_field_name("name")
        kind = collection_kind(declarator.child_by_field_name("value"))
        if kind is None or name_node is None or name_node.type != "identifier":
            continue
        if declarator.parent is not None and declarator.parent.parent is not None and (
                declarator.parent.parent.type == "export_statement"):
            continue  # other modules may trim it
        name = text(name_node)
        uses = [u for u in source.identifiers(name) if u != name_node]
        first = classify(source, uses, name, kind)
        follow_helpers(source, facts, first, uses, kind)
        if not first.grows_in_functions(source):
            continue  # the common case, decided before the costlier scope checks
        uses = [u for u in uses if u.type != "identifier" or source.is_module_binding(u)]
        usage = classify(source, uses, name, kind)
        follow_helpers(source, facts, usage, uses, kind)
        if usage.exported:
            continue
        success_only = False
        if usage.bounds:
            success_only = _removed_only_on_success(source, usage)
            if not success_only:
                continue
        memo = usage.read_through(source)
        if memo is not None and kind in ("map", "object"):
            continue  # a read-through cache: cache-without-eviction reports it
        if memo is not None and not facts.runs_per_call_or_async(memo):
            continue  # a "seen" set of a small fixed domain (module names, warnings shown)
        grows = [g for g in usage.grows_in_functions(source) if not facts.in_setup_code(g)]
        if grows:
            found.append(Growth(name, kind, grows, success_only))
    return found


def _removed_only_on_success(source: SourceFile, usage: Usage) -> bool:
    """Some function of the file runs an entry's whole life - adds it (itself or through a
    helper it calls), awaits, then removes it - and every such function removes it outside
    `finally`/`catch`, after the await: a rejection skips the removal."""
    grow_functions = {fn.id: fn for g in usage.grows if (fn := source.enclosing_function(g))}
    bound_functions = {fn.id: fn for b in usage.bounds if (fn := source.enclosing_function(b))}
    if not grow_functions or not bound_functions:
        return False
    lifecycles = 0
    for found in source.matches(FUNCTIONS_QUERY):
        function = found["function"][0]
        grow_sites = _sites(source, function, usage.grows, grow_functions.values())
        bound_sites = _sites(source, function, usage.bounds, bound_functions.values())
        if not grow_sites or not bound_sites:
            continue
        lifecycles += 1
        first_grow = min(site.start_byte for site in grow_sites)
        for bound in bound_sites:
            if _in_cleanup_clause(bound, function):
                return False
            awaits = [a for a in _awaits(function) if first_grow < a.start_byte < bound.start_byte]
            if not awaits:
                return False
    return lifecycles > 0


def _sites(source: SourceFile, function: Node, nodes: list[Node],
           helpers: object) -> list[Node]:
    """`nodes` directly in `function`, and calls in it to the functions holding them."""
    sites = [n for n in nodes if source.enclosing_function(n) == function]
    for helper in helpers:  # type: ignore[attr-defined]
        if helper == function:
            continue
        name = source.function_name(helper)
        if not name:
            continue
        for use in source.identifiers(name, function):
            call = use.parent
            if call is not None and call.type == "call_expression" and (
                    call.child_by_field_name("function") == use) and (
                    source.enclosing_function(use) == function):
                sites.append(call)
    return sites


def _in_cleanup_clause(node: Node, function: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.id != function.id:
        if parent.type in ("finally_clause", "catch_clause"):
            return True
        parent = parent.parent
    return False


def _awaits(function: Node) -> list[Node]:
    return [node for node in own_nodes(function) if node.type == "await_expression"]


# -- collections kept on `this` -------------------------------------------------------------

_MEMBERS = file_query("(member_expression property: (property_identifier) @name) @member")
_FRESH = ("++", "randomUUID", "uuid", "nanoid", "Date.now", "nextId", "genId", "generateId")
# Methods that implement a container or a registration API: growth there is the caller's
# decision (a queue's push, a router's use), not a leak of the class itself.
# Classes whose instances usually live as long as the process: growth on their fields per call
# accumulates. Builders, results and validators are made per operation and die with it.
_LONG_LIVED_CLASS = re.compile(r"(Server|Client|Pool|Manager|Service|Requester|Namespace|Adapter|"
                               r"Registry|Broker|Agent|Connection|Socket|Session|Transport|Bus|"
                               r"Hub|Gateway|Router|Store|Cache|Collection|Mongoose|Queue|"
                               r"Dispatcher|Tracker|Monitor)$")
_API_METHODS = re.compile(r"^(push|unshift|add|set|put|insert|append|enqueue|write|use|on|"
                          r"register\w*|hook|addHook|plugin|define\w*|mount|route|extend)$")


@dataclass(frozen=True)
class FieldGrowth:
    name: str  # the field, `this.<name>`
    kind: str
    grow: Node  # where it grows per call


def field_growth(source: SourceFile, facts: FileFacts) -> list[FieldGrowth]:
    """Collections on instance fields (`this.x = []` / `new Map()` / `{}`) that a method grows
    with per-call data (a new object, a literal, an entry under a fresh id) while nothing in
    the file ever removes from a field of that name, resets it outside its constructor, or
    checks its size: the instance (a server, a client, a singleton) keeps every entry."""
    initial: dict[str, tuple[str, set[int]]] = {}
    for found in facts.this_fields:
        kind = collection_kind(found["value"][0])
        if kind is None:
            continue
        name = text(found["name"][0])
        assignment = found["name"][0].parent
        holder = assignment.parent if assignment is not None else None
        first_kind, inits = initial.get(name, (kind, set()))
        if holder is not None and _in_constructor(source, holder):
            inits.add(holder.id)
        initial[name] = (first_kind, inits)
    if not initial:
        return []
    members: dict[str, list[Node]] = {}
    for match in source.matches(_MEMBERS):
        name = text(match["name"][0])
        if name in initial:
            members.setdefault(name, []).append(match["member"][0])
    found_growth: list[FieldGrowth] = []
    for name, (kind, inits) in initial.items():
        usage = Usage()
        for member in members.get(name, []):
            usage_of = classify(source, [member], name, kind)
            usage.grows += usage_of.grows
            usage.bounds += [b for b in usage_of.bounds if b.id not in inits]
            usage.exported = usage.exported or usage_of.exported
        if usage.bounds or usage.exported:
            continue
        for grow in usage.grows:
            function = source.enclosing_function(grow)
            if function is None or facts.in_setup_code(grow) or _in_constructor(source, grow):
                continue
            if _API_METHODS.match(source.function_name(function)):
                continue
            if not _long_lived_owner(source, grow):
                continue
            if _per_call_entry(source, grow, function):
                found_growth.append(FieldGrowth(name, kind, grow))
                break
    return found_growth


def _long_lived_owner(source: SourceFile, node: Node) -> bool:
    """The class around `node` is made once at module level (`module.exports = new X()`) or is
    named like a long-lived service (a server, client, pool, namespace...)."""
    name = _owner_class(node)
    if not name:
        return False
    if _LONG_LIVED_CLASS.search(name):
        return True
    return any(source.enclosing_function(use) is None and use.parent is not None
               and use.parent.type == "new_expression" for use in source.identifiers(name))


def _owner_class(node: Node) -> str:
    """`X` for code in `class X { ... }` or in `X.prototype.m = function () { ... }`."""
    parent = node.parent
    while parent is not None:
        if parent.type in ("class_declaration", "class", "abstract_class_declaration"):
            named = parent.child_by_field_name("name")
            return text(named) if named is not None else ""
        if parent.type == "assignment_expression":
            left = text(parent.child_by_field_name("left"))
            if ".prototype." in left:
                return left.split(".prototype.", 1)[0].rsplit(".", 1)[-1]
        parent = parent.parent
    return ""


def _in_constructor(source: SourceFile, node: Node) -> bool:
    function = source.enclosing_function(node)
    if function is None:
        return False
    name = source.function_name(function)
    return name == "constructor" or (function.type != "method_definition" and name[:1].isupper())


def _per_call_entry(source: SourceFile, grow: Node, function: Node) -> bool:
    """The entry is made for this call: a new object or a literal, or stored under a fresh
    id (`++n`, a uuid, or a variable or field set from one in this function)."""
    if grow.type == "call_expression":
        arguments = grow.child_by_field_name("arguments")
        values = list(arguments.named_children) if arguments is not None else []
        method = last_name(grow.child_by_field_name("function") or grow)
        key = values[0] if method == "set" and values else None
        value = values[-1] if values else None
    else:  # this.x[key] = value
        key = grow.child_by_field_name("index")
        holder = outer(grow).parent
        value = holder.child_by_field_name("right") if holder is not None else None
    if key is not None and _fresh_key(source, key, function):
        return True
    if value is None:
        return False
    value = outer(value)
    if value.type in ("new_expression", "array", "object"):
        return True
    if value.type == "identifier":
        declared = _declared_value(source, text(value), function)
        return declared is not None and declared.type == "new_expression"
    return False


def _declared_value(source: SourceFile, name: str, function: Node) -> Node | None:
    """The value `name` is declared with in `function` or a function around it."""
    for scope in (function, *source.enclosing_functions(function)):
        for use in source.identifiers(name, scope):
            declarator = use.parent
            if declarator is not None and declarator.type == "variable_declarator" and (
                    declarator.child_by_field_name("name") == use):
                value = declarator.child_by_field_name("value")
                return outer(value) if value is not None else None
    return None


def _fresh_key(source: SourceFile, key: Node, function: Node) -> bool:
    if any(marker in text(key) for marker in _FRESH):
        return True
    root = root_identifier(key)
    if root is None:
        return False
    declared = _declared_value(source, text(root), function)
    if declared is not None and any(marker in text(declared) for marker in _FRESH):
        return True
    # `packet.id = ++this.count` earlier in the function
    body = text(function)
    return any(f"{text(key)} = {marker}" in body for marker in ("++", "uuid", "randomUUID"))
