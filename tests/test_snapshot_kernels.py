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
