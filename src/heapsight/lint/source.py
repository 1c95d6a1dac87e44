"""One parsed JS/TS file and the questions rules ask about it.

Rules find candidates with tree-sitter queries (run in C, so 100k lines stay fast) and then ask a
few scope questions here: which function encloses a node, is a name declared at module level and
not shadowed. This is the parse layer: it imports nothing from the layers above it. What the
code means (which functions run per call, what grows, which listeners stay) is FileFacts'
job (facts.py).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import tree_sitter_javascript
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

# Suffix -> grammar. Plain JavaScript's grammar parses JSX too.
LANGUAGE_OF_SUFFIX = {
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
}

FUNCTION_TYPES = frozenset({
    "function_declaration", "function_expression", "function", "arrow_function",
    "method_definition", "generator_function_declaration", "generator_function",
})
# A class field, in the JavaScript and the TypeScript grammar
FIELD_TYPES = frozenset({"field_definition", "public_field_definition"})

# Objects that live as long as the process.
GLOBAL_OBJECTS = frozenset({"process", "global", "globalThis", "window", "document", "self"})


@cache
def language(name: str) -> Language:
    if name == "javascript":
        return Language(tree_sitter_javascript.language())
    if name == "typescript":
        return Language(tree_sitter_typescript.language_typescript())
    return Language(tree_sitter_typescript.language_tsx())


@cache
def parser(name: str) -> Parser:
    return Parser(language(name))


@cache
def query(language_name: str, source: str) -> Query:
    return Query(language(language_name), source)


# Queries every file runs over its whole tree. They are compiled into one query per grammar so a
# file's tree is walked once for all of them (each walk costs about as much as the parse).
_FILE_QUERIES: dict[str, tuple[str, ...]] = {}  # source -> grammars it is valid for


def file_query(source: str, grammars: tuple[str, ...] = ("javascript", "typescript",
                                                          "tsx")) -> str:
    """Register a whole-file query for batching; returns `source` for use with `matches`."""
    _FILE_QUERIES[source] = grammars
    return source


@cache
def _combined(language_name: str, registered: int) -> tuple[Query, list[tuple[int, str]]]:
    """The registered queries for one grammar as one Query, and where each one starts."""
    del registered  # part of the cache key: recompile when more queries are registered
    offsets: list[tuple[int, str]] = []
    parts: list[str] = []
    position = 0
    for source, grammars in _FILE_QUERIES.items():
        if language_name in grammars:
            offsets.append((position, source))
            parts.append(source)
            position += len(source.encode()) + 1
    return Query(language(language_name), "\n".join(parts)), offsets


def language_for(path: Path) -> str | None:
    return LANGUAGE_OF_SUFFIX.get(path.suffix.lower())


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def unwrap(node: Node) -> Node:
    """Skip parentheses, `await`, TS `as`/`!`/`satisfies` around an expression."""
    while node.type in ("parenthesized_expression", "await_expression", "as_expression",
                        "non_null_expression", "satisfies_expression") and node.named_child_count:
        node = node.named_children[0]
    return node


def descendants(node: Node) -> Iterator[Node]:
    """`node` and every named node under it, functions included."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.named_children)


def outer(node: Node) -> Node:
    """The largest expression that is just `node` wrapped in parentheses/await/casts."""
    while node.parent is not None and node.parent.type in (
            "parenthesized_expression", "await_expression", "as_expression",
            "non_null_expression", "satisfies_expression"):
        node = node.parent
    return node


def root_identifier(node: Node) -> Node | None:
    """`a` for `a.b[c].d`; None when the chain starts with `this`, a call or anything else."""
    node = unwrap(node)
    while node.type in ("member_expression", "subscript_expression"):
        node = unwrap(node.child_by_field_name("object") or node)
    return node if node.type == "identifier" else None


