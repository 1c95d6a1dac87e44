"""timer-overwritten (timer-leak)."""

from __future__ import annotations

from collections.abc import Iterator

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, text


class TimerOverwritten(Rule):
    """What it does:
    Finds a `setTimeout`/`setInterval` whose handle replaces one that may still be pending,
    without clearing it first: `this.timer = setTimeout(...)` in a method that can run again -
    whatever its name, when the file calls it from two places, from a listener or timer
    callback, from per-call code or from an exported function - an interval handle a per-call
    handler keeps on an object it was handed (`socket.state.feed = setInterval(...)`), or a
    timer kept in a collection entry under a key that can come again
    (`pending.set(id, { timer })`, `cache[key] = { value, timeout }`). A method only the
    constructor calls runs once per object; an entry under a counter's fresh id
    (`this.pending[this.nextCallId()]`) is never replaced; a function only timer callbacks
    call (its own retry) replaces a timer that has fired.

    Why is this bad?
    The old timer keeps running after its handle is gone, and nothing can clear it any more;
    its callback keeps everything it captured alive until it fires (or forever, for an
    interval), and when it fires it may act on the new entry. Under repeated calls these
    orphaned timers pile up.

    Example:
    ```js
    put(key, value, ttl) {
      const record = { value };
      record.timeout = setTimeout(() => this.del(key), ttl);
      this.cache[key] = record;
    }
    ```

    Use instead:
    Clear the previous handle before storing a new one (or return early when one is pending).
    ```js
    put(key, value, ttl) {
      const old = this.cache[key];
      if (old) clearTimeout(old.timeout);
      const record = { value };
      record.timeout = setTimeout(() => this.del(key), ttl);
      this.cache[key] = record;
    }
    ```
    """

    id = "timer-overwritten"
    category = "timer-leak"
    summary = "A timer handle is replaced without clearing the pending one"
    fix = "clearTimeout/clearInterval the previous handle before storing a new one"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        for timer in facts.overwritten_timers:
            where = facts.describe(timer.function)
            if timer.keyed:
                message = (f"the timer started in {where} is kept in a collection entry "
                           f"(`{timer.handle}`) under a key that can come again, and nothing "
                           f"clears the timer of the entry it replaces")
            elif text(timer.call.child_by_field_name("function")) == "setInterval":
                message = (f"`{timer.handle}` gets a new interval in {where} without clearing "
                           f"the one it may still hold; that interval keeps running, and with "
                           f"its handle gone nothing can stop it")
            else:
                message = (f"`{timer.handle}` gets a new timer in {where} without clearing "
                           f"the one it may still hold; the old timer can no longer be cleared")
            yield self.finding(source, timer.call, message)
