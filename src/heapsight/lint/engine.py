"""Lint files: discover, parse, run the selected rules, apply suppressions, collect results.

    paths -> discover() -> for each file: SourceFile (tree-sitter) -> rules -> suppressions
          -> LintResult (findings sorted by file and line, plus files that were skipped)
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from tree_sitter import Node

from heapsight import LEAK_CATEGORIES
from heapsight.errors import UsageError
from heapsight.lint.discover import discover
from heapsight.lint.facts import FileFacts
from heapsight.lint.model import PARTIAL, SKIPPED, FileProblem, Finding, LintResult
from heapsight.lint.project import Contexts, ProjectFacts
from heapsight.lint.rule import Rule
from heapsight.lint.rules import RULES, RULES_BY_ID
from heapsight.lint.source import SourceFile, language_for
from heapsight.lint.suppress import suppressions
from heapsight.lint.tsconfig import TsConfigs

# Generated bundles are not source anyone can fix, and one can be tens of megabytes.
MAX_FILE_BYTES = 5 * 1024 * 1024
# Minified code is generated too, and its one-letter names make any finding unreadable.
MINIFIED_MIN_BYTES = 20_000
MINIFIED_LINE_LENGTH = 300


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """Rules named (by id or category) in `select` (all when empty), minus those in `ignore`."""
    select, ignore = list(select), list(ignore)
    for name in (*select, *ignore):
        if name not in RULES_BY_ID and name not in LEAK_CATEGORIES:
            known = ", ".join(RULES_BY_ID)
            raise UsageError(f"unknown rule or category {name!r}; rules: {known}; categories: "
                             f"{', '.join(LEAK_CATEGORIES)}")
    chosen = [rule for rule in RULES
              if not select or rule.id in select or rule.category in select]
    return [rule() for rule in chosen if rule.id not in ignore and rule.category not in ignore]


def lint_source(path: str, source: bytes, language: str, rules: Sequence[Rule],
                resources: Iterable[str] = (), project: ProjectFacts | None = None
                ) -> tuple[list[Finding], int, FileProblem | None]:
    """Lint one file's text: (findings, how many were suppressed, what kept it from being
    checked whole, or None).

    A file with a syntax error is still checked: tree-sitter recovers around the broken part,
    and the rules report what they find in the rest; the problem says the check was partial.
    """
    # The rules make many short-lived objects while the file's nodes stay alive; the cyclic
    # collector would rescan all of them again and again, which made lint time grow with the
    # square of the file's size (issue 9). Nothing here builds cycles that need it.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _lint_parsed(SourceFile(path, source, language), rules, resources, project)
    finally:
        if paused:
            gc.enable()


def _lint_parsed(parsed: SourceFile, rules: Sequence[Rule], resources: Iterable[str],
                 project: ProjectFacts | None) -> tuple[list[Finding], int, FileProblem | None]:
    path = parsed.path
    failure = None
    if parsed.root.has_error:
        node = _first_error(parsed.root)
        line, column = node.start_point[0] + 1, parsed.column_of(node.start_point)
        failure = FileProblem(path, line, column, f"syntax error at {line}:{column}; the rest "
                              "of the file was checked, the broken part was not", PARTIAL)
    findings: set[Finding] = set()
    facts = FileFacts(parsed, resources, project)
    for rule in rules:
        try:
            findings.update(rule.check(parsed, facts))
        except Exception as exc:  # one rule's bug must not cost the user the whole run
            failure = FileProblem(path, 0, 0, f"rule {rule.id} failed on this file "
                                  f"({type(exc).__name__}: {exc}); the other rules ran; "
                                  "please report this", PARTIAL)
    if project is not None and findings and project.start_up_keys():
        try:
            # the project's call graph shows this code runs a fixed number of times, at start-up
            where = Contexts(parsed)
            findings = {found for found in findings if not project.runs_only_at_start_up(
                where, parsed.node_at(found.line, found.column, found.end_line,
                                      found.end_column))}
        except Exception as exc:  # keep the findings rather than lose the file
            failure = FileProblem(path, 0, 0, "the project's call graph failed on this file "
                                  f"({type(exc).__name__}: {exc}); its findings are all kept; "
                                  "please report this", PARTIAL)
    if not findings:
        return [], 0, failure
    quiet = suppressions(parsed)
    kept = sorted(f for f in findings if not quiet.covers(f))
    return kept, len(findings) - len(kept), failure


def lint_paths(paths: Sequence[str | os.PathLike[str]], rules: Sequence[Rule],
               exclude: Iterable[str] = (), resources: Iterable[str] = ()) -> LintResult:
    """Lint files and directories (walked as `discover` says) with `rules`; `resources` adds
    constructor or factory names to the table of clients, pools and connections.

    Two passes: the first records where the project makes each class and who calls each
    function from where (project.py), so that a file's rules know whether a class it never
    instantiates is made per call elsewhere, and findings in code the project runs only at
    start-up are dropped; the second lints. Files are read twice rather than held, so memory
    stays one file's worth (and the project's names).
    """
    resources = tuple(resources)
    files = _files(paths, list(exclude))
    project = ProjectFacts(aliases=TsConfigs())
    if len(files) > 1:
        for shown, language, data in _sources(files):
            if isinstance(data, bytes) and language is not None:
                project.add_file(shown, data, language)
    result = LintResult()
    for shown, language, data in _sources(files):
        if not isinstance(data, bytes) or language is None:
            result.errors.append(data if isinstance(data, FileProblem) else FileProblem(
                shown, 0, 0, "not a JavaScript or TypeScript file (.js .mjs .cjs .jsx .ts .mts "
                ".cts .tsx); skipped"))
            continue
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        findings, suppressed, problem = lint_source(shown, data, language, rules, resources,
                                                    project)
        result.files += 1
        result.lines += lines
        result.suppressed += suppressed
        result.findings.extend(findings)
        if problem is not None:
            result.errors.append(problem)
    return result


def _sources(files: Sequence[Path]) -> Iterator[tuple[str, str | None, bytes | FileProblem | None]]:
    """(shown path, grammar, the file's bytes or why it is skipped) for each file."""
    for path in files:
        shown = _display(path)
        language = language_for(path)
        if language is None:
            yield shown, None, None
            continue
        yield shown, language, _read_source(path, shown)


def _read_source(path: Path, shown: str) -> bytes | FileProblem:
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
    except NotRegularFile:
        return FileProblem(shown, 0, 0, "not a regular file (a FIFO, socket or device); skipped")
    except FileTooLarge:
        return FileProblem(shown, 0, 0, "larger than 5 MB (a bundle?); skipped", SKIPPED)
    except OSError as exc:
        return FileProblem(shown, 0, 0, f"cannot read: {exc.strerror}")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FileProblem(shown, 0, 0, f"not UTF-8 (byte {exc.start}); skipped")
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if len(data) > MINIFIED_MIN_BYTES and len(data) > MINIFIED_LINE_LENGTH * lines:
        return FileProblem(shown, 0, 0, "looks minified (average line over "
                           f"{MINIFIED_LINE_LENGTH} characters); skipped", SKIPPED)
    return data


class NotRegularFile(OSError):
    pass


class FileTooLarge(OSError):
    pass


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes.

    Opened without blocking and checked on the open descriptor: a FIFO named like a source
    file would otherwise block the read forever, and a check before opening could be raced.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path)
        if info.st_size > limit:
            raise FileTooLarge(path)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    finally:
        os.close(descriptor)


def _files(paths: Sequence[str | os.PathLike[str]], exclude: list[str]) -> list[Path]:
    files: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UsageError(f"{path} does not exist; pass a JS/TS file or a folder")
        batch = discover(path, exclude) if path.is_dir() else [path]
        for file in batch:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files


def _display(path: Path) -> str:
    """Paths relative to the current directory when below it, as linters print them."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _first_error(root: Node) -> Node:
    node = root
    while True:
        child = next((c for c in node.children if c.is_error or c.is_missing or c.has_error),
                     None)
        if child is None or child.is_error or child.is_missing:
            return child or node
        node = child