def last_name(node: Node) -> str:
    """`timer` for `this.state.timer` or `timer`; used to match a handle with its clear call."""
    node = unwrap(node)
    if node.type == "member_expression":
        return text(node.child_by_field_name("property"))
    return text(node)


def emitter_and_event(call: Node) -> tuple[str, str] | None:
    """(`bus`, `'change'`) for `bus.on('change', f)` or `bus.off('change', g)`: the text of
    the emitter and of the event argument, to pair an add with its removal."""
    function = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    emitter = function.child_by_field_name("object") if function is not None and (
        function.type == "member_expression") else None
    named = [a for a in arguments.named_children if a.type != "comment"] \
        if arguments is not None else []
    if emitter is None or not named:
        return None
    return text(emitter), text(named[0])


def own_nodes(function: Node) -> Iterator[Node]:
    """Every node inside `function` that runs in its own body: nested functions and what they
    contain are not entered (they run when called, not now)."""
    stack = [function]
    while stack:
        for child in stack.pop().named_children:
            yield child
            if child.type not in FUNCTION_TYPES:
                stack.append(child)


def promise_of_executor(function: Node) -> Node | None:
    """The `new Promise(...)` whose executor `function` is, or None."""
    arguments = function.parent
    made = arguments.parent if arguments is not None and arguments.type == "arguments" else None
    if made is None or made.type != "new_expression" or text(
            made.child_by_field_name("constructor")) != "Promise":
        return None
    return made


def values_given(name: str, function: Node) -> list[Node]:
    """What `function` itself gives its local `name`: the value it is declared with and the
    right-hand side of every assignment to it (nested functions not entered)."""
    values = []
    for node in own_nodes(function):
        if node.type == "variable_declarator":
            target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        elif node.type in ("assignment_expression", "augmented_assignment_expression"):
            target, value = node.child_by_field_name("left"), node.child_by_field_name("right")
        else:
            continue
        if target is not None and value is not None and text(target) == name:
            values.append(value)
    return values


def field_name(field: Node) -> str:
    """The name a class field declares (the two grammars spell the field apart)."""
    named = field.child_by_field_name("property") or field.child_by_field_name("name")
    return text(named) if named is not None else ""


def parameter_names(function: Node) -> list[str]:
    """Simple names bound by a function's parameters (destructured names included)."""
    single = function.child_by_field_name("parameter")
    if single is not None:
        return [text(single)] if single.type == "identifier" else []
    params = function.child_by_field_name("parameters")
    if params is None:
        return []
    names: list[str] = []
    for param in params.named_children:
        names.extend(_pattern_names(param))
    return names


def _pattern_names(node: Node) -> Iterator[str]:
    kind = node.type
    if kind in ("identifier", "shorthand_property_identifier_pattern"):
        yield text(node)
    elif kind in ("required_parameter", "optional_parameter"):
        pattern = node.child_by_field_name("pattern")
        if pattern is not None:
            yield from _pattern_names(pattern)
    elif kind in ("assignment_pattern", "object_assignment_pattern"):
        left = node.child_by_field_name("left")
        if left is not None:
            yield from _pattern_names(left)
    elif kind in ("object_pattern", "array_pattern", "rest_pattern", "pair_pattern"):
        if kind == "pair_pattern":
            value = node.child_by_field_name("value")
            if value is not None:
                yield from _pattern_names(value)
            return
        for child in node.named_children:
            yield from _pattern_names(child)


_DECLARATIONS = """
(variable_declarator name: (_) @name)
(function_declaration name: (identifier) @name)
(generator_function_declaration name: (identifier) @name)
(class_declaration name: (_) @name)
(catch_clause parameter: (_) @name)
(for_in_statement kind: ["var" "let" "const"] left: (_) @name)
(import_clause (identifier) @name)
(namespace_import (identifier) @name)
(import_specifier alias: (identifier) @name)
(import_specifier !alias name: (identifier) @name)
"""

FUNCTIONS_QUERY = file_query("""
[(function_declaration) (function_expression) (arrow_function) (method_definition)
 (generator_function_declaration) (generator_function)] @function
""")


