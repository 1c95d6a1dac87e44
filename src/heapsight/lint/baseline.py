"""A baseline: the findings a team has read and accepts, so that lint fails only on new ones.

Lint is a first pass, and most of what it reports on an existing codebase is not a leak
(docs/lint.md, "Precision and recall"). `--save-baseline FILE` records every finding of a run;
`--baseline FILE` then leaves those out and reports, and fails on, only findings the file does
not hold. A finding is matched by its file, its rule and the text of its line with the
indentation trimmed, not by its line number, so edits elsewhere in the file do not bring it
back; when one line holds the same rule's finding twice, the nth matches the nth entry. An
entry no finding matches any more (the code was fixed or rewritten) is counted as stale, so the
team knows when to write the file again. Paths are stored relative to the baseline's folder,
so a run from another directory matches the same entries.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from heapsight.errors import UsageError
from heapsight.lint.model import Finding

FORMAT = "heapsight-lint-baseline"
VERSION = 1

Key = tuple[str, str, str]  # (path relative to the baseline, rule, trimmed line text)


@dataclass(frozen=True)
class Filtered:
    findings: list[Finding]  # the findings the baseline does not hold
    baselined: int  # findings it holds
    stale: int  # its entries no finding matched


def save_baseline(path: Path, findings: list[Finding], force: bool = False) -> None:
    """Record `findings` in `path`, replacing an earlier baseline; any other existing file is
    replaced only with `force`."""
    from heapsight.fileio import write_text_atomic

    check_replaceable(path, force)
    folder = path.resolve().parent
    lines = _LineCache()
    entries = [{"file": key[0], "rule": key[1], "code": key[2], "line": finding.line,
                "message": finding.message}
               for finding in findings for key in [_key(finding, folder, lines)]]
    document = {"format": FORMAT, "version": VERSION,
                "about": "Findings of `heapsight lint` read and accepted; a run with "
                         "--baseline reports only findings not listed here.",
                "findings": entries}
    write_text_atomic(path, json.dumps(document, indent=1) + "\n", force=True, mode=0o644)


def check_replaceable(path: Path, force: bool = False) -> None:
    """Fail before any work when `path` cannot take a baseline: its folder is missing, or it
    is a file other than a baseline (replaced only with `force`)."""
    if not path.resolve().parent.is_dir():
        raise UsageError(f"folder {path.parent} does not exist")
    if path.exists() and not force and not _is_baseline(path):
        raise UsageError(f"{path} exists and is not a heapsight lint baseline; pass --force "
                         "to replace it")


@dataclass(frozen=True)
class Baseline:
    folder: Path  # the baseline's folder, which its paths are relative to
    entries: list[Key]

    def filter(self, findings: list[Finding]) -> Filtered:
        """The findings the baseline does not hold, and the counts of those it does and of
        its stale entries."""
        remaining = Counter(self.entries)
        lines = _LineCache()
        kept: list[Finding] = []
        for finding in findings:
            key = _key(finding, self.folder, lines)
            if remaining[key] > 0:
                remaining[key] -= 1
            else:
                kept.append(finding)
        return Filtered(kept, len(findings) - len(kept), sum(remaining.values()))


def read_baseline(path: Path) -> Baseline:
    """The baseline `path`; a usage error when it is missing or not one."""
    if not path.is_file():
        raise UsageError(f"baseline {path} does not exist; create it with "
                         f"`heapsight lint <paths> --save-baseline {path}`")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(
            document.get("findings"), list):
        raise UsageError(f"{path} is not a heapsight lint baseline (write one with "
                         "--save-baseline)")
    if document.get("version") != VERSION:
        raise UsageError(f"{path} is a version {document.get('version')} baseline; this "
                         f"heapsight reads version {VERSION}: write it again")
    keys = []
    for entry in document["findings"]:
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(name), str) for name in ("file", "rule", "code")):
            raise UsageError(f"{path}: a finding without file, rule and code: {entry!r:.80}")
        keys.append((entry["file"], entry["rule"], entry["code"]))
    return Baseline(path.resolve().parent, keys)


def _is_baseline(path: Path) -> bool:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(document, dict) and document.get("format") == FORMAT


def _key(finding: Finding, folder: Path, lines: _LineCache) -> Key:
    where = Path(finding.file).resolve()
    relative = os.path.relpath(where, folder)
    return (Path(relative).as_posix(), finding.rule, lines.text(where, finding.line))


class _LineCache:
    """The lines of each file, read once (a run's findings cluster in few files)."""

    def __init__(self) -> None:
        self.files: dict[Path, list[str]] = {}

    def text(self, path: Path, line: int) -> str:
        if path not in self.files:
            try:
                self.files[path] = path.read_text(encoding="utf-8",
                                                  errors="replace").splitlines()
            except OSError:
                self.files[path] = []
        lines = self.files[path]
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""
