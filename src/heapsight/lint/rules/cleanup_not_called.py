"""cleanup-never-called (timer-leak)."""

from __future__ import annotations

from collections.abc import Iterator

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile


class CleanupNeverCalled(Rule):
    """What it does:
    Finds an object made per call (`new Poller(...)` in a request handler or a function it
    calls) whose class starts an interval - in its constructor, or in a method the call runs -
    that only another of its methods clears (`stop()`, `close()`, `destroy()`), when the call
    never runs that method on the object and does not hand the object on.

    Why is this bad?
    The cleanup exists, so the class is correct; the leak is in its user. The interval keeps
    running after the call, and its callback keeps the object - and whatever the object holds,
    often the request or response - alive for as long as the process lives. One per request
    piles up.

    Example:
    ```js
    app.post('/export', async (req, res) => {
      const progress = new ProgressReporter(res);  // setInterval in its constructor
      res.json(await loadRows(req.query));
    });
    ```

    Use instead:
    Call the cleanup where the call ends, on every path.
    ```js
    app.post('/export', async (req, res) => {
      const progress = new ProgressReporter(res);
      try {
        res.json(await loadRows(req.query));
      } finally {
        progress.stop();
      }
    });
    ```
    """

    id = "cleanup-never-called"
    category = "timer-leak"
    summary = "A per-call object's stop()/close() would clear its interval, and nothing calls it"
    fix = "Call the object's stop()/close() where the call ends (in a finally or on 'close')"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        for missed in facts.cleanup_not_called:
            where = facts.describe(missed.function)
            kept = f"`{missed.variable}`" if missed.variable else "the new object"
            yield self.finding(
                source, missed.new,
                f"{missed.cls} starts an interval (`{missed.handle}`) that only its "
                f"{missed.cleanup}() clears, but {where} never calls {missed.cleanup}() on "
                f"{kept}: the interval runs on after the call, keeping the object alive")
