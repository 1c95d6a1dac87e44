"""Precision of lint on real repositories, against findings reviewed by hand.

bench/lint_realrepos_labels.json holds, for every finding lint reported in the source folder
of a case of bench/lint_realrepos_held.json at the fix's parent (at the commits named in its
"linted_at"), an independent reviewer's verdict, read from the code alone:

  leak     repeated realistic use grows memory, listeners, timers or handles without bound
           at that line, essentially as the finding says;
  defect   the fact the finding states is right and worth fixing, but nothing grows without
           bound (an implicit global overwritten per call, a timer kept for its whole delay);
  false    the claim is wrong or harmless (the code runs once, the entry is removed elsewhere,
           the key set is fixed, the object dies with the call).

The script lints each case's folder at the parent again with the rules as they are now and
counts, per rule, how many of today's findings carry each verdict and how many carry none (new
findings, never reviewed). "leaks kept" is how many of the findings reviewed as leaks are still
reported. Precision is leak / (leak + defect + false) over reviewed findings still reported;
"with defects" counts defects as true.

    .venv/bin/python bench/lint_precision.py --mirrors bench/work/mirrors [--half D] [--json]

Mirrors as for bench/lint_realrepos.py (a clone of each case's repository).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint_realrepos import find_repo, lint_tree  # noqa: E402

HERE = Path(__file__).resolve().parent
VERDICTS = ("leak", "defect", "false")


def score(cases: list[dict], labels: dict[str, dict], mirrors: Path) -> dict:
    per_rule: dict[str, Counter[str]] = {}
    reported: set[str] = set()
    skipped = []
    for case in cases:
        repo = find_repo(mirrors, case["repo"])
        if repo is None:
            skipped.append(case["id"])
            continue
        with tempfile.TemporaryDirectory(prefix="precision-") as tmp:
            try:
                findings, _, _ = lint_tree(repo, case["parent"], case, Path(tmp) / "parent")
            except subprocess.CalledProcessError:
                skipped.append(case["id"])  # the commit or a file of it is not in the clone
                continue
        for finding in findings:
            key = f"{case['id']}|{finding.rule}|{finding.file}:{finding.line}"
            reported.add(key)
            verdict = labels[key]["verdict"] if key in labels else "unreviewed"
            per_rule.setdefault(finding.rule, Counter())[verdict] += 1
    ids = {case["id"] for case in cases}
    leaks = [key for key, label in labels.items()
             if label["verdict"] == "leak" and key.split("|", 1)[0] in ids]
    total: Counter[str] = Counter()
    for counts in per_rule.values():
        total.update(counts)
    return {"rules": {rule: dict(counts) for rule, counts in sorted(per_rule.items())},
            "total": dict(total), "leaks_kept": sum(key in reported for key in leaks),
            "leaks_reviewed": len(leaks), "skipped": skipped}


def _precision(counts: dict[str, int]) -> tuple[str, str]:
    reviewed = sum(counts.get(v, 0) for v in VERDICTS)
    if not reviewed:
        return "-", "-"
    return (f"{counts.get('leak', 0) / reviewed:.2f}",
            f"{(counts.get('leak', 0) + counts.get('defect', 0)) / reviewed:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=Path, required=True,
                        help="folder holding a git clone of each case's repository")
    parser.add_argument("--cases", type=Path, default=HERE / "lint_realrepos_held.json")
    parser.add_argument("--labels", type=Path, default=HERE / "lint_realrepos_labels.json")
    parser.add_argument("--half", help="only the cases of this half (A-D; E-L with --cases "
                        "bench/lint_precision_sweep.json)")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args()
    labels = {label["key"]: label for label in json.loads(args.labels.read_text())["labels"]}
    cases = [case for case in json.loads(args.cases.read_text())["cases"]
             if args.half is None or case.get("half") == args.half]
    result = score(cases, labels, args.mirrors)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{'rule':28} {'leak':>5} {'defect':>6} {'false':>5} {'unrev.':>6} "
          f"{'precision':>9} {'with defects':>12}")
    for rule, counts in [*result["rules"].items(), ("all", result["total"])]:
        strict, lenient = _precision(counts)
        print(f"{rule:28} {counts.get('leak', 0):5} {counts.get('defect', 0):6} "
              f"{counts.get('false', 0):5} {counts.get('unreviewed', 0):6} {strict:>9} "
              f"{lenient:>12}")
    print(f"{len(cases)} cases; leaks kept {result['leaks_kept']} of "
          f"{result['leaks_reviewed']} reviewed as leaks"
          + (f"; skipped (not in the clones) {', '.join(result['skipped'])}"
             if result["skipped"] else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
