from heapsight.analysis.detectors.base import Detector, LeakEvidence

COLLECTIONS = ("Array", "Map", "Set", "Object")


class UnboundedCollection(Detector):
    """An array, Map, Set or object that gains entries forever.

    What it finds: a long-lived collection whose element count grows in every phase.
    Why it leaks: appending per request (a log, a history, a queue nobody drains) without
    removal makes memory proportional to traffic.
    Example: `const requestLog = []; ... requestLog.push(entry)`.
    Fix: cap it (drop the oldest past N), drain it, or send the data elsewhere (a log file,
    a metrics system) instead of keeping it.
    """

    category = "unbounded-collection"
    advice = ("Bound the collection: keep the last N entries (shift/splice past a cap or a ring "
              "buffer), remove entries when their work is done, or ship the data out instead.")

    def matches(self, evidence: LeakEvidence) -> bool:
        return evidence.holder_class in COLLECTIONS or \
            evidence.snapshot.type_name(evidence.holder) == "object"
