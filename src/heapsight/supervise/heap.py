"""The instance's heap, through its Node inspector on loopback (blocking: call off the loop).

The inspector port is reserved at start (--inspect-port=127.0.0.1:P in NODE_OPTIONS) and only
opened, with SIGUSR1, when heapsight needs it: a snapshot, `ctl debug`, --max-heap.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from heapsight.errors import HeapsightError
from heapsight.live.attach import find_inspector
from heapsight.live.inspector import Inspector, SnapshotInfo, ensure_free_space

if TYPE_CHECKING:
    from heapsight.supervise.instance import Instance


def inspector_address(instance: Instance) -> tuple[str, int]:
    pid = instance.node_pid()
    if pid is None:
        raise HeapsightError(f"instance {instance.number} runs no node process")
    return find_inspector(pid, port=instance.inspect_port)


def heap_used(instance: Instance) -> int | None:
    """V8 heap used, over a session kept open between samples; None if it cannot be read."""
    try:
        if instance.inspector is None:
            host, port = inspector_address(instance)
            instance.inspector = Inspector.connect(host, port, timeout=5.0)
        return instance.inspector.heap_usage()["heap_used"]
    except HeapsightError:
        if instance.inspector is not None:
            with contextlib.suppress(Exception):
                instance.inspector.close()
            instance.inspector = None
        return None


def snapshot(instance: Instance, path: Path) -> SnapshotInfo:
    """Stream a heap snapshot of the instance to `path` (0600, atomic, free disk checked)."""
    host, port = inspector_address(instance)
    with Inspector.connect(host, port, timeout=10.0) as inspector:
        usage = inspector.heap_usage()
        ensure_free_space(path.parent, int(usage.get("heap_total") or 0))
        return inspector.take_heap_snapshot(path)


def trend(samples: list[tuple[float, int]], limit: int | None) -> dict[str, Any]:
    """heapsight watch's verdict (monitor.trend) on the instance's own series."""
    from heapsight.monitor.trend import assess

    times = np.array([t for t, _ in samples], dtype=np.float64)
    values = np.array([v for _, v in samples], dtype=np.float64)
    result = assess(times, values, limit_bytes=limit)
    return {"verdict": result.verdict, "slope_bytes_per_hour": result.slope_bytes_per_hour,
            "time_to_limit_seconds": result.time_to_limit_seconds}
