"""Which files `heapsight lint PATH...` reads.

A named file is always read. A named directory is walked for JS/TS files, skipping
`node_modules`, hidden folders, minified bundles, `.d.ts` declarations and whatever `.gitignore`
ignores: inside a git work tree git itself answers (`git ls-files`), elsewhere the `.gitignore`
files on the way down are read with pathspec (git's own matching rules). `--exclude` patterns
are .gitignore patterns too, matched against the path below the folder being walked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from pathspec import GitIgnoreSpec

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
    excluded = GitIgnoreSpec.from_lines(list(exclude))
    kept = []
    for path in found:
        relative = path.relative_to(directory).as_posix()
        parts = relative.split("/")
        if SKIPPED_DIRECTORIES.intersection(parts) or any(p.startswith(".") for p in parts[:-1]):
            continue
        if not is_lintable(path) or excluded.match_file(relative):
            continue
        if not path.is_file():  # a FIFO or socket named like a source file would block a read
            continue
        kept.append(path)
    return sorted(kept)


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
    """os.walk that leaves out what the `.gitignore` files on the way down ignore (a deeper
    file's patterns, and later patterns, win, as in git)."""
    specs: list[tuple[Path, GitIgnoreSpec]] = []
    for current, dirs, files in os.walk(directory):
        here = Path(current)
        specs = [(base, spec) for base, spec in specs if base == here or base in here.parents]
        ignore_file = here / ".gitignore"
        if ignore_file.is_file():
            lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
            specs.append((here, GitIgnoreSpec.from_lines(lines)))
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRECTORIES and not d.startswith(".")
                         and not _ignored(here / d, True, specs))
        for name in files:
            path = here / name
            if not _ignored(path, False, specs):
                yield path


def _ignored(path: Path, is_dir: bool, specs: list[tuple[Path, GitIgnoreSpec]]) -> bool:
    ignored = False
    for base, spec in specs:
        relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        verdict = spec.check_file(relative).include
        if verdict is not None:
            ignored = verdict
    return ignored
