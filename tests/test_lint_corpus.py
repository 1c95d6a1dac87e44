"""Precision and recall of `heapsight lint` on the labelled corpus (tests/corpus/lint/).

Precision must stay at or above 0.9: a noisy linter gets switched off. Recall must stay at or
above 0.85: a labelled miss (`(known miss)`) stays in the corpus so that the number stays
honest; everything else in it is a pattern the rules promise to catch. 0.85 leaves room for one
or two such misses per rule as the corpus grows.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lint_corpus import expected_findings, score_corpus

CORPUS = Path(__file__).parent / "corpus" / "lint"


def test_precision_and_recall_on_the_corpus():
    score = score_corpus(CORPUS)
    print("\n" + score.report())
    assert score.files >= 30
    assert len(expected_findings(CORPUS)) >= 40
    assert score.precision >= 0.9, score.report()
    assert score.recall >= 0.85, score.report()
    # every rule is exercised by the corpus and finds at least one of its labels
    assert {rule for rule, (tp, _, _) in score.by_rule().items() if tp} == {
        "module-collection-growth", "listener-not-removed", "interval-not-cleared",
        "closure-captures-request", "cache-without-eviction", "client-per-request",
        "global-collection-growth", "field-collection-growth", "timer-overwritten",
        "implicit-global", "timeout-not-cleared", "cleanup-never-called", "global-patch-chain"}


def test_look_alike_files_are_clean_and_leak_files_are_labelled():
    labelled = {name for name, _, _ in expected_findings(CORPUS)}
    for path in CORPUS.iterdir():
        if path.name.startswith("ok_"):
            assert path.name not in labelled
        elif path.name.startswith("leak_"):
            assert path.name in labelled


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_corpus_javascript_is_valid_for_node():
    """The corpus is real code: node itself must accept every plain-JS file (compiled as the
    CommonJS modules they are, in one node process)."""
    files = sorted(str(p) for p in CORPUS.iterdir() if p.suffix in (".js", ".cjs"))
    assert files
    script = ("const fs = require('fs'); const vm = require('vm');"
              "for (const f of process.argv.slice(1)) {"
              "  new vm.Script(require('module').wrap(fs.readFileSync(f, 'utf8')),"
              "                { filename: f }); }")
    done = subprocess.run(["node", "-e", script, *files], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for module in sorted(CORPUS.glob("*.mjs")):  # ES modules: node checks them one by one
        done = subprocess.run(["node", "--check", str(module)], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, (module.name, done.stderr)
