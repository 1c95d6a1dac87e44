from heapsight.analysis.detectors.base import Detector, LeakEvidence


class ClosureCapture(Detector):
    """A long-lived callback whose closure captured a large object.

    What it finds: pending one-shot timers or stored callbacks that keep big per-request
    objects alive only through the variables their closure captured; objects held by a V8
    Context made per call (or a chain of them, each holding the previous one), which the
    report names: the live closure, the captured variable, the sibling closure using it.
    Why it leaks: a closure keeps its whole context alive, and all closures made in one scope
    share one context: a closure that never names `rows` keeps it alive when a sibling (even
    one never called) uses it; capturing `req` keeps the body, headers and sockets.
    Example: `setTimeout(() => audit(req), 3600e3)`; `const prev = current; const unused =
    () => prev; current = { run() {} }` (each `current` keeps the previous one).
    Fix: copy the small fields you need into locals before creating the callback, move the
    sibling that uses the big variable out of the shared scope, or null the variable.
    """

    category = "closure-capture"
    advice = ("Capture only what the callback needs: copy the small fields (an id, a string) "
              "into local variables before creating the closure, and let the big object go.")

    def matches(self, evidence: LeakEvidence) -> bool:
        carried = evidence.payload_type == "object" and evidence.payload_class not in (
            evidence.top_classes.most_common(1)[0][0],)
        if evidence.top_is("Timeout"):
            return carried and evidence.repeating_timers == 0
        if carried and (evidence.top_is("(closure)") or evidence.captured):
            return True
        return evidence.payload_type == "object" and evidence.closure is not None
