from heapsight.analysis.detectors.base import Detector, LeakEvidence

TIMER_HOLDERS = ("TimersList", "timerListMap", "Timeout", "Immediate")


class TimerLeak(Detector):
    """Timers started over and over and never cleared.

    What it finds: Timeout objects (and what their callbacks hold) accumulating in Node's
    timer lists, typically from setInterval in per-request or per-instance code, or a
    setTimeout callback that schedules itself again (its own scope holds it).
    Why it leaks: an active interval is a GC root for its callback and all it captures,
    forever, even when nothing else references the owner.
    Example: `class Poller { constructor() { this.t = setInterval(() => this.poll(), 1e3) } }`.
    Fix: keep the handle and clearInterval it in close()/stop(); unref() does not free it.
    """

    category = "timer-leak"
    advice = ("Keep the timer handle and clear it (clearInterval/clearTimeout) in the owner's "
              "close()/stop() or when the request ends; unref() stops it blocking exit, "
              "not leaking.")

    def matches(self, evidence: LeakEvidence) -> bool:
        return evidence.top_is("Timeout", "Immediate") or evidence.holder_class in TIMER_HOLDERS