# A JS name as bytes (non-ASCII letters are taken whole: any byte from 0x80 up).
_WORD = re.compile(rb"[A-Za-z_$\x80-\xff][\w$\x80-\xff]*")


class SourceFile:
    """A parsed file: its tree, display path, and cached scope facts for the rules."""

    def __init__(self, path: str, source: bytes, language_name: str, batched: bool = True
                 ) -> None:
        self.path = path
        self.source = source
        self.language = language_name
        # run every registered file query in one walk on the first ask (what the rules need);
        # a pass that asks two or three questions runs only those
        self.batched = batched
        self.tree: Tree = parser(language_name).parse(source)
        self.root: Node = self.tree.root_node
        self.ascii = source.isascii()
        self._declared: dict[int, frozenset[str]] = {}
        self._functions: tuple[list[Node], list[int], list[int], list[int]] | None = None
        self._batched: dict[str, list[dict[str, list[Node]]]] | None = None
        self._words: dict[bytes, list[int]] | None = None
        self._all_declared: frozenset[str] | None = None
        self._whole_file: dict[str, list[Node]] = {}  # identifiers(name) over the whole file
        self._line_starts: list[int] | None = None
        self._global_aliases: dict[tuple[int, str], bool] = {}

    # -- queries ---------------------------------------------------------------------------
    def captures(self, source: str, node: Node | None = None) -> dict[str, list[Node]]:
        cursor = QueryCursor(query(self.language, source))
        return cursor.captures(node or self.root)

    def matches(self, source: str, node: Node | None = None) -> list[dict[str, list[Node]]]:
        if node is None and self.batched and source in _FILE_QUERIES:
            return self._file_matches().get(source, [])
        cursor = QueryCursor(query(self.language, source))
        return [found for _, found in cursor.matches(node or self.root)]

    def _file_matches(self) -> dict[str, list[dict[str, list[Node]]]]:
        if self._batched is None:
            combined, offsets = _combined(self.language, len(_FILE_QUERIES))
            starts = [start for start, _ in offsets]
            owner = [offsets[bisect_right(starts, combined.start_byte_for_pattern(i)) - 1][1]
                     for i in range(combined.pattern_count)]
            batched: dict[str, list[dict[str, list[Node]]]] = {}
            for pattern, found in QueryCursor(combined).matches(self.root):
                batched.setdefault(owner[pattern], []).append(found)
            self._batched = batched
        return self._batched

    def identifiers(self, name: str, node: Node | None = None) -> list[Node]:
        """Every `identifier` (and `{name}` shorthand) spelled `name` under `node`.

        The file's name-like words are indexed once (word -> sorted offsets), so each question
        costs the occurrences of that name in the scope, not a scan of the file: asked once per
        module binding, a scan would make lint time grow with the square of the file's size.
        """
        if node is None and name in self._whole_file:
            return self._whole_file[name]
        scope = node or self.root
        positions = self._word_index().get(name.encode(), ())
        if not positions:
            return []
        size = len(name.encode())
        first = bisect_left(positions, scope.start_byte)
        last = bisect_right(positions, scope.end_byte - size)
        found = []
        for position in positions[first:last]:
            spot = self.root.descendant_for_byte_range(position, position + size)
            if spot is not None and spot.type in ("identifier", "shorthand_property_identifier"):
                found.append(spot)
        if node is None:
            self._whole_file[name] = found
        return found

    def property_names(self, name: str) -> list[Node]:
        """Every `property_identifier` spelled `name` in the file (`this.name`, `name() {}`)."""
        size = len(name.encode())
        found = []
        for position in self._word_index().get(name.encode(), ()):
            spot = self.root.descendant_for_byte_range(position, position + size)
            if spot is not None and spot.type == "property_identifier":
                found.append(spot)
        return found

    def declarators(self, name: str, scope: Node | None = None) -> Iterator[Node]:
        """The `variable_declarator`s under `scope` that declare `name` (`const name = ...`),
        in source order."""
        for use in self.identifiers(name, scope):
            parent = use.parent
            if parent is not None and parent.type == "variable_declarator" and (
                    parent.child_by_field_name("name") == use):
                yield parent

    def _word_index(self) -> dict[bytes, list[int]]:
        if self._words is None:
            words: dict[bytes, list[int]] = {}
            for match in _WORD.finditer(self.source):
                words.setdefault(match.group(), []).append(match.start())
            self._words = words
        return self._words

    # -- scopes ----------------------------------------------------------------------------
    def _function_index(self) -> tuple[list[Node], list[int], list[int], list[int]]:
        """All functions sorted by start, with each one's enclosing function (an index).

        tree-sitter finds a node's parent by walking down from the root, so climbing parents is
        slow; function ranges nest, so a binary search plus this table answers instead.
        """
        if self._functions is None:
            self.index_functions([m["function"][0] for m in self.matches(FUNCTIONS_QUERY)])
        assert self._functions is not None
        return self._functions

    def index_functions(self, found: list[Node]) -> None:
        """Build the function index from every function of the file (FUNCTIONS_QUERY's),
        found by a caller's own walk of the tree."""
        if self._functions is None:
            functions = sorted(found, key=lambda n: (n.start_byte, -n.end_byte))
            starts = [f.start_byte for f in functions]
            ends = [f.end_byte for f in functions]
            parents: list[int] = []
            stack: list[int] = []
            for index, function in enumerate(functions):
                while stack and ends[stack[-1]] < function.end_byte:
                    stack.pop()
                parents.append(stack[-1] if stack else -1)
                stack.append(index)
            self._functions = (functions, starts, ends, parents)

    def enclosing_function(self, node: Node) -> Node | None:
        functions, starts, ends, parents = self._function_index()
        start, end = node.start_byte, node.end_byte
        index = bisect_right(starts, start) - 1
        while index >= 0:
            # a function with exactly the node's range is the node itself or inside it
            if ends[index] >= end and (starts[index] < start or ends[index] > end):
                return functions[index]
            index = parents[index]
        return None

    def enclosing_functions(self, node: Node) -> Iterator[Node]:
        function = self.enclosing_function(node)
        while function is not None:
            yield function
            function = self.enclosing_function(function)

    def declared_names(self, scope: Node) -> frozenset[str]:
        """Names a function (or the program) declares itself, not counting nested functions.

        Block scoping is folded into the function: a rule asks "could this name be local?", and
        answering yes a little too often only makes the linter quieter.
        """
        key = scope.id
        if key not in self._declared:
            names: set[str] = set()
            if scope.type in FUNCTION_TYPES:
                names.update(parameter_names(scope))
                if scope.type in ("function_expression", "generator_function"):
                    own = scope.child_by_field_name("name")
                    if own is not None:
                        names.add(text(own))
            for node in self.captures(_DECLARATIONS, scope).get("name", []):
                owner = self.enclosing_function(node)
                # a function's own name belongs to the scope around it
                if node.parent is not None and node.parent.type in FUNCTION_TYPES:
                    owner = self.enclosing_function(node.parent)
                if (owner.id if owner is not None else None) == (
                        scope.id if scope.type in FUNCTION_TYPES else None):
                    names.update(_pattern_names(node))
            self._declared[key] = frozenset(names)
        return self._declared[key]

    def all_declared_names(self) -> frozenset[str]:
        """Every name declared anywhere in the file: variables, functions, classes, imports,
        catch and loop bindings, and every function's parameters."""
        if self._all_declared is None:
            names: set[str] = set()
            for node in self.captures(_DECLARATIONS).get("name", []):
                names.update(_pattern_names(node))
            for found in self.matches(FUNCTIONS_QUERY):
                function = found["function"][0]
                names.update(parameter_names(function))
                own = function.child_by_field_name("name")
                if own is not None:
                    names.add(text(own))
            self._all_declared = frozenset(names)
        return self._all_declared

    def is_module_binding(self, identifier: Node) -> bool:
        """True when `identifier` names a module-level declaration or import, not shadowed."""
        name = text(identifier)
        if any(name in self.declared_names(fn) for fn in self.enclosing_functions(identifier)):
            return False
        return name in self.declared_names(self.root)

    def is_global_object(self, identifier: Node) -> bool:
        name = text(identifier)
        if name not in GLOBAL_OBJECTS:
            return False
        return not any(name in self.declared_names(fn)
                       for fn in self.enclosing_functions(identifier)) and (
            name not in self.declared_names(self.root))

    def is_long_lived(self, expression: Node) -> bool:
        """An expression rooted at a module binding or a process-wide object (process, window)."""
        root = root_identifier(expression)
        if root is None:
            return False
        return self.is_global_object(root) or self.is_module_binding(root) or (
            self._aliases_global_object(root))

    def _aliases_global_object(self, identifier: Node) -> bool:
        """A local that the function sets to a process-wide object on some path (`let target
        = null; ... target = globalThis`): what is added to it may be added to that object."""
        name = text(identifier)
        function = next((f for f in self.enclosing_functions(identifier)
                         if name in self.declared_names(f)), None)
        if function is None:
            return False
        key = (function.id, name)
        if key not in self._global_aliases:
            roots = [root_identifier(unwrap(v)) for v in values_given(name, function)]
            self._global_aliases[key] = any(
                r is not None and text(r) in GLOBAL_OBJECTS and self.is_global_object(r)
                for r in roots)
        return self._global_aliases[key]

    def module_declarators(self) -> list[Node]:
        """`variable_declarator`s at the top level of the program (exported ones included)."""
        found: list[Node] = []
        for statement in self.root.named_children:
            if statement.type == "export_statement":
                statement = statement.child_by_field_name("declaration") or statement
            if statement.type in ("lexical_declaration", "variable_declaration"):
                found.extend(child for child in statement.named_children
                             if child.type == "variable_declarator")
        return found

    def function_name(self, function: Node) -> str:
        own = function.child_by_field_name("name")
        if own is not None:
            return text(own)
        parent = outer(function).parent
        if parent is not None and parent.type == "variable_declarator":
            return text(parent.child_by_field_name("name"))
        if parent is not None and parent.type in ("assignment_expression", "pair"):
            target = parent.child_by_field_name("left") or parent.child_by_field_name("key")
            return last_name(target) if target is not None else ""
        if parent is not None and parent.type in FIELD_TYPES:  # `run = () => {...}` in a class
            return field_name(parent)
        return ""

    # -- positions -------------------------------------------------------------------------
    def node_at(self, line: int, column: int, end_line: int, end_column: int) -> Node:
        """The smallest node spanning 1-based (line, character column) to (end_line,
        end_column): the node a finding was reported at."""
        return self.root.descendant_for_point_range(
            self._point(line, column), self._point(end_line, end_column)) or self.root

    def _point(self, line: int, column: int) -> tuple[int, int]:
        if self.ascii:
            return line - 1, column - 1
        start = self._line_start(line - 1)
        end = self.source.find(b"\n", start)
        chars = self.source[start:end if end >= 0 else None].decode("utf-8", "replace")
        return line - 1, len(chars[:column - 1].encode())

    def _line_start(self, row: int) -> int:
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in re.finditer(rb"\n", self.source))]
        return self._line_starts[row]

    def column_of(self, point: tuple[int, int]) -> int:
        """1-based column in characters (tree-sitter counts bytes), as editors and SARIF do."""
        row, byte_column = point
        if self.ascii:
            return byte_column + 1
        line_start = self._line_start(row)
        prefix = self.source[line_start:line_start + byte_column]
        return len(prefix.decode("utf-8", "replace")) + 1
