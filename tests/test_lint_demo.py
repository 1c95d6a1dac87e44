"""The linter on heapsight's own demo service: the leaks planted in it, and nothing else.

The demo's header lists each planted leak as `leak N  <category>`; every listed category must
be found in leaky_service.js, and clean_service.js must lint clean.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from heapsight.lint.engine import lint_paths, select_rules

DEMO = resources.files("heapsight") / "demo"


def demo_file(name: str):
    path = DEMO / name
    if not path.is_file():
        pytest.skip(f"the demo's {name} is not in this build")
    return path


def test_planted_leaks_are_found_and_the_clean_service_is_clean():
    leaky = demo_file("leaky_service.js")
    planted = set(re.findall(r"leak \d+\s+([a-z-]+)", leaky.read_text(encoding="utf-8")))
    assert planted, "the demo header lists no planted leaks"
    result = lint_paths([str(leaky)], select_rules())
    assert not result.errors
    assert {f.category for f in result.findings} == planted  # all found, nothing else
    clean = lint_paths([str(demo_file("clean_service.js"))], select_rules())
    assert clean.findings == [] and not clean.errors
