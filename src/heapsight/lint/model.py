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


# How much of a file the rules saw. "partial": it did not parse whole (or a rule failed on it),
# and the rules reported what they found in the rest; "unchecked": it was not read at all
# (unreadable, not UTF-8, not a regular file); "skipped": generated code left out on purpose
# (minified, over the size limit). The first two fail the run unless the user allows them.
PARTIAL, UNCHECKED, SKIPPED = "partial", "unchecked", "skipped"


@dataclass(frozen=True)
class FileProblem:
    """A file the rules did not check whole, and why."""

    file: str
    line: int
    column: int
    message: str
    kind: str = UNCHECKED

    @property
    def fails_run(self) -> bool:
        return self.kind != SKIPPED


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileProblem] = field(default_factory=list)
    files: int = 0
    lines: int = 0
    suppressed: int = 0
    baselined: int = 0  # findings a --baseline file holds, left out of `findings`
    stale: int = 0  # entries of that file no finding matched

    @property
    def unchecked(self) -> list[FileProblem]:
        """Files the rules could not check whole (syntax errors, unreadable files...)."""
        return [problem for problem in self.errors if problem.fails_run]

    def to_json(self) -> dict[str, object]:
        """The lint JSON contract (GUIDE.md), with counts added."""
        return {
            "findings": [
                {"category": f.category, "rule": f.rule, "file": f.file, "line": f.line,
                 "column": f.column, "message": f.message, "end_line": f.end_line,
                 "end_column": f.end_column, "fix": f.fix}
                for f in self.findings
            ],
            "errors": [{"file": e.file, "line": e.line, "column": e.column, "message": e.message,
                        "kind": e.kind}
                       for e in self.errors],
            "files": self.files,
            "lines": self.lines,
            "suppressed": self.suppressed,
            "baselined": self.baselined,
            "baseline_stale": self.stale,
        }
