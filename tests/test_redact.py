"""`heapsight redact` on real snapshots: planted secrets are gone from the bytes, names stay, and
the copy gives the same summary and find-leaks result as the original."""

from __future__ import annotations

import gzip
import json
import shutil
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest
from report_results import demo_snapshots, heapsight

from heapsight.analysis.leaks import find_leaks
from heapsight.analysis.summary import summarize
from heapsight.report.redact import placeholder, redact_snapshot
from heapsight.snapshot import HeapSnapshot

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

# The tokens are made at run time, so they are in the heap and not in the script's source text;
# one is a value, one a Map key, one a computed property name (V8 keeps that object's keys in
# a dictionary whose entries are values, not named edges).
PROGRAM = """
const crypto = require('crypto');
const token = 'tok_' + crypto.randomBytes(16).toString('hex');
const keyToken = 'key_' + crypto.randomBytes(16).toString('hex');
const propToken = 'prop_' + crypto.randomBytes(16).toString('hex');
class SessionStore { constructor() { this.byUser = new Map(); } }
globalThis.store = new SessionStore();
globalThis.store.byUser.set(keyToken, { bearer: token.split('').join(''), userName: 'alice' });
globalThis.lookup = { [propToken]: 1 };
console.log(JSON.stringify({ token: token.split('').join(''), keyToken, propToken }));
"""


def take_snapshot(folder: Path) -> tuple[Path, dict]:
    out = folder / "app.heapsnapshot"
    script = textwrap.dedent(PROGRAM) + (
        f";globalThis.gc(); require('v8').writeHeapSnapshot({json.dumps(str(out))});")
    done = subprocess.run([str(NODE), "--expose-gc", "-e", script], check=True, timeout=120,
                          capture_output=True, text=True)
    return out, json.loads(done.stdout)


def test_planted_tokens_are_gone_and_names_stay(tmp_path) -> None:
    original, secrets = take_snapshot(tmp_path)
    data = original.read_bytes()
    token, key = secrets["token"].encode(), secrets["keyToken"].encode()
    assert token in data and key in data  # the test can fail: they are really there

    copy = tmp_path / "app.redacted.heapsnapshot"
    done = heapsight("redact", str(original), "-o", str(copy))
    assert done.returncode == 0, done.stderr
    assert "strings replaced" in done.stderr
    redacted = copy.read_bytes()
    assert token not in redacted and key not in redacted
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    # class, property and variable names stay; so do sizes: same length placeholders
    for name in (b'"SessionStore"', b'"byUser"', b'"bearer"', b'"userName"', b'"lookup"'):
        assert name in redacted, name
    assert json.dumps(placeholder(len(secrets["token"]))).encode() in redacted
    assert b'"alice"' in data and b'"alice"' not in redacted
    # a strict format check: every section but the strings is unchanged, and each string is
    # kept or replaced by one of the same length
    before, after = json.loads(data), json.loads(redacted)
    assert list(after) == list(before)
    for section in before:
        if section != "strings":
            assert after[section] == before[section], section
    assert len(after["strings"]) == len(before["strings"])
    changed = [(a, b) for a, b in zip(before["strings"], after["strings"], strict=True) if a != b]
    assert changed and all(len(a) == len(b) and b == placeholder(len(a)) for a, b in changed)

    prop = secrets["propToken"].encode()
    assert prop in data and prop not in redacted
    # --redact-names replaces property and variable names too, keeping class names
    strict = tmp_path / "strict.heapsnapshot"
    assert heapsight("redact", str(original), "-o", str(strict), "--redact-names").returncode == 0
    strict_bytes = strict.read_bytes()
    assert prop not in strict_bytes and token not in strict_bytes and key not in strict_bytes
    assert b'"SessionStore"' in strict_bytes and b'"byUser"' not in strict_bytes


def test_the_copy_parses_and_gives_the_same_summary(tmp_path) -> None:
    original, _ = take_snapshot(tmp_path)
    copy = tmp_path / "copy.heapsnapshot"
    result = redact_snapshot(original, copy)
    assert 0 < result.redacted < result.strings
    before = summarize(HeapSnapshot.load(original), top=15).to_json()
    after = summarize(HeapSnapshot.load(copy), top=15).to_json()
    for document in (before, after):
        document.pop("source"), document.pop("file_size")
        for row in document["largest"]:  # paths show string values: compare their shape
            for step in row["retainer_path"]:
                if step["type"] in ("string", "concatenated string", "sliced string"):
                    step["node"] = len(step["node"])
    assert after == before


def test_find_leaks_on_redacted_copies_equals_the_original(tmp_path) -> None:
    originals = demo_snapshots()
    copies = []
    for path in originals:
        copy = tmp_path / path.name
        redact_snapshot(path, copy)
        copies.append(copy)
    before = find_leaks(originals).to_json()
    after = find_leaks(copies).to_json()
    assert len(before["leaks"]) >= 4

    def shape(report: dict) -> list[tuple]:
        return [(leak["category"], leak["class"], leak["count"], leak["retained_size"],
                 leak["phase_counts"], leak["holder"], leak["location"], leak["advice"],
                 [(step["edge"], step["id"]) for step in leak["retainer_path"]])
                for leak in report["leaks"]]

    assert shape(after) == shape(before)
    assert after["growing_classes"] == before["growing_classes"]
    assert after["heap_sizes"] == before["heap_sizes"]


def test_gzip_input_and_bad_inputs(tmp_path) -> None:
    original, secrets = take_snapshot(tmp_path)
    packed = tmp_path / "app.heapsnapshot.gz"
    packed.write_bytes(gzip.compress(original.read_bytes()))
    out = tmp_path / "from-gz.heapsnapshot"
    assert heapsight("redact", str(packed), "-o", str(out)).returncode == 0
    assert secrets["token"].encode() not in out.read_bytes()
    # an existing output is never overwritten without --force; a truncated input is one line
    done = heapsight("redact", str(original), "-o", str(out))
    assert done.returncode == 1 and "already exists" in done.stderr
    truncated = tmp_path / "cut.heapsnapshot"
    truncated.write_bytes(original.read_bytes()[: original.stat().st_size // 2])
    done = heapsight("redact", str(truncated), "-o", str(tmp_path / "cut.out"))
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "truncated" in done.stderr and not (tmp_path / "cut.out").exists()
    assert not list(tmp_path.glob(".cut.out.*"))  # no half file left behind
