"""How many object ids two snapshots of one leaking process share, and how many of those name
the same object (the same class), when each snapshot is its own inspector session (what
`heapsight snapshot --pid` did before the snapshot agent) and through the agent.

    .venv/bin/python bench/id_stability.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from heapsight.live.inspector import Inspector
from heapsight.live.service import free_port, port_open
from heapsight.snapshot import HeapSnapshot

LEAKY = """
class LeakedEntry { constructor(i) { this.i = i; this.payload = 'x'.repeat(64) + i; } }
const log = [];
let n = 0;
setInterval(() => { for (let i = 0; i < 300; i++) log.push(new LeakedEntry(n++)); }, 100);
console.log('ready');
"""


def agreement(a: Path, b: Path) -> tuple[int, float]:
    """(ids above the synthetic roots in both, fraction of them naming the same class)."""
    first, second = HeapSnapshot.load_light(a), HeapSnapshot.load_light(b)
    common = second.node_id[first.has_ids(second.node_id)]
    common = common[common > 200]
    names_a, names_b = first.class_names, second.class_names
    class_a = first.class_id[first.ordinals_of(common)]
    class_b = second.class_id[second.ordinals_of(common)]
    same = np.mean([names_a[int(x)] == names_b[int(y)]
                    for x, y in zip(class_a, class_b, strict=True)])
    return int(common.size), float(same)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="heapsight-ids-"))
    port = free_port()
    node = subprocess.Popen(["node", f"--inspect=127.0.0.1:{port}", "-e", LEAKY],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert node.stdout is not None and node.stdout.readline().strip() == "ready"
        while not port_open("127.0.0.1", port):
            time.sleep(0.05)
        for name in ("session-1", "session-2"):
            with Inspector.connect("127.0.0.1", port) as inspector:
                inspector.take_heap_snapshot(folder / f"{name}.heapsnapshot")
            time.sleep(1)
        for name in ("agent-1", "agent-2"):
            subprocess.run([sys.executable, "-m", "heapsight", "snapshot", "--pid",
                            str(node.pid), "-o", str(folder / f"{name}.heapsnapshot")],
                           check=True, capture_output=True)
            time.sleep(1)
        for label, prefix in (("separate inspector sessions", "session"),
                              ("snapshot agent", "agent")):
            count, same = agreement(folder / f"{prefix}-1.heapsnapshot",
                                    folder / f"{prefix}-2.heapsnapshot")
            print(f"{label:28} {count:8,} shared ids, {same:6.1%} name the same class")
    finally:
        node.kill()
        node.wait(10)


if __name__ == "__main__":
    main()
