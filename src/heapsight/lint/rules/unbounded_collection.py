"""module-collection-growth (unbounded-collection)."""

from __future__ import annotations

from collections.abc import Iterator

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, text


class ModuleCollectionGrowth(Rule):
    """What it does:
    Finds a module-level array, Map, Set or plain object that a function adds to (`push`,
    `unshift`, `set`, `add`, `obj[key] = ...`, or a longer copy of itself: `items =
    items.concat(x)`, `items = [...items, x]`) while nothing in the file ever removes from it,
    clears it, replaces it or checks its size (a reset under `if (!items.length)` clears an
    empty list, so it does not count) - or removes only on a path the entry's call may
    not take: after an await outside `finally`, only when cancelled, through an
    `unregister()` that nothing in the file calls while the file's own code registers, or in
    a function whose `return` after the add leaves without the removal (unless a removal
    makes room: it takes a key read from the collection itself, the oldest entry), or in one
    handler of
    the call's emitter while another that also ends the call leaves the entry. Also a
    collection that set-up code hangs on an object it was handed (`server.app.failures = []`)
    and a per-call callback it registers fills. An entry under a key the file spells (a
    literal, or a `const` given one: `warned.add('UNBOUNDED')`), growth in an array-iteration
    callback run while the module loads (`['a', 'b'].forEach(...)`), and an exported remover
    keyed by what other modules know (`release(topic)`) are not reported. A collection kept
    on a class (`Owner.live = []` at module level) that each instance adds itself to in its
    constructor, with no removal, keeps every instance ever made. A collection kept in a
    module-level object literal (`const state = { log: [] }`), or set on one at the top level
    (`state.log = []`), counts as a module-level one. A list per key fetched into a local,
    grown and stored back (`const list = m.get(k) || []; list.push(x); m.set(k, list)`) grows
    by the push, however few the keys (reported there), unless another store under the same
    key trims it (`.filter(...)`, `.slice(-n)`, a `splice` before storing it back).

    Why is this bad?
    A module-level collection lives as long as the process. If each request or event adds an
    entry and nothing takes entries out, the heap grows until the process is OOM-killed. In a
    heap snapshot this is the classic "one Array retains millions of objects" leak.

    Example:
    ```js
    const seen = [];
    app.post('/event', (req, res) => {
      seen.push(req.body);
      res.sendStatus(204);
    });
    ```

    Use instead:
    Cap the collection: drop old entries (`shift`, `delete`) past a maximum size, or keep the
    data somewhere that bounds it (an LRU, a database, a metrics counter).
    ```js
    const MAX_SEEN = 1000;
    const seen = [];
    app.post('/event', (req, res) => {
      seen.push(req.body);
      if (seen.length > MAX_SEEN) seen.shift();
      res.sendStatus(204);
    });
    ```
    """

    id = "module-collection-growth"
    category = "unbounded-collection"
    summary = "A module-level collection grows in a function and is never trimmed"
    fix = "Cap the collection (drop old entries past a maximum size) or use a bounded store"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        for growth in facts.collection_growth:
            grow = growth.grows[0]
            function = source.enclosing_function(grow)
            where = source.function_name(function) if function is not None else ""
            where = f" in {where}()" if where else ""
            if growth.return_skips_removal is not None:
                line = growth.return_skips_removal.start_point[0] + 1
                yield self.finding(
                    source, grow,
                    f"module-level {growth.kind} `{growth.name}` gets an entry{where} that the "
                    f"same function removes on its way out, but the return on line {line} "
                    f"leaves without removing it: every call that takes that path keeps its "
                    f"entry for good (remove it in a finally)")
                continue
            if growth.per_instance:
                yield self.finding(
                    source, grow,
                    f"every object of the class adds itself to {growth.kind} `{growth.name}` "
                    f"when it is made, and nothing takes one out: each instance ever made "
                    f"stays reachable through the class for the life of the process; remove "
                    f"it where the object's life ends (close, destroy)")
                continue
            if growth.skipped_by is not None:
                shown = text(growth.skipped_by.child_by_field_name("function"))
                yield self.finding(
                    source, grow,
                    f"module-level {growth.kind} `{growth.name}` gets an entry{where} that only "
                    f"one handler of this call takes out; the `{shown}(...)` handler on line "
                    f"{growth.skipped_by.start_point[0] + 1} also ends the call but leaves the "
                    f"entry: every call that ends that way keeps it for good")
                continue
            if growth.timeout_leaves is not None:
                line = growth.timeout_leaves.start_point[0] + 1
                yield self.finding(
                    source, grow,
                    f"module-level {growth.kind} `{growth.name}` gets an entry{where} that the "
                    f"answer's path removes, but the timeout on line {line} ends the same call "
                    f"and leaves it: every call that times out keeps its entry for good "
                    f"(remove it in the timeout too)")
                continue
            if growth.count_reset_only:
                yield self.finding(
                    source, grow,
                    f"module-level {growth.kind} `{growth.name}` keeps a count per key{where}, "
                    f"and the only removal resets one key (when that key's call succeeds): "
                    f"every key that never gets there keeps its entry for good; cap it, or "
                    f"let entries expire")
                continue
            if growth.normal_end_only is not None:
                line = growth.normal_end_only.start_point[0] + 1
                yield self.finding(
                    source, grow,
                    f"module-level {growth.kind} `{growth.name}` gets an entry{where} that only "
                    f"the listener on line {line} takes out, for an event only a normal finish "
                    f"brings: a stream destroyed or errored emits 'close', not that one, and "
                    f"its entry stays for good (remove it on 'close')")
                continue
            if growth.removal_never_called:
                yield self.finding(
                    source, grow,
                    f"this call adds an entry to module-level {growth.kind} `{growth.name}`, "
                    f"which only {growth.removal_never_called}() empties, and nothing in this "
                    f"file calls {growth.removal_never_called}(): every object that registers "
                    f"here stays registered (and reachable) for the life of the process")
                continue
            if growth.cancel_path_only:
                yield self.finding(
                    source, grow,
                    f"module-level {growth.kind} `{growth.name}` grows{where} and entries are "
                    f"removed only when a call is cancelled or times out, or in an effect's "
                    f"cleanup (never run in server rendering); a call that ends normally leaves "
                    f"its entry for good (remove it where the call ends)")
                continue
            if growth.success_path_only:
                yield self.finding(
                    source, grow,
                    f"module-level {growth.kind} `{growth.name}` grows{where} and the entry is "
                    f"removed only after an await on the success path; a call that throws or "
                    f"is abandoned leaves it for good (remove it in a finally)")
                continue
            if growth.module_property:
                yield self.finding(
                    source, grow,
                    f"{growth.kind} `{growth.name}` is kept by a module-level object (it lives "
                    f"as long as the process) and grows{where}, but nothing ever removes "
                    f"entries or checks its size")
                continue
            if "." in growth.name:
                yield self.finding(
                    source, grow,
                    f"{growth.kind} `{growth.name}` lives on an object set-up code was handed "
                    f"(it outlives every call) and grows{where}, per call, but nothing ever "
                    f"removes entries or checks its size")
                continue
            yield self.finding(
                source, grow,
                f"module-level {growth.kind} `{growth.name}` grows{where} but nothing ever "
                f"removes entries or checks its size; it will grow for the life of the process")
