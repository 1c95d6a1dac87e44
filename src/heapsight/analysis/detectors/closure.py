from heapsight.analysis.detectors.base import Detector, LeakEvidence


class ClosureCapture(Detector):
    """A long-lived callback whose closure captured a large object.

    What it finds: pending one-shot timers or stored callbacks that keep big per-request
    objects alive only through the variables their closure captured.
    Why it leaks: a closure keeps its whole context alive; capturing `req` keeps the body,
    headers and sockets for as long as the callback lives.
    Example: `setTimeout(() => audit(req), 3600e3)`.
    Fix: copy the small fields you need into locals before creating the callback.
    """

    category = "closure-capture"
    advice = ("Capture only what the callback needs: copy the small fields (an id, a string) "
              "into local variables before creating the closure, and let the big object go.")

    def matches(self, evidence: LeakEvidence) -> bool:
        carried = evidence.payload_type == "object" and evidence.payload_class not in (
            evidence.top_classes.most_common(1)[0][0],)
        if evidence.top_is("Timeout"):
            return carried and evidence.repeating_timers == 0
        return carried and (evidence.top_is("(closure)") or evidence.captured)
