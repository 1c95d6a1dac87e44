"""Lint the real repositories of real leak fixes, at the fix's parent and at the fix.

For each case of bench/lint_realrepos.json (taken from tests/corpus/lint-realfixes/manifest.json)
the script exports the case's source folder at the parent and at the fix commit into a temporary
directory, lints each in-process with every rule, reads the fix's diff (`git diff -U0 parent fix
-- <folder>`, lintable files only) and scores:

  found    a finding in a file the fix changed, on a line the fix removed or changed, or within
           3 lines of one (parent coordinates; a pure insertion counts as its insertion point);
           "cat" says whether that finding's category is the case's category.
  after    the found finding's rule still reports in the same file, within 3 lines of the fix's
           added lines or of the found line moved to fix coordinates (the leak still flagged).
  in file  (looser) findings of the case's category anywhere in a file the fix changed, and
           "gone" if the fix lowered that rule's count in that file (a fix may change the
           cleanup far from the line lint points at, e.g. where a listener is removed).
  at site  (stricter, for cases that name their `leak_site`, file:line in the parent: the line a
           linter should point at) a finding of the case's category within 3 lines of it, and
           "gone" if none is within 3 lines of that line in fix coordinates.
  repro    whether lint finds the labelled leak in the case's small reproduction in
           tests/corpus/lint-realfixes (the corpus scorer, run on the cases' splits only); "-"
           for a case without one.
  noise    findings per 100k lines in the whole folder at the parent (lines as lint counts them),
           so a "found" among hundreds of findings shows as such.

The script never touches the network: fetching the repositories is the user's step. On a fresh
machine, clone each repository of the cases into one folder (bench/work/ is gitignored), then
run the script on it:

    mkdir -p bench/work/mirrors && cd bench/work/mirrors
    for r in $(python3 -c "import json; print(' '.join(sorted({c['repo'] for c in
        json.load(open('../../lint_realrepos.json'))['cases']})))"); do
        git clone --bare "https://github.com/$r.git" "${r/\\//+}"; done
    cd ../../.. && .venv/bin/python bench/lint_realrepos.py --mirrors bench/work/mirrors [--json]

A repository is looked up in --mirrors as `owner+name/repo`, `owner+name`, `name.git` or `name`
(bare or with a work tree). A case whose repository or commits are missing is reported and
skipped.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from lint_corpus import score_real_fixes  # noqa: E402 (the tests' scorer)

from heapsight.lint.discover import discover, is_lintable
from heapsight.lint.engine import MAX_FILE_BYTES, lint_paths, select_rules
from heapsight.lint.model import Finding

CASES = Path(__file__).resolve().parent / "lint_realrepos.json"
REAL_FIXES = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "lint-realfixes"
NEAR = 3
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class FileDiff:
    old: str
    new: str
    hunks: list[tuple[int, int, int, int]] = field(default_factory=list)

    def old_lines(self) -> set[int]:
        """Removed or changed lines, and the insertion point of each pure insertion."""
        return {n for a, b, _, _ in self.hunks for n in (range(a, a + b) if b else [a])}

    def new_lines(self) -> set[int]:
        """Added lines, and the place of each pure deletion, in fix coordinates."""
        return {n for _, _, c, d in self.hunks for n in (range(c, c + d) if d else [c])}

    def to_new(self, line: int) -> int:
        """A parent line moved to fix coordinates (a line inside a hunk goes to its start)."""
        shift = 0
        for a, b, c, d in self.hunks:
            a, c = a + (b == 0), c + (d == 0)  # -U0 gives the line before for an empty side
            if line < a:
                break
            if line < a + b:
                return c
            shift = (c + d) - (a + b)
        return line + shift


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True,
                          timeout=600).stdout


def find_repo(mirrors: Path, slug: str) -> Path | None:
    owner, name = slug.split("/")
    for candidate in (f"{owner}+{name}/repo", f"{owner}+{name}", f"{name}.git", name):
        if (mirrors / candidate).is_dir():
            return mirrors / candidate
    return None


def parse_diff(text: str) -> list[FileDiff]:
    files: list[FileDiff] = []
    old = ""
    for line in text.splitlines():
        if line.startswith("--- "):
            old = line[6:] if line.startswith("--- a/") else ""
        elif line.startswith("+++ "):
            new = line[6:] if line.startswith("+++ b/") else ""
            files.append(FileDiff(old, new))
        elif (match := HUNK.match(line)) and files:
            a, b, c, d = match.groups()
            files[-1].hunks.append((int(a), int(b or 1), int(c), int(d or 1)))
    return [f for f in files if f.old and f.new and is_lintable(Path(f.new))]


def export_files(repo: Path, commit: str, keep: Callable[[str], bool], into: Path) -> None:
    """Write the files at `commit` that `keep` accepts under `into`, as a checkout would have
    them. A snapshot may lack its largest blobs (images, archives): those are left out, as are
    files over lint's size limit, which lint would skip anyway."""
    entries = [(meta.split(), name) for meta, _, name in (
        line.partition("\t") for line in git(repo, "ls-tree", "-r", "-z", commit).decode(
            "utf-8", "surrogateescape").split("\0") if "\t" in line)]
    wanted = [(meta[2], name) for meta, name in entries if meta[1] == "blob" and keep(name)]
    with subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as cat:
        assert cat.stdin is not None and cat.stdout is not None
        asks = "".join(f"{sha}\n" for sha, _ in wanted).encode()
        writer = threading.Thread(target=_write_and_close, args=(cat.stdin, asks))
        writer.start()  # git answers while it reads: both pipes must flow at once
        for _, name in wanted:
            header = cat.stdout.readline().split()
            if header[-1] == b"missing":
                continue
            data = cat.stdout.read(int(header[-1]) + 1)[:-1]
            if len(data) > MAX_FILE_BYTES:
                continue
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        writer.join()


