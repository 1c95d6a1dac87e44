"""Questions about the JavaScript source behind a leak, when the file is still on disk: which
sibling closures of a scope use a captured variable (V8 gives every closure of a scope one
shared Context, so a closure that never names a variable still keeps it alive when a sibling
uses it), and where a class is instantiated (`new X(`), which a heap snapshot does not record.

The snapshot names the files (absolute paths for CommonJS, file:// URLs for ES modules); when a
file is missing, changed or not JavaScript, the answers are simply empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from heapsight.lint.source import FUNCTION_TYPES, SourceFile, language_for

_MAX_FILE = 4 * 1024 * 1024  # larger files are bundles: not worth parsing for a hint


@dataclass(frozen=True)
class SourceSpot:
    name: str
    location: str  # file:line:col (1-based)


def _path_of(script: str) -> Path | None:
    path = Path(script.removeprefix("file://"))
    return path if path.is_absolute() else None


@lru_cache(maxsize=32)
def _parsed(path: Path, mtime: float) -> SourceFile | None:
    language = language_for(path)
    if language is None:
        return None
    try:
        with path.open("rb") as handle:
            source = handle.read(_MAX_FILE + 1)
    except OSError:
        return None
    if len(source) > _MAX_FILE:
        return None
    return SourceFile(str(path), source, language)


def _source(script: str) -> SourceFile | None:
    path = _path_of(script)
    if path is None:
        return None
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _parsed(path, mtime)


def _split(location: str) -> tuple[str, int, int] | None:
    match = re.match(r"(.+):(\d+):(\d+)$", location)
    if match is None:
        return None
    return match.group(1), int(match.group(2)), int(match.group(3))


def sibling_users(keeper_location: str, variable: str, limit: int = 3) -> list[SourceSpot]:
    """Functions sharing the scope that declares `variable` with the keeper closure (found at
    `keeper_location`, V8's 1-based position of the function) that use `variable`; the keeper
    itself and functions that redeclare the name are left out."""
    spot = _split(keeper_location)
    if spot is None:
        return []
    script, line, column = spot
    source = _source(script)
    if source is None:
        return []
    point = (line - 1, column - 1)
    at = source.root.descendant_for_point_range(point, point)
    if at is None:
        return []
    keeper = at if at.type in FUNCTION_TYPES else source.enclosing_function(at)
    if keeper is None:
        return []
    scope = source.enclosing_function(keeper)
    while scope is not None and variable not in source.declared_names(scope):
        scope = source.enclosing_function(scope)
    users: list[SourceSpot] = []
    seen: set[int] = set()
    for identifier in source.identifiers(variable, scope):
        function = source.enclosing_function(identifier)
        if function is None or function.id in seen or function.id == keeper.id:
            continue
        if (scope is not None and function.id == scope.id) or \
                keeper.start_byte <= function.start_byte < keeper.end_byte or \
                variable in source.declared_names(function):
            continue
        seen.add(function.id)
        name = source.function_name(function) or "(anonymous)"
        row, byte_column = function.start_point
        users.append(SourceSpot(name, f"{script}:{row + 1}:{source.column_of((row, byte_column))}"))
        if len(users) >= limit:
            break
    return users


def new_calls(script: str, class_name: str, limit: int = 3) -> list[str]:
    """Where `new <class_name>(` appears in the file that defines the class (file:line:col)."""
    source = _source(script)
    if source is None or not re.fullmatch(r"[\w$]+", class_name):
        return []
    spots = []
    for match in re.finditer(rb"\bnew\s+" + re.escape(class_name.encode()) + rb"\s*\(",
                             source.source):
        node = source.root.descendant_for_byte_range(match.start(), match.start() + 3)
        if node is None or node.type in ("comment", "string", "string_fragment",
                                         "template_string"):
            continue
        row, byte_column = node.start_point
        spots.append(f"{script}:{row + 1}:{source.column_of((row, byte_column))}")
        if len(spots) >= limit:
            break
    return spots


def new_call_in(function_location: str, class_name: str) -> str | None:
    """The `new <class_name>(` inside the function at `function_location` (an allocation
    stack's frame), when the file still has exactly that: the line that made the object."""
    spot = _split(function_location)
    if spot is None:
        return None
    script, line, column = spot
    source = _source(script)
    if source is None:
        return None
    point = (line - 1, column - 1)
    at = source.root.descendant_for_point_range(point, point)
    function = at if at is not None and at.type in FUNCTION_TYPES else \
        source.enclosing_function(at) if at is not None else None
    if function is None:
        return None
    for call in new_calls(script, class_name, limit=50):
        call_spot = _split(call)
        if call_spot is None:
            continue
        row = call_spot[1] - 1
        if function.start_point[0] <= row <= function.end_point[0] and \
                source.enclosing_function(source.root.descendant_for_point_range(
                    (row, call_spot[2] - 1), (row, call_spot[2] - 1)) or function) == function:
            return call
    return None
