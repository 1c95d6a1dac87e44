"""The V8 heap snapshot engine: columns, graph, dominators, retained sizes."""

from heapsight.snapshot.snapshot import Edge, HeapSnapshot, PathStep

__all__ = ["Edge", "HeapSnapshot", "PathStep"]
