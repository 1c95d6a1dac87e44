"""Suppression comments, ESLint-style.

    // heapsight-disable-next-line listener-leak -- closed by the pool's shutdown hook
    doSomething();  // heapsight-disable-line
    /* heapsight-disable-file timer-leak */

Each takes rule ids or categories (comma or space separated; none means every rule); text
after `--` is a reason for the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from heapsight.lint.model import Finding
from heapsight.lint.source import SourceFile

_DIRECTIVE = re.compile(
    r"heapsight-disable(?P<kind>-next-line|-line|-file)?(?![\w-])(?P<names>[^\n*]*?)"
    r"(?:--.*)?(?:\*/)?\s*$", re.M)
ALL = "*"


@dataclass
class Suppressions:
    by_line: dict[int, set[str]] = field(default_factory=dict)  # 1-based line -> names
    whole_file: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> bool:
        for names in (self.whole_file, self.by_line.get(finding.line, set())):
            if ALL in names or finding.rule in names or finding.category in names:
                return True
        return False


def suppressions(source: SourceFile) -> Suppressions:
    found = Suppressions()
    if b"heapsight-disable" not in source.source:
        return found
    for comment in source.captures("(comment) @c").get("c", []):
        body = comment.text.decode("utf-8", "replace") if comment.text else ""
        for match in _DIRECTIVE.finditer(body):
            names = {n for n in re.split(r"[\s,]+", match["names"].strip()) if n} or {ALL}
            kind = match["kind"]
            if kind == "-next-line":
                line = comment.end_point[0] + 2
                found.by_line.setdefault(line, set()).update(names)
            elif kind == "-line":
                found.by_line.setdefault(comment.start_point[0] + 1, set()).update(names)
            else:
                found.whole_file.update(names)
    return found
