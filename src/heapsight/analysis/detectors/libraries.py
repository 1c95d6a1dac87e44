"""The fix for a leak inside a well-known npm package, in terms of that package's own options.

A leak held by a library's object is nearly always the caller's use of it (a cache made without
a bound, a handler registered per call); the advice names the option or call that bounds it.
Packages not listed get the category's own advice with the package and file named.
"""

from __future__ import annotations

# (package, category) -> advice; category None matches any category for that package
_ADVICE: dict[tuple[str, str | None], str] = {
    ("node-cache", None): (
        "node-cache keeps every key until it expires, and its default stdTTL is 0 (never): "
        "create it with stdTTL (seconds) and checkperiod so expired keys are swept, and maxKeys "
        "to cap it, e.g. new NodeCache({ stdTTL: 600, checkperiod: 120, maxKeys: 10000 })."),
    ("lru-cache", None): (
        "Give the LRUCache a bound: max (entries) or maxSize with sizeCalculation; a ttl alone "
        "does not bound it (expired entries stay until read unless ttlAutopurge: true)."),
    ("express-session", None): (
        "express-session's default MemoryStore never prunes sessions: use a store with expiry "
        "(memorystore with checkPeriod, connect-redis, ...) and saveUninitialized: false so "
        "requests without a cookie do not each create a session."),
    ("axios", None): (
        "Each interceptors.request.use() / response.use() adds a handler to the instance for "
        "good: register interceptors once where the instance is created, or keep the id use() "
        "returns and call interceptors.request.eject(id) when the call is done; per-call data "
        "belongs in the request config."),
    ("eventemitter3", None): (
        "eventemitter3 keeps every listener until it is removed: call "
        "emitter.removeListener(event, fn) (or off) when the subscriber is done, or use once()."),
    ("prom-client", None): (
        "prom-client keeps a series for every distinct set of label values, forever: label with "
        "bounded values (the route template such as /orders/:id, a status class), never a raw "
        "path or an id, or call metric.remove(labels) for series that end."),
    ("express", None): (
        "Express keeps what is registered on the app or router for good: add middleware and "
        "routes once at start-up, not inside a request handler."),
}


def library_advice(package: str, category: str) -> str | None:
    return _ADVICE.get((package, category)) or _ADVICE.get((package, None))
