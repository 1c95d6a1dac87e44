"""What the linter produces: findings, files it could not read, and the result of a run.

These are plain dataclasses so the text, JSON and SARIF views all show the same thing; the JSON
contract is `{"findings": [{"category", "rule", "file", "line", "column", "message"}]}` plus
fields added here (never renamed).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Finding:
    """One place in one file that matches a leak pattern. Lines and columns are 1-based."""

    file: str
    line: int
    column: int
    rule: str
    category: str
    message: str
    end_line: int = 0
    end_column: int = 0
    fix: str = ""


@dataclass(frozen=True)
class FileProblem:
    """A file that was skipped: unreadable, not UTF-8, or not parseable as JS/TS."""

    file: str
    line: int
    column: int
    message: str


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileProblem] = field(default_factory=list)
    files: int = 0
    lines: int = 0
    suppressed: int = 0

    def to_json(self) -> dict[str, object]:
        """The lint JSON contract (GUIDE.md), with counts added."""
        return {
            "findings": [
                {"category": f.category, "rule": f.rule, "file": f.file, "line": f.line,
                 "column": f.column, "message": f.message, "end_line": f.end_line,
                 "end_column": f.end_column, "fix": f.fix}
                for f in self.findings
            ],
            "errors": [{"file": e.file, "line": e.line, "column": e.column, "message": e.message}
                       for e in self.errors],
            "files": self.files,
            "lines": self.lines,
            "suppressed": self.suppressed,
        }
