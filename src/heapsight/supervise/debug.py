"""`heapsight ctl debug N`: the safe production workflow in one command.

Drain instance N (the others keep serving), run `hunt` against N's own port and inspector
(controlled load on it alone, three snapshots, find-leaks), put N back, return the diagnosis.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heapsight.errors import HeapsightError, UsageError
from heapsight.live.hunt import HuntPlan, HuntResult, hunt
from heapsight.supervise import heap

if TYPE_CHECKING:
    from collections.abc import Callable

    from heapsight.supervise.instance import Instance, Slot
    from heapsight.supervise.supervisor import Supervisor


def _plan(instance: Instance, options: dict[str, Any], runs_folder: Path) -> HuntPlan:
    path = str(options.get("path") or "/")
    if not path.startswith("/"):
        raise UsageError(f"--path expects a URL path such as /orders, not {path!r}")
    plan = HuntPlan(inspect=heap.inspector_address(instance),
                    urls=[f"http://127.0.0.1:{instance.port}{path}"], runs_folder=runs_folder)
    for key in ("requests", "warmup", "concurrency"):
        if options.get(key) is not None:
            setattr(plan, key, int(options[key]))
    return plan


def _render(result: HuntResult) -> str:
    from rich.console import Console

    from heapsight.report.leaks import render_text

    buffer = io.StringIO()
    console = Console(file=buffer, width=110, highlight=False, force_terminal=False)
    if result.report is not None:
        render_text(result.report, console)
    console.print(f"\nSnapshots in {result.run_dir}", soft_wrap=True)
    return buffer.getvalue()


async def debug(supervisor: Supervisor, slot: Slot, options: dict[str, Any],
                say: Callable[[str], None]) -> dict[str, Any]:
    instance = slot.current
    if instance is None or instance.exited.is_set():
        raise HeapsightError(f"instance {slot.number} is not running")
    if sum(s.current is not None and s.current.routable for s in supervisor.slots
           if s is not slot) == 0:
        raise HeapsightError(f"instance {slot.number} is the only one serving; draining it "
                             "would leave nobody to take requests (run more --instances)")
    loop = asyncio.get_running_loop()

    def say_from_thread(message: str) -> None:
        loop.call_soon_threadsafe(say, message)

    was_drained = slot.drained
    supervisor.events.emit("debug-begin", slot.number, pid=instance.pid)
    say(f"draining instance {slot.number} (pid {instance.pid}); the others keep serving")
    await supervisor.drain(slot)
    instance.debugging = True
    if instance.inspector is not None:  # one debugger session at a time: the hunt's
        instance.inspector.close()
        instance.inspector = None
    try:
        plan = await loop.run_in_executor(
            None, _plan, instance, options, supervisor.run_dir / "debug")
        say(f"hunting on 127.0.0.1:{instance.port} (inspector {plan.inspect[1]})"
            if plan.inspect else "hunting")
        result = await loop.run_in_executor(None, lambda: hunt(plan, say=say_from_thread))
    finally:
        instance.debugging = False
        if not was_drained and slot.current is instance:
            supervisor.resume(slot)
            say(f"instance {slot.number} back in rotation")
    body = result.to_json()
    supervisor.events.emit("debug-end", slot.number, pid=instance.pid, run_dir=str(result.run_dir),
                           leaks=len(body.get("leaks", [])))
    return {"ok": True, "report": body, "text": _render(result)}
