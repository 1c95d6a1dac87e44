"""Who keeps a leak alive, in the words a Node developer uses: the closure whose shared V8
Context holds the objects (and the captured variable), every long-lived owner when there are
several, and the npm package whose internals hold them.

All three look at a sample of the cluster's objects in the final snapshot; none of them changes
which clusters are leaks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from heapsight.analysis.locations import closure_location, defining_script, package_of
from heapsight.snapshot import HeapSnapshot

CONTEXT = "system / Context"
_UP_STEPS = 3          # dominator steps from a leaked object to the context that keeps it
_OWNER_SAMPLE = 12     # top nodes whose owners are traced
_OWNER_VISITS = 400    # nodes visited per trace (new objects only: closures, contexts, tables)
_BACKING_STORES = ("table", "properties", "elements")


@dataclass
class ClosureFacts:
    """A closure keeps a shared Context alive; the Context's `variable` holds the objects."""
    context: int                  # ordinal of one such context
    keeper: str                   # the live closure's function name
    keeper_location: str | None   # file:line:col
    variable: str                 # the context slot (the captured variable's name)
    share: float                  # of sampled leaked objects kept this way

    def to_json(self) -> dict:
        return {"keeper": self.keeper, "keeper_location": self.keeper_location,
                "variable": self.variable}


def closure_capture(snapshot: HeapSnapshot, sample: np.ndarray, is_new: np.ndarray
                    ) -> ClosureFacts | None:
    """Whether most sampled objects are kept by a Context made after the baseline (one per
    request, or a chain of them): closures made per call keep what their scope captured. The
    closure retaining the context is the keeper; the context's edge is the variable."""
    found: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], int] = {}
    for ordinal in sample[:_OWNER_SAMPLE * 2]:
        child = int(ordinal)
        node = int(snapshot.dominator[child])
        for _ in range(_UP_STEPS):
            if not is_new[node] or node == int(snapshot.dominator[node]):
                break
            if snapshot.class_name(node) == CONTEXT:
                variable = next((e.name for e in snapshot.edges_of(node)
                                 if e.target == child and e.type != "weak"), "")
                keeper = _keeper(snapshot, node)
                if variable and keeper is not None:
                    key = (snapshot.name(keeper) or "(anonymous)", variable)
                    found[key] += 1
                    example.setdefault(key, node)
                break
            child, node = node, int(snapshot.dominator[node])
    if not found:
        return None
    (keeper_name, variable), hits = found.most_common(1)[0]
    share = hits / max(min(len(sample), _OWNER_SAMPLE * 2), 1)
    if share < 0.5:
        return None
    context = example[(keeper_name, variable)]
    keeper = _keeper(snapshot, context)
    return ClosureFacts(context, keeper_name,
                        closure_location(snapshot, keeper) if keeper is not None else None,
                        variable, share)


def _keeper(snapshot: HeapSnapshot, context: int) -> int | None:
    """A live closure whose scope is this context (functions hold theirs by `context`)."""
    closures = [e.source for e in snapshot.retainers_of(context)
                if e.name == "context" and snapshot.type_name(e.source) == "closure"]
    return min(closures) if closures else None


def closure_on_path(snapshot: HeapSnapshot, path: list[int]) -> ClosureFacts | None:
    """The last closure -> context -> variable hop on a retainer path, if any."""
    for index in range(len(path) - 3, -1, -1):
        closure, context, held = path[index], path[index + 1], path[index + 2]
        if snapshot.type_name(closure) == "closure" and \
                snapshot.class_name(context) == CONTEXT:
            variable = next((e.name for e in snapshot.edges_of(context)
                             if e.target == held and e.type != "weak"), "")
            if variable:
                return ClosureFacts(context, snapshot.name(closure) or "(anonymous)",
                                    closure_location(snapshot, closure), variable, 1.0)
    return None


@dataclass
class Owner:
    """A long-lived object through which the leaked objects are reached."""
    ordinal: int
    via: str            # the edge from the owner towards the leaked objects
    only: int           # sampled objects reached through this owner alone
    shared: int         # sampled objects also reached through another owner


def owners(snapshot: HeapSnapshot, top_nodes: np.ndarray, is_new: np.ndarray) -> list[Owner]:
    """The old objects that reach each sampled top node through new objects only (the Map's
    reallocated table, a listener array, a closure and its context): each is an owner.
    Counts per owner how many sampled objects it alone keeps (fixing it frees those)."""
    per_top: list[dict[int, str]] = []
    for top in top_nodes[:_OWNER_SAMPLE]:
        reached: dict[int, str] = {}
        seen = {int(top)}
        stack = [int(top)]
        while stack and len(seen) < _OWNER_VISITS:
            node = stack.pop()
            for edge in snapshot.retainers_of(node):
                source = edge.source
                if edge.type in ("weak", "shortcut") or source in seen:
                    continue
                if snapshot.type_name(source) == "synthetic" or snapshot.distance[source] < 0:
                    continue
                seen.add(source)
                if is_new[source]:
                    stack.append(source)
                    continue
                if _chain_link(snapshot, source, node):
                    continue  # an older link of the same chain: its head is the owner
                holder: int | None = source
                via = edge.name
                if snapshot.type_name(source) not in ("object", "closure"):
                    # an old internal array: count the object whose backing store it is
                    holder, via = _owner_of_store(snapshot, source), ""
                if holder is not None:
                    reached.setdefault(holder, via)
        per_top.append(reached)
    found: dict[int, Owner] = {}
    for reached in per_top:
        for ordinal, via in reached.items():
            entry = found.setdefault(ordinal, Owner(ordinal, via, 0, 0))
            if len(reached) == 1:
                entry.only += 1
            else:
                entry.shared += 1
    return sorted(found.values(), key=lambda o: (-(o.only + o.shared), o.ordinal))


def _chain_link(snapshot: HeapSnapshot, source: int, target: int) -> bool:
    """An old object of the new one's own class that links to it (an older Timeout in a timer
    list, an older node of a linked list): a link of the same chain, not another owner; the
    chain's head is the owner."""
    return snapshot.type_name(source) == "object" and \
        snapshot.class_name(source) == snapshot.class_name(target)


def _owner_of_store(snapshot: HeapSnapshot, store: int) -> int | None:
    """The object a backing store (a Map's table, a dictionary's properties) belongs to."""
    for edge in snapshot.retainers_of(store):
        if edge.type != "weak" and edge.name in _BACKING_STORES and \
                snapshot.type_name(edge.source) in ("object", "closure"):
            return edge.source
    return None


@dataclass
class Library:
    """The npm package whose object holds the leak."""
    package: str
    file: str            # node_modules/<package>/... (the last node_modules on the path)
    owner_class: str     # the library's class holding the objects (NodeCache, MemoryStore...)

    def to_json(self) -> dict:
        return {"package": self.package, "file": self.file, "owner": self.owner_class}


def library_holder(snapshot: HeapSnapshot, path: list[int], steps: int = 5) -> Library | None:
    """Walking back from the holder, the first object whose code is known decides: a class or
    closure defined under node_modules/<package>/ names that package; the user's own code
    (or node's) means the leak is not inside a library."""
    for ordinal in reversed(path[-steps:]):
        script = defining_script(snapshot, ordinal)
        if script is None:
            continue
        found = package_of(script)
        if found is None:
            return None
        package, file = found
        return Library(package, file, snapshot.class_name(ordinal))
    return None
