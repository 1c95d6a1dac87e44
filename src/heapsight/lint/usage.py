"""How a collection is used across a file: where it grows, where it is read, what bounds it.

The collection, cache and global-growth rules share this: given every expression that refers to
one collection (`items`, `this.cache`, `globalThis.seen`), sort each use into growth (push, set,
add, `[key] =`, a longer copy: `items = items.concat(x)`), lookup (get, has, `[key]`), and
bounds (delete, clear, shift, splice, a size check, any other reassignment). A collection with
growth and no bound anywhere is unbounded.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from tree_sitter import Node

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
    values_given,
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

# Methods that implement a container or a registration API: growth there is the caller's
# decision (a queue's push, a router's use), not a leak of the code that defines them.
API_METHODS = re.compile(r"^(push|unshift|add|set|put|insert|append|enqueue|write|use|on|"
                         r"register\w*|hook|addHook|plugin|define\w*|mount|route|extend)$")
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
    bucket_grows: list[Node] = field(default_factory=list)  # growth of an entry's collection
    lookups: list[Node] = field(default_factory=list)
    bounds: list[Node] = field(default_factory=list)
    exported: bool = False

    def grows_in_functions(self, source: SourceFile) -> list[Node]:
        """Growth inside functions, the per-call kind first: an empty bucket made for a key
        comes after the calls that fill it."""
        inside = [node for node in self.grows if source.enclosing_function(node) is not None]
        return sorted(inside, key=lambda node: (creates_bucket(node, source), node.start_byte))

    def read_through(self, source: SourceFile) -> Node | None:
        """A growth that follows a lookup in the same function: the read-through cache shape."""
        lookup_scopes = {fn.id for node in self.lookups
                         if (fn := source.enclosing_function(node)) is not None}
        buckets = {node.id for node in self.bucket_grows}
        lookups = {node.id for node in self.lookups}
        for node in self.grows:
            if (node.id in buckets and node.type != "subscript_expression") or creates_bucket(
                    node, source):
                continue  # a grouping index (`(m[k] ||= []).push(v)`), not a cache
            if _fills_old_entry(stored_value(node), lookups) or _change_of_old_entry(
                    source, node, lookups) is not None:
                continue  # `m.set(k, (m.get(k) ?? new Set()).add(v))`: a grouping as well

            function = source.enclosing_function(node)
            if function is not None and function.id in lookup_scopes:
                return node
            name = source.function_name(function) if function is not None else ""
            if name and self._looked_up_by_caller(source, name):
                return node  # the lookup is in the caller: `fetch()` reads, `load()` fills
        return None

    def _looked_up_by_caller(self, source: SourceFile, name: str) -> bool:
        """A function that looks the collection up also calls `name(...)`, the filler."""
        for lookup in self.lookups:
            for caller in islice(source.enclosing_functions(lookup), 2):
                if any(use.parent is not None and use.parent.type == "call_expression"
                       for use in source.identifiers(name, caller)):
                    return True
        return False


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
                    _classify_bucket(holder, usage)  # `(m[k] = m[k] || []).push(v)`
                elif _fresh_index(source, parent):
                    usage.grows.append(parent)  # `slots[nextId++] = entry`: a sparse map
            elif holder is not None and holder.type == "unary_expression" and (
                    text(holder).startswith("delete")):
                usage.bounds.append(parent)
            else:
                usage.lookups.append(parent)
                _classify_bucket(parent, usage, source)
        elif role in ("assignment_expression", "augmented_assignment_expression") and (
                parent.child_by_field_name("left") == node):
            value = parent.child_by_field_name("right")
            appended = _appended_copy(value, text(node))
            if appended is not None:
                usage.grows.append(appended)  # `items = items.concat(x)`, `[...items, x]`
            if (appended is None or _replaced_otherwise(value, text(node))) and not (
                    _initialises(source, parent, node)) and not only_when_empty(parent, node):
                usage.bounds.append(parent)  # replaced wholesale: `items = []`
        else:
            _note_escape(node, usage)
    return usage


def _appended_copy(value: Node | None, name: str) -> Node | None:
    """The copy with more items that replaces the collection `name`: `name.concat(x)` or
    `[...name, x]` (either branch of `name ? name.concat(x) : [x]`): it grows like a push."""
    if value is None:
        return None
    value = unwrap(value)
    if value.type == "ternary_expression":
        return next((found for branch in ("consequence", "alternative")
                     if (found := _appended_copy(value.child_by_field_name(branch), name))
                     is not None), None)
    if value.type == "call_expression":
        callee = value.child_by_field_name("function")
        if callee is not None and callee.type == "member_expression" and (
                last_name(callee) == "concat") and text(callee.child_by_field_name("object")
                                                        ) == name:
            return value
    if value.type == "array" and len(value.named_children) > 1 and any(
            item.type == "spread_element" and text(item.named_children[0]) == name
            for item in value.named_children if item.named_children):
        return value
    return None


def _replaced_otherwise(value: Node | None, name: str) -> bool:
    """`flush ? [] : items.concat(x)`: the branch that does not append replaces the collection,
    a reset - unless it runs only while there is none yet (`items ? items.concat(x) : [x]`)."""
    value = unwrap(value) if value is not None else None
    condition = value.child_by_field_name("condition") if value is not None and (
        value.type == "ternary_expression") else None
    return condition is not None and text(unwrap(condition)) not in (name, f"!{name}")


def _read_before_set(source: SourceFile, grow: Node) -> bool:
    """`let hit = m[a][b]; ... m[a][b] = v`: a two-level table read under the same keys in the
    same function before it is filled - a cache by key pair, not a grouping."""
    function = source.enclosing_function(grow)
    if grow.type != "subscript_expression" or function is None:
        return False
    return any(node.type == "subscript_expression" and node.id != grow.id
               and text(node) == text(grow) and node.start_byte < grow.start_byte
               for node in descendants(function))


def only_when_empty(bound: Node, collection: Node) -> bool:
    """`if (!items.length) items = []`: the reset runs only when there is nothing to drop
    (an inverted test), so it bounds nothing."""
    name = text(collection)
    node: Node | None = bound
    while node is not None and node.type not in FUNCTION_TYPES:
        branch, node = node, node.parent
        if node is None or node.type != "if_statement" or (
                node.child_by_field_name("consequence") != branch):
            continue
        condition = unwrap(node.child_by_field_name("condition") or node)
        if condition.type == "unary_expression" and text(condition).startswith("!"):
            operand = unwrap(condition.named_children[0]) if condition.named_children else None
            if operand is not None and text(operand) in (f"{name}.length", f"{name}.size"):
                return True
        if condition.type == "binary_expression" and text(
                condition.child_by_field_name("operator")) in ("===", "==", "<=") and (
                text(condition.child_by_field_name("left")) in (f"{name}.length", f"{name}.size")
                and text(condition.child_by_field_name("right")) == "0"):
            return True
    return False


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
        if prop == "get":
            _classify_bucket(holder, usage)
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


def _classify_bucket(entry: Node, usage: Usage, source: SourceFile | None = None) -> None:
    """What is done to one entry that is itself a collection (`m[k].push(v)`,
    `m.get(k).add(v)`, `m[k].shift()`): growth or a bound of the collection of buckets."""
    member = outer(entry).parent
    if member is not None and member.type == "subscript_expression" and (
            member.child_by_field_name("object") == outer(entry)):
        holder = outer(member).parent
        if source is not None and holder is not None and (
                holder.type == "assignment_expression") and (
                holder.child_by_field_name("left") == outer(member)) and _read_before_set(
                source, member):
            usage.bucket_grows.append(member)  # `hit = m[a][b]; ... m[a][b] = v`: a cache
            usage.grows.append(member)
        return
    if member is None or member.type != "member_expression" or (
            member.child_by_field_name("object") != outer(entry)):
        return
    inner = Usage()
    _classify_member(member, inner)
    usage.bucket_grows += inner.grows
    usage.grows += inner.grows
    usage.bounds += inner.bounds


def stored_key(grow: Node) -> Node | None:
    """The key a growth stores under: `k` of `m.set(k, v)` or `m[k] = v`."""
    if grow.type == "call_expression":
        args = grow.child_by_field_name("arguments")
        named = args.named_children if args is not None else []
        method = last_name(grow.child_by_field_name("function") or grow)
        return named[0] if method == "set" and len(named) >= 2 else None
    return grow.child_by_field_name("index") if grow.type == "subscript_expression" else None


def stored_value(grow: Node) -> Node | None:
    """The value a growth stores: `v` of `m.set(k, v)`, `m[k] = v` or `list.push(v)`."""
    if grow.type == "call_expression":
        args = grow.child_by_field_name("arguments")
        named = args.named_children if args is not None else []
        method = last_name(grow.child_by_field_name("function") or grow)
        return named[1] if method == "set" and len(named) >= 2 else (
            named[0] if method != "set" and named else None)
    holder = outer(grow).parent
    return holder.child_by_field_name("right") if holder is not None else None


def counts_up(grow: Node, lookups: list[Node]) -> bool:
    """`m.set(k, (m.get(k) ?? 0) + 1)`, `m[k] = (m[k] || 0) + n`: a count per key, made from
    the old entry - one entry per distinct key, not a cached lookup."""
    value = stored_value(grow)
    value = unwrap(value) if value is not None else None
    if value is None or value.type != "binary_expression" or text(
            value.child_by_field_name("operator")) != "+":
        return False
    ids = {lookup.id for lookup in lookups}
    for side in ("left", "right"):
        operand = value.child_by_field_name(side)
        if operand is not None and _without_fallback(operand).id in ids:
            return True
    return False


def _fills_old_entry(value: Node | None, lookups: set[int]) -> bool:
    """`(m.get(k) ?? new Set()).add(v)`, `(m[k] || []).concat(v)`: the value stored is the
    old entry (or a new empty one) with one more item."""
    if value is None:
        return False
    value = unwrap(value)
    callee = value.child_by_field_name("function") if value.type == "call_expression" else None
    if callee is None or callee.type != "member_expression" or last_name(callee) not in (
            "add", "push", "concat"):
        return False
    return _without_fallback(callee.child_by_field_name("object") or callee).id in lookups


def _without_fallback(value: Node) -> Node:
    """`m.get(k)` for `m.get(k) || []` or `m.get(k) ?? new Set()`: the value before its
    fallback (the value itself when there is none)."""
    value = unwrap(value)
    if value.type == "binary_expression" and text(
            value.child_by_field_name("operator")) in ("||", "??"):
        return unwrap(value.child_by_field_name("left") or value)
    return value


def bucket_fill(source: SourceFile, grow: Node, usage: Usage) -> Node | None:
    """For `m.set(k, list)` storing the old entry back, the `list.push(v)` that grows it: the
    growth each call adds. None when another store under the same key trims the entry
    (`m.set(k, m.get(k).filter(...))`, an unsubscribe; `list.splice(i, 1); m.set(k, list)`
    in the timer that ends the item)."""
    lookups = {lookup.id for lookup in usage.lookups}
    key = text(stored_key(grow) or grow)
    for other in usage.grows:
        if text(stored_key(other) or other) != key:
            continue
        change = _change_of_old_entry(source, other, lookups)
        if _trimmed_copy(stored_value(other)) or change is not None and last_name(
                change.child_by_field_name("function") or change) not in _FILLS:
            return None
    change = _change_of_old_entry(source, grow, lookups)
    return change if change is not None and last_name(
        change.child_by_field_name("function") or change) in _FILLS else None


_FILLS = frozenset({"push", "unshift", "add", "set"})


def _change_of_old_entry(source: SourceFile, grow: Node, lookups: set[int]) -> Node | None:
    """`const list = m.get(k) || []; list.push(v); m.set(k, list)`: the value stored is a
    local holding the old entry (or a new empty one), and this is the call that changed it in
    between (`push`, `add`; `splice`, `shift` when it is trimmed). (`q = m[k] || new Queue();
    m[k] = q` changes nothing: a get-or-create.)"""
    value = stored_value(grow)
    function = source.enclosing_function(grow)
    if value is None or function is None or unwrap(value).type != "identifier":
        return None
    name = text(unwrap(value))
    held = assigned_value(source, name, function, grow)
    if held is None:
        return None
    held = _without_fallback(held)
    if held.id not in lookups:
        return None
    for use in source.identifiers(name, function):
        member = use.parent
        call = member.parent if member is not None else None
        if member is not None and member.type == "member_expression" and call is not None and (
                call.type == "call_expression") and last_name(member) in (
                _FILLS | BOUND_METHODS) and held.end_byte < use.start_byte < grow.start_byte:
            return call
    return None


def _trimmed_copy(value: Node | None) -> bool:
    value = unwrap(value) if value is not None else None
    callee = value.child_by_field_name("function") if value is not None and (
        value.type == "call_expression") else None
    return callee is not None and callee.type == "member_expression" and last_name(callee) in (
        "filter", "slice", "splice", "without")


def creates_bucket(grow: Node, source: SourceFile | None = None) -> bool:
    """The growth stores an empty collection for a key (`m[k] = m[k] || []`,
    `m.set(k, new Set())`, `bucket = new Map(); m.set(k, bucket)`): a bucket that later calls
    fill, not the per-call growth itself."""
    value = stored_value(grow)
    if value is not None and value.type == "binary_expression" and text(
            value.child_by_field_name("operator")) in ("||", "??"):
        value = value.child_by_field_name("right")
    if value is None:
        return False
    value = outer(value)
    function = source.enclosing_function(grow) if source is not None else None
    if value.type == "identifier" and source is not None and function is not None:
        value = assigned_value(source, text(value), function, grow) or value
    if value.type in ("array", "object"):
        return value.named_child_count == 0
    return collection_kind(value) is not None and text(
        value.child_by_field_name("arguments")) in ("()", "")


def assigned_value(source: SourceFile, name: str, function: Node,
                   before: Node | None = None) -> Node | None:
    """The value `name` last got in `function` (before `before`), or the one it was declared
    with in `function` or a function around it."""
    if before is not None:
        last: Node | None = None
        for use in source.identifiers(name, function):
            assignment = use.parent
            if use.start_byte < before.start_byte and assignment is not None and (
                    assignment.type == "assignment_expression") and (
                    assignment.child_by_field_name("left") == use):
                last = assignment.child_by_field_name("right")
        if last is not None:
            return outer(last)
    for scope in (function, *source.enclosing_functions(function)):
        declarator = next(source.declarators(name, scope), None)
        if declarator is not None:
            value = declarator.child_by_field_name("value")
            return outer(value) if value is not None else None
    return None



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
    # entries are removed only when the call is cancelled or times out (`abort()`, a timer
    # the finished call clears): a call that ends normally leaves its entry for good
    cancel_path_only: bool = False
    # entries are removed only by a function nothing in this file calls (`unregister(ref)`),
    # while the file's own code adds them through another one: `grows` holds those calls
    removal_never_called: str = ""
    # a function adds the entry and removes it on its way out, but a `return` (this node)
    # leaves it without the removal
    return_skips_removal: Node | None = None
    # removed in one handler of the call's emitter; this other one ends the call and leaves it
    skipped_by: Node | None = None
    # a class property every instance adds itself to in its constructor
    per_instance: bool = False
    # a property of a module-level object literal (`const state = { log: [] }`)
    module_property: bool = False
    # a timeout (this node) ends the call that added the entry and leaves the entry
    timeout_leaves: Node | None = None
    # removed only in this 'end'/'finish' listener, which a destroyed stream never runs
    normal_end_only: Node | None = None
    # a count per key whose only removal is a reset of one key (on success): keys that never
    # reach it keep their count
    count_reset_only: bool = False


def unbounded_growth(source: SourceFile, facts: FileFacts) -> list[Growth]:
    """Module-level collections that grow per event and are never trimmed.

    module-collection-growth reports them; closure-capture asks whether they keep closures.
    """
    found: list[Growth] = []
    scoped = facts.scoped_collections
    for declarator in [*source.module_declarators(), *scoped]:
        name_node = declarator.child_by_field_name("name")
        kind = collection_kind(declarator.child_by_field_name("value"))
        if kind is None or name_node is None or name_node.type != "identifier":
            continue
        if declarator.parent is not None and declarator.parent.parent is not None and (
                declarator.parent.parent.type == "export_statement"):
            continue  # other modules may trim it
        name = text(name_node)
        scope = scoped.get(declarator)
        uses = [u for u in source.identifiers(name, scope) if u != name_node]
        first = classify(source, uses, name, kind)
        follow_helpers(source, facts, first, uses, kind)
        if not first.grows_in_functions(source):
            continue  # the common case, decided before the costlier scope checks
        if scope is None:
            uses = [u for u in uses if u.type != "identifier" or source.is_module_binding(u)]
        else:
            uses = [u for u in uses if u.type != "identifier" or _binds_to(source, u, scope)]
            if not _outlives(source, facts, uses, name, kind, scope):
                continue
        usage = classify(source, uses, name, kind)
        follow_helpers(source, facts, usage, uses, kind)
        if usage.exported:
            continue
        success_only = cancel_only = False
        if usage.bounds:
            uncalled = _removal_never_called(source, facts, usage)
            if uncalled is not None:
                found.append(Growth(name, kind, uncalled[1], removal_never_called=uncalled[0]))
                continue
            skipping = _return_skips_removal(source, usage, name)
            if skipping is not None:
                found.append(Growth(name, kind, [skipping[0]], return_skips_removal=skipping[1]))
                continue
            skipped = removal_skipped_by_sibling_handler(source, usage)
            if skipped is not None:
                found.append(Growth(name, kind, [skipped[0]], skipped_by=skipped[1]))
                continue
            timed_out = timeout_leaves_entry(source, usage)
            if timed_out is not None:
                found.append(Growth(name, kind, [timed_out[0]], timeout_leaves=timed_out[1]))
                continue
            ended = removed_only_on_normal_end(source, usage)
            if ended is not None:
                found.append(Growth(name, kind, [ended[0]], normal_end_only=ended[1]))
                continue
            counted = _count_reset_per_key_only(source, facts, usage)
            if counted is not None:
                found.append(Growth(name, kind, [counted], count_reset_only=True))
                continue
            success_only = removed_only_on_success(source, usage)
            cancel_only = not success_only and (
                removed_only_on_cancel(source, usage.bounds)
                or _removed_only_in_effect_cleanup(source, usage))
            if not success_only and not cancel_only:
                continue
        memo = usage.read_through(source)
        if memo is not None and kind in ("map", "object") and not counts_up(memo,
                                                                            usage.lookups):
            continue  # a read-through cache: cache-without-eviction reports it (a count
            #            per key made from the old entry is one entry per distinct key)
        if memo is None and usage.lookups and all(creates_bucket(g, source)
                                                  for g in usage.grows):
            memo = usage.grows[0]  # only ever a new bucket per key: a get-or-create registry
        if memo is not None and not facts.runs_per_call_or_async(memo):
            continue  # a "seen" set of a small fixed domain (module names, warnings shown)
        grows = [bucket_fill(source, g, usage) or g
                 for g in usage.grows_in_functions(source)
                 if not facts.in_setup_code(g) and not _copies_keys(g)
                 and not constant_key(source, g) and not _iterated_at_load(source, g)]
        if grows:
            found.append(Growth(name, kind, grows, success_only, cancel_only))
    found.extend(passed_in_collections(source, facts))
    found.extend(_self_registrations(source))
    found.extend(_module_object_collections(source, facts))
    return found


def _stores_its_arguments(source: SourceFile, grow: Node) -> bool:
    """`function (oid, parser) { table.text[oid] = parser }`: a function whose one statement
    stores what its caller hands it, key and value - a registration, as many entries as the
    caller registers (a type table filled at load), not growth per call."""
    function = source.enclosing_function(grow)
    body = function.child_by_field_name("body") if function is not None else None
    if function is None or body is None or body.type != "statement_block" or len(
            [c for c in body.named_children if c.type != "comment"]) != 1:
        return False
    given = set(parameter_names(function))
    key, value = _entry_of(grow), stored_value(grow)
    return key is not None and value is not None and text(unwrap(key)) in given and text(
        unwrap(value)) in given


def _module_object_slots(source: SourceFile) -> list[tuple[str, str, str]]:
    """(object, property, collection kind) for each collection a module-level object holds:
    a pair of its literal (`const realtime = { log: [] }`) or a property the module sets while
    it loads (`const God = {}; God.exit_log = []`), which is the same container built by
    assignment. Objects another module imports by name are left out (it may trim them)."""
    objects: set[str] = set()
    slots: list[tuple[str, str, str]] = []
    for declarator in source.module_declarators():
        name_node = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if value is not None and unwrap(value).type == "assignment_expression" and text(
                unwrap(value).child_by_field_name("left")) == "module.exports":
            value = unwrap(value).child_by_field_name("right")  # `var God = module.exports = {}`
        if name_node is None or name_node.type != "identifier" or value is None or (
                unwrap(value).type != "object"):
            continue
        if declarator.parent is not None and declarator.parent.parent is not None and (
                declarator.parent.parent.type == "export_statement"):
            continue  # other modules may trim it
        owner = text(name_node)
        objects.add(owner)
        for pair in unwrap(value).named_children:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            kind = collection_kind(pair.child_by_field_name("value")) if key is not None else None
            if key is not None and kind is not None and key.type == "property_identifier":
                slots.append((owner, text(key), kind))
    for match in source.matches(_CLASS_PROPERTY_COLLECTIONS):
        path, owner = match["path"][0], text(match["owner"][0])
        kind = collection_kind(match["value"][0])
        prop = path.child_by_field_name("property")
        if owner in objects and kind is not None and prop is not None and (
                prop.type == "property_identifier") and (owner, text(prop), kind) not in slots:
            slots.append((owner, text(prop), kind))
    return slots


def _module_object_collections(source: SourceFile, facts: FileFacts) -> list[Growth]:
    """`const realtime = { notes: {}, log: [] }` at module level, and a function adds to
    `realtime.log` while nothing the file does to that path takes entries out: the object
    lives as long as the module, so its collections do too. Decided like a module-level
    collection of its own (a read-through is the cache rule's; a key the file spells, or
    growth while the module loads, is not growth per call)."""
    found: list[Growth] = []
    for owner, key, kind in _module_object_slots(source):
        shown = f"{owner}.{key}"
        uses = [node for node in _paths_spelled(source, shown)
                if (root := root_identifier(node)) is not None
                and source.is_module_binding(root)]
        usage = classify(source, uses, shown, kind)
        if usage.bounds or usage.exported:
            continue
        memo = usage.read_through(source)
        if memo is not None and kind in ("map", "object"):
            continue  # a read-through cache: cache-without-eviction reports it
        if memo is not None and not facts.runs_per_call_or_async(memo):
            continue
        grows = [g for g in usage.grows_in_functions(source)
                 if not facts.in_setup_code(g) and not _copies_keys(g)
                 and not constant_key(source, g) and not _iterated_at_load(source, g)
                 and not _stores_its_arguments(source, g)]
        if grows:
            found.append(Growth(shown, kind, grows, module_property=True))
    return found


_CLASS_PROPERTY_COLLECTIONS = file_query("""
(program (expression_statement (assignment_expression
  left: (member_expression object: (identifier) @owner) @path
  right: [(array) (object) (new_expression)] @value)))
