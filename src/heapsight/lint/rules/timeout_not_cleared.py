"""timeout-not-cleared (timer-leak)."""

from __future__ import annotations

from collections.abc import Iterator

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile


class TimeoutNotCleared(Rule):
    """What it does:
    Finds a `setTimeout` that guards one operation - its callback aborts, rejects, destroys or
    cancels it - started in a function that runs per call (or in the constructor of a class
    the file makes again), whose handle is thrown away or kept where nothing clears it, so
    nothing can clear it when the operation finishes first. Also a timer that settles the
    losing side of a `Promise.race` (`new Promise((r) => setTimeout(() => r(null), ms))`),
    and a timer armed around an await and cleared only after it, outside `finally`, in a
    function that catches the error and goes on (every failed call leaves it armed).

    Why is this bad?
    The timer stays pending for its whole delay after the operation is done, and its callback
    keeps the operation's objects alive (an AbortController and the request it aborts, a
    promise's reject and whatever awaits it). With a delay of minutes and steady traffic, the
    heap holds every request of the last few minutes; under load it can hold far more.

    Example:
    ```js
    async function get(url) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 120_000);
      const res = await fetch(url, { signal: controller.signal });
      return res.json();
    }
    ```

    Use instead:
    Keep the handle and clear it when the operation ends (in a `finally`), or let the
    platform own the timer (`AbortSignal.timeout(ms)`).
    ```js
    async function get(url) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 120_000);
      try {
        const res = await fetch(url, { signal: controller.signal });
        return await res.json();
      } finally {
        clearTimeout(timer);
      }
    }
    ```
    """

    id = "timeout-not-cleared"
    category = "timer-leak"
    summary = "An operation's timeout whose handle is dropped, so it is never cleared"
    fix = "Keep the handle and clearTimeout it when the operation ends, or use AbortSignal.timeout"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        for timeout in facts.dropped_timeouts:
            where = facts.describe(timeout.function)
            if timeout.teardown is not None:
                stop = facts.describe(timeout.teardown)
                yield self.finding(
                    source, timeout.call,
                    f"the timer started in {where} brings `{timeout.revives}` back when it "
                    f"fires, and {stop} resets `{timeout.revives}`, but the handle is dropped: "
                    f"a teardown before the timer fires cannot cancel it, and what it brings "
                    f"back lives on after its owner stopped it; keep the handle and clear it "
                    f"in the teardown")
                continue
            if timeout.skipped_on_throw:
                yield self.finding(
                    source, timeout.call,
                    f"the timeout started in {where} guards an await and is cleared only "
                    f"after it, outside finally: when the awaited call throws, the error is "
                    f"caught and the call goes on with the timer still armed; clear it in "
                    f"finally")
                continue
            yield self.finding(
                source, timeout.call,
                f"the timeout started in {where} ends the operation when it fires, but its "
                f"handle is dropped: when the operation finishes first nothing clears it, and "
                f"it keeps what its callback uses alive for the whole delay")