def _write_and_close(pipe: IO[bytes], data: bytes) -> None:
    pipe.write(data)
    pipe.close()


def lint_tree(repo: Path, commit: str, case: dict, into: Path) -> tuple[list[Finding], set[str],
                                                                       int]:
    """Export the case's folder at `commit` into `into` and lint it; (findings, files linted,
    lines), paths relative to the export. The repository's tsconfig/jsconfig files come too,
    as in a checkout: their path aliases name project files."""
    into.mkdir()
    folder = case["subdir"].strip("/") + "/"
    export_files(repo, commit, lambda name: folder == "./" or name.startswith(folder) or bool(
        re.match(r"(ts|js)config[\w.-]*\.json$", name.rsplit("/", 1)[-1])), into)
    root = into.resolve()
    files = discover(root / case["subdir"], case.get("exclude", ()))
    result = lint_paths(files, select_rules())
    findings = [replace(f, file=Path(f.file).resolve().relative_to(root).as_posix())
                for f in result.findings]
    return findings, {f.relative_to(root).as_posix() for f in files}, result.lines


def score(case: dict, repo: Path) -> dict:
    diff = parse_diff(git(repo, "diff", "-U0", "--no-color", "-M", case["parent"], case["fix"],
                          "--", case["subdir"]).decode("utf-8", "replace"))
    with tempfile.TemporaryDirectory(prefix="realrepo-") as tmp:
        before, files, lines = lint_tree(repo, case["parent"], case, Path(tmp) / "parent")
        after, _, _ = lint_tree(repo, case["fix"], case, Path(tmp) / "fix")
    diff = [d for d in diff if d.old in files]  # not the tests or files the lint skipped
    hits = [(f, d) for d in diff for f in before if f.file == d.old
            and any(abs(f.line - n) <= NEAR for n in d.old_lines())]
    hits.sort(key=lambda hit: hit[0].category != case["category"])
    still = [f"{g.rule}@{g.file}:{g.line}" for f, d in hits[:1] for g in after
             if g.rule == f.rule and g.file == d.new
             and any(abs(g.line - n) <= NEAR for n in d.new_lines() | {d.to_new(f.line)})]
    first = hits[0][0] if hits else None
    renamed = {d.old: d.new for d in diff}
    in_file = [f for f in before if f.file in renamed and f.category == case["category"]]
    gone = [f for f in in_file if sum(g.rule == f.rule and g.file == renamed[f.file]
                                      for g in after)
            < sum(g.rule == f.rule and g.file == f.file for g in before)]
    at_site: list[str] = []
    site_gone = False
    if "leak_site" in case:
        site_file, _, site_line = case["leak_site"].rpartition(":")
        near = [f for f in before if f.file == site_file and f.category == case["category"]
                and abs(f.line - int(site_line)) <= NEAR]
        at_site = [f"{f.rule}@{f.file}:{f.line}" for f in near]
        moved = next((d for d in diff if d.old == site_file), None)
        new_file, new_line = ((moved.new, moved.to_new(int(site_line))) if moved
                              else (site_file, int(site_line)))
        site_gone = bool(near) and not any(
            g.file == new_file and g.category == case["category"]
            and abs(g.line - new_line) <= NEAR for g in after)
    return {"id": case["id"], "category": case["category"], "files": len(files), "lines": lines,
            "findings": len(before), "findings_after": len(after),
            "changed_files": [d.old for d in diff],
            "found": f"{first.rule}@{first.file}:{first.line}" if first else None,
            "found_category": first.category if first else None,
            "category_match": bool(first and first.category == case["category"]),
            "still_after": still[:1] or None,
            "in_file": [f"{f.rule}@{f.file}:{f.line}" for f in in_file],
            "in_file_gone": bool(gone),
            "at_site": at_site or None, "at_site_gone": site_gone,
            "noise_per_100k": round(len(before) * 100_000 / lines, 1) if lines else 0.0}


