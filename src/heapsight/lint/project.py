"""What the other files of the project say about a class: where its objects are made.

A file alone cannot tell a service the program makes once (by a DI container, in a bootstrap
file, by a framework) from a per-operation object made elsewhere (an error, a query builder, a
result merger): both are classes the file never instantiates. The rest of the project can. One
cheap pass over every file records which class names it makes inside functions, and which
class extends which; lint then treats a class as made per call when the project makes it, or a
subclass of it, inside a function anywhere.

Names are matched by their last part (`new lib.Merger()` makes `Merger`), so two classes of one
name in two files count as one: the fact can only make a class look short-lived, never the
other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tree_sitter import Node, QueryCursor

from heapsight.lint.source import FUNCTION_TYPES, parser, query

_NEW = "(new_expression constructor: (_) @made)"
_CLASSES = "[(class_declaration (class_heritage) @heritage) (class (class_heritage) @heritage)]"
_EXTENDS = re.compile(r"extends\s+([\w$.]+)")


@dataclass
class ProjectFacts:
    # class name -> the files that make one inside a function
    made_in_functions: dict[str, set[str]] = field(default_factory=dict)
    # class name -> the names of the classes that extend it
    subclasses: dict[str, set[str]] = field(default_factory=dict)

    def add_file(self, path: str, data: bytes, language: str) -> None:
        root = parser(language).parse(data).root_node
        for node in _captures(language, _NEW, root, "made"):
            name = _class_name((node.text or b"").decode(errors="replace"))
            if not name[:1].isupper() or not _in_function(node):
                continue
            self.made_in_functions.setdefault(name, set()).add(path)
        for node in _captures(language, _CLASSES, root, "heritage"):
            found = _EXTENDS.search((node.text or b"").decode(errors="replace"))
            declaration = node.parent
            named = declaration.child_by_field_name("name") if declaration is not None else None
            if found and named is not None and named.text:
                base = _class_name(found.group(1))
                self.subclasses.setdefault(base, set()).add(named.text.decode())

    def made_per_call_elsewhere(self, name: str, path: str) -> str:
        """A file other than `path` makes a `name` inside a function, or any file makes a
        subclass of it there: the file where it was made, or ""."""
        for made in (self.made_in_functions.get(name, set()) - {path}):
            return made
        seen = {name}
        pending = list(self.subclasses.get(name, ()))
        while pending:
            sub = pending.pop()
            if sub in seen:
                continue
            seen.add(sub)
            for made in self.made_in_functions.get(sub, ()):
                return made
            pending.extend(self.subclasses.get(sub, ()))
        return ""


def project_facts(files: Iterable[tuple[str, bytes, str]]) -> ProjectFacts:
    project = ProjectFacts()
    for path, data, language in files:
        project.add_file(path, data, language)
    return project


def _class_name(made: str) -> str:
    """`Merger` for `Merger`, `lib.Merger`, and TypeScript's compiled `Merger_1.default`."""
    parts = made.split(".")
    if len(parts) > 1 and parts[-1] == "default":
        return re.sub(r"_\d+$", "", parts[-2])
    return parts[-1]


def _captures(language: str, source: str, root: Node, name: str) -> list[Node]:
    return QueryCursor(query(language, source)).captures(root).get(name, [])


def _in_function(node: Node) -> bool:
    """Inside a function, or a class field's initialiser (which runs per object made)."""
    parent = node.parent
    while parent is not None:
        if parent.type in FUNCTION_TYPES or parent.type in ("field_definition",
                                                            "public_field_definition"):
            return True
        parent = parent.parent
    return False
