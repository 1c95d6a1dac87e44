import re

from heapsight.analysis.detectors.base import Detector, LeakEvidence, name_matches

CACHE = re.compile(r"cache|memo|lru|store|registry|lookup", re.I)
KEYED = ("Map", "Object")


class UnboundedCache(Detector):
    """A cache (a keyed Map or object) that only ever gains entries.

    What it finds: a Map or dictionary-like object named like a cache that grows with every
    new key.
    Why it leaks: with no eviction, TTL or size cap, every distinct key stays forever and
    key spaces (ids, URLs, users) are unbounded.
    Example: `if (!cache.has(k)) cache.set(k, await load(k))`.
    Fix: use an LRU with a maximum size and a TTL (e.g. lru-cache), or delete on expiry.
    """

    category = "unbounded-cache"
    advice = ("Bound the cache: an LRU with a max size and a TTL (e.g. the lru-cache package), "
              "or evict/delete entries when they expire.")

    def matches(self, evidence: LeakEvidence) -> bool:
        return evidence.holder_class in KEYED and \
            name_matches(CACHE, evidence.holder_edge, evidence.holder_class)
