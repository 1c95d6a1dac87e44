import re

from heapsight.analysis.detectors.base import Detector, LeakEvidence, name_matches

# A class that IS a resource: its name ends in the resource's word (`Pool`, `RedisClient`,
# `HttpAgent`), not one that merely mentions it (`ClientTracker`); node's zlib streams and
# their native handles hold native buffers until closed.
RESOURCE = re.compile(r"(?:^|[a-z0-9_])(?:Pool|Client|Connection|Socket|Agent|Server|Channel|"
                      r"Transport|Producer|Consumer|Database|Cursor|Watcher)$|"
                      r"^(?:pool|client|connection|socket|agent)$|"
                      r"^(?:redis|mongo|knex|sequelize)|^TCP|^Pipe|"
                      r"^(?:Gzip|Gunzip|Deflate|Inflate|DeflateRaw|InflateRaw|Unzip|"
                      r"BrotliCompress|BrotliDecompress|Zlib)$", re.I)


class ResourcePerRequest(Detector):
    """A pool, client, connection or server created per request and never closed.

    What it finds: growing numbers of objects whose class names a resource (Pool, Client,
    Connection, Socket, Agent...), usually kept alive by their own timers or sockets.
    Why it leaks: each instance opens handles and timers that hold it until it is closed.
    Example: `app.get('/', async () => { const pool = new Pool(cfg); ... })`, or a zlib
    stream per request that is never ended (`zlib.createGzip()` kept in a set).
    Fix: create the pool or client once at start-up and share it; close per-call ones.
    """

    category = "resource-per-request"
    advice = ("Create the pool/client/connection once at start-up and reuse it; "
              "if one must be made per call (a zlib stream), close it (end/close/destroy) when "
              "the call ends, on error paths too.")

    def matches(self, evidence: LeakEvidence) -> bool:
        return name_matches(RESOURCE, evidence.payload_class) or \
            any(name_matches(RESOURCE, name) for name in evidence.top_classes)
