"""Classes, how long their instances live, and the collections kept on their fields.

A collection on `this` leaks when its object lives as long as the process and its methods add
entries per call that nothing takes out. So the questions here are:

- which classes have long-lived instances, and how sure that is: one made at module level
  (`export const billing = new BillingClient()`, `module.exports = new X()`), or registered
  with a dependency-injection container (`@Injectable()`, `@Service()`, `@Controller()`: Nest,
  TypeDI, tsyringe, Inversify and Angular make one instance and share it) is certain; a class
  named like a long-lived service (`...Server`, `...Client`, `...Pool`) is likely;
- which methods run once per instance (the constructor, lifecycle hooks such as
  `onModuleInit` or `componentDidMount`, start-up methods) rather than per operation;
- field_growth: fields grown per call in such classes with nothing that removes entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.source import (
    FUNCTIONS_QUERY,
    SourceFile,
    descendants,
    file_query,
    last_name,
    outer,
    own_nodes,
    parameter_names,
    text,
    unwrap,
)
from heapsight.lint.usage import (
    API_METHODS,
    Usage,
    assigned_value,
    bucket_fill,
    classify,
    collection_kind,
    composite_key,
    counts_up,
    fresh_key,
    removal_skipped_by_sibling_handler,
    removed_only_on_cancel,
    removed_only_on_normal_end,
    removed_only_on_success,
    stored_key,
    stored_value,
    timeout_leaves_entry,
)

if TYPE_CHECKING:
    from heapsight.lint.facts import FileFacts

# Decorators of dependency-injection containers (NestJS, TypeDI, InversifyJS, tsyringe) that
# make one shared instance of a class and call it per request or message.
SINGLETON_DECORATORS = frozenset({
    "Injectable", "injectable", "Service", "Controller", "Resolver", "WebSocketGateway",
    "Processor", "Singleton", "singleton", "scoped", "Provide", "Module", "Gateway", "Catch",
})
# Methods that run once per instance: constructors, framework lifecycle hooks, start/stop.
ONCE_PER_INSTANCE = frozenset({
    "constructor", "onModuleInit", "onApplicationBootstrap", "onModuleDestroy",
    "beforeApplicationShutdown", "onApplicationShutdown", "componentDidMount",
    "componentWillUnmount", "connectedCallback", "disconnectedCallback", "ngOnInit",
    "ngOnDestroy", "init", "initialize", "setup", "start", "open", "connect", "listen", "run",
    "begin", "enable", "mount", "activate", "bootstrap", "close", "stop", "destroy", "dispose",
    "shutdown", "end", "terminate",
})
# Classes whose instances usually live as long as the process and serve many calls: growth on
# their fields per call accumulates, and each of their methods runs many times on one
# instance. Requests, responses, builders, results and validators are made per operation.
LONG_LIVED_NAME = re.compile(r"(Server|Client|Pool|Manager|Service|Requester|Namespace|Adapter|"
                             r"Registry|Broker|Agent|Connection|Socket|Session|Transport|Bus|"
                             r"Hub|Gateway|Router|Store|Cache|Collection|Mongoose|Queue|"
                             r"Dispatcher|Tracker|Monitor|Repository|Notifier|Publisher|"
                             r"Subscriber|Provider|Controller|Sdk|SDK|Api|API)$")
_CLASSES = file_query("""
[(class_declaration name: (_) @name body: (class_body) @body)
 (class name: (_) @name body: (class_body) @body)]
