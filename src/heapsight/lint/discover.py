"""Which files `heapsight lint PATH...` reads.

A named file is always read. A named directory is walked for JS/TS files, skipping
`node_modules`, hidden folders, minified bundles, `.d.ts` declarations and whatever `.gitignore`
ignores: inside a git work tree git itself answers (`git ls-files`), elsewhere a small matcher
reads the `.gitignore` files on the way down.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from heapsight.lint.source import LANGUAGE_OF_SUFFIX

SKIPPED_DIRECTORIES = frozenset({"node_modules", "bower_components", "jspm_packages"})


def is_lintable(path: Path) -> bool:
    name = path.name.lower()
    return (path.suffix.lower() in LANGUAGE_OF_SUFFIX and not name.endswith(".min.js")
            and not name.endswith((".d.ts", ".d.mts", ".d.cts")))


def discover(directory: Path, exclude: Iterable[str] = ()) -> list[Path]:
    """The lintable files under `directory`, sorted, minus `exclude` glob patterns."""
    found = _git_files(directory)
    if found is None:
        found = list(_walk(directory))
    patterns = list(exclude)
    kept = []
    for path in found:
        relative = path.relative_to(directory).as_posix()
        parts = relative.split("/")
        if SKIPPED_DIRECTORIES.intersection(parts) or any(p.startswith(".") for p in parts[:-1]):
            continue
        if not is_lintable(path) or _excluded(relative, patterns):
            continue
        if not path.is_file():  # a FIFO or socket named like a source file would block a read
            continue
        kept.append(path)
    return sorted(kept)


def _excluded(relative: str, patterns: list[str]) -> bool:
    """A glob matches the path below the named folder or any tail of it that starts at a
    folder boundary (so `built/*` skips `core/built/app.js`), as .gitignore patterns do."""
    parts = relative.split("/")
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    return any(fnmatch.fnmatchcase(tail, p) or fnmatch.fnmatchcase(tail, p.rstrip("/") + "/*")
               for p in patterns for tail in tails)


def _git_files(directory: Path) -> list[Path] | None:
    """Files git tracks or would track under `directory`; None outside a work tree, or when the
    directory itself is ignored (the user named it, so they want it linted)."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        ignored = subprocess.run([git, "-C", str(directory), "check-ignore", "-q", "."],
                                 capture_output=True, timeout=60)
        if ignored.returncode == 0:
            return None
        listed = subprocess.run(
            [git, "-C", str(directory), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [path for name in names if name and (path := directory / name).is_file()]


def _walk(directory: Path) -> Iterable[Path]:
    """os.walk with .gitignore rules (simple globs, `/`-anchored, dir-only, `!` negation)."""
    rules: list[tuple[Path, str, bool]] = []  # (base, pattern, negated)
    for current, dirs, files in os.walk(directory):
        here = Path(current)
        ignore_file = here / ".gitignore"
        if ignore_file.is_file():
            rules = rules + _read_gitignore(ignore_file)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRECTORIES and not d.startswith(".")
                         and not _ignored(here / d, True, rules))
        for name in files:
            path = here / name
            if not _ignored(path, False, rules):
                yield path


def _read_gitignore(path: Path) -> list[tuple[Path, str, bool]]:
    rules = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append((path.parent, line.lstrip("!"), negated))
    return rules


def _ignored(path: Path, is_dir: bool, rules: list[tuple[Path, str, bool]]) -> bool:
    ignored = False
    for base, pattern, negated in rules:
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            continue
        if pattern.endswith("/"):
            if not is_dir:
                continue
            pattern = pattern.rstrip("/")
        if "/" in pattern:
            matched = fnmatch.fnmatchcase(relative, pattern.lstrip("/"))
        else:
            matched = fnmatch.fnmatchcase(path.name, pattern)
        if matched:
            ignored = not negated
    return ignored
