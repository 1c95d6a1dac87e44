from heapsight.analysis.detectors.base import Detector, LeakEvidence

NATIVE_SHARE = 0.5


class NativeMemory(Detector):
    """Buffers and ArrayBuffers kept alive: memory outside the JS heap that grows.

    What it finds: clusters whose size is mostly external backing stores
    (`system / JSArrayBufferData`): Buffers, typed arrays, ArrayBuffers.
    Why it leaks: the JS wrapper is small, so heap graphs look harmless while RSS climbs;
    the store lives until its last wrapper is collected.
    Example: `uploads.push(Buffer.from(chunk))` per request.
    Fix: do not keep Buffers past the request; bound what you keep, stream instead of buffer.
    """

    category = "native-memory"
    advice = ("Release Buffers/ArrayBuffers after use (drop the reference), cap what is kept "
              "(a ring buffer or LRU), and stream large bodies instead of buffering them.")

    def matches(self, evidence: LeakEvidence) -> bool:
        cluster = evidence.cluster
        return cluster.native_size >= NATIVE_SHARE * max(cluster.retained_size, 1)