""")


def _self_registrations(source: SourceFile) -> list[Growth]:
    """`Owner.instances = new Set()` at module level, and Owner's constructor adds `this`
    to it (`Owner.instances.add(this)`) while nothing in the file takes an instance out:
    every object ever made stays reachable through the class for the life of the process."""
    found: list[Growth] = []
    for match in source.matches(_CLASS_PROPERTY_COLLECTIONS):
        path, owner = match["path"][0], text(match["owner"][0])
        kind = collection_kind(match["value"][0])
        if kind is None or not any(
                use.parent is not None and use.parent.type in ("class_declaration", "class")
                for use in source.identifiers(owner)):
            continue
        shown = text(path)
        usage = _unbounded_path(source, path, kind)
        if usage is None:
            continue
        grows = [g for g in usage.grows
                 if (f := source.enclosing_function(g)) is not None
                 and source.function_name(f) == "constructor"
                 and (value := stored_value(g)) is not None and unwrap(value).type == "this"]
        if grows:
            found.append(Growth(shown, kind, grows, per_instance=True))
    return found


_LITERALS = ("string", "number", "true", "false", "null")
# Array iteration runs its callback there and then, once per element.
_ITERATION_METHODS = frozenset({"forEach", "map", "filter", "reduce", "some", "every",
                                "flatMap", "find"})


_KEY_LITERALS = ("string", "number", "true", "false", "null", "undefined")


def _assigned_once(name: str, function: Node) -> bool:
    """`var key = ...` (or `let`) that the function never assigns again."""
    return all(given.parent is not None and given.parent.type == "variable_declarator"
               for given in values_given(name, function))


def composite_key(source: SourceFile, key: Node, function: Node) -> bool:
    """The key combines two or more values the call was given (`${title}::${id}`, `a + ':' +
    b`, `render(template, values)`), directly or through a `const` of the function: its
    domain is the product of theirs, which no fixed set of names or types bounds."""
    key = unwrap(key)
    if key.type == "identifier":
        declarator = next(source.declarators(text(key), function), None)
        value = declarator.child_by_field_name("value") if declarator is not None and (
            declarator.parent is not None and (text(declarator.parent).startswith("const")
                                               or _assigned_once(text(key), function))) \
            else None
        if value is None:
            return False
        key = unwrap(value)
    if key.type == "template_string":
        parts = [c for c in key.named_children if c.type == "template_substitution"]
    elif key.type == "binary_expression" and text(key.child_by_field_name("operator")) == "+":
        parts, stack = [], [key]
        while stack:
            node = unwrap(stack.pop())
            if node.type == "binary_expression" and text(
                    node.child_by_field_name("operator")) == "+":
                stack += [side for side in (node.child_by_field_name("left"),
                                            node.child_by_field_name("right")) if side]
            elif node.type not in _KEY_LITERALS and node.type != "template_string":
                parts.append(node)
    elif key.type == "call_expression":
        arguments = key.child_by_field_name("arguments")
        parts = [a for a in (arguments.named_children if arguments is not None else [])
                 if a.type not in _KEY_LITERALS]
        callee = key.child_by_field_name("function")
        receiver = callee.child_by_field_name("object") if callee is not None and (
            callee.type == "member_expression") else None
        if receiver is not None and unwrap(receiver).type == "array":  # `[a, b].join(':')`
            parts += [e for e in unwrap(receiver).named_children if e.type not in _KEY_LITERALS]
    else:
        return False
    given = set(parameter_names(function))
    for declarator in own_nodes(function):  # locals made from them: `const room = req.room`
        value = declarator.child_by_field_name("value") if (
            declarator.type == "variable_declarator") else None
        name = declarator.child_by_field_name("name") if value is not None else None
        if name is not None and name.type == "identifier" and value is not None and any(
                node.type == "identifier" and text(node) in given
                for node in descendants(value)):
            given.add(text(name))
    used = [{text(node) for node in descendants(part)
             if node.type == "identifier" and text(node) in given} for part in parts]
    return sum(1 for names in used if names) >= 2 and len(set().union(*used)) >= 2


def _entry_of(grow: Node) -> Node | None:
    """What identifies the entry a growth adds: the key of `set(k, v)` / `m[k] =`, the value
    of `add(v)`; None for `push` and the rest (each call is a new entry)."""
    if grow.type == "subscript_expression":
        return grow.child_by_field_name("index")
    callee = grow.child_by_field_name("function") if grow.type == "call_expression" else None
    arguments = grow.child_by_field_name("arguments") if callee is not None else None
    if callee is None or arguments is None or not arguments.named_children or last_name(
            callee) not in ("set", "add"):
        return None
    return arguments.named_children[0]


def constant_key(source: SourceFile, grow: Node) -> bool:
    """The entry's key is a literal (`warned.add('UNBOUNDED')`), or a `const` given one in the
    function (`const code = 'X'; warned.add(code)`): as many entries as the file spells."""
    key = _entry_of(grow)
    if key is None:
        return False
    key = unwrap(key)
    if key.type == "identifier":
        function = source.enclosing_function(grow)
        declarator = next(source.declarators(text(key), function), None) if (
            function is not None) else None
        if declarator is None or declarator.parent is None or not text(
                declarator.parent).startswith("const"):
            return False
        value = declarator.child_by_field_name("value")
        key = unwrap(value) if value is not None else key
    if key.type == "template_string":
        return not any(child.type == "template_substitution" for child in key.named_children)
    return key.type in _LITERALS


def _iterated_at_load(source: SourceFile, grow: Node) -> bool:
    """`['a', 'b'].forEach((t) => { table[t] = ... })` at module level: the callback runs
    while the module loads, once per element, not per call."""
    function = source.enclosing_function(grow)
    holder = function.parent if function is not None else None
    call = holder.parent if holder is not None and holder.type == "arguments" else None
    if call is None:
        return False
    callee = call.child_by_field_name("function")
    return callee is not None and callee.type == "member_expression" and last_name(
        callee) in _ITERATION_METHODS and source.enclosing_function(call) is None


_MEMBER_COLLECTIONS = file_query("""
(assignment_expression
  left: (member_expression object: (member_expression) @owner) @path
  right: [(array) (object) (new_expression)] @value) @assign
