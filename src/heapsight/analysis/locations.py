"""Where in the source a heap object comes from: a closure's script, line and column (V8's
`locations` table and the function's shared info), and an instance's class constructor."""

from __future__ import annotations

import re

from heapsight.snapshot import HeapSnapshot

# node_modules/<package>/<file>, scoped packages included; the last node_modules wins
_PACKAGE = re.compile(r"(?:^|[/\\])node_modules[/\\]((?:@[^/\\]+[/\\])?[^/\\]+)[/\\]"
                      r"(?!.*node_modules[/\\])(.+)$")


def _edge_to(snapshot: HeapSnapshot, ordinal: int, *names: str) -> int | None:
    for edge in snapshot.edges_of(ordinal):
        if edge.name in names:
            return edge.target
    return None


def script_name(snapshot: HeapSnapshot, closure: int) -> str | None:
    shared = _edge_to(snapshot, closure, "shared")
    if shared is None:
        return None
    script = _edge_to(snapshot, shared, "script_or_debug_info", "script")
    if script is None:
        return None
    name = snapshot.name(script)
    if not name or name.startswith("system /"):
        source = _edge_to(snapshot, script, "name")
        name = snapshot.name(source) if source is not None else ""
    return name or None


def closure_location(snapshot: HeapSnapshot, closure: int) -> str | None:
    """`file:line:column` (1-based) of a JavaScript function, or None when unknown."""
    script = script_name(snapshot, closure)
    if script is None:
        return None
    position = snapshot.position_of(closure)
    if position is None:
        return script
    line, column = position
    return f"{script}:{line + 1}:{column + 1}"


def constructor_of(snapshot: HeapSnapshot, ordinal: int) -> int | None:
    """The class (constructor function) of an instance: its prototype's `constructor`."""
    prototype = _edge_to(snapshot, ordinal, "__proto__")
    if prototype is None:
        return None
    constructor = _edge_to(snapshot, prototype, "constructor")
    if constructor is None or snapshot.type_name(constructor) != "closure":
        return None
    return constructor


def object_location(snapshot: HeapSnapshot, ordinal: int) -> str | None:
    """Where the code that makes this object is: a closure's own location, an instance's
    constructor's location (None for built-in classes)."""
    kind = snapshot.type_name(ordinal)
    if kind == "closure":
        return closure_location(snapshot, ordinal)
    if kind == "object":
        constructor = constructor_of(snapshot, ordinal)
        if constructor is not None:
            location = closure_location(snapshot, constructor)
            if location and not location.startswith("node:"):
                return location
    return None


def holder_script(snapshot: HeapSnapshot, path_ordinals: list[int]) -> str | None:
    """The script whose scope holds the last step of a path: the nearest closure before it."""
    for ordinal in reversed(path_ordinals[:-1]):
        if snapshot.type_name(ordinal) == "closure":
            name = script_name(snapshot, ordinal)
            if name and not name.startswith("node:"):
                return name
    return None


def defining_script(snapshot: HeapSnapshot, ordinal: int) -> str | None:
    """The script of the code behind a node: a closure's own, an instance's constructor's.
    None for built-ins, V8 internals and node's own modules (`node:events`)."""
    kind = snapshot.type_name(ordinal)
    function = ordinal if kind == "closure" else \
        constructor_of(snapshot, ordinal) if kind == "object" else None
    if function is None:
        return None
    script = script_name(snapshot, function)
    if not script or script.startswith("node:"):
        return None
    return script


def package_of(script: str) -> tuple[str, str] | None:
    """(package, `node_modules/<package>/<file>`) for a script inside node_modules."""
    match = _PACKAGE.search(script.removeprefix("file://"))
    if match is None:
        return None
    package = match.group(1).replace("\\", "/")
    return package, f"node_modules/{package}/{match.group(2)}"
