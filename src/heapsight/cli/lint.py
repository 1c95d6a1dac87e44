"""`heapsight lint`: static checks of JS/TS source for the classic Node.js leak patterns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from heapsight.cli._common import print_json, stderr, stdout
from heapsight.errors import UsageError

if TYPE_CHECKING:
    from heapsight.lint.config import LintSettings


def _names(values: tuple[str, ...]) -> list[str]:
    """`--select a,b --select c` -> [a, b, c]."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]),
              default="text", show_default=True, help="How to print the findings.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the same as --format json).")
@click.option("--select", multiple=True, metavar="RULES",
              help="Only these rules or categories (comma-separated; repeatable).")
@click.option("--ignore", multiple=True, metavar="RULES",
              help="Skip these rules or categories (comma-separated; repeatable).")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Skip files matching this pattern when walking folders (repeatable).")
@click.option("--exit-zero", is_flag=True, default=None,
              help="Exit 0 even when there are findings.")
@click.option("--allow-unchecked", is_flag=True, default=None,
              help="Do not fail the run over files that could not be checked whole (syntax "
                   "errors, unreadable files); they are still reported.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report to this file (atomically) instead of stdout.")
@click.option("--force", is_flag=True,
              help="Replace --output if it exists (and a --save-baseline file that is not a "
                   "baseline).")
@click.option("--baseline", "baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Leave out the findings this file holds (written by --save-baseline): "
                   "report, and fail on, new ones only (default: `baseline` in "
                   "[tool.heapsight.lint]).")
@click.option("--save-baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Record every finding of this run in FILE (replacing an earlier baseline) "
                   "and exit 0; later runs with --baseline FILE fail only on new findings.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Read [tool.heapsight.lint] from this pyproject.toml (default: the nearest "
                   "one with a [tool.heapsight] table).")
@click.option("--no-config", is_flag=True, help="Ignore pyproject.toml settings.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
def lint(paths: tuple[str, ...], output_format: str, as_json: bool, select: tuple[str, ...],
         ignore: tuple[str, ...], exclude: tuple[str, ...], exit_zero: bool | None,
         allow_unchecked: bool | None, output: str | None, force: bool, baseline: str | None,
         save_baseline: str | None, config_path: str | None, no_config: bool,
         list_rules: bool) -> int:
    """Find leak patterns in JavaScript/TypeScript before they ship.

    Checks .js .mjs .cjs .jsx .ts .mts .cts .tsx files; folders are walked, skipping
    node_modules and what .gitignore ignores. Exit status: 0 clean, 1 findings or a file
    that could not be checked whole, 2 usage error. A file with a syntax error is checked
    around the broken part, reported, and fails the run unless --allow-unchecked.

    \b
    Rules (select or ignore them by id or by category; docs/lint.md has the details):
      module-collection-growth   unbounded-collection
      field-collection-growth    unbounded-collection
      listener-not-removed       listener-leak
      interval-not-cleared       timer-leak
      timer-overwritten          timer-leak
      timeout-not-cleared        timer-leak
      cleanup-never-called       timer-leak
      closure-captures-request   closure-capture
      cache-without-eviction     unbounded-cache
      client-per-request         resource-per-request
      global-collection-growth   global-growth
      global-patch-chain         global-growth
      implicit-global            global-growth

    \b
    Examples:
      heapsight lint src/
      heapsight lint src/ --json
      heapsight lint src/ --format sarif -o heapsight.sarif
      heapsight lint app.js --select listener-leak,timer-leak
      heapsight lint src/ --save-baseline lint-baseline.json    # accept today's findings
      heapsight lint src/ --baseline lint-baseline.json         # then fail on new ones only
    Silence one line with  // heapsight-disable-next-line <rule-or-category>
    """
    from heapsight.fileio import check_writable, write_text_atomic
    from heapsight.lint.baseline import check_replaceable, read_baseline
    from heapsight.lint.baseline import save_baseline as save_baseline_file
    from heapsight.lint.config import find_pyproject, load_settings
    from heapsight.lint.engine import lint_paths, select_rules
    from heapsight.lint.rules import RULES

    if list_rules:
        for rule in RULES:
            stdout.print(f"{rule.id:26} {rule.category:22} {rule.summary}")
        return 0
    if as_json:
        if output_format not in ("text", "json"):
            raise UsageError(f"--json and --format {output_format} disagree; give one of them")
        output_format = "json"
    if not paths:
        raise UsageError("give at least one file or folder to lint, e.g. `heapsight lint src/`")
    if config_path is not None and not Path(config_path).is_file():
        raise UsageError(f"config file {config_path} does not exist")
    pyproject = None if no_config else (
        Path(config_path) if config_path else find_pyproject(Path.cwd()))
    settings = load_settings(pyproject)
    if output is not None:
        check_writable(Path(output), force)
    baseline_path = Path(baseline) if baseline is not None else (
        settings.baseline if save_baseline is None else None)
    # read before the work, so that a missing or broken baseline fails at once
    held = read_baseline(baseline_path) if baseline_path is not None else None
    if save_baseline is not None:
        check_replaceable(Path(save_baseline), force)
    rules = select_rules(_names(select) or settings.select, [*settings.ignore, *_names(ignore)])
    result = lint_paths(paths, rules, exclude=[*settings.exclude, *exclude],
                        resources=settings.resources)
    if save_baseline is not None:
        count = len(result.findings)
        save_baseline_file(Path(save_baseline), result.findings, force=force)
        stderr.print(f"wrote {count} finding{'' if count == 1 else 's'} to {save_baseline}; "
                     f"runs with --baseline {save_baseline} report only new ones")
        return 1 if result.unchecked and not _allow_unchecked(allow_unchecked,
                                                                     settings) else 0
    if held is not None:
        kept = held.filter(result.findings)
        result.findings, result.baselined, result.stale = kept.findings, kept.baselined, \
            kept.stale

    if output_format == "text" and output is None:
        from heapsight.report.lint_text import render_lint_text

        render_lint_text(result, stdout, stderr)
    else:
        document: object
        if output_format == "sarif":
            from heapsight.report.lint_sarif import render_lint_sarif

            document = render_lint_sarif(result, [type(rule) for rule in rules],
                                         root=_repository_root())
        elif output_format == "json":
            document = result.to_json()
        else:
            document = None
        if output is None:
            print_json(document)
        else:
            text = (json.dumps(document, indent=2) if document is not None
                    else _plain_text(result))
            write_text_atomic(output, text + "\n", force=force, mode=0o644)
            count = len(result.findings)
            stderr.print(f"wrote {count} finding{'' if count == 1 else 's'} to {output}")
    exit_zero = exit_zero if exit_zero is not None else settings.exit_zero
    failed = bool(result.findings) and not exit_zero
    return 1 if failed or (result.unchecked and not _allow_unchecked(
        allow_unchecked, settings)) else 0


def _allow_unchecked(given: bool | None, settings: LintSettings) -> bool:
    return given if given is not None else settings.allow_unchecked


def _repository_root() -> Path | None:
    """The git work tree's top folder, so SARIF paths are relative to the repository."""
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run([git, "rev-parse", "--show-toplevel"], capture_output=True,
                              text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def _plain_text(result: object) -> str:
    from io import StringIO

    from rich.console import Console

    from heapsight.report.lint_text import render_lint_text

    buffer = StringIO()
    console = Console(file=buffer, no_color=True, width=200, highlight=False)
    render_lint_text(result, console, console)  # type: ignore[arg-type]
    return buffer.getvalue().rstrip("\n")
