"""`heapsight lint` as text: one line per finding, ruff-style, then a short tally."""

from __future__ import annotations

from rich.console import Console

from heapsight.lint.model import LintResult
from heapsight.text import safe


def render_lint_text(result: LintResult, console: Console, errors: Console,
                     show_fix: bool = True) -> None:
    """Findings on `console` (stdout), skipped files and the tally on `errors` (stderr)."""
    for finding in result.findings:
        console.print(
            f"[bold]{safe(finding.file)}[/]:{finding.line}:{finding.column}: "
            f"[red]{finding.rule}[/] [dim]({finding.category})[/] {safe(finding.message)}",
            soft_wrap=True)
        if show_fix and finding.fix:
            console.print(f"    [cyan]fix:[/] {safe(finding.fix)}", soft_wrap=True)
    for problem in result.errors:
        where = f"{problem.file}:{problem.line}:{problem.column}" if problem.line else problem.file
        label = "[red]error:[/]" if problem.fails_run else "[yellow]note:[/]"
        errors.print(f"{label} {safe(where)}: {safe(problem.message)}", soft_wrap=True)
    count = len(result.findings)
    files_with = len({f.file for f in result.findings})
    tally = (f"{count} finding{'s' if count != 1 else ''} in {files_with} "
             f"file{'s' if files_with != 1 else ''}" if count else "no findings")
    extra = f", {result.suppressed} suppressed" if result.suppressed else ""
    if result.baselined or result.stale:
        extra += f", {result.baselined} in the baseline" + (
            f" ({result.stale} of its entries no longer found: write it again)"
            if result.stale else "")
    unchecked = len(result.unchecked)
    skipped = len(result.errors) - unchecked
    skipped_text = (f", {unchecked} not checked whole" if unchecked else "") + (
        f", {skipped} skipped" if skipped else "")
    errors.print(f"{tally} ({result.files} files, {result.lines} lines checked{extra}{skipped_text})",
                 soft_wrap=True)
