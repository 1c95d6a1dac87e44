"""module-collection-growth (unbounded-collection)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, text
from heapsight.lint.usage import classify, collection_kind, follow_helpers


class ModuleCollectionGrowth(Rule):
    """What it does:
    Finds a module-level array, Map, Set or plain object that a function adds to (`push`,
    `unshift`, `set`, `add`, `obj[key] = ...`) while nothing in the file ever removes from it,
    clears it, replaces it or checks its size.

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

    def check(self, source: SourceFile) -> Iterator[Finding]:
        for growth in unbounded_growth(source):
            grow = growth.grows[0]
            function = source.enclosing_function(grow)
            where = source.function_name(function) if function is not None else ""
            where = f" in {where}()" if where else ""
            yield self.finding(
                source, grow,
                f"module-level {growth.kind} `{growth.name}` grows{where} but nothing ever "
                f"removes entries or checks its size; it will grow for the life of the process")


@dataclass(frozen=True)
class Growth:
    name: str
    kind: str
    grows: list[Node]  # where it grows per event, first one first


def unbounded_growth(source: SourceFile) -> list[Growth]:
    """Module-level collections that grow per event and are never trimmed.

    Shared with closure-capture, which asks whether what they keep are closures over requests.
    """
    cached = source.cache.get("unbounded_growth")
    if cached is not None:
        return cached  # type: ignore[return-value]
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
        follow_helpers(source, first, uses, kind)
        if not first.grows_in_functions(source):
            continue  # the common case, decided before the costlier scope checks
        uses = [u for u in uses if u.type != "identifier" or source.is_module_binding(u)]
        usage = classify(source, uses, name, kind)
        follow_helpers(source, usage, uses, kind)
        if usage.bounds or usage.exported:
            continue
        memo = usage.read_through(source)
        if memo is not None and kind in ("map", "object"):
            continue  # a read-through cache: cache-without-eviction reports it
        if memo is not None and not source.runs_per_call_or_async(memo):
            continue  # a "seen" set of a small fixed domain (module names, warnings shown)
        grows = [g for g in usage.grows_in_functions(source) if not source.in_setup_code(g)]
        if grows:
            found.append(Growth(name, kind, grows))
    source.cache["unbounded_growth"] = found
    return found
