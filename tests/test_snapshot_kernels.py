"""The kernels are compiled ahead of time at install, and the just-in-time fallback computes
the same thing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from heapsight.snapshot import _compile

PROBE = """
import json, sys
import numpy as np
from heapsight.snapshot import HeapSnapshot, _compile
s = HeapSnapshot.load(sys.argv[1])
print(json.dumps({"aot": _compile.compiled_ahead(), "numba": "numba" in sys.modules,
                  "dominator": int(np.sum(s.dominator.astype(np.int64) * np.arange(s.node_count))),
                  "retained": s.retained_size.tolist()[:2000],
                  "distance": int(s.distance.sum())}))
"""


def probe(path, **env):
    result = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                            text=True, timeout=600, env={**os.environ, **env}, check=True)
    return json.loads(result.stdout)


@pytest.mark.skipif(bool(os.environ.get("HEAPSIGHT_JIT")), reason="JIT forced")
def test_kernels_were_compiled_at_install():
    assert _compile.compiled_ahead(), "setup.py's numba.pycc step did not build _kernels_aot"


def test_running_does_not_import_numba_and_jit_agrees(node_snapshot):
    path = node_snapshot("globalThis.a = Array.from({length: 3000}, (_, i) => ({i, s: 'x' + i}));")
    ahead = probe(path)
    jit = probe(path, HEAPSIGHT_JIT="1")
    assert jit["aot"] is False and jit["numba"] is True
    if ahead["aot"]:
        assert ahead["numba"] is False
    for key in ("dominator", "retained", "distance"):
        assert ahead[key] == jit[key]


@pytest.mark.skipif(bool(os.environ.get("HEAPSIGHT_JIT")), reason="JIT forced")
def test_a_module_built_from_other_source_is_not_used():
    """An editable install whose kernels' source changed after the build (a `git pull`) would
    call the old kernels with new arguments: the module knows the source it was built from."""
    from heapsight.snapshot import _kernels_aot  # type: ignore[attr-defined]
    source = _compile.KERNELS_SOURCE.read_bytes()
    assert _compile.built_from(_kernels_aot, source)
    assert not _compile.built_from(_kernels_aot, source + b"\n# changed\n")


def test_weakmap_tables_reads_the_table_id_only_at_the_end_of_a_name():
    import numpy as np

    from heapsight.snapshot.graph import weakmap_tables
    from heapsight.snapshot.strings import StringTable

    names = [
        "1 / part of key (Object @3) -> value (Object @5) pair in WeakMap (table @7)",
        " pair in WeakMap (table @42)",                      # the suffix alone: still a table
        "x pair in WeakMap (table @9) pair in WeakMap (table @11)",  # the last one counts
        "x pair in WeakMap (table @12) and more",            # not at the end
        "x pair in WeakMap (table @)",                       # no digits
        "x pair in WeakMap (table @1234567890123456789)",    # 19 digits: no node id
        "x pair in WeakMap (table @13\\u0029",               # an escaped ')' in the raw JSON
        "pair in WeakMap (table @14)",                       # no leading space
        "",
        "(table @15)",
    ]
    raw = [name.encode() for name in names]
    blob = bytearray(b",".join(b'"' + r + b'"' for r in raw))
    starts, at = [], 0
    for r in raw:
        starts.append(at + 1)
        at += len(r) + 3
    table = StringTable(blob, np.asarray(starts, np.int64),
                        np.asarray([len(r) for r in raw], np.uint32))
    assert weakmap_tables(table).tolist() == [7, 42, 11, -1, -1, -1, -1, -1, -1, -1]
