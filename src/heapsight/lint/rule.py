"""The shape every lint rule has: an id, a category from the shared vocabulary, and `check`."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import ClassVar

from tree_sitter import Node

from heapsight import LEAK_CATEGORIES
from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.source import SourceFile


class Rule:
    """Base class. Subclasses document themselves in ruff's four parts:
    What it does / Why is this bad? / Example / Use instead."""

    id: ClassVar[str]
    category: ClassVar[str]
    summary: ClassVar[str]  # one line for `--list-rules` and SARIF
    fix: ClassVar[str]  # the classic advice, one line

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if cls.category not in LEAK_CATEGORIES:
            raise ValueError(f"rule {cls.id}: unknown category {cls.category!r}")

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        """Findings in one file; `facts` answers every question about its meaning."""
        raise NotImplementedError

    def finding(self, source: SourceFile, node: Node, message: str) -> Finding:
        return Finding(
            file=source.path, line=node.start_point[0] + 1, column=source.column_of(node.start_point),
            end_line=node.end_point[0] + 1, end_column=source.column_of(node.end_point),
            rule=self.id, category=self.category, message=message, fix=self.fix)

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def markdown(cls) -> str:
        """The docstring with its four headings in bold, for docs/lint.md and SARIF help."""
        body = cls.documentation()
        for heading in ("What it does:", "Why is this bad?", "Example:", "Use instead:"):
            body = body.replace(heading, f"**{heading.rstrip(':')}**")
        return body
