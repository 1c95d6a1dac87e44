"""Where the memory that survived a round was allocated: V8's sampling heap profiler.

With `HeapProfiler.startSampling`, V8 samples an allocation every `interval` bytes on average
and records its JavaScript stack; by default a sample is dropped when its object is collected,
so the profile taken at the end of a round holds the stacks of what is still alive: the leak's
allocation sites, whatever the JIT did (allocation tracking misses objects that optimized code
allocates inline). Sampling keeps its data outside the JS heap, so it does not move the heap
trend, and costs little.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SAMPLING_INTERVAL = 512  # bytes between samples, on average


@dataclass
class Site:
    """One allocating stack and the live bytes sampled there."""

    size: int
    stack: list[str]  # innermost first, "function (script:line:column)" like live.allocations


def _frame(call_frame: dict[str, Any]) -> str:
    name = call_frame.get("functionName") or "(anonymous)"
    url = call_frame.get("url") or ""
    if not url:
        return name
    # CDP positions are 0-based; heapsight shows 1-based lines and columns as V8's stacks do.
    line = int(call_frame.get("lineNumber", -1)) + 1
    column = int(call_frame.get("columnNumber", -1)) + 1
    return f"{name} ({url}:{line}:{column})"


def live_sites(profile: dict[str, Any]) -> list[Site]:
    """Every stack with live sampled bytes, most bytes first."""
    sites: list[Site] = []
    head = profile.get("head")
    if not isinstance(head, dict):
        return sites
    pending: list[tuple[dict[str, Any], list[str]]] = [(head, [])]
    while pending:
        node, outer = pending.pop()
        frame = node.get("callFrame", {})
        stack = [_frame(frame), *outer] if frame.get("functionName") != "(root)" else outer
        if int(node.get("selfSize", 0)) > 0 and stack:
            sites.append(Site(int(node["selfSize"]), stack))
        pending.extend((child, stack) for child in node.get("children", ()))
    sites.sort(key=lambda site: -site.size)
    return sites
