"""`heapsight lint` scored on realistic service code it never saw: tests/corpus/lint-services*.

Each corpus (see its README.md) was written without reading the lint rules, their docs or their
other corpora. Every leak site carries `// leak: <category>[, <also-accepted>...]` at the end of
the line a linter should point at; correct look-alikes may carry `// ok: <category>` (only
counted, never required). The scoring is the whole contract, so it lives here once:

- a *site* is a line labelled `leak:`; its first category is the one it counts for; a finding of
  any category on its label is a true positive and finds the site;
- a finding on a line with no `leak:` label is a false positive of the finding's category;
- a finding on a `leak:` line whose label does not name its category is reported as
  "miscategorised" (neither a true nor a false positive).

Run it as a script to print the tables:  python tests/test_lint_services.py [CORPUS...]
The floors are what the rules reached when each corpus was first scored; raise them, never lower
them, and never change a case to move a number (write a new corpus instead).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CORPORA = Path(__file__).parent / "corpus"
CATEGORIES = ("unbounded-collection", "listener-leak", "timer-leak", "closure-capture",
              "unbounded-cache", "resource-per-request", "global-growth")
LABEL = re.compile(r"//\s*(leak|ok):\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)\s*$")
SUFFIXES = {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"}

# category -> (recall at least, precision at least): the rules of main at 58d5465, the first
# scoring of the corpus (issue #11 asks 0.9 recall and 0.95 precision in every category);
# unbounded-collection, timer-leak, unbounded-cache and global-growth raised by the class and
# lifetime work of the fourth session, listener-leak, closure-capture and resource-per-request by
# its per-call, client-table and listener-removal work; both tuned on this corpus (it is no
# longer unseen).
FLOORS: dict[str, tuple[float, float]] = {
    "unbounded-collection": (1.00, 1.00),
    # 0.91 since the sixth session: a removal with a new function is reported once, at the
    # add it fails to undo (lint-services-3 labels the add; this corpus labelled both lines)
    "listener-leak": (0.90, 1.00),
    "timer-leak": (1.00, 0.87),
    "closure-capture": (1.00, 1.00),
    "unbounded-cache": (1.00, 1.00),
    "resource-per-request": (1.00, 1.00),
    "global-growth": (1.00, 1.00),
}


# lint-services-2: written in the fourth session by someone who had not read the rules, while two
# others were changing them; first scored when they were merged.
# The rules of main at 880e0cf, before this session's rule work, scored 0.28 recall and 0.81
# precision on it; after it, 0.39 and 0.86. The fifth session read and tuned on it (it is
# spent as a measure); the floors are what both of that session's rule branches reach, merged.
FLOORS_2: dict[str, tuple[float, float]] = {
    "unbounded-collection": (0.90, 1.00),
    "listener-leak": (1.00, 1.00),
    "timer-leak": (1.00, 0.88),
    "closure-capture": (1.00, 1.00),
    "unbounded-cache": (0.87, 1.00),
    "resource-per-request": (0.61, 1.00),
    "global-growth": (1.00, 1.00),
}

# lint-services-3: written in the fifth session, in the shapes of real services' modules, by
# someone who had not read the rules while two others changed them. Before that session's rule
# work it scored recall 0.40, precision 0.74; after, 0.47 and 0.67 (these floors). The lead read
# some of its misses after scoring it, so it is partly spent; the sixth session tuned on it
# (collection, timer, cache and global-growth rows raised to what that work reached).
FLOORS_3: dict[str, tuple[float, float]] = {
    "unbounded-collection": (1.00, 1.00),
    "listener-leak": (0.88, 1.00),
    "timer-leak": (1.00, 0.80),
    "closure-capture": (1.00, 1.00),
    "unbounded-cache": (0.90, 1.00),
    "resource-per-request": (1.00, 1.00),
    "global-growth": (1.00, 1.00),
}

# lint-services-4: the sixth session's held-out corpus (other applications' styles), scored once
# after that session's rule work: recall 0.44, precision 0.80 (0.44 / 0.78 before it). These
# floors are what it measured; the lead has since read a few of its listener misses.
# The seventh session tuned on its half A (half B held back): every row raised to what that
# session's two rule branches reached together on the whole corpus.
FLOORS_4: dict[str, tuple[float, float]] = {
    "unbounded-collection": (0.77, 1.00),
    "listener-leak": (0.53, 0.87),
    "timer-leak": (1.00, 0.69),
    "closure-capture": (0.60, 1.00),
    "unbounded-cache": (0.81, 1.00),
    "resource-per-request": (0.72, 0.88),
    "global-growth": (0.80, 1.00),
}

# lint-services-5: the seventh session's held-out corpus (20 other applications' styles), scored
# at main before that session's rule work (recall 0.28, precision 0.74) and after it (0.31, 0.74);
# these floors are the second score. Its misses were then read for a census of
# causes, so it is spent. The eighth session tuned on it (rows raised to what that reached).
FLOORS_5: dict[str, tuple[float, float]] = {
    "unbounded-collection": (0.56, 0.90),
    "listener-leak": (0.31, 0.85),
    "timer-leak": (0.71, 1.00),
    "closure-capture": (0.77, 1.00),
    "unbounded-cache": (0.16, 0.50),
    "resource-per-request": (0.46, 0.75),
    "global-growth": (0.70, 1.00),
}

# lint-services-6: the eighth session's first held-out corpus (15 files, 105 sites), scored at
# main (recall 0.56, precision 0.70) and after the lead's first rule batch (unchanged); then
# read for a census of its misses and tuned on (spent): these floors are that result.
FLOORS_6: dict[str, tuple[float, float]] = {
    "unbounded-collection": (0.66, 0.71),
    "listener-leak": (0.69, 0.76),
    "timer-leak": (0.86, 0.76),
    "closure-capture": (0.81, 0.76),
    "unbounded-cache": (0.58, 0.63),
    "resource-per-request": (0.81, 0.76),
    "global-growth": (0.84, 1.00),
}

# lint-services-7: the eighth session's second held-out corpus (17 files, 98 sites; 11 of its
# 17 frameworks are also in lint-services-6). Scored only as totals, before (0.58 / 0.72) and
# after that session's rule work (unchanged): nobody has read its misses; these floors are the
# score. Session 10 lowered listener recall 0.84 -> 0.78 (16 -> 15 of 19 sites, still unread):
# a listener added by a function nothing shows running twice (not called again in the file,
# not handed to the module's users or to other code) is no longer reported, which removed most
# of the false listener findings independent reviewers found on 94 real repositories.
# Session 15 read its misses for a census of causes and tuned on it (spent): these floors are
# that result (0.58 / 0.77 -> 0.71 / 0.82).
FLOORS_7: dict[str, tuple[float, float]] = {
    "unbounded-collection": (0.66, 0.71),
    "listener-leak": (0.84, 0.94),
    "timer-leak": (0.92, 0.81),
    "closure-capture": (0.75, 0.90),
    "unbounded-cache": (0.33, 0.50),
    "resource-per-request": (0.57, 0.88),
    "global-growth": (0.84, 0.84),
}

# lint-services-8: a held-out corpus written by a helper session (branch svc8, issue #11) in the
# styles of sixteen more applications (16 files, 101 sites). Scored as totals only, at main
# before session 15's rule work (recall 0.58, precision 0.88) and after it (0.59, 0.88: one
# more closure-capture site). Nobody has read its cases; these floors are the second score.
FLOORS_8: dict[str, tuple[float, float]] = {
    "unbounded-collection": (0.53, 0.80),
    "listener-leak": (0.31, 0.55),
    "timer-leak": (0.50, 0.87),
    "closure-capture": (0.78, 1.00),
    "unbounded-cache": (0.57, 1.00),
    "resource-per-request": (0.57, 1.00),
    "global-growth": (0.92, 0.92),
}

FLOORS_OF = {
    "lint-services": FLOORS,
    "lint-services-2": FLOORS_2,
    "lint-services-3": FLOORS_3,
    "lint-services-4": FLOORS_4,
    "lint-services-5": FLOORS_5,
    "lint-services-6": FLOORS_6,
    "lint-services-7": FLOORS_7,
    "lint-services-8": FLOORS_8,
}


@dataclass
class Labels:
    sites: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)
    lookalikes: Counter[str] = field(default_factory=Counter)


@dataclass
class Row:
    sites: int = 0
    lookalikes: int = 0
    found: int = 0
    true_pos: int = 0
    false_pos: int = 0
    miscategorised: int = 0
    missed: list[str] = field(default_factory=list)
    false_lines: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.sites if self.sites else 1.0

    @property
    def precision(self) -> float:
        flagged = self.true_pos + self.false_pos
        return self.true_pos / flagged if flagged else 1.0


def case_files(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.suffix in SUFFIXES)


def read_labels(root: Path) -> Labels:
    labels = Labels()
    for path in case_files(root):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = LABEL.search(text)
            if not match:
                continue
            categories = tuple(c.strip() for c in match.group(2).split(","))
            unknown = set(categories) - set(CATEGORIES)
            assert not unknown, f"{path.name}:{number}: unknown category {unknown}"
            if match.group(1) == "leak":
                labels.sites[(path.name, number)] = categories
            else:
                labels.lookalikes.update(categories)
    return labels


def run_lint(root: Path) -> dict:
    exe = shutil.which("heapsight") or str(Path(sys.executable).with_name("heapsight"))
    proc = subprocess.run(
        [exe, "lint", "--json", "--exit-zero", "--no-config", "--allow-unchecked", str(root)],
        capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def score(report: dict, labels: Labels) -> dict[str, Row]:
    rows = {category: Row() for category in CATEGORIES}
    for categories in labels.sites.values():
        rows[categories[0]].sites += 1
    for category, count in labels.lookalikes.items():
        rows[category].lookalikes = count
    found: set[tuple[str, int]] = set()
    for finding in report["findings"]:
        category = finding["category"]
        if category not in rows:
            rows[category] = Row()
        where = (Path(finding["file"]).name, int(finding["line"]))
        label = labels.sites.get(where)
        if label is None:
            rows[category].false_pos += 1
            rows[category].false_lines.append(f"{where[0]}:{where[1]} {finding['rule']}")
        elif category in label:
            rows[category].true_pos += 1
            found.add(where)
        else:
            rows[category].miscategorised += 1
    for where, categories in sorted(labels.sites.items()):
        if where in found:
            rows[categories[0]].found += 1
        else:
            rows[categories[0]].missed.append(f"{where[0]}:{where[1]}")
    return rows


def table(name: str, rows: dict[str, Row], errors: list) -> str:
    head = f"{'category':22} {'sites':>5} {'ok':>4} {'found':>5} {'TP':>4} {'FP':>4} {'misc':>4} " \
           f"{'recall':>6} {'prec':>5}"
    lines = [f"heapsight lint on tests/corpus/{name} (independent corpus)", head]
    total = Row()
    for category, row in rows.items():
        lines.append(f"{category:22} {row.sites:5} {row.lookalikes:4} {row.found:5} {row.true_pos:4} "
                     f"{row.false_pos:4} {row.miscategorised:4} {row.recall:6.2f} {row.precision:5.2f}")
        for name in ("sites", "lookalikes", "found", "true_pos", "false_pos", "miscategorised"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    lines.append(f"{'all':22} {total.sites:5} {total.lookalikes:4} {total.found:5} {total.true_pos:4} "
                 f"{total.false_pos:4} {total.miscategorised:4} {total.recall:6.2f} {total.precision:5.2f}")
    for category, row in rows.items():
        if row.missed:
            lines.append(f"missed {category}: {', '.join(row.missed)}")
        if row.false_lines:
            lines.append(f"false positives {category}: {', '.join(row.false_lines)}")
    for error in errors:
        lines.append(f"not checked whole: {error.get('file')}:{error.get('line')} {error.get('message')}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", sorted(FLOORS_OF))
def test_the_manifest_matches_the_labels(name):
    root = CORPORA / name
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == [p.name for p in case_files(root)]
    labels = read_labels(root)
    sites = Counter(categories[0] for categories in labels.sites.values())
    assert manifest["sites"] == {c: sites[c] for c in CATEGORIES}
    assert manifest["lookalikes"] == {c: labels.lookalikes[c] for c in CATEGORIES}
    assert all(sites[c] >= 6 for c in CATEGORIES)


@pytest.mark.parametrize("name", sorted(FLOORS_OF))
def test_lint_scores_at_least_the_floors_on_the_services_corpus(name):
    root = CORPORA / name
    report = run_lint(root)
    rows = score(report, read_labels(root))
    text = table(name, rows, report.get("errors", []))
    print("\n" + text)
    floors = FLOORS_OF[name]
    below = [f"{c}: recall {rows[c].recall:.2f} < {r}" for c, (r, _) in floors.items()
             if rows[c].recall < r]
    below += [f"{c}: precision {rows[c].precision:.2f} < {p}" for c, (_, p) in floors.items()
              if rows[c].precision < p]
    assert not below, "\n".join(below) + "\n" + text


if __name__ == "__main__":
    for corpus in sys.argv[1:] or sorted(FLOORS_OF):
        lint_report = run_lint(CORPORA / corpus)
        print(table(corpus, score(lint_report, read_labels(CORPORA / corpus)),
                    lint_report.get("errors", [])))