REPRO = {True: "found", False: "missed", None: "-"}


def site_text(row: dict, case: dict) -> str:
    if "leak_site" not in case:
        return ""
    return f"  site {'hit' if row['at_site'] else 'missed'}{' gone' if row['at_site_gone'] else ''}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True,
                        help="folder holding a git clone of each case's repository")
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--only", action="append", default=[], help="run only this case id")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    if not args.mirrors.is_dir():
        parser.error(f"--mirrors {args.mirrors}: not a folder")
    cases = [case for case in json.loads(args.cases.read_text())["cases"]
             if not args.only or case["id"] in args.only]
    repro_found, repro_cases = set(), set()
    for split in {case["split"] for case in cases}:
        repro = score_real_fixes(REAL_FIXES, split)
        repro_found |= {name for name, _, _ in repro.found}
        repro_cases |= {name for name, _, _ in repro.found | repro.missed}
    rows, missing = [], []
    for case in cases:
        repo = find_repo(args.mirrors, case["repo"])
        try:
            if repo is None:
                raise FileNotFoundError(f"no clone of {case['repo']} in {args.mirrors}")
            row = score(case, repo)
        except (OSError, subprocess.CalledProcessError) as exc:
            missing.append(case["id"])
            print(f"{case['id']}: skipped: {exc}", file=sys.stderr)
            continue
        row["repro_found"] = (case["id"] in repro_found) if case["id"] in repro_cases else None
        rows.append(row)
        if not args.json:
            print(f"{row['id']:32} {row['category']:21} {row['lines']:>6} lines "
                  f"{row['findings']:>4} findings  noise {row['noise_per_100k']:>6}/100k  "
                  f"found {row['found'] or '-'}"
                  f"{' (cat ok)' if row['category_match'] else ''}"
                  f"  after {(row['still_after'] or ['-'])[0]}  in file "
                  f"{len(row['in_file'])}{' gone' if row['in_file_gone'] else ''}"
                  f"{site_text(row, case)}  repro {REPRO[row['repro_found']]}", flush=True)
    lines = sum(r["lines"] for r in rows)
    ids = {r["id"] for r in rows}
    totals = {"cases": len(rows), "skipped": missing,
              "found": sum(bool(r["found"]) for r in rows),
              "category_match": sum(r["category_match"] for r in rows),
              "still_after": sum(bool(r["still_after"]) for r in rows),
              "in_file": sum(bool(r["in_file"]) for r in rows),
              "in_file_gone": sum(r["in_file_gone"] for r in rows),
              "repro_found": sum(bool(r["repro_found"]) for r in rows),
              "with_site": sum("leak_site" in c for c in cases if c["id"] in ids),
              "at_site": sum(bool(r["at_site"]) for r in rows),
              "at_site_gone": sum(r["at_site_gone"] for r in rows),
              "lines": lines, "findings": sum(r["findings"] for r in rows),
              "noise_per_100k": round(sum(r["findings"] for r in rows) * 100_000 / lines, 1)
              if lines else 0.0}
    if args.json:
        print(json.dumps({"rows": rows, "totals": totals}, indent=1))
    else:
        print(f"found {totals['found']}/{totals['cases']}, category matches "
              f"{totals['category_match']}, still flagged after {totals['still_after']}; "
              f"category in a changed file {totals['in_file']} (gone after "
              f"{totals['in_file_gone']}); reproduction found {totals['repro_found']}; "
              f"noise {totals['noise_per_100k']} findings/100k lines "
              f"({totals['findings']} in {lines} lines); skipped {len(missing)}")
        if totals["with_site"]:
            print(f"at the labelled site {totals['at_site']}/{totals['with_site']} "
                  f"(gone after {totals['at_site_gone']})")
        for category in sorted({r["category"] for r in rows}):
            mine = [r for r in rows if r["category"] == category]
            print(f"  {category:21} cases {len(mine):>2}  found {sum(bool(r['found']) for r in mine)}"
                  f"  category ok {sum(r['category_match'] for r in mine)}"
                  + (f"  at site {sum(bool(r['at_site']) for r in mine)}"
                     if totals["with_site"] else ""))
    return 1 if missing and not rows else 0


if __name__ == "__main__":
    sys.exit(main())
