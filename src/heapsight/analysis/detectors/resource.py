import re

from heapsight.analysis.detectors.base import Detector, LeakEvidence, name_matches

RESOURCE = re.compile(r"pool|client|connection|socket|agent|server|channel|transport|producer|"
                      r"consumer|redis|mongo|knex|sequelize|database|^TCP|^Pipe", re.I)


class ResourcePerRequest(Detector):
    """A pool, client, connection or server created per request and never closed.

    What it finds: growing numbers of objects whose class names a resource (Pool, Client,
    Connection, Socket, Agent...), usually kept alive by their own timers or sockets.
    Why it leaks: each instance opens handles and timers that hold it until it is closed.
    Example: `app.get('/', async () => { const pool = new Pool(cfg); ... })`.
    Fix: create the pool or client once at start-up and share it; close per-call ones.
    """

    category = "resource-per-request"
    advice = ("Create the pool/client/connection once at start-up and reuse it; "
              "if one must be made per call, close it (end/close/destroy) when the call ends.")

    def matches(self, evidence: LeakEvidence) -> bool:
        return name_matches(RESOURCE, evidence.payload_class) or \
            any(name_matches(RESOURCE, name) for name in evidence.top_classes)
