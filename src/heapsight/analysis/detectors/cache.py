import re

from heapsight.analysis.detectors.base import Detector, LeakEvidence, name_matches

CACHE = re.compile(r"cache|memo|lru|store|registry|lookup", re.I)
KEYED = ("Map", "Object")
# Entry fields that only a cache gives its entries (a time to live, an expiry).
TTL_FIELDS = frozenset({"ttl", "expires", "expiresAt", "expireAt", "expiry", "expiration",
                        "maxAge", "staleAt"})


class UnboundedCache(Detector):
    """A cache (a keyed Map or object) that only ever gains entries.

    What it finds: a Map or dictionary-like object named like a cache that grows with every
    new key; the store inside a cache object (`ReportCache.entries`, node-cache's `data`,
    lru-cache's value list, express-session's MemoryStore `sessions`: a session store is a
    cache of sessions); keyed entries that carry a TTL or expiry field.
    Why it leaks: with no eviction, TTL or size cap, every distinct key stays forever and
    key spaces (ids, URLs, users) are unbounded.
    Example: `if (!cache.has(k)) cache.set(k, await load(k))`.
    Fix: use an LRU with a maximum size and a TTL (e.g. lru-cache), or delete on expiry.
    """

    category = "unbounded-cache"
    advice = ("Bound the cache: an LRU with a max size and a TTL (e.g. the lru-cache package), "
              "or evict/delete entries when they expire.")

    def matches(self, evidence: LeakEvidence) -> bool:
        library = evidence.library
        if library is not None and name_matches(CACHE, library.owner_class, library.package):
            return True
        if name_matches(CACHE, evidence.owner_class) and \
                evidence.holder_class in (*KEYED, "Array"):
            return True
        return evidence.holder_class in KEYED and (
            name_matches(CACHE, evidence.holder_edge, evidence.holder_class)
            or bool(evidence.payload_fields & TTL_FIELDS))