""")


def passed_in_collections(source: SourceFile, facts: FileFacts) -> list[Growth]:
    """`server.app.failures = []` in a set-up function that was handed `server`, grown by a
    callback it registers (`server.ext('onPreResponse', ...)`) and never trimmed: the
    collection lives on an object that outlives the set-up (an application, a server), and
    the callback runs per request."""
    found: list[Growth] = []
    for match in source.matches(_MEMBER_COLLECTIONS):
        path, assign = match["path"][0], match["assign"][0]
        kind = collection_kind(match["value"][0])
        root = root_identifier(path)
        setup = source.enclosing_function(assign)
        if kind is None or root is None or setup is None or text(root) not in parameter_names(
                setup) or facts.per_call_scope(assign) is not None:
            continue
        shown = text(path)
        usage = _unbounded_path(source, path, kind)
        if usage is None:
            continue
        grows = [g for g in usage.grows
                 if (f := source.enclosing_function(g)) is not None and f.id != setup.id
                 and setup.start_byte <= f.start_byte and facts.per_call_scope(g) is not None]
        if grows:
            found.append(Growth(shown, kind, grows))
    return found


def _unbounded_path(source: SourceFile, path: Node, kind: str) -> Usage | None:
    """How the collection made at `path` is used everywhere else the file spells that path;
    None when something bounds it or it is exported (another module may trim it)."""
    shown = text(path)
    uses = [node for node in _paths_spelled(source, shown) if node.id != path.id]
    usage = classify(source, uses, shown, kind)
    return None if usage.bounds or usage.exported else usage


def _paths_spelled(source: SourceFile, shown: str) -> list[Node]:
    """Every member expression in the file spelled exactly `shown`."""
    nodes: list[Node] = []
    encoded = shown.encode()
    start = source.source.find(encoded)
    while start != -1:
        node = source.root.descendant_for_byte_range(start, start + len(encoded))
        while node is not None and node.end_byte - node.start_byte < len(encoded):
            node = node.parent
        if node is not None and node.type == "member_expression" and text(node) == shown:
            nodes.append(node)
        start = source.source.find(encoded, start + 1)
    return nodes


def _return_skips_removal(source: SourceFile, usage: Usage,
                          name: str) -> tuple[Node, Node] | None:
    """A function that runs an entry's whole life - adds it, and removes it itself or through
    a closure of its own (`const cleanup = () => store.delete(id)`) - with a `return` after
    the add that neither removes first, nor hands the removal on (`.finally(cleanup)`), nor
    sits in a `try` whose `finally` removes: that path keeps the entry for good.
    -> (the add, the return)."""
    if not all(_removes_one_entry(bound) and not _evicts(source, bound, name)
               for bound in usage.bounds):
        return None  # a size check, a clear or the oldest entry dropped: eviction, not the
        # end of one entry's life
    for grow in usage.grows:
        function = source.enclosing_function(grow)
        if function is None:
            continue
        removals: list[Node] = []
        for bound in usage.bounds:
            owner = source.enclosing_function(bound)
            if owner is None or not (function.start_byte <= owner.start_byte
                                     and owner.end_byte <= function.end_byte):
                continue
            if owner.id == function.id:
                removals.append(bound)
                continue
            name = source.function_name(owner)
            removals.extend(use for use in source.identifiers(name, function)
                            if name and not (owner.start_byte <= use.start_byte < owner.end_byte))
        if not removals:
            continue
        for node in own_nodes(function):
            if node.type != "return_statement" or node.start_byte < grow.end_byte:
                continue
            if any(grow.end_byte <= r.start_byte and r.start_byte < node.end_byte
                   for r in removals) or _finally_removes(node, function, removals):
                continue
            return grow, node
    return None


_LISTEN_METHODS = frozenset({"on", "once", "addListener", "addEventListener"})
# What a handler does when it ends something: it takes a listener off, stops a timer, closes.
_ENDING_CALLS = frozenset({"removeListener", "off", "removeEventListener", "clearTimeout",
                           "clearInterval", "destroy", "close", "abort", "end", "release"})


def _listener_of(function: Node) -> tuple[str, Node] | None:
    """`emitter.on('x', function)` -> (the emitter as spelled, the call)."""
    holder = function.parent
    call = holder.parent if holder is not None and holder.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    if call is None or callee is None or callee.type != "member_expression" or last_name(
            callee) not in _LISTEN_METHODS:
        return None
    return text(callee.child_by_field_name("object")), call


def _single_entry_removals(usage: Usage) -> list[Node] | None:
    """The usage's removals when each takes one entry out (`delete m[k]`, `splice(i, 1)`);
    None when there are none or any other bound (a clear, a size check) exists."""
    removals = [b for b in usage.bounds if _removes_one_entry(b) or _splices_one(b)]
    return removals if removals and len(removals) == len(usage.bounds) else None


def _registrations(function: Node) -> Iterator[tuple[Node, Node, Node]]:
    """`x.on(event, handler)`-style calls written in `function` itself (not in functions
    inside it): (the call, its callee, its arguments, which hold at least two)."""
    for node in own_nodes(function):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if callee is not None and callee.type == "member_expression" and last_name(
                callee) in _LISTEN_METHODS and arguments is not None and len(
                arguments.named_children) >= 2:
            yield node, callee, arguments


def removal_skipped_by_sibling_handler(source: SourceFile,
                                       usage: Usage) -> tuple[Node, Node] | None:
    """A function adds an entry and registers handlers on one emitter for the ways its work
    ends (`stream.on('end', ...)`, `stream.on('error', ...)`, a `once` pair); the entry is
    taken out in one of them, and another, which ends the work too (it takes a listener off,
    clears a timer, closes something; or it is the other of two `once` handlers: an outcome
    that happens instead), leaves it: every call that ends that way keeps its entry for good.
    A handler may be a method (`this.onDone`, `this.onDone.bind(this)`).
    -> (the add, the registration whose handler forgets it)."""
    removals = _single_entry_removals(usage)
    if removals is None:
        return None
    methods: dict[str, Node] | None = None
    for grow in usage.grows:
        function = source.enclosing_function(grow)
        if function is None:
            continue
        handlers: dict[str, list[tuple[Node, Node, bool]]] = {}
        for node, callee, arguments in _registrations(function):
            handler = unwrap(arguments.named_children[1])
            if handler.type not in ("arrow_function", "function_expression"):
                if methods is None:
                    methods = _methods_by_name(source)
                resolved = _handler_body(source, handler, methods)
                if resolved is None:
                    continue
                handler = resolved
            handlers.setdefault(text(callee.child_by_field_name("object")), []).append(
                (node, handler, last_name(callee) == "once"))
        for handlers_of in handlers.values():
            removing = [h for h in handlers_of if any(
                h[1].start_byte <= r.start_byte < h[1].end_byte for r in removals)]
            if not removing or len(removing) == len(handlers_of):
                continue
            if any(function.start_byte <= r.start_byte < function.end_byte
                   and not any(h[1].start_byte <= r.start_byte < h[1].end_byte
                               for h in removing) for r in removals):
                continue  # removed elsewhere in the function too
            removers = {source.function_name(f) for r in removals
                        if (f := source.enclosing_function(r)) is not None} - {""}
            removers |= {key for key, method in _BOUND_PAIRS.findall(
                source.source.decode("utf-8", "replace")) if method in removers}
            outside = text(function)
            for h in removing:
                outside = outside.replace(text(h[1]), "")
            if any(f"{name}(" in outside for name in removers):
                continue  # another path of the call asks the remover too (a 'close')
            once_pair = all(h[2] for h in removing)
            for registration, body, once in handlers_of:
                if any(body.id == h[1].id for h in removing):
                    continue
                if not (_ends_something(body) or (once and once_pair)):
                    continue
                if any(f"{name}(" in text(body) for name in removers):
                    continue  # it calls the function that removes
                return grow, registration
    return None


# Stream events that only a normal finish brings: a stream destroyed or errored (a client
# that goes away, a reset connection) emits 'close' (and 'error'), never these.
_NORMAL_END_EVENTS = frozenset({"end", "finish"})


def _count_reset_per_key_only(source: SourceFile, facts: FileFacts,
                              usage: Usage) -> Node | None:
    """`fails[user] = (fails[user] || 0) + 1` per call, and the only removals take one key
    out (`delete fails[user]` when a login succeeds): no size check, clear or expiry, so
    every key that never reaches the reset (a mistyped name, an attacker's guesses) keeps
    its count for good. A reset the module exports is other modules' to call. -> the count."""
    if not usage.bounds or not all(_removes_one_entry(b) for b in usage.bounds):
        return None
    if any((f := source.enclosing_function(b)) is not None and facts.exported_function(f)
           for b in usage.bounds):
        return None  # an exported reset (`recordSuccess(user)`): other modules call it
    for grow in usage.grows:
        if counts_up(grow, usage.lookups) and (
                facts.per_call_scope(grow) is not None or facts.repeats(grow) is not None
                and not facts.in_setup_code(grow)):
            return grow
    return None


def removed_only_on_normal_end(source: SourceFile, usage: Usage) -> tuple[Node, Node] | None:
    """A function adds an entry and takes it out only in an `'end'`/`'finish'` listener it
    registers on a stream it was handed (`socket.on('end', () => live.delete(socket))`), with
    no `'close'` listener there that removes it too: a stream destroyed or errored never
    ends, so each call that ends that way keeps its entry for good.
    -> (the add, the registration)."""
    removals = _single_entry_removals(usage)
    if removals is None:
        return None
    for grow in usage.grows:
        function = source.enclosing_function(grow)
        if function is None:
            continue
        ends: list[tuple[Node, Node]] = []
        for node, callee, arguments in _registrations(function):
            event = arguments.named_children[0]
            handler = unwrap(arguments.named_children[1])
            if event.type != "string" or handler.type not in ("arrow_function",
                                                              "function_expression"):
                continue
            emitter = root_identifier(callee)
            if text(event)[1:-1] in _NORMAL_END_EVENTS and emitter is not None and text(
                    emitter) in parameter_names(function):
                ends.append((node, handler))  # (a stream handed in; an emitter the call
                #                                made has only the events the file gives it)
        if not ends:
            continue
        if all(any(h.start_byte <= r.start_byte < h.end_byte for _, h in ends)
               for r in removals):
            return grow, ends[0][0]
    return None


def _splices_one(bound: Node) -> bool:
    """`list.splice(index, 1)`: one entry taken out of an array."""
    if bound.type != "call_expression" or last_name(
            bound.child_by_field_name("function") or bound) != "splice":
        return False
    arguments = bound.child_by_field_name("arguments")
    return arguments is not None and len(arguments.named_children) == 2 and text(
        arguments.named_children[1]) == "1"


def _methods_by_name(source: SourceFile) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for match in source.matches(FUNCTIONS_QUERY):
        function = match["function"][0]
        name = source.function_name(function)
        if name:
            found.setdefault(name, function)
    return found


_BOUND_PAIRS = re.compile(r"([\w$]+)\s*:\s*(?:this|self)\.([\w$]+)(?:\.bind\(|\s*[,}\n])")


def _handler_body(source: SourceFile, handler: Node, methods: dict[str, Node]) -> Node | None:
    """The function a handler reference names: `this.onEnd`, `this.onEnd.bind(this)`,
    `onEnd`, or `this._handlers.end` where the file maps `end: this.onEnd.bind(this)`."""
    if handler.type == "call_expression":  # `this.onEnd.bind(this)`
        callee = handler.child_by_field_name("function")
        if callee is None or last_name(callee) != "bind":
            return None
        handler = unwrap(callee.child_by_field_name("object") or callee)
    if handler.type not in ("identifier", "member_expression"):
        return None
    name = last_name(handler)
    if name in methods:
        return methods[name]
    for key, method in _BOUND_PAIRS.findall(source.source.decode("utf-8", "replace")):
        if key == name and method in methods:
            return methods[method]
    return None


def _ends_something(handler: Node) -> bool:
    return any(node.type == "call_expression" and last_name(
        node.child_by_field_name("function") or node) in _ENDING_CALLS
        for node in own_nodes(handler))


def _removes_one_entry(bound: Node) -> bool:
    holder = outer(bound).parent
    if holder is not None and holder.type == "unary_expression" and text(holder).startswith(
            "delete"):
        return True
    return bound.type == "call_expression" and last_name(
        bound.child_by_field_name("function") or bound) == "delete"


def _evicts(source: SourceFile, removal: Node, name: str) -> bool:
    """The removal takes out a key read from the collection itself - the oldest entry
    (`memo.delete(memo.keys().next().value)`, `delete cache[Object.keys(cache)[0]]`, through a
    local: `const list = Object.keys(cache); delete cache[list[0]]`): it makes room."""
    arguments = removal.child_by_field_name("arguments")
    key = removal.child_by_field_name("index") if removal.type == "subscript_expression" else (
        next(iter(arguments.named_children), None) if arguments is not None else None)
    if key is None:
        return False
    mentions = re.compile(rf"(?<![\w$.]){re.escape(name)}(?![\w$])")
    if mentions.search(text(key)):
        return True
    root = root_identifier(key)
    function = source.enclosing_function(removal)
    declarator = next(source.declarators(text(root), function), None) if (
        root is not None and function is not None) else None
    value = declarator.child_by_field_name("value") if declarator is not None else None
    return value is not None and mentions.search(text(value)) is not None


def _finally_removes(node: Node, function: Node, removals: list[Node]) -> bool:
    parent = node.parent
    while parent is not None and parent.id != function.id:
        if parent.type == "try_statement":
            handler = parent.child_by_field_name("finalizer")
            if handler is not None and any(handler.start_byte <= r.start_byte < handler.end_byte
                                           for r in removals):
                return True
        parent = parent.parent
    return False


def _fresh_index(source: SourceFile, subscript: Node) -> bool:
    index = subscript.child_by_field_name("index")
    function = source.enclosing_function(subscript)
    return index is not None and function is not None and fresh_key(source, index, function)


def _removal_never_called(source: SourceFile, facts: FileFacts,
                          usage: Usage) -> tuple[str, list[Node]] | None:
    """A registry the file fills through a function of its own (`register(...)`) called from
    code that runs again (a constructor, a method, any function), and empties only through
    another function (`unregister(ref)`) that nothing in the file calls and that the module
    does not export (other modules call what it exports): the code that registers never
    deregisters. -> (the remover's name, the calls that add)."""
    functions = [f for bound in usage.bounds if (f := source.enclosing_function(bound)) is not None]
    removers = {source.function_name(f) for f in functions}
    if not removers or "" in removers or any(called_in_file(source, name) for name in removers):
        return None
    adders = {source.function_name(f) for grow in usage.grows
              if (f := source.enclosing_function(grow)) is not None}
    calls = [use.parent for name in adders if name and name not in removers
             for use in source.identifiers(name)
             if use.parent is not None and use.parent.type == "call_expression"
             and use.parent.child_by_field_name("function") == use
             and source.enclosing_function(use) is not None]
    if any(facts.exported_function(f) for f in functions) and not any(
            _result_kept(call) for call in calls):
        # other modules call what the module exports: an exported remover keyed by what
        # the world knows (`onNewRevision(padId)`) is theirs to call; only a handle the
        # adder hands back to this file's code (`this.ref = register(...)`) is this file's
        return None
    calls.sort(key=lambda call: call.start_byte)  # (the names came from a set: one order)
    return (sorted(removers)[0], calls) if calls else None


def _result_kept(call: Node) -> bool:
    holder = outer(call).parent
    return holder is not None and holder.type in ("assignment_expression", "variable_declarator")


def called_in_file(source: SourceFile, name: str) -> bool:
    return any(use.parent is not None and (
        use.parent.type == "call_expression" and use.parent.child_by_field_name("function") == use
        or use.parent.type in ("arguments", "pair", "assignment_expression")  # handed on
    ) for use in source.identifiers(name)) or f".{name}(".encode() in source.source


def scoped_collections(source: SourceFile, facts: FileFacts) -> dict[Node, Node]:
    """Collections declared in a function that runs once per program or per setup - a
    framework plugin, a factory - rather than per call: declarator -> that function. They live
    as long as the per-call closures the function registers or hands out."""
    found: dict[Node, Node] = {}
    functions = [m["function"][0] for m in source.matches(FUNCTIONS_QUERY)]
    starts = sorted(function.start_byte for function in functions)
    for function in functions:
        after = bisect_right(starts, function.start_byte)
        if after >= len(starts) or starts[after] >= function.end_byte or (
                not _runs_once(source, facts, function)):
            continue  # keeps no closure, or may run per call: what it makes dies with it
        for declared in source.captures(_SCOPED_DECLARATORS, function).get("declarator", []):
            if collection_kind(declared.child_by_field_name("value")) is not None and (
                    source.enclosing_function(declared) == function):
                found[declared] = function
    return found


_SCOPED_DECLARATORS = """
(variable_declarator name: (identifier) value: [(array) (object) (new_expression)]) @declarator
"""


def _runs_once(source: SourceFile, facts: FileFacts, function: Node) -> bool:
    """A top-level function declaration (a plugin, a factory) that is not per-call code:
    called at start-up, or by code outside this file that sets things up once. Methods and
    callbacks run per operation as far as this file can tell."""
    holder = outer(function).parent
    if function.type != "function_declaration" and not (
            function.type in ("arrow_function", "function_expression")
            and holder is not None and holder.type in ("variable_declarator", "arguments",
                                                       "assignment_expression", "pair")):
        return False  # (an argument: a plugin wrapped at load, `fp(async function (app) {})`;
    #               an assignment: `module.exports = function (app) {}`; a pair: hapi's
    #               `exports.plugin = { register: async (server) => {} }`)
    if source.enclosing_function(function) is not None:
        return False
    return facts.per_call_reason(function) is None


def _binds_to(source: SourceFile, use: Node, scope: Node) -> bool:
    """`use` names the declaration of `scope`, not one of a function between them."""
    name = text(use)
    for function in source.enclosing_functions(use):
        if function == scope:
            return True
        if name in source.declared_names(function):
            return False
    return False


def _outlives(source: SourceFile, facts: FileFacts, uses: list[Node], name: str, kind: str,
              scope: Node) -> bool:
    """Some growth happens in a function nested in `scope` that runs after `scope` returns:
    a per-call function registered there (a route of a plugin), or one `scope` returns (a
    factory's `call`, or the methods of the object it returns)."""
    handed_out = handed_out_functions(source, scope)
    for grow in classify(source, uses, name, kind).grows:
        for function in source.enclosing_functions(grow):
            if function == scope:
                break
            if API_METHODS.match(source.function_name(function)):
                break  # a store's own `set`/`add`: its user decides what goes in
            if facts.per_call_reason(function) is not None or (
                    function.id in handed_out and _fresh_id(source, grow)):
                return True  # a route of a plugin; a pending-call registry of a factory
            if _registered_callback(function, scope) and not any(
                    (holder := outer(use).parent) is not None and holder.type == "arguments"
                    for use in uses):
                return True  # `app.on('login', (auth) => ...)`: runs at each event, later
                #              (not chunks gathered for a result: `cb(Buffer.concat(chunks))`)
    return False


# Calls that run a callback at most once, or there and then: a promise's settlement, a
# `once` listener, a timeout, a promise executor, array iteration.
RUN_ONCE_CALLS = frozenset({"once", "then", "catch", "finally", "setTimeout", "setImmediate",
                             "nextTick", "queueMicrotask", *_ITERATION_METHODS})


def _registered_callback(function: Node, scope: Node) -> bool:
    """`function` is a callback that `scope` hands to an object it was handed itself
    (`(app) => { app.on('login', (auth) => ...) }`), for an event or hook it names first:
    that object was there before the scope ran and outlives it, so it may run the callback
    again and again later (a listener, a hook, a subscription). Not a promise's settlement, a `once` listener, a timeout or array
    iteration; not a call on an object the scope made (a test's own server dies with it)."""
    holder = function.parent
    if function.type not in ("arrow_function", "function_expression") or holder is None or (
            holder.type != "arguments") or holder.parent is None:
        return False
    call = holder.parent
    callee = call.child_by_field_name("function")
    if call.type != "call_expression" or callee is None or callee.type != "member_expression" or (
            last_name(callee) in RUN_ONCE_CALLS):
        return False
    arguments = holder.named_children
    if len(arguments) < 2 or arguments[0].type != "string" or arguments[0].id == function.id:
        return False  # an event or hook named first: `on('login', fn)`, not `eachPath(fn)`
    receiver = root_identifier(callee)
    return receiver is not None and text(receiver) in parameter_names(scope)


# What makes a key new for each call: a counter, a uuid, the clock.
FRESH_MARKERS = ("++", "randomUUID", "uuid", "nanoid", "Date.now", "nextId", "genId",
                 "generateId", "counter")


def _property_assigned(source: SourceFile, member: Node, function: Node) -> Node | None:
    """The value last assigned to `member` (`a.b = value`) in `function` before it is used."""
    wanted = text(member)
    last: Node | None = None
    for node in own_nodes(function):
        if node.type != "assignment_expression" or node.end_byte > member.start_byte or (
                last is not None and node.start_byte < last.start_byte):
            continue
        left = node.child_by_field_name("left")
        if left is not None and text(left) == wanted:
            last = node
    if last is not None:
        return last.child_by_field_name("right")
    # `const message = { cid: nextCallId() }; ...; table[message.cid]`: set where it was made
    owner = member.child_by_field_name("object")
    declarator = next(source.declarators(text(owner), function), None) if (
        owner is not None and owner.type == "identifier") else None
    made = declarator.child_by_field_name("value") if declarator is not None else None
    if made is None or unwrap(made).type != "object":
        return None
    return next((pair.child_by_field_name("value") for pair in unwrap(made).named_children
                 if pair.type == "pair" and text(pair.child_by_field_name("key")) == last_name(
                     member)), None)


def fresh_key(source: SourceFile, key: Node, function: Node, depth: int = 0) -> bool:
    """A key made new for this call (`++lastId`, a uuid), or a variable declared with or last
    set to one in `function` or a function around it: one entry per call."""
    if any(marker in text(key) for marker in FRESH_MARKERS):
        return True
    key = unwrap(key)
    if _fresh_call(source, key):
        return True  # `this._promises[this._nextPromiseId()] = ...`
    if key.type == "member_expression" and depth < 2:
        # `socket.id = uuid(); table.set(socket.id, ...)`: the property was just given a
        # fresh value in this function
        value = _property_assigned(source, key, function)
        if value is not None:
            return fresh_key(source, value, function, depth + 1)
    root = root_identifier(key)
    if root is None:
        return False
    value = assigned_value(source, text(root), function)
    return value is not None and (any(marker in text(value) for marker in FRESH_MARKERS)
                                  or _fresh_call(source, unwrap(value)))


def _fresh_call(source: SourceFile, value: Node) -> bool:
    """`v4()` (uuid's), or a call of a function of this file that returns a fresh value
    (`_nextPromiseId() { return ++this._promiseId; }`)."""
    callee = value.child_by_field_name("function") if value.type == "call_expression" else None
    if callee is None:
        return False
    name = last_name(callee)
    return name in ("v1", "v4", "v7") or name in _fresh_makers(source)


_FRESH_MAKERS: WeakKeyDictionary[SourceFile, frozenset[str]] = WeakKeyDictionary()


def _fresh_makers(source: SourceFile) -> frozenset[str]:
    """Names of the file's functions that return a fresh value (`return ++this._id`)."""
    if source not in _FRESH_MAKERS:
        _FRESH_MAKERS[source] = frozenset(
            source.function_name(found["function"][0])
            for found in source.matches(FUNCTIONS_QUERY)
            if any(node.type == "return_statement" and any(m in text(node) for m in FRESH_MARKERS)
                   for node in own_nodes(found["function"][0])))
    return _FRESH_MAKERS[source]


def _fresh_id(source: SourceFile, grow: Node) -> bool:
    """The entry is stored under an id made for this call (`++lastId`, a uuid): one entry per
    call, as in a registry of pending calls. Other state a factory's closures keep lives as
    long as the object the factory made, which this file cannot see."""
    if grow.type == "call_expression":
        arguments = grow.child_by_field_name("arguments")
        key = arguments.named_children[0] if arguments is not None and (
            arguments.named_children) else None
    else:
        key = grow.child_by_field_name("index")
    function = source.enclosing_function(grow)
    return key is not None and function is not None and fresh_key(source, key, function)


def handed_out_functions(source: SourceFile, scope: Node) -> set[int]:
    """Functions nested in `scope` that it returns, directly or as properties of the object
    it returns (`return { call, onReply }`)."""
    returned: set[str] = set()
    out: set[int] = set()
    for node in own_nodes(scope):
        if node.type != "return_statement" or not node.named_children:
            continue
        value = outer(node.named_children[0])
        if value.type in FUNCTION_TYPES:
            out.add(value.id)
        elif value.type == "identifier":
            returned.add(text(value))
        elif value.type == "object":
            for member in value.named_children:
                inner = member.child_by_field_name("value") if member.type == "pair" else member
                if inner is None:
                    continue
                if inner.type in FUNCTION_TYPES or member.type == "method_definition":
                    out.add(inner.id)
                elif inner.type in ("identifier", "shorthand_property_identifier"):
                    returned.add(text(inner))
    if returned:
        for node in own_nodes(scope):
            if node.type == "function_declaration" and text(
                    node.child_by_field_name("name")) in returned:
                out.add(node.id)
            elif node.type == "variable_declarator" and text(
                    node.child_by_field_name("name")) in returned:
                made = node.child_by_field_name("value")
                if made is not None and outer(made).type in FUNCTION_TYPES:
                    out.add(outer(made).id)
    return out


_CANCEL_WORDS = re.compile(r"(^|[a-z_])(abort|Abort|cancel|Cancel)")
_TIMEOUT_CALL = re.compile(r"^(setTimeout|\w+\.setTimeout)$")


def removed_only_on_cancel(source: SourceFile, bounds: list[Node]) -> bool:
    """Every removal happens on a path that only a cancelled or timed-out call takes: in a
    function named for it (`abort`, `cancelRequest`, `onAbort`), or in a setTimeout callback
    whose timer the file clears (the call that finishes first clears the timer, and with it
    the only removal)."""
    if not bounds:
        return False
    cleared = {last_name(m["handle"][0]) for m in source.matches(_CLEARED_HANDLES)}
    for bound in bounds:
        on_cancel = False
        for function in source.enclosing_functions(bound):
            if _CANCEL_WORDS.search(source.function_name(function)):
                on_cancel = True
                break
            call = outer(function).parent
            call = call.parent if call is not None and call.type == "arguments" else None
            if call is not None and call.type == "call_expression" and _TIMEOUT_CALL.match(
                    text(call.child_by_field_name("function"))):
                holder = outer(call).parent
                if holder is not None and holder.type == "variable_declarator" and text(
                        holder.child_by_field_name("name")) in cleared:
                    on_cancel = True
                break
        if not on_cancel:
            return False
    return True


_CLEARED_HANDLES = file_query("""
(call_expression function: (identifier) @f arguments: (arguments . (_) @handle)
  (#eq? @f "clearTimeout"))
""")


_EFFECTS = frozenset({"useEffect", "useLayoutEffect", "useInsertionEffect"})


def _removed_only_in_effect_cleanup(source: SourceFile, usage: Usage) -> bool:
    """A React render adds the entry (`map.set(id, fn)` in a component or hook body) and only
    an effect's cleanup removes it: effects never run in server rendering, and a render that
    is thrown away never mounts, so its entry stays."""
    def in_effect(node: Node) -> bool:
        for function in source.enclosing_functions(node):
            call = outer(function).parent
            call = call.parent if call is not None and call.type == "arguments" else None
            if call is not None and call.type == "call_expression" and last_name(
                    call.child_by_field_name("function") or call) in _EFFECTS:
                return True
        return False

    return bool(usage.bounds) and all(in_effect(bound) for bound in usage.bounds) and any(
        not in_effect(grow) and not _in_browser_only(grow) for grow in usage.grows)


_BROWSER_TESTS = re.compile(r"\b(window|document|canUseDOM|isBrowser|IS_BROWSER|isClient|"
                            r"inBrowser)\b")


def _in_browser_only(node: Node) -> bool:
    """Under `if (canUseDOM)`, `if (typeof window !== 'undefined')`: it runs where effects do."""
    parent = node.parent
    while parent is not None and parent.type not in FUNCTION_TYPES:
        if parent.type == "if_statement" and _BROWSER_TESTS.search(
                text(parent.child_by_field_name("condition"))):
            return True
        parent = parent.parent
    return False


def _copies_keys(grow: Node) -> bool:
    """`for (const [code, rate] of Object.entries(table)) rates.set(code, rate)` or
    `for (const k in table) copy[k] = ...`: the keys are another object's keys, so a refresh
    writes the same ones again; the copy is as big as its source."""
    if grow.type == "call_expression":
        arguments = grow.child_by_field_name("arguments")
        key = arguments.named_children[0] if arguments is not None and (
            arguments.named_children) and last_name(
            grow.child_by_field_name("function") or grow) == "set" else None
    else:
        key = grow.child_by_field_name("index")
    if key is None or key.type != "identifier":
        return False
    loop = grow.parent
    while loop is not None and loop.type not in FUNCTION_TYPES:
        if loop.type == "for_in_statement":
            left, right = loop.child_by_field_name("left"), loop.child_by_field_name("right")
            first = left.named_children[0] if left is not None and left.type == (
                "array_pattern") and left.named_children else left
            if first is not None and text(first) == text(key) and right is not None:
                of_keys = text(right).startswith(("Object.entries(", "Object.keys("))
                in_loop = any(child.type == "in" for child in loop.children)
                return of_keys or (in_loop and left is not None and left.type == "identifier")
        loop = loop.parent
    return False


_TIMEOUTS = file_query("""
(call_expression function: (identifier) @f arguments: (arguments . [(arrow_function)
  (function_expression)] @callback) (#eq? @f "setTimeout")) @timer
""")


def timeout_leaves_entry(source: SourceFile, usage: Usage) -> tuple[Node, Node] | None:
    """(growth, timer): a call adds an entry, and a timeout it starts ends the call - it
    settles the promise the call returns (`new Promise((resolve, reject) => { m.set(id, ..);
    setTimeout(() => reject(...), ms) })`) - without taking the entry out, itself or through
    a function that does, while the file removes entries elsewhere (the answer's path). Each
    call that times out keeps its entry for good."""
    if not usage.bounds:
        return None
    keyed = [g for g in usage.grows if _entry_of(g) is not None]
    if not keyed:
        return None
    removers = {name for bound in usage.bounds
                if (fn := source.enclosing_function(bound)) is not None
                and (name := source.function_name(fn))}
    # functions that look an entry up to finish it (`_cancel(id) { const c = m.get(id);
    # c.reject(...) }`) and do not take it out
    finishers = {name for lookup in usage.lookups
                 if (fn := source.enclosing_function(lookup)) is not None
                 and (name := source.function_name(fn)) and name not in removers}
    timer_callbacks = [m["callback"][0] for m in source.matches(_TIMEOUTS)]
    if all(any(c.start_byte <= b.start_byte < c.end_byte for c in timer_callbacks)
           for b in usage.bounds):
        return None  # every removal is a timer's own: no answer's path to compare with
    for match in source.matches(_TIMEOUTS):
        timer, callback = match["timer"][0], match["callback"][0]
        executor = source.enclosing_function(timer)
        if executor is None:
            continue
        grow = next((g for g in keyed if executor.start_byte <= g.start_byte < executor.end_byte
                     and source.enclosing_function(g) == executor), None)
        if grow is None:
            continue
        settles = set(parameter_names(executor)) if promise_of_executor(executor) else set()
        calls = [node for node in descendants(callback) if node.type == "call_expression"]
        if not any(text(c.child_by_field_name("function")) in settles
                   or _finishes_entry(c, finishers, grow) for c in calls):
            continue  # the timer does not end the call
        if any(callback.start_byte <= b.start_byte < callback.end_byte for b in usage.bounds):
            continue
        if any((f := c.child_by_field_name("function")) is not None
               and last_name(f) in removers for c in calls):
            continue  # `this.expire(id)`: one call away
        return grow, timer
    return None


def _finishes_entry(call: Node, finishers: set[str], grow: Node) -> bool:
    """`this._cancel(id)` or `cancel(id)`: a call of a finisher with the entry's key."""
    callee = call.child_by_field_name("function")
    key = _entry_of(grow)
    if callee is None or key is None or last_name(callee) not in finishers or (
            callee.type == "member_expression"
            and unwrap(callee.child_by_field_name("object") or callee).type != "this"):
        return False
    arguments = call.child_by_field_name("arguments")
    return arguments is not None and any(
        text(argument) == text(key) for argument in arguments.named_children)


def removed_only_on_success(source: SourceFile, usage: Usage) -> bool:
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
            if in_cleanup_clause(bound, function):
                return False
            awaits = [a for a in awaits_in(function) if first_grow < a.start_byte < bound.start_byte]
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


def in_cleanup_clause(node: Node, function: Node, clauses: tuple[str, ...] = (
        "finally_clause", "catch_clause")) -> bool:
    """Inside one of `clauses` of `function` (not of a function inside it)."""
    parent = node.parent
    while parent is not None and parent.id != function.id:
        if parent.type in clauses:
            return True
        parent = parent.parent
    return False


def awaits_in(function: Node) -> list[Node]:
    return [node for node in own_nodes(function) if node.type == "await_expression"]