""")
_MEMBERS = file_query("(member_expression property: [(property_identifier) "
                       "(private_property_identifier)] @name) @member")


# Names of the per-connection objects a server is handed (`socket`, `ws`, `conn`, `peerSocket`).
CONNECTION_NAME = re.compile(r"(?:^|_|[a-z])(?:[Ss]ocket|[Cc]onn|[Cc]onnection|[Pp]eer)(?:Wrapper)?$"
                             r"|^(?:ws|socket|conn|connection|peer)$")


def once_per_instance(name: str) -> bool:
    return name.lstrip("_#") in ONCE_PER_INSTANCE


def singleton_classes(source: SourceFile) -> dict[str, str]:
    """Class name -> the dependency-injection decorator that makes one shared instance of it
    (`@Injectable()`)."""
    found: dict[str, str] = {}
    for match in source.matches(_CLASSES):
        declaration = match["body"][0].parent
        name = text(match["name"][0])
        if declaration is None or not name:
            continue
        holders = [declaration]
        if declaration.parent is not None and declaration.parent.type == "export_statement":
            holders.append(declaration.parent)
        for holder in holders:
            for child in holder.children:
                if child.type != "decorator" or not child.named_children:
                    continue
                call = child.named_children[0]
                callee = call.child_by_field_name("function") if call.type == (
                    "call_expression") else call
                if callee is not None and last_name(callee) in SINGLETON_DECORATORS:
                    found.setdefault(name, f"@{last_name(callee)}()")
    return found


def made_at_module_level(source: SourceFile, name: str) -> bool:
    """`new Name(...)` runs at module level (`module.exports = new X()`, `export const x =
    new X()`): one instance for the life of the process."""
    return any(use.parent is not None and use.parent.type == "new_expression"
               and source.enclosing_function(use) is None for use in source.identifiers(name))


def owner_class(node: Node) -> str:
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


@dataclass(frozen=True)
class FieldGrowth:
    name: str  # the field, `this.<name>`
    kind: str
    grow: Node  # where it grows per call
    owner: str  # the class
    why_long_lived: str  # "@Injectable()", "made once at module level", "a ...Client"
    # a removal that first makes the entry it removes from (`m[k] = m[k] || {}`)
    recreated: bool = False
    # it grows through the list it keeps per key (`list = m.get(k) ?? []; list.push(x)`)
    per_key_list: bool = False
    # timer handles kept so close() can clear them, taken out only when cleared: a timer that
    # fires leaves its handle
    fired_kept: bool = False
    # ... and nothing takes a handle out at all (the collection is not `this.<name>`)
    never_trimmed: bool = False
    # the only removal is a listener on the entry, registered after the entry was handed to
    # other code that may end it at once (`emit('connection', socket)` then `socket.once(...)`)
    late_removal: bool = False
    # filled together with this field under one key; a function that ends the entry takes it
    # out of that field and leaves it in this one
    forgotten_with: str = ""
    # the field another field's removal leaves behind when a key's life ends
    left_at_end: str = ""
    # removed in one handler of the call's emitter; this other one ends the call and leaves it
    skipped_by: Node | None = None
    # the only per-entry removal takes out another value than the one added (`push(timer)`,
    # then `splice(indexOf(fn), 1)`); the rest is a reset when the object is torn down
    wrong_removal: Node | None = None
    # every method that runs an entry's whole life (add, await, delete) deletes it after the
    # await, outside finally/catch: a call that throws or is abandoned keeps its entry
    success_only: bool = False
    # a timeout (this node) ends the call that added the entry and leaves the entry
    timeout_leaves: Node | None = None
    # each entry is a list that grows per call; the only removals drop a whole entry
    bucket_untrimmed: bool = False
    # removed only in this 'end'/'finish' listener, which a destroyed stream never runs
    normal_end_only: Node | None = None


def field_growth(source: SourceFile, facts: FileFacts) -> list[FieldGrowth]:
    """Collections on instance fields (`this.x = []` / `new Map()` / `{}`) that a method of a
    long-lived object grows per call while nothing in the file ever removes from a field of
    that name, resets it outside its constructor, or checks its size.

    Entries made for the call (a new object, a literal, a value under a fresh id) count in any
    class named like a long-lived service; any entry counts in a class that certainly has one
    shared instance, since its methods are what the rest of the program calls per operation.
    A read-through lookup (`get` then `set` of a computed value) is cache-without-eviction's.
    """
    found_growth = _recreated_by_removal(source) + _fired_timers_kept(source)
    initial: dict[str, tuple[str, set[int]]] = {}
    lifetime: dict[str, str] = {}  # fields whose own declaration says how long they live
    declared_in: dict[str, set[str]] = {}  # field -> the classes that declare it
    for found in facts.this_fields:
        kind = collection_kind(found["value"][0])
        if kind is None:
            continue
        name = text(found["name"][0])
        assignment = found["name"][0].parent
        if assignment is not None and assignment.type in ("field_definition",
                                                          "public_field_definition"):
            if any(child.type == "static" for child in assignment.children):
                lifetime[name] = "a static field"  # one per class: the life of the process
            annotation = assignment.child_by_field_name("type")
            if annotation is not None and kind in ("map", "set") and "Weak" in text(
                    annotation):
                lifetime[name] = f"typed {text(annotation).lstrip(': ')} but made a {kind}"
        holder = assignment.parent if assignment is not None else None
        declared_in.setdefault(name, set()).add(owner_class(found["name"][0]))
        first_kind, inits = initial.get(name, (kind, set()))
        if holder is not None and _in_constructor(source, holder):
            inits.add(holder.id)
        initial[name] = (first_kind, inits)
    if not initial:
        return found_growth
    members: dict[str, list[Node]] = {}
    for match in source.matches(_MEMBERS):
        name = text(match["name"][0])
        member = match["member"][0]
        if name not in initial:
            continue
        members.setdefault(name, []).append(member)
    usages: dict[str, Usage] = {}
    for name, (kind, inits) in initial.items():
        usage = usages[name] = Usage()
        for member in members.get(name, []):
            usage_of = classify(source, [member], name, kind)
            receiver = member.child_by_field_name("object")
            declared = declared_in.get(name, set())
            if receiver is None or receiver.type == "this" or "" in declared or owner_class(
                    member) in declared:
                # (`token.ids.add(x)` in a class that does not declare `ids` grows the field
                # of that other object, which lives as long as that object)
                usage.grows += usage_of.grows
                usage.bucket_grows += usage_of.bucket_grows
            usage.lookups += usage_of.lookups
            usage.bounds += [b for b in usage_of.bounds if b.id not in inits]
            usage.bounds += _removals_through_alias(source, member, name, kind)
            usage.exported = usage.exported or usage_of.exported
    for name, (kind, _inits) in initial.items():
        usage = usages[name]
        weak_typed = lifetime.get(name, "").startswith("typed")
        late = _removal_armed_after_handoff(source, usage)
        if late is not None:
            found_growth.append(FieldGrowth(name, kind, late, owner_class(late),
                                            "removal armed after the hand-off", late_removal=True))
            continue
        if usage.exported or (usage.bounds and not weak_typed and not removed_only_on_cancel(
                source, usage.bounds)):
            if not usage.exported:
                forgotten = _forgotten_with_sibling(source, facts, name, usages)
                skipped = removal_skipped_by_sibling_handler(source, usage) if (
                    forgotten is None) else None
                if skipped is not None:
                    forgotten = FieldGrowth(name, kind, skipped[0], owner_class(skipped[0]),
                                            "", skipped_by=skipped[1])
                if forgotten is None:
                    wrong = _removes_another_value(source, usage)
                    if wrong is not None:
                        forgotten = FieldGrowth(name, kind, wrong[0], owner_class(wrong[0]), "",
                                                wrong_removal=wrong[1])
                if forgotten is None:
                    forgotten = _buckets_never_trimmed(source, facts, name, kind, usage)
                if forgotten is None:
                    timed_out = timeout_leaves_entry(source, usage)
                    if timed_out is not None:
                        forgotten = FieldGrowth(name, kind, timed_out[0],
                                                owner_class(timed_out[0]), "",
                                                timeout_leaves=timed_out[1])
                if forgotten is None:
                    ended = removed_only_on_normal_end(source, usage)
                    if ended is not None:
                        forgotten = FieldGrowth(name, kind, ended[0], owner_class(ended[0]), "",
                                                normal_end_only=ended[1])
                if forgotten is None:
                    forgotten = _removed_on_success_only(source, facts, name, kind, usage,
                                                         lifetime.get(name, ""))
                if forgotten is None:
                    forgotten = _left_when_key_ends(source, facts, name, kind, usages)
                if forgotten is not None:
                    found_growth.append(forgotten)
            continue  # (a Map typed as a WeakMap: its removals were written as a backup)
        for grow in usage.grows:
            function = source.enclosing_function(grow)
            value = stored_value(grow)
            registers_self = lifetime.get(name) == "a static field" and value is not None and (
                unwrap(value).type == "this")  # `Owner.live.add(this)`: once per instance
            if function is None or facts.in_setup_code(grow) or (
                    _in_constructor(source, grow) and not registers_self):
                continue
            method = source.function_name(_method_around(source, function))
            if _only_stores_argument(source, function, grow):
                # a registration API (`onResult(fn) { this.after.push(fn); }`): the per-call
                # code that calls it is where it grows per call, so the finding goes there
                caller = _per_call_caller(source, facts, function)
                owner = owner_class(grow)
                why = lifetime.get(name) or facts.singleton(owner)
                if caller is not None and why:
                    found_growth.append(FieldGrowth(name, kind, caller, owner, why))
                    break
            ticking = _ticks(source, function)
            if not ticking and not registers_self and (API_METHODS.match(method)
                                                      or once_per_instance(method)):
                continue
            owner = owner_class(grow)
            named = LONG_LIVED_NAME.search(owner) if owner else None
            singleton = lifetime.get(name) or facts.singleton(owner) or ticking
            why = singleton or (f"a ...{named.group(1)}" if named else "")
            if not why and owner:
                why = _subscribed_in_constructor(source, grow)
            if not why and owner and _given_connection(source, stored_value(grow), grow,
                                                       function):
                why = "it is handed connection after connection, so it outlives each"
            if not why and owner and _composite_entry_key(source, grow, function):
                why = _not_made_per_call(source, owner)  # its objects outlive the call
            if not why and owner and not _returns_this(function):
                # (a method that returns `this` is a builder's step: its object is built
                # for one operation, whoever makes it)
                body = _class_body_around(grow)
                if body is not None:
                    why = facts.outlives_calls(body)
            if not why:
                continue
            # a Set holds no value to read back: `has` then `add` is a seen-set, not a cache
            # `list = this.m.get(k) ?? []; list.push(v); this.m.set(k, list)`: the list grows
            fill = bucket_fill(source, grow, usage)
            looked_up = fill is None and kind != "set" and any(
                source.enclosing_function(lookup) == function for lookup in usage.lookups)
            if not singleton and (looked_up or not (kind == "set" or fill is not None
                                                    or _per_call_entry(source, grow, function))):
                # get-or-create by a name: `of(name)` registries of a fixed domain (a Set
                # holds no object to get back: each new value is one more entry)
                continue
            if singleton and looked_up and not _per_call_entry(source, grow, function) and (
                    not counts_up(grow, usage.lookups)):
                continue  # a read-through of a computed value: cache-without-eviction's
            found_growth.append(FieldGrowth(name, kind, fill or grow, owner, why,
                                            per_key_list=fill is not None))
            break
    return found_growth


def _removals_through_alias(source: SourceFile, member: Node, name: str,
                            kind: str) -> list[Node]:
    """`const timers = this.timers; ... delete timers[id]`: removals made through a local
    that holds the field."""
    holder = outer(member).parent
    if holder is None or holder.type != "variable_declarator" or (
            holder.child_by_field_name("value") != outer(member)):
        return []
    alias = holder.child_by_field_name("name")
    function = source.enclosing_function(member)
    if alias is None or alias.type != "identifier" or function is None:
        return []
    uses = [use for use in source.identifiers(text(alias), function) if use.id != alias.id]
    return classify(source, uses, name, kind).bounds


def _drops_whole_entry(bound: Node, name: str) -> bool:
    """`delete this.m[k]` or `this.m.delete(k)` (not `this.m[k].delete(x)`, which trims the
    entry's own collection)."""
    if bound.type == "subscript_expression":
        target = bound.child_by_field_name("object")
    elif bound.type == "call_expression" and _removes_entry(bound):
        callee = bound.child_by_field_name("function")
        target = callee.child_by_field_name("object") if callee is not None else None
    else:
        return False
    return target is not None and target.type == "member_expression" and last_name(
        target) == name and unwrap(target.child_by_field_name("object") or target).type in (
        "this", "identifier")


def _buckets_never_trimmed(source: SourceFile, facts: FileFacts, name: str, kind: str,
                           usage: Usage) -> FieldGrowth | None:
    """`(this.readings[id] ??= []).push(value)` per call, and the only removals take a whole
    entry out (`delete this.readings[id]` when the device goes offline): nothing trims an
    entry's list while its key lives, so each list grows with every call for as long as
    its key stays (a device that stays online, a room that stays open)."""
    if not usage.bucket_grows or not usage.bounds or not all(
            _drops_whole_entry(bound, name) for bound in usage.bounds):
        return None
    for lookup in usage.lookups:  # `const topics = this.m[k]; topics.splice(at, 1)`
        holder = outer(lookup).parent
        function = source.enclosing_function(lookup)
        if holder is None or holder.type != "variable_declarator" or function is None:
            continue
        alias = holder.child_by_field_name("name")
        if alias is not None and alias.type == "identifier" and classify(
                source, [u for u in source.identifiers(text(alias), function) if u != alias],
                text(alias), "array").bounds:
            return None
    removers = {f.id for bound in usage.bounds if (f := source.enclosing_function(bound))}
    if any((f := source.enclosing_function(lookup)) is not None and f.id in removers
           for lookup in usage.lookups):
        return None  # the removal reads the list first: a drain (waiters answered at once)
    for grow in usage.bucket_grows:
        function = source.enclosing_function(grow)
        callee = grow.child_by_field_name("function") if grow.type == "call_expression" else None
        if callee is None or last_name(callee) not in ("push", "unshift"):
            continue  # a Set's `add` keeps one entry per value
        if function is None or _in_constructor(source, grow) or facts.in_setup_code(grow):
            continue
        if API_METHODS.match(source.function_name(_method_around(source, function))):
            continue  # a store's own `add`/`on`: its user decides what goes in
        return FieldGrowth(name, kind, grow, owner_class(grow), "", bucket_untrimmed=True)
    return None


def _removed_on_success_only(source: SourceFile, facts: FileFacts, name: str, kind: str,
                             usage: Usage, lifetime: str) -> FieldGrowth | None:
    """`this.inflight.set(id, x); await send(); this.inflight.delete(id)` in a method of a
    long-lived object: the entry's only removal is on the path where the await resolves, so
    a call that throws (a timeout, a refused connection) keeps its entry for good. Keyed
    entries taken out one by one (`delete`), not a stack popped around the work."""
    if not usage.bounds or not all(_removes_entry(bound) for bound in usage.bounds):
        return None
    if not removed_only_on_success(source, usage):
        return None
    for grow in usage.grows:
        function = source.enclosing_function(grow)
        if function is None or _in_constructor(source, grow) or not any(
                source.enclosing_function(bound) == function for bound in usage.bounds):
            continue
        owner = owner_class(grow)
        named = LONG_LIVED_NAME.search(owner) if owner else None
        why = lifetime or facts.singleton(owner) or (
            f"a ...{named.group(1)}" if named else "") or (
            _subscribed_in_constructor(source, grow) if owner else "") or (
            _not_made_per_call(source, owner))
        if why:
            return FieldGrowth(name, kind, grow, owner, why, success_only=True)
    return None


def _composite_entry_key(source: SourceFile, grow: Node, function: Node) -> bool:
    """`this.seen[`${room}:${user}`] = ...`: the entry's key combines two of the call's
    values."""
    key = stored_key(grow)
    return key is not None and composite_key(source, key, function)


def _not_made_per_call(source: SourceFile, owner: str) -> str:
    """The file never makes an object of the class inside a function (per call): its
    objects are there before each call of their methods and stay after it."""
    if not owner:
        return ""
    for use in source.identifiers(owner):
        made = use.parent
        if made is not None and made.type == "new_expression" and (
                source.enclosing_function(made) is not None):
            return ""
    return "its objects outlive each call of their methods"


def _entry_key(grow: Node) -> str:
    """The key text of `m.set(key, v)` / `m[key] = v`; "" for growth without a key."""
    key = stored_key(grow)
    return text(key) if key is not None else ""


def _removes_entry(bound: Node) -> bool:
    """`m.delete(k)` or `delete m[k]`: one entry taken out."""
    if bound.type == "subscript_expression":
        return True
    callee = bound.child_by_field_name("function") if bound.type == "call_expression" else None
    return callee is not None and last_name(callee) == "delete"


def _runs_on_every_end(source: SourceFile, node: Node) -> bool:
    """In a `finally` block, or in a `.finally(...)` callback: runs however the call ends."""
    parent = node.parent
    while parent is not None:
        if parent.type == "finally_clause":
            return True
        if parent.type in ("arrow_function", "function_expression") and (
                parent.parent is not None and parent.parent.type == "arguments"):
            call = parent.parent.parent
            callee = call.child_by_field_name("function") if call is not None else None
            if callee is not None and last_name(callee) == "finally":
                return True
        parent = parent.parent
    return False


def _forgotten_with_sibling(source: SourceFile, facts: FileFacts, name: str,
                            usages: dict[str, Usage]) -> FieldGrowth | None:
    """`this.holds.set(cart, h)` and `this.timers.set(cart, t)` in one method: the entries
    are one thing kept in two collections. A function that takes the `timers` entry out and
    leaves the `holds` one (`confirm()` clears the timer and keeps the hold) ends the entry's
    life on a path that forgets `holds`: every call that ends that way leaves an entry that
    nothing removes later. Not when a removal of `holds` runs however the call ends (a
    `finally`), when the function asks another method of the class to remove it, or when it
    puts a new `timers` entry back (a restamp)."""
    usage = usages[name]
    own = [b for b in usage.bounds if _removes_entry(b)]
    if not own or any(_runs_on_every_end(source, b) for b in own):
        return None
    for grow, key, function in _keyed_growth(source, facts, usage):
        for other, other_usage in usages.items():
            if other == name or other_usage.exported or not any(
                    _entry_key(g) == key and source.enclosing_function(g) == function
                    for g in other_usage.grows):
                continue
            for removal in other_usage.bounds:
                remover = source.enclosing_function(removal)
                if not _removes_entry(removal) or remover is None or remover == function:
                    continue
                if any(remover.start_byte <= b.start_byte < remover.end_byte for b in own):
                    continue
                if _calls_a_remover(source, remover, own) or any(
                        remover.start_byte <= g.start_byte < remover.end_byte
                        for g in other_usage.grows):
                    continue  # (taken out and put back: a restamp, not the entry's end)
                where = source.function_name(_method_around(source, remover)) or "a callback"
                return FieldGrowth(name, "map", grow, owner_class(grow),
                                   f"forgotten by {where}()", forgotten_with=other)
    return None


def _keyed_growth(source: SourceFile, facts: FileFacts,
                  usage: Usage) -> Iterator[tuple[Node, str, Node]]:
    """(growth, its key's text, its function) for each entry added under a key by code that
    runs per call (not a constructor, not set-up code)."""
    for grow in usage.grows:
        key = _entry_key(grow)
        function = source.enclosing_function(grow)
        if key and function is not None and not _in_constructor(source, grow) and not (
                facts.in_setup_code(grow)):
            yield grow, key, function


def _left_when_key_ends(source: SourceFile, facts: FileFacts, name: str, kind: str,
                        usages: dict[str, Usage]) -> FieldGrowth | None:
    """`this.ignores[username] = list` per call and no entry of `ignores` ever taken out (only
    the entries' own lists trimmed: `this.ignores[username].splice(i, 1)`), while
    `unregister()` deletes `this.friends[username]` (also filled under `username`): the class
    ends what the key stands for there, and forgets this field, so it keeps an entry for
    every key it ever saw. (A field with no removal of any kind is left to the other checks:
    on real code, such tables next to a removed one were mostly bounded or emptied through a
    helper.)"""
    usage = usages[name]
    if any(_drops_whole_entry(bound, name) or not _trims_an_entry(bound, name)
           for bound in usage.bounds):
        return None
    for grow, key, _function in _keyed_growth(source, facts, usage):
        for other, other_usage in usages.items():
            if other == name or other_usage.exported or not any(
                    _entry_key(g) == key for g in other_usage.grows):
                continue
            for removal in other_usage.bounds:
                remover = source.enclosing_function(removal)
                if remover is None or not _drops_whole_entry(removal, other) or (
                        _removed_key(removal) != key):
                    continue
                where = source.function_name(_method_around(source, remover)) or "a callback"
                return FieldGrowth(name, kind, grow, owner_class(grow), f"ended by {where}()",
                                   left_at_end=other)
    return None


def _trims_an_entry(bound: Node, name: str) -> bool:
    """`this.m[k].splice(i, 1)`: a removal from one entry's own list, not of the entry."""
    if bound.type != "call_expression":
        return False
    callee = bound.child_by_field_name("function")
    target = callee.child_by_field_name("object") if callee is not None and (
        callee.type == "member_expression") else None
    target = unwrap(target) if target is not None else None
    if target is None or target.type != "subscript_expression":
        return False
    holder = target.child_by_field_name("object")
    return holder is not None and holder.type == "member_expression" and last_name(
        holder) == name


def _removed_key(bound: Node) -> str:
    """`k` of `delete this.m[k]` or `this.m.delete(k)`."""
    if bound.type == "subscript_expression":
        return text(bound.child_by_field_name("index"))
    arguments = bound.child_by_field_name("arguments")
    return text(arguments.named_children[0]) if arguments is not None and (
        arguments.named_children) else ""


def _removes_another_value(source: SourceFile, usage: Usage) -> tuple[Node, Node] | None:
    """`this.timers.push(timer)`, and the one removal, in a callback of the same call, looks
    for another value that is in scope there (`splice(this.timers.indexOf(fn), 1)`), while
    every other bound is a reset in a method that runs once per object (`destroy()`): no
    entry is ever taken out while the object lives. -> (the add, the removal)."""
    per_entry = [b for b in usage.bounds if not (
        (f := source.enclosing_function(b)) is not None
        and once_per_instance(source.function_name(_method_around(source, f))))]
    if len(per_entry) != 1:
        return None
    removal = per_entry[0]
    target = _removed_value(removal)
    function = source.enclosing_function(removal)
    if target is None or function is None or target.type != "identifier":
        return None
    for grow in usage.grows:
        callee = grow.child_by_field_name("function") if grow.type == "call_expression" else None
        if callee is None or last_name(callee) not in ("push", "add", "unshift"):
            continue  # (a Map entry is removed by its key: only lists and sets compared)
        added = stored_value(grow)
        around = source.enclosing_function(grow)
        if added is None or around is None or unwrap(added).type != "identifier" or not (
                around.start_byte <= function.start_byte < around.end_byte) or (
                function == around):
            continue
        if text(unwrap(added)) != text(target) and text(target) in parameter_names(around):
            return grow, removal
    return None


def _removed_value(bound: Node) -> Node | None:
    """`v` of `list.splice(list.indexOf(v), 1)`, `set.delete(v)`."""
    if bound.type != "call_expression":
        return None
    callee = bound.child_by_field_name("function")
    arguments = bound.child_by_field_name("arguments")
    if callee is None or arguments is None or not arguments.named_children:
        return None
    first = unwrap(arguments.named_children[0])
    if last_name(callee) == "delete":
        return first
    if last_name(callee) == "splice" and first.type == "call_expression" and last_name(
            first.child_by_field_name("function") or first) == "indexOf":
        inner = first.child_by_field_name("arguments")
        return unwrap(inner.named_children[0]) if inner is not None and (
            inner.named_children) else None
    return None


def _calls_a_remover(source: SourceFile, function: Node, removals: list[Node]) -> bool:
    """`function` calls (`this.m()`) a method that contains one of `removals`."""
    called = {text(m["name"][0]) for m in source.matches(_MEMBERS, function)
              if m["member"][0].parent is not None
              and m["member"][0].parent.type == "call_expression"}
    for removal in removals:
        method = source.enclosing_function(removal)
        if method is not None and source.function_name(_method_around(source, method)) in called:
            return True
    return False


def _per_call_caller(source: SourceFile, facts: FileFacts, method: Node) -> Node | None:
    """A call of `method` by name (`hooks.onResult(...)`) from per-call code outside its
    class, if there is one."""
    name = source.function_name(method)
    body = method.parent
    for match in source.matches(_MEMBERS):
        member = match["member"][0]
        call = member.parent
        if text(match["name"][0]) != name or call is None or call.type != "call_expression" or (
                body is not None and body.start_byte <= call.start_byte < body.end_byte):
            continue
        if facts.per_call_scope(call) is not None:
            return call
    return None


def _only_stores_argument(source: SourceFile, function: Node, grow: Node) -> bool:
    """`onResult(fn) { this.after.push(fn); }`: a method whose one statement stores what it
    is given, and that its own class never calls (a helper the class calls is not)."""
    name = source.function_name(function)
    body = function.parent
    if function.type != "method_definition" or body is None or not name or any(
            text(m["name"][0]) == name for m in source.matches(_MEMBERS, body)):
        return False
    body = function.child_by_field_name("body")
    statements = [c for c in body.named_children if c.type != "comment"] if body is not None \
        and body.type == "statement_block" else []
    if len(statements) != 1 or not (statements[0].start_byte <= grow.start_byte
                                     and grow.end_byte <= statements[0].end_byte):
        return False
    arguments = grow.child_by_field_name("arguments") if grow.type == "call_expression" else None
    values = arguments.named_children if arguments is not None else []
    return bool(values) and text(values[-1]) in parameter_names(function)


_GET_OR_CREATE = file_query("""
(assignment_expression
  left: (subscript_expression object: (member_expression object: (this)) @table) @entry
  right: (binary_expression left: (subscript_expression) @old right: [(object) (array)] @empty))
  @assign
""")


def _recreated_by_removal(source: SourceFile) -> list[FieldGrowth]:
    """`this.rooms[id] = this.rooms[id] || {}; delete this.rooms[id][room];` in a function
    that never adds to the entry: removing from an entry that is gone (a late leave after
    the owner was dropped) makes an empty one that nothing removes again."""
    found: list[FieldGrowth] = []
    for match in source.matches(_GET_OR_CREATE):
        entry, old = match["entry"][0], match["old"][0]
        if text(entry) != text(old):
            continue
        function = source.enclosing_function(match["assign"][0])
        if function is None:
            continue
        body = text(function)
        shown = re.escape(text(entry))
        removes = re.search(rf"delete\s+{shown}\[|{shown}\.(?:delete|splice)\(", body)
        adds = re.search(rf"{shown}\[[^\]]+\]\s*=(?!=)|{shown}\.(?:push|add|set|unshift)\(",
                         body)
        if removes and not adds:
            table = match["table"][0]
            found.append(FieldGrowth(last_name(table), collection_kind(
                match["empty"][0]) or "object", match["assign"][0], owner_class(table),
                "the removal itself makes the entry", recreated=True))
    return found


_HANDLE_PUSHES = file_query("""
(call_expression
  function: (member_expression object: [(member_expression object: (this)) (identifier)] @list
    property: (property_identifier) @method)
  arguments: (arguments . (_) @handle)
  (#any-of? @method "push" "add")) @push
""")


def _fired_timers_kept(source: SourceFile) -> list[FieldGrowth]:
    """`id = setTimeout(cb, ms); this.timers.push(id)` where every removal from the list sits
    next to a clearTimeout, and the timer's callback does not take its own handle out: each
    timer that fires (a timeout that expired, a self-re-arming poll) leaves its handle."""
    found: list[FieldGrowth] = []
    for match in source.matches(_HANDLE_PUSHES):
        push, listed = match["push"][0], match["list"][0]
        handle = unwrap(match["handle"][0])
        function = source.enclosing_function(push)
        if function is None or handle.type != "identifier":
            continue
        made = assigned_value(source, text(handle), function, push)
        if made is None or made.type != "call_expression" or text(
                made.child_by_field_name("function")) != "setTimeout":
            continue
        arguments = made.child_by_field_name("arguments")
        callback = arguments.named_children[0] if arguments is not None and (
            arguments.named_children) else None
        field = last_name(listed)
        if callback is None or field in text(callback):
            continue  # the callback takes its handle out itself
        if listed.type == "identifier":
            if _never_trimmed_handles(source, listed, function, push):
                found.append(FieldGrowth(field, "set" if text(match["method"][0]) == "add"
                                         else "array", push, owner_class(push),
                                         "timer handles", fired_kept=True, never_trimmed=True))
            continue
        removals = [m.start() for m in re.finditer(
            rf"\.{re.escape(field)}\.(?:splice|delete)\(|\.{re.escape(field)}\s*=\s*\[",
            source.source.decode("utf-8", "replace"))]
        if not removals:
            continue  # never removed at all: field growth's other checks
        near_clear = True
        for start in removals:
            node = source.root.descendant_for_byte_range(start, start + 1)
            around = source.enclosing_function(node) if node is not None else None
            if around is not None and source.function_name(around) == "constructor":
                continue  # the list being made
            if around is None or "clearTimeout" not in text(around):
                near_clear = False
        if near_clear:
            found.append(FieldGrowth(field, "array", push, owner_class(push),
                                     "timer handles", fired_kept=True))
    return found


def _never_trimmed_handles(source: SourceFile, listed: Node, function: Node, push: Node) -> bool:
    """`timers.add(t)` into the bucket a local took from a collection that outlives the call
    (`const timers = store.get(fn) ?? new Set()`), which nothing in the file ever takes a
    handle out of (clearing every timer in it at the end is not). (A module-level list of
    handles is the module rules'.)"""
    name = text(listed)
    holders = set()
    value = assigned_value(source, name, function, push)
    for part in descendants(value) if value is not None else ():
        callee = part.child_by_field_name("function") if (
            part.type == "call_expression") else None
        if callee is None or callee.type != "member_expression":
            continue
        receiver = callee.child_by_field_name("object")
        if receiver is not None and last_name(callee) == "get" and (
                source.is_long_lived(receiver) or text(receiver).startswith("this.")):
            holders |= {name, text(receiver)}
    if not holders:
        return False  # a local made here dies with the call
    rest = source.source[:push.start_byte] + source.source[push.end_byte:]
    for holder in holders:
        for found in re.finditer(rb"(?<![\w.$])" + re.escape(holder.encode()) + (
                rb"(\b[^;\n]*\.(delete|splice|shift|pop|clear|filter)\(|\s*=[^=>])"), rest):
            if not re.search(rb"\b(let|var|const)\s+$", rest[max(0, found.start() - 8):
                                                             found.start()]):
                return False  # taken out, or replaced, somewhere
    return True


def _removal_armed_after_handoff(source: SourceFile, usage: Usage) -> Node | None:
    """`this.clients[id] = socket; this.emit('connection', socket); socket.once('close', () =>
    delete this.clients[id])`: every removal sits in a listener on the stored object that is
    registered after a call in the same function hands that object to other code - code that
    may close it before the listener exists, so the entry stays. -> the add."""
    if not usage.bounds:
        return None
    for grow in usage.grows:
        function = source.enclosing_function(grow)
        value = _stored_object(grow)
        if function is None or value is None or value.type != "identifier":
            continue
        stored = text(value)
        registrations = []
        for bound in usage.bounds:
            listener = source.enclosing_function(bound)
            arguments = listener.parent if listener is not None else None
            call = arguments.parent if arguments is not None and (
                arguments.type == "arguments") else None
            callee = call.child_by_field_name("function") if call is not None else None
            if call is None or callee is None or callee.type != "member_expression" or (
                    last_name(callee) not in ("on", "once", "addListener")) or text(
                    callee.child_by_field_name("object")) != stored or (
                    source.enclosing_function(call) != function):
                break
            registrations.append(call)
        else:
            first = min(r.start_byte for r in registrations)
            for handoff in source.identifiers(stored, function):
                holder = handoff.parent
                if holder is None or holder.type != "arguments" or not (
                        grow.end_byte <= handoff.start_byte < first):
                    continue
                call = holder.parent
                callee = call.child_by_field_name("function") if call is not None else None
                if callee is not None and last_name(callee) == "emit":
                    return grow
    return None


def _stored_object(grow: Node) -> Node | None:
    if grow.type == "call_expression":
        arguments = grow.child_by_field_name("arguments")
        values = arguments.named_children if arguments is not None else []
        return values[-1] if values else None
    holder = outer(grow).parent
    return holder.child_by_field_name("right") if holder is not None and (
        holder.type == "assignment_expression") else None


def _method_around(source: SourceFile, function: Node) -> Node:
    """The method a callback is written in (`connect() { client.on('x', () => ...) }`), or
    the function itself."""
    for outer_function in (function, *source.enclosing_functions(function)):
        holder = outer(outer_function).parent
        if outer_function.type == "method_definition" or (
                holder is not None and holder.type == "assignment_expression"
                and ".prototype." in text(holder.child_by_field_name("left"))):
            return outer_function
    return function


_TIMER_STARTS = file_query("""
(call_expression function: (identifier) @timer arguments: (arguments . (identifier) @callback)
  (#any-of? @timer "setTimeout" "setInterval"))
""")


def _ticks(source: SourceFile, function: Node) -> str:
    """A closure a timer runs again and again (`const beat = async () => { ...;
    setTimeout(safeBeat, ms) }`, `safeBeat` calling `beat()`): each tick runs it again,
    whatever the method around it is called, and the pending timer keeps `this` alive."""
    name = source.function_name(function)
    method = _method_around(source, function)
    if not name or method is function:
        return ""
    started = {text(m["callback"][0]) for m in source.matches(_TIMER_STARTS, method)}
    if name in started:
        return f"a timer runs {name}() again and again"
    for match in source.matches(FUNCTIONS_QUERY, method):
        other = match["function"][0]
        if source.function_name(other) in started and any(
                use.parent is not None and use.parent.type == "call_expression"
                for use in source.identifiers(name, other)):
            return f"a timer runs {name}() again and again"
    return ""


_SUBSCRIPTIONS = file_query("""
(call_expression
  function: (member_expression object: (_) @emitter)
  arguments: (arguments (_) . [(arrow_function) (function_expression)] @callback .))
""")


def _subscribed_in_constructor(source: SourceFile, node: Node) -> str:
    """The class's constructor hands a callback that uses `this` to an object that outlives
    it - a module binding or an import (`bus.on('x', () => this.m())`): that object keeps
    the instance, which lives as long as it, and runs its methods per event."""
    body = _class_body_around(node)
    if body is None:
        return ""
    for member in body.named_children:
        if member.type != "method_definition" or source.function_name(member) != "constructor":
            continue
        for match in source.matches(_SUBSCRIPTIONS, member):
            emitter, callback = match["emitter"][0], match["callback"][0]
            if source.is_long_lived(emitter) and "this" in text(callback):
                return f"its constructor subscribes it to `{text(emitter)}`, which outlives it"
    return ""


def _returns_this(function: Node) -> bool:
    """One of the function's own `return` statements returns `this`."""
    return any(node.type == "return_statement" and node.named_children
               and unwrap(node.named_children[0]).type == "this"
               for node in own_nodes(function))


def _class_body_around(node: Node) -> Node | None:
    body = node.parent
    while body is not None and body.type != "class_body":
        body = body.parent
    return body


def _in_constructor(source: SourceFile, node: Node) -> bool:
    function = source.enclosing_function(node)
    if function is None:
        return False
    name = source.function_name(function)
    return name == "constructor" or (function.type != "method_definition" and name[:1].isupper())


def _per_call_entry(source: SourceFile, grow: Node, function: Node, depth: int = 0) -> bool:
    """The entry is made for this call: a new object or a literal, or stored under a fresh
    id (`++n`, a uuid, or a variable or field set from one in this function) - here, or by
    the method that calls this one with it (`this.remember({ ... })`)."""
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
    if key is not None and (_fresh_key(source, key, function)
                            or composite_key(source, key, function)):
        return True  # (a key made of two of the call's values: one entry per combination)
    if value is None:
        return False
    value = outer(value)
    if value.type in ("new_expression", "array", "object"):
        return True
    if value.type == "identifier":
        declared = assigned_value(source, text(value), function, grow)
        if declared is not None and declared.type in ("new_expression", "object", "array"):
            return True
    if _given_connection(source, value, grow, function):
        return True
    parameters = parameter_names(function)
    return depth == 0 and any(
        _fresh_argument(source, function, parameters.index(text(node)))
        for node in (key, value) if node is not None and text(node) in parameters)


def _given_connection(source: SourceFile, value: Node | None, grow: Node,
                      function: Node) -> bool:
    """The stored value is a connection the call was handed (`socket`, `ws`, `conn`, a
    `socketWrapper`), a parameter of the function around the store or of one around it: a
    server gets a new one per connection, so a table of them gains one entry per connection.
    A one-statement registration method (`add(conn) { this.conns.push(conn) }`) is judged
    where it is called instead."""
    if value is None or value.type != "identifier" or not CONNECTION_NAME.search(text(
            value)) or _only_stores_argument(source, function, grow):
        return False
    return any(text(value) in parameter_names(function)
               for function in source.enclosing_functions(grow))


def _fresh_argument(source: SourceFile, method: Node, position: int) -> bool:
    """Some `this.<method>(...)` call in the class passes a fresh object, a literal or a
    fresh id at `position`: the helper stores what its caller made for the call."""
    name = source.function_name(method)
    body = method.parent
    if method.type != "method_definition" or body is None or not name:
        return False
    for match in source.matches(_MEMBERS, body):
        member = match["member"][0]
        call = outer(member).parent
        if text(match["name"][0]) != name or call is None or call.type != "call_expression":
            continue
        arguments = call.child_by_field_name("arguments")
        values = arguments.named_children if arguments is not None else []
        if position < len(values):
            argument = outer(values[position])
            caller = source.enclosing_function(call)
            if argument.type in ("new_expression", "array", "object") or (
                    caller is not None and _fresh_key(source, argument, caller)):
                return True
    return False


def _fresh_key(source: SourceFile, key: Node, function: Node) -> bool:
    if fresh_key(source, key, function):
        return True
    # `packet.id = ++this.count` earlier in the function
    body = text(function)
    return any(f"{text(key)} = {marker}" in body for marker in ("++", "uuid", "randomUUID"))
