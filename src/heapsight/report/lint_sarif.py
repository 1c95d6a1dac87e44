"""`heapsight lint` as SARIF 2.1.0, the format GitHub code scanning uploads.

Results carry the rule id, a `warning` level, the message, and a region with 1-based lines and
columns; the driver lists every rule with its documentation. Skipped files become tool
execution notifications, so a CI run shows them instead of silently passing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from heapsight import __version__
from heapsight.lint.model import LintResult
from heapsight.lint.rule import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"


def render_lint_sarif(result: LintResult, rules: list[type[Rule]],
                      root: Path | None = None) -> dict[str, Any]:
    """SARIF for `result`. With `root` (the repository's top folder), file URIs are relative
    to it under the `%SRCROOT%` base, as code scanning resolves them; `result`'s paths are
    relative to the current directory."""
    _uri = _uri_maker(root)
    index = {rule.id: position for position, rule in enumerate(rules)}
    results = []
    for finding in result.findings:
        region = {"startLine": finding.line, "startColumn": finding.column}
        if finding.end_line:
            region |= {"endLine": finding.end_line, "endColumn": finding.end_column}
        entry: dict[str, Any] = {
            "ruleId": finding.rule,
            "level": "warning",
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": _uri(finding.file), "region": region}}],
            "properties": {"category": finding.category},
        }
        if finding.rule in index:
            entry["ruleIndex"] = index[finding.rule]
        results.append(entry)
    notifications = [
        {"level": "error" if problem.fails_run else "note",
         "message": {"text": problem.message},
         "locations": [{"physicalLocation": {
             "artifactLocation": _uri(problem.file),
             **({"region": {"startLine": problem.line, "startColumn": max(problem.column, 1)}}
                if problem.line else {})}}]}
        for problem in result.errors
    ]
    run: dict[str, Any] = {}
    if root is not None:
        run["originalUriBaseIds"] = {SOURCE_ROOT: {"uri": root.resolve().as_uri() + "/"}}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            **run,
            "tool": {"driver": {
                "name": "heapsight",
                "version": __version__,
                "rules": [_rule(rule) for rule in rules],
            }},
            "invocations": [{"executionSuccessful": True,
                             "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    }


def _rule(rule: type[Rule]) -> dict[str, Any]:
    documentation = rule.documentation()
    return {
        "id": rule.id,
        "name": "".join(part.title() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": documentation.split("\n\n")[0].replace(
            "What it does:\n", "")},
        "help": {"text": f"{rule.fix}.", "markdown": rule.markdown()},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["memory-leak", rule.category], "category": rule.category},
    }


def _uri_maker(root: Path | None) -> Callable[[str], dict[str, str]]:
    def artifact(path: str) -> dict[str, str]:
        if root is not None:
            try:
                relative = (Path.cwd() / path).resolve().relative_to(root.resolve())
                return {"uri": quote(relative.as_posix()), "uriBaseId": SOURCE_ROOT}
            except ValueError:
                pass  # outside the repository: an absolute URI below
        posix = PurePosixPath(path)
        if posix.is_absolute():
            return {"uri": "file://" + quote(posix.as_posix())}
        return {"uri": quote(posix.as_posix())}
    return artifact
