from heapsight.analysis.detectors.base import Detector, LeakEvidence

GLOBAL_PREFIXES = ("global", "Window")  # V8 names it "global", "global / <url>", "Window"


class GlobalGrowth(Detector):
    """A property of the global object that keeps growing.

    What it finds: data hung on `global`/`globalThis` (or the global itself used as a
    dictionary) that gains entries every request.
    Why it leaks: the global object lives as long as the process; nothing it holds dies.
    Example: `globalThis.sessions[id] = session`.
    Fix: keep state in a module with a bound (LRU/TTL), or in an external store.
    """

    category = "global-growth"
    advice = ("Do not grow state on global/globalThis: move it into a bounded structure "
              "(an LRU with a TTL, or delete entries when done) or an external store.")

    def matches(self, evidence: LeakEvidence) -> bool:
        path = evidence.holder_path
        if evidence.holder_class.startswith(GLOBAL_PREFIXES):
            return True
        return len(path) == 2 and path[0].node.startswith(GLOBAL_PREFIXES)
