from heapsight.analysis.detectors.base import Detector, LeakEvidence


class Other(Detector):
    """Growth that matches no known pattern: the retainer path is the clue.

    What it finds: objects allocated in every phase and still alive, held by something that
    is not a known collection, emitter, timer or cache.
    Why it leaks: something long-lived references them; the path shows what.
    Fix: follow the retainer path to the first object you own and drop the reference there.
    """

    category = "other"
    advice = ("Follow the retainer path from the root: the first object in your own code on it "
              "is what keeps these alive; drop the reference when the work is done.")

    def matches(self, evidence: LeakEvidence) -> bool:
        return True
