"""What each module-level name was imported as: `local -> (package, imported name)`.

`import { Pool } from 'pg'` and `const { Pool } = require('pg')` give `Pool -> ('pg', 'Pool')`;
`import pg from 'pg'`, `import * as pg from 'pg'` and `const pg = require('pg')` give
`pg -> ('pg', '*')`. Rules use it to tell a database pool (`new Pool` from `pg`) from any other
class of the same name, and a package from a file of the project (`./pool`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from heapsight.lint.source import file_query, text, unwrap

if TYPE_CHECKING:
    from heapsight.lint.source import SourceFile

_IMPORTS = file_query("""
(import_statement (import_clause) @clause source: (string (string_fragment) @from))
(variable_declarator name: (_) @name value: (call_expression
  function: (identifier) @require arguments: (arguments . (string (string_fragment) @from)))
  (#eq? @require "require"))
(variable_declarator name: (identifier) @name value: (member_expression
  object: (call_expression function: (identifier) @require
    arguments: (arguments . (string (string_fragment) @from)))
  property: (property_identifier) @member)
  (#eq? @require "require"))
""")

WHOLE = "*"  # the package itself (a default or namespace import, or `require(...)` whole)


def module_imports(source: SourceFile) -> dict[str, tuple[str, str]]:
    """Local name -> (package or path as written, the name it was exported under or `*`)."""
    found: dict[str, tuple[str, str]] = {}
    for match in source.matches(_IMPORTS):
        package = text(match["from"][0])
        if "clause" in match:
            _clause_names(match["clause"][0], package, found)
            continue
        name = match["name"][0]
        if "member" in match:
            found[text(name)] = (package, text(match["member"][0]))
        elif name.type == "identifier":
            found[text(name)] = (package, WHOLE)
        elif name.type == "object_pattern":
            for member in name.named_children:
                if member.type == "shorthand_property_identifier_pattern":
                    found[text(member)] = (package, text(member))
                elif member.type == "pair_pattern":
                    key, value = member.child_by_field_name("key"), member.child_by_field_name(
                        "value")
                    if value is not None and value.type == "identifier":
                        found[text(value)] = (package, text(key))
    return found


def _clause_names(clause: Node, package: str, found: dict[str, tuple[str, str]]) -> None:
    for child in clause.named_children:
        if child.type == "identifier":
            found[text(child)] = (package, WHOLE)
        elif child.type == "namespace_import" and child.named_children:
            found[text(child.named_children[-1])] = (package, WHOLE)
        elif child.type == "named_imports":
            for specifier in child.named_children:
                imported = specifier.child_by_field_name("name")
                local = specifier.child_by_field_name("alias") or imported
                if imported is not None and local is not None:
                    found[text(local)] = (package, text(imported))


def is_package(specifier: str) -> bool:
    """A package from node_modules or node itself, not a file of the project."""
    return not specifier.startswith((".", "/", "~", "@/"))


def imported_as(imports: dict[str, tuple[str, str]], callee: Node) -> tuple[str, str] | None:
    """(package, exported name) that `callee` (`Pool`, `pg.Pool`, `redis.createClient`)
    refers to through the file's imports; None for anything not imported."""
    callee = unwrap(callee)
    if callee.type == "identifier":
        return imports.get(text(callee))
    if callee.type == "member_expression":
        owner = unwrap(callee.child_by_field_name("object") or callee)
        if owner.type == "identifier":
            imported = imports.get(text(owner))
            prop = text(callee.child_by_field_name("property"))
            if imported is not None and imported[1] == WHOLE:
                return imported[0], prop
            if imported is not None:  # `chromium.launch` of `import { chromium } from ...`
                return imported[0], f"{imported[1]}.{prop}"
    return None
