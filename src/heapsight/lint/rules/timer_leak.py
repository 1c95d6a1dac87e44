"""interval-not-cleared (timer-leak)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, text


class IntervalNotCleared(Rule):
    """What it does:
    Finds `setInterval` calls inside functions whose handle is dropped (so nothing can ever stop
    the timer), or stored in a variable or property that no `clearInterval` in the file clears -
    including a class that starts an interval in one method and has no method that clears it,
    or clears it only just before starting the next one. In per-call code, an interval cleared
    only in a `catch`, only after an await outside `finally`, or only on 'finish' of a stream it
    writes to and never ends (a client that leaves brings 'close'), is not cleared either. A
    handle only turned into a flag or printed (`Boolean(timer)`, `log.debug('polling', timer)`)
    is not handed to anything that could clear it.

    Why is this bad?
    An interval runs until it is cleared, and it keeps its callback's closure - and everything
    that closure reaches - alive the whole time. Started per request or per object, intervals
    pile up: each one costs memory and CPU for as long as the process lives.

    Example:
    ```js
    class Poller {
      start() {
        this.timer = setInterval(() => this.poll(), 1000);
      }
    }
    ```

    Use instead:
    Keep the handle and clear it when the work is done: in `stop()`/`close()`, or when the
    request or connection closes.
    ```js
    class Poller {
      start() {
        this.timer = setInterval(() => this.poll(), 1000);
      }
      stop() {
        clearInterval(this.timer);
      }
    }
    ```
    """

    id = "interval-not-cleared"
    category = "timer-leak"
    summary = "setInterval whose handle is dropped or never cleared"
    fix = "Keep the handle and clearInterval it in stop()/close() or when the request closes"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        for start in facts.interval_starts:
            if start.cleared:
                continue
            where = facts.describe(start.function)
            if start.self_cleared_only:
                message = (f"setInterval in {where} is cleared only from inside its own "
                           f"callback, on a condition the end of the call may never meet; "
                           f"clear `{start.handle}` where the connection or request ends too")
            elif start.cleared_on_success_only:
                message = (f"setInterval in {where} is cleared only on a path the call may "
                           f"never take (only in a catch, after an await outside "
                           f"finally/catch, or on 'finish' "
                           f"of a stream that ends when the client leaves, which emits only "
                           f"'close'): `{start.handle}` then runs for good; clear it in a "
                           f"finally, or on 'close'")
            elif not start.handle:
                message = (f"setInterval in {where} drops its handle, so the timer can never be "
                           f"cleared; each call starts one more interval that runs forever")
            elif start.handle.startswith("this."):
                owner = _class_name(start.call)
                message = (f"{owner or 'this class'} starts an interval in {where} "
                           f"(`{start.handle}`) but no method clears it; add a stop()/close() "
                           f"that calls clearInterval({start.handle})")
            else:
                message = (f"setInterval in {where} keeps its handle in `{start.handle}` but "
                           f"nothing calls clearInterval({start.handle})")
            yield self.finding(source, start.call, message)


def _class_name(node: Node) -> str:
    parent = node.parent
    while parent is not None and parent.type not in ("class_declaration", "class"):
        parent = parent.parent
    if parent is None:
        return ""
    name = parent.child_by_field_name("name")
    return f"class {text(name)}" if name is not None else ""
