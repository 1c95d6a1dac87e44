"""Shared test tools: real `node` processes that write real V8 heap snapshots."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

NODE = shutil.which("node")


def write_snapshot(tmp_path: Path, program: str, name: str = "heap.heapsnapshot",
                   node_args: tuple[str, ...] = ()) -> Path:
    """Run `program` in node, then write a heap snapshot of that process to tmp_path/name.

    The program may define `globalThis.keep` etc.; the snapshot is taken after it ran and a GC.
    """
    out = tmp_path / name
    script = textwrap.dedent(program) + textwrap.dedent(f"""
        ;(globalThis.gc || (() => {{}}))();
        require('v8').writeHeapSnapshot({str(out)!r});
    """)
    subprocess.run([NODE, "--expose-gc", *node_args, "-e", script], check=True, timeout=120)
    return out


@pytest.fixture
def node_snapshot(tmp_path):
    if NODE is None:
        pytest.skip("node is not installed")

    def make(program: str, name: str = "heap.heapsnapshot", node_args: tuple[str, ...] = ()):
        return write_snapshot(tmp_path, program, name, node_args)

    return make
