from heapsight.analysis.detectors.base import Detector, LeakEvidence

EVENT_EDGES = ("_events", "<symbol kEvents>", "listeners", "_listeners")
# Handler lists by another name: axios' interceptors (`handlers`), subscriber and observer
# lists. A plain `callbacks` array is not one: what leaks there is what the callbacks captured.
HANDLER_LISTS = ("handlers", "_handlers", "subscribers", "_subscribers", "observers",
                 "_observers", "interceptors")


class ListenerLeak(Detector):
    """Event listeners added again and again and never removed.

    What it finds: listener functions piling up in an EventEmitter's `_events` (or an
    EventTarget's listener map) that lives longer than the code adding them.
    Why it leaks: a long-lived emitter holds every listener, and each listener holds
    whatever its closure captured.
    Example: `bus.on('change', () => res.write(...))` inside a request handler; axios'
    `api.interceptors.request.use(fn)` per call (its `handlers` list only grows).
    Fix: remove the listener when the caller is done (`off`/`removeListener` on 'close'),
    use `once`, or pass an AbortSignal.
    """

    category = "listener-leak"
    advice = ("Remove the listener when its owner is done (emitter.off / removeListener in a "
              "'close' or 'finish' handler), use once(), or add it with { signal } and abort.")

    def matches(self, evidence: LeakEvidence) -> bool:
        # the holder is the emitter's listener table, or one event's listener array in it;
        # an `_events` further up only means some listener's closure leads to the holder
        return any(edge in EVENT_EDGES for edge in evidence.path_edges[-2:]) or \
            evidence.holder_edge in HANDLER_LISTS
