"""Lint the source of real npm packages and compare every finding with its hand review.

    .venv/bin/python bench/lint_sweep.py [--dir /tmp/heapsight-lint-sweep]

Installs the pinned packages of tests/corpus/lint-sweep/reviewed.json with npm into --dir
(outside the repository; nothing from them is committed), lints each package's folder as
published, and prints: files, lines, findings per category, how many are reviewed true or
false, false positives per 100k lines, and every finding that has no review yet (which must be
reviewed by hand and added to the file).
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections import Counter
from pathlib import Path

from heapsight.lint.engine import lint_paths, select_rules

REVIEWED = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "lint-sweep" / \
    "reviewed.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/heapsight-lint-sweep", type=Path)
    args = parser.parse_args()
    reviewed = json.loads(REVIEWED.read_text(encoding="utf-8"))
    packages: dict[str, str] = reviewed["packages"]
    modules = args.dir / "node_modules"
    wanted = [f"{name}@{version}" for name, version in packages.items()]
    if not all((modules / name / "package.json").is_file() for name in packages):
        args.dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts",
                        "--prefix", str(args.dir), *wanted], check=True, timeout=1200)
    result = lint_paths([modules / name for name in packages], select_rules())
    verdicts = {(r["file"], r["line"], r["rule"]): r for r in reviewed["findings"]}
    tally: Counter[tuple[str, str]] = Counter()
    unreviewed = []
    for finding in result.findings:
        key = (Path(finding.file).resolve().relative_to(modules.resolve()).as_posix(),
               finding.line, finding.rule)
        review = verdicts.get(key)
        if review is None:
            unreviewed.append((key, finding.message))
            continue
        tally[(finding.category, review["verdict"])] += 1
    false = sum(count for (_, verdict), count in tally.items() if verdict == "false")
    print(f"{len(packages)} packages, {result.files} files, {result.lines} lines, "
          f"{len(result.findings)} findings; {len(result.unchecked)} files not checked whole")
    for (category, verdict), count in sorted(tally.items()):
        print(f"  {category:22} {verdict:5} {count}")
    print(f"false positives per 100k lines: {false * 100_000 / max(result.lines, 1):.2f}")
    for (file, line, rule), message in unreviewed:
        print(f"  UNREVIEWED {file}:{line} {rule}: {message}")
    return 1 if unreviewed else 0


if __name__ == "__main__":
    raise SystemExit(main())
