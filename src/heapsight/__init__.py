"""heapsight: find, explain and contain memory leaks in Node.js services."""

__version__ = "0.1.0"

LEAK_CATEGORIES = (
    "unbounded-collection",
    "listener-leak",
    "timer-leak",
    "closure-capture",
    "unbounded-cache",
    "resource-per-request",
    "global-growth",
    "native-memory",
    "other",
)
