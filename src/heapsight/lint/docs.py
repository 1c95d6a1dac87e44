"""Rewrite the "## Rules" section of docs/lint.md from the rules' docstrings.

    python -m heapsight.lint.docs docs/lint.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from heapsight.lint.rules import rules_reference

HEADING = "## Rules\n\n"


def update(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if HEADING not in text:
        raise SystemExit(f"{path} has no '## Rules' section to rewrite")
    head = text[:text.index(HEADING) + len(HEADING)]
    path.write_text(head + rules_reference(), encoding="utf-8")


if __name__ == "__main__":
    update(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/lint.md"))
