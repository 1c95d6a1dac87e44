"""Precision and recall of the rules on a labelled corpus (tests/corpus/lint/).

A line that should be flagged ends with `// expect: rule-id[, rule-id...]`; anything flagged on
a line without that label is a false positive. A finding matches a label by (file, line, rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from heapsight.lint.engine import lint_paths, select_rules
from heapsight.lint.source import LANGUAGE_OF_SUFFIX

_LABEL = re.compile(r"//\s*expect:\s*([\w\-]+(?:\s*,\s*[\w\-]+)*)")

Key = tuple[str, int, str]  # (file, line, rule)


@dataclass
class CorpusScore:
    true_positives: set[Key] = field(default_factory=set)
    false_positives: set[Key] = field(default_factory=set)
    false_negatives: set[Key] = field(default_factory=set)
    files: int = 0

    @property
    def precision(self) -> float:
        flagged = len(self.true_positives) + len(self.false_positives)
        return len(self.true_positives) / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        labelled = len(self.true_positives) + len(self.false_negatives)
        return len(self.true_positives) / labelled if labelled else 1.0

    def by_rule(self) -> dict[str, tuple[int, int, int]]:
        """rule -> (true positives, false positives, false negatives)."""
        table: dict[str, list[int]] = {}
        for position, keys in enumerate((self.true_positives, self.false_positives,
                                         self.false_negatives)):
            for _, _, rule in keys:
                table.setdefault(rule, [0, 0, 0])[position] += 1
        return {rule: (c[0], c[1], c[2]) for rule, c in sorted(table.items())}

    def report(self) -> str:
        lines = [f"corpus: {self.files} files, precision {self.precision:.3f}, "
                 f"recall {self.recall:.3f}",
                 f"  {'rule':28} {'TP':>4} {'FP':>4} {'FN':>4}"]
        for rule, (tp, fp, fn) in self.by_rule().items():
            lines.append(f"  {rule:28} {tp:4} {fp:4} {fn:4}")
        for label, keys in (("false positive", self.false_positives),
                            ("missed", self.false_negatives)):
            lines.extend(f"  {label}: {file}:{line} {rule}" for file, line, rule in sorted(keys))
        return "\n".join(lines)


def expected_findings(directory: Path) -> set[Key]:
    expected: set[Key] = set()
    for path in sorted(directory.iterdir()):
        if path.suffix not in LANGUAGE_OF_SUFFIX:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _LABEL.search(line)
            if match:
                for rule in re.split(r"\s*,\s*", match.group(1)):
                    expected.add((path.name, number, rule))
    return expected


def score_corpus(directory: Path) -> CorpusScore:
    files = sorted(p for p in directory.iterdir() if p.suffix in LANGUAGE_OF_SUFFIX)
    result = lint_paths(files, select_rules())
    if result.errors:
        raise ValueError(f"corpus file did not parse: {result.errors[0]}")
    found = {(Path(f.file).name, f.line, f.rule) for f in result.findings}
    expected = expected_findings(directory)
    return CorpusScore(found & expected, found - expected, expected - found, len(files))


# -- reproductions of real leak fixes (tests/corpus/lint-realfixes/) ------------------------
#
# One folder per fixed leak: `before.*` (the leak, each leak site's line labelled
# `// leak: <category>`) and `after.*` (the project's fix). manifest.json names the project, the
# pull request, commit or issue, the category and the split: "tuning" cases may be looked at
# while changing the rules, "held-out" ones only scored.

_LEAK_LABEL = re.compile(r"//\s*leak:\s*([\w\-]+)")


@dataclass
class RealFixScore:
    """Leak sites found (recall), findings on lines that are not leak sites, and fixed
    versions flagged; per category and split."""

    found: set[tuple[str, int, str]] = field(default_factory=set)  # (case, line, category)
    missed: set[tuple[str, int, str]] = field(default_factory=set)
    false_positives: set[tuple[str, int, str]] = field(default_factory=set)  # before files
    fixed_flagged: set[tuple[str, int, str]] = field(default_factory=set)  # after files
    cases: int = 0
    lines: int = 0

    @property
    def recall(self) -> float:
        sites = len(self.found) + len(self.missed)
        return len(self.found) / sites if sites else 1.0

    @property
    def precision(self) -> float:
        flagged = len(self.found) + len(self.false_positives) + len(self.fixed_flagged)
        return len(self.found) / flagged if flagged else 1.0

    @property
    def fixed_versions_flagged(self) -> int:
        return len({case for case, _, _ in self.fixed_flagged})

    def by_category(self) -> dict[str, tuple[int, int, int, int]]:
        """category -> (found, missed, false positives, findings in fixed versions)."""
        table: dict[str, list[int]] = {}
        for position, keys in enumerate((self.found, self.missed, self.false_positives,
                                         self.fixed_flagged)):
            for _, _, category in keys:
                table.setdefault(category, [0, 0, 0, 0])[position] += 1
        return {c: (v[0], v[1], v[2], v[3]) for c, v in sorted(table.items())}

    def report(self, title: str) -> str:
        lines = [f"{title}: {self.cases} cases, recall {self.recall:.2f} "
                 f"({len(self.found)}/{len(self.found) + len(self.missed)} leak sites), "
                 f"precision {self.precision:.2f}, fixed versions flagged "
                 f"{self.fixed_versions_flagged}/{self.cases}",
                 f"  {'category':22} {'found':>5} {'missed':>6} {'FP':>4} {'fixed-FP':>8}"]
        for category, (tp, fn, fp, ff) in self.by_category().items():
            lines.append(f"  {category:22} {tp:5} {fn:6} {fp:4} {ff:8}")
        return "\n".join(lines)


def real_fix_cases(root: Path) -> list[dict[str, object]]:
    import json

    cases: list[dict[str, object]] = json.loads(
        (root / "manifest.json").read_text(encoding="utf-8"))["cases"]
    return cases


def score_real_fixes(root: Path, split: str | None = None) -> RealFixScore:
    """Score the rules on the real-fix reproductions under `root` (one split, or all)."""
    score = RealFixScore()
    rules = select_rules()
    for case in real_fix_cases(root):
        if split is not None and case["split"] != split:
            continue
        name = str(case["id"])
        folder = root / name
        score.cases += 1
        for path in sorted(folder.iterdir()):
            if path.suffix not in LANGUAGE_OF_SUFFIX:
                continue
            result = lint_paths([path], rules)
            score.lines += result.lines
            if result.errors:
                raise ValueError(f"corpus file did not parse: {result.errors[0]}")
            flagged = {(name, f.line, f.category) for f in result.findings}
            if path.stem == "after":
                score.fixed_flagged |= flagged
                continue
            labels = set()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = _LEAK_LABEL.search(line)
                if match:
                    labels.add((name, number, match.group(1)))
            score.found |= labels & flagged
            score.missed |= labels - flagged
            score.false_positives |= flagged - labels
    return score
