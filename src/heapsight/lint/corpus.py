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
