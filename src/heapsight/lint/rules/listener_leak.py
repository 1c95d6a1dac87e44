"""listener-not-removed (listener-leak)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, emitter_and_event, last_name, text

# `bus.onAction(evt, fn)`, `license.onValidate(fn)`: a callback registration by its shape.
_REGISTRATION = re.compile(r"\.on[A-Z]\w*$")


class ListenerNotRemoved(Rule):
    """What it does:
    Finds `.on(...)`, `.addListener(...)` and `.addEventListener(...)` calls made in code that
    runs more than once - a request handler, a per-connection or per-message listener, a job,
    a method of a long-lived service, a function such code calls, a function the file calls
    again (`connect()` rerun on every reconnect, from a timer, a listener, a promise reaction
    of code that runs again) or hands out (exported, a public method of an exported class, a
    function of what an exported factory returns, an argument of another call: a plugin, a
    hook) - on an emitter that outlives the call (a
    module-level emitter, `process`, `window`, `this` or an injected field of a singleton, an
    emitter the caller passes in, the object of a method reached per call, a global the host
    set up), when that code never removes the listener (`off`, `removeListener`,
    `removeEventListener`) and does not pass `{ once: true }` or an AbortSignal. A
    `subscribe(fn)` to a stream an operator derives from such an emitter (`this.eventBus
    .ofType(E).subscribe(fn)`, `.pipe(map(f)).subscribe(fn)`) subscribes to the emitter, unless
    an operator ends it (`take`, `first`, `takeUntil`, `timeout`); a subscription handle kept
    in a local that is only read (`sub.closed` in a log line) is as good as dropped. The same
    function added again by a listener for a recurring event counts (Node's emitters keep it
    once per add), as does a function a method's caller hands in, and a registration spelled
    `onSomething(fn)` (or `onSomething(event, fn)`, its first argument naming an event, a
    topic or a key: a string, a constant, `topic`, `sagaId`; `util.onResEnd(res, fn)` tells a
    helper about an object of the call) with a function made at the call. A removal through
    an alias of `this` (`const client = this; client.removeListener(...)`) counts. Also
    finds removals that cannot work: a removal with a function made right there (`off('x', (e) => h(e))`,
    `.bind(this)`), which was never added (reported once, at the add it fails to undo: the
    per-call add, or else any add of that emitter and event in the file, as in a `start()`
    whose `stop()` removes a second `.bind(this)`); `once` for an event
    that only comes at the end (`process.once('SIGTERM', ...)` per connection); two `once`
    listeners where only one event may come (also chained, `x.once('done', resolve)
    .once('error', reject)`, and on the object itself in a method whose promise they settle),
    unless each is removed (the same function; removing another does nothing); a listener
    that only removes itself, after returning early for the events it is not waiting for; an async iterator wrapping another
    (a GraphQL subscription's) whose `return()` does not end the inner one; a function that
    reruns itself (a retry) with a listener still on and no removal on the rerun's path; a
    removal in a cleanup method its owner never calls; `socket.setTimeout(ms, fn)` on a
    keep-alive socket. A function nothing shows running twice (called once, from one place,
    and handed to nobody) is start-up code, whatever it looks like; so is one named like it
    (`start`, `initialize`, `setupRoutes`, `registerHandlers`) unless the file calls it again,
    exported or not. A listener on an object the same run has just made and stored
    (`this.server = http.createServer(app); this.server.on('error', ...)`) goes with that
    object; one in a registration API that passes its caller's function on (`onConnect(fn) {
    this.on('connected', fn) }`) is its caller's to remove. A
    `subscribe(...)`
    to a long-lived source (an RxJS subject, a store) from per-call code whose handle is
    dropped is the same leak.

    Why is this bad?
    Each call adds one more listener to a long-lived emitter, and the listener's closure keeps
    whatever it uses alive. After a day of traffic the emitter holds a million closures. Node
    prints `MaxListenersExceededWarning` at eleven listeners, but the leak goes on after it.

    Example:
    ```js
    const bus = new EventEmitter();
    app.get('/events', (req, res) => {
      bus.on('update', (data) => res.write(JSON.stringify(data)));
    });
    ```

    Use instead:
    Remove the listener when the call is done, usually in the response's `close` handler; or use
    `once`, or an AbortSignal.
    ```js
    app.get('/events', (req, res) => {
      const onUpdate = (data) => res.write(JSON.stringify(data));
      bus.on('update', onUpdate);
      res.on('close', () => bus.off('update', onUpdate));
    });
    ```
    """

    id = "listener-not-removed"
    category = "listener-leak"
    summary = "A listener added per call to a long-lived emitter is never removed"
    fix = "Remove the listener on close (off/removeListener), or use once or an AbortSignal"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        # removals with a function made on the spot, by (emitter, event): they undo nothing,
        # and are reported at the add they fail to undo when that add is reported
        futile: dict[tuple[str, str], list[Node]] = {}
        for removal in facts.futile_removals:
            key = emitter_and_event(removal)
            if key is not None:
                futile.setdefault(key, []).append(removal)
        reported: set[tuple[str, str]] = set()
        for add in facts.unremoved_listeners:
            function = add.call.child_by_field_name("function")
            method = text(function)
            at = add.call
            prop = function.child_by_field_name("property") if function is not None else None
            if prop is not None:  # `bus.once(...)`, also as a link of `bus\n.once(...).once(...)`
                method = f"{text(add.target)}.{text(prop)}"
                if prop.start_point[0] != add.call.start_point[0]:
                    at = prop
            if method.endswith(".subscribe"):
                shown = " ".join(text(function).split()) if function is not None else method
                yield self.finding(
                    source, add.call,
                    f"`{shown}(...)` runs in {facts.describe(add.scope)} and subscribes to "
                    f"`{text(add.target)}`, which outlives it, on every call; the handle that "
                    f"would end the subscription is dropped")
                continue
            where = facts.describe(add.scope)
            if facts.per_call_reason(add.scope) is None and add.reason:
                where += f" ({add.reason})"
            if _REGISTRATION.search(method):
                yield self.finding(
                    source, add.call,
                    f"`{method}(...)` runs in {where} and registers a new "
                    f"callback with `{text(add.target)}`, which outlives it, on every call; "
                    f"nothing unregisters it")
                continue
            key = emitter_and_event(add.call)
            first = key[1] if key is not None else ""
            removes = futile.get(key, []) if key is not None else []
            why = "nothing removes it" if not removes else (
                f"the removal on line {removes[0].start_point[0] + 1} passes a function made "
                f"right there, which never equals the one added, so it removes nothing")
            if not removes and "once" in method.rsplit(".", 1)[-1].lower():
                why = ("`once` removes it only if its event comes, and another `once` of this "
                       "call waits for an event that comes instead; remove each in the other's "
                       "handler")
            if key is not None:
                reported.add(key)
            yield self.finding(
                source, at,
                f"`{method}({first}, ...)` runs in {where} and adds a listener to "
                f"`{text(add.target)}`, which outlives it, on every call; {why}")
        for key, removals in futile.items():
            if key in reported:
                continue  # the add it fails to undo is reported: one leak, one finding
            undone = [add for add in facts.listener_adds if emitter_and_event(add) == key
                      and last_name(add.child_by_field_name("function") or add) != "once"]
            if undone:  # the leak is the add (`start()` adds, `stop()` removes nothing)
                yield self.finding(
                    source, undone[0],
                    f"this listener is removed on line {removals[0].start_point[0] + 1} with a "
                    f"function made right there, which never equals the one added here, so it "
                    f"is never removed; keep the added function (a field, a const) and remove "
                    f"that")
                continue
            for removal in removals:
                method = text(removal.child_by_field_name("function"))
                yield self.finding(
                    source, removal,
                    f"`{method}({key[1]}, ...)` removes a function made right here, which "
                    f"was never added, so it removes nothing and the listener stays; pass the "
                    f"same function that was added")
        for statement in facts.unforwarded_returns:
            yield self.finding(
                source, statement,
                "this iterator's `return()` never calls `return()` on the iterator it wraps, so "
                "when the consumer stops (an unsubscribe, a closed connection) the inner one "
                "keeps its subscription listener; forward `return()` to it")

