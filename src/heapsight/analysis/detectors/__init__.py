"""Leak pattern detectors, one per file; the first that matches names the category.

The order matters: specific evidence (a resource class, an event listener list, a timer)
comes before the shape of the holder (global, cache, collection)."""

from heapsight.analysis.detectors.base import Detector, LeakEvidence
from heapsight.analysis.detectors.cache import UnboundedCache
from heapsight.analysis.detectors.closure import ClosureCapture
from heapsight.analysis.detectors.collection import UnboundedCollection
from heapsight.analysis.detectors.global_growth import GlobalGrowth
from heapsight.analysis.detectors.listener import ListenerLeak
from heapsight.analysis.detectors.native import NativeMemory
from heapsight.analysis.detectors.other import Other
from heapsight.analysis.detectors.resource import ResourcePerRequest
from heapsight.analysis.detectors.timer import TimerLeak

REGISTRY: tuple[Detector, ...] = (
    ResourcePerRequest(), ListenerLeak(), ClosureCapture(), TimerLeak(), NativeMemory(),
    GlobalGrowth(), UnboundedCache(), UnboundedCollection(), Other(),
)


def classify(evidence: LeakEvidence) -> Detector:
    return next(d for d in REGISTRY if d.matches(evidence))


__all__ = ["REGISTRY", "Detector", "LeakEvidence", "classify"]
