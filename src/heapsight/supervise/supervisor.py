"""The supervisor loop: start N instances, sample them, restart them safely, shut down cleanly.

Everything runs in one asyncio loop: the balancer, the control socket, the samplers and the
restart steps; blocking work (psutil, the inspector, SQLite-free snapshot streaming) goes to
worker threads. Restarts are serialised: one replace-then-retire at a time.

    replace-then-retire(N): start a replacement on a new port -> wait until it is ready (else
    abort, keep the old one) -> route to it -> stop routing to the old one -> let its in-flight
    requests finish (--drain-timeout) -> optional heap snapshot -> SIGTERM, --kill-timeout,
    SIGKILL of its process group.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sys
import time
from collections import deque
from pathlib import Path
from typing import IO, Any

from heapsight.errors import HeapsightError, UsageError
from heapsight.supervise.balancer import Balancer
from heapsight.supervise.config import RunOptions
from heapsight.supervise.events import EventLog
from heapsight.supervise.instance import (
    DRAINED,
    DRAINING,
    ERRORED,
    READY,
    STARTING,
    STOPPED,
    STOPPING,
    Instance,
    Slot,
)
from heapsight.supervise.limits import LimitWindow, backoff_delay

MIB = 1024 * 1024


def _mib(value: int | None) -> str:
    return "?" if value is None else f"{value / MIB:.1f} MiB"


class Supervisor:
    def __init__(self, options: RunOptions, run_dir: Path, events: EventLog,
                 echo: bool = True) -> None:
        self.options = options
        self.run_dir = run_dir
        self.events = events
        self.echo = echo
        self.slots = [Slot(n) for n in range(options.instances)]
        self.instances: list[Instance] = []  # every live instance, replacements included
        self.balancer = Balancer(lambda: self.instances) if options.balancer else None
        self.public_port: int | None = None
        self.swap_lock = asyncio.Lock()
        self.memory_restarts: deque[float] = deque()
        self.last_memory_restart = -1e18
        self.stopping = False
        self.stopped = asyncio.Event()
        self.started_wall = time.time()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.logs: dict[int, IO[bytes]] = {}
        self.control: Any = None  # supervise.control.ControlServer
        self.exporter: Any = None
        self.snapshots: list[Path] = []
        self.fatal: HeapsightError | None = None  # raised once everything is stopped

    # -- life of the whole run -------------------------------------------------------------------
    async def run(self) -> int:
        """Until SIGTERM/SIGINT (exit 0) or every instance errored (exit 1)."""
        loop = asyncio.get_running_loop()
        for number, handler in ((signal.SIGTERM, self.request_stop),
                                (signal.SIGINT, self.request_stop),
                                (signal.SIGHUP, self.request_reload)):
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.add_signal_handler(number, handler)
        try:
            await self._start_all()
            self._spawn(self._sample_loop())
            await self.stopped.wait()
        finally:
            await self._shutdown()
        if self.fatal is not None:
            raise self.fatal
        if all(slot.errored for slot in self.slots):
            return 1
        return 0

    async def _start_all(self) -> None:
        options = self.options
        if self.balancer is not None:
            assert options.port is not None
            try:
                self.public_port = await self.balancer.start(options.host, options.port)
            except OSError as exc:
                raise HeapsightError(f"cannot listen on {options.host}:{options.port} "
                                     f"({exc.strerror}); is another process using the port? "
                                     "Choose another --port") from None
        if self.control is not None:
            await self.control.start()
        self.events.emit("run-start", command=" ".join(options.command),
                         instances=options.instances, port=self.public_port,
                         run_dir=str(self.run_dir), pid=os.getpid())
        starts = [self._first_start(slot) for slot in self.slots]
        await asyncio.gather(*starts)
        if all(slot.errored for slot in self.slots):
            self.events.emit("all-errored", reason="no instance could be started")
            self.stopped.set()
            return
        self.events.emit("serving", port=self.public_port,
                         ready=sum(i.state == READY for i in self.instances))

    async def _first_start(self, slot: Slot) -> None:
        instance = await self._start_until_ready(slot, "start")
        if instance is None:
            return
        if self.options.max_memory is not None:
            self._spawn(self._check_start_up_memory(instance, self.options.max_memory))

    async def _check_start_up_memory(self, instance: Instance, limit: int) -> None:
        """A limit the first instance is over for its whole grace period (or more than the
        window, with no grace) is a configuration mistake, not a leak: say so and stop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(self.options.grace, self.options.over_for, 1.0)
        while True:
            rss = await loop.run_in_executor(None, instance.tree_rss)
            if rss is None or rss <= limit:
                return
            if loop.time() >= deadline:
                break
            await asyncio.sleep(min(1.0, self.options.sample_every))
        self.fatal = UsageError(
            f"--max-memory {_mib(limit)} is below instance {instance.number}'s start-up memory "
            f"({_mib(rss)} once started, through the whole grace period); raise the limit")
        self.stopped.set()

    def _spawn(self, work: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and not self.stopping:
            exc = task.exception()
            self.events.emit("internal-error", error=f"{type(exc).__name__}: {exc}")

    def request_stop(self) -> None:
        if self.stopping:  # a second Ctrl-C: do not wait for the drain
            self.options.drain_timeout = 0.0
            self.options.kill_timeout = min(self.options.kill_timeout, 1.0)
            return
        self.events.emit("shutdown-requested")
        self.stopped.set()

    def request_reload(self) -> None:
        self._spawn(self.reload())

    async def _shutdown(self) -> None:
        """Drain everything, stop every instance (SIGTERM, wait, SIGKILL)."""
        self.stopping = True
        for task in list(self.tasks):
            if task is not asyncio.current_task():
                task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), 5.0)
        try:
            if self.balancer is not None:
                await self.balancer.stop_accepting()
            for instance in self.instances:
                instance.routable = False
            if self.balancer is not None:
                waits = [self.balancer.wait_idle(i, self.options.drain_timeout)
                         for i in self.instances]
                await asyncio.gather(*waits)
            stops = [self._stop_instance(i, "shutdown") for i in list(self.instances)]
            await asyncio.gather(*stops, return_exceptions=True)
        finally:
            for instance in list(self.instances):
                instance.kill_now()
            if self.balancer is not None:
                await self.balancer.close()
            if self.control is not None:
                await self.control.close()
            if self.exporter is not None:
                with contextlib.suppress(Exception):
                    self.exporter.close()
            self.events.emit("run-stop")
            for log in self.logs.values():
                with contextlib.suppress(OSError):
                    log.close()

    # -- starting ---------------------------------------------------------------------------------
    def _log(self, number: int) -> IO[bytes]:
        if number not in self.logs:
            path = self.run_dir / f"instance-{number}.log"
            self.logs[number] = open(path, "ab",  # noqa: SIM115 (closed at shutdown)
                                     opener=lambda p, flags: os.open(p, flags, 0o600))
        return self.logs[number]

    async def _launch(self, slot: Slot) -> Instance:
        port = None
        base = self.options.backend_ports
        if base is not None:  # fixed ports for an external balancer: a pair per instance
            taken = {i.port for i in self.instances if i.slot is slot}
            port = next(p for p in (base + 2 * slot.number, base + 2 * slot.number + 1)
                        if p not in taken)
        instance = Instance(slot, self.options.command, self._log(slot.number),
                            self.options.cwd, self.echo, port)
        await instance.start()
        self.instances.append(instance)
        self.events.emit("start", slot.number, pid=instance.pid, port=instance.port)
        self._spawn(self._watch_exit(instance))
        return instance

    async def _wait_ready(self, instance: Instance) -> bool:
        """Ready: the port accepts, or --ready-url answers 2xx; False if it exits or times out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.ready_timeout
        while loop.time() < deadline:
            if instance.exited.is_set() or self.stopping:
                return False
            if await _probe(instance.port, self.options.ready_url):
                return True
            await asyncio.sleep(0.1)
        return False

    async def _start_until_ready(self, slot: Slot, reason: str) -> Instance | None:
        """Start instance N, retrying with backoff on failed starts; None once errored."""
        while not self.stopping:
            instance = await self._launch(slot)
            if await self._wait_ready(instance):
                self._make_ready(slot, instance)
                return instance
            why = (f"exited with code {instance.exit_code}" if instance.exited.is_set()
                   else f"not ready within {self.options.ready_timeout:g}s")
            self.events.emit("failed-start", slot.number, pid=instance.pid, reason=why)
            await self._stop_instance(instance, "failed-start")
            if not await self._back_off(slot, why):
                return None
        return None

    def _make_ready(self, slot: Slot, instance: Instance) -> None:
        instance.state = DRAINED if slot.drained else READY
        instance.ready_at = time.monotonic()
        instance.routable = not slot.drained
        slot.current = instance
        self._set_limits(instance)
        self.events.emit("ready", slot.number, pid=instance.pid, port=instance.port,
                         seconds=round(instance.ready_at - instance.started, 2))

    async def _back_off(self, slot: Slot, why: str) -> bool:
        """Count a crash; wait the backoff, or mark the slot errored past --max-restarts."""
        now = time.monotonic()
        slot.crashes.append(now)
        while slot.crashes and now - slot.crashes[0] > self.options.restart_window:
            slot.crashes.popleft()
        if len(slot.crashes) > self.options.max_restarts:
            slot.errored = True
            slot.current = None
            self.events.emit("errored", slot.number, crashes=len(slot.crashes),
                             window_seconds=self.options.restart_window, reason=why)
            print(f"heapsight: ERROR: instance {slot.number} crashed {len(slot.crashes)} times "
                  f"in {self.options.restart_window:g}s ({why}); it is marked errored and will "
                  "not be restarted; the others keep serving. Fix it, then "
                  f"`heapsight ctl restart {slot.number}`", file=sys.stderr, flush=True)
            if all(s.errored for s in self.slots) and not self.stopping:
                self.events.emit("all-errored", reason="every instance is errored")
                self.stopped.set()
            return False
        delay = backoff_delay(len(slot.crashes), self.options.backoff_initial,
                              self.options.backoff_max, random.random())
        slot.restarts["crash"] += 1
        self.events.emit("backoff", slot.number, seconds=round(delay, 2),
                         failures=len(slot.crashes))
        await asyncio.sleep(delay)
        return not self.stopping

    async def _watch_exit(self, instance: Instance) -> None:
        await instance.exited.wait()
        if instance in self.instances:
            self.instances.remove(instance)
        if self.balancer is not None:
            self.balancer.changed()
        slot = instance.slot
        if instance.stop_requested or self.stopping:
            instance.state = STOPPED
            return
        was = instance.state
        instance.state = STOPPED
        if was == STARTING:
            return  # _start_until_ready or the swap sees it and decides
        self.events.emit("crash", slot.number, pid=instance.pid, exit_code=instance.exit_code,
                         uptime_seconds=round(instance.age(), 1))
        if slot.current is instance:
            slot.current = None
            if await self._back_off(slot, f"exited with code {instance.exit_code}"):
                await self._start_until_ready(slot, "crash")

    async def _stop_instance(self, instance: Instance, reason: str) -> None:
        if instance.exited.is_set():
            instance.state = STOPPED
            return
        instance.state = STOPPING
        self.events.emit("stop", instance.number, pid=instance.pid, reason=reason)
        code = await instance.stop(self.options.kill_timeout)
        instance.state = STOPPED
        if code is not None and code == -signal.SIGKILL:
            self.events.emit("killed", instance.number, pid=instance.pid,
                             reason=f"still running {self.options.kill_timeout:g}s after SIGTERM")

    # -- replace, then retire -----------------------------------------------------------------------
    async def replace(self, slot: Slot, reason: str) -> dict[str, Any]:
        """Replace instance N (one swap at a time); the outcome as a small dict."""
        async with self.swap_lock:
            if self.stopping:
                return {"ok": False, "reason": "shutting down"}
            old = slot.current
            if slot.errored:  # `ctl restart N` after a fix: a fresh start, crash count reset
                slot.errored = False
                slot.crashes.clear()
                started = await self._start_until_ready(slot, reason)
                return {"ok": started is not None}
            if old is None or old.exited.is_set():
                return {"ok": False, "reason": f"instance {slot.number} is restarting after a "
                        "crash already"}
            old.replacing = True
            try:
                return await self._replace(slot, old, reason)
            finally:
                old.replacing = False

    async def _replace(self, slot: Slot, old: Instance, reason: str) -> dict[str, Any]:
        self.events.emit("restart-begin", slot.number, pid=old.pid, reason=reason)
        new = await self._launch(slot)
        if not await self._wait_ready(new):
            why = (f"exited with code {new.exit_code}" if new.exited.is_set()
                   else f"not ready within {self.options.ready_timeout:g}s")
            self.events.emit("swap-aborted", slot.number, pid=new.pid, reason=why,
                             kept_pid=old.pid)
            await self._stop_instance(new, "swap-aborted")
            return {"ok": False, "reason": f"the replacement {why}; instance {slot.number} "
                    f"(pid {old.pid}) keeps serving"}
        self._make_ready(slot, new)
        await self._retire(old, reason)
        slot.restarts[reason] += 1
        self.events.emit("restarted", slot.number, reason=reason, old_pid=old.pid,
                         pid=new.pid, port=new.port)
        return {"ok": True, "pid": new.pid}

    async def _retire(self, old: Instance, reason: str) -> None:
        old.routable = False
        old.state = DRAINING
        self.events.emit("drain", old.number, pid=old.pid, reason=reason)
        finished = await self._drain(old, self.options.drain_timeout)
        if not finished:
            cut = self.balancer.close_pinned(old) if self.balancer is not None else None
            self.events.emit("drain-timeout", old.number, pid=old.pid, cut_connections=cut,
                             seconds=self.options.drain_timeout)
        if self.options.snapshot_on_restart and reason != "shutdown":
            await self._snapshot_on_restart(old)
        await self._stop_instance(old, reason)

    async def _drain(self, instance: Instance, timeout: float) -> bool:
        if self.balancer is not None:
            return await self.balancer.wait_idle(instance, timeout)
        # Without our balancer: wait until no TCP connection is open on its port any more.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await asyncio.sleep(min(timeout, 1.0))  # the external health check's interval
        while loop.time() < deadline:
            if await loop.run_in_executor(None, instance.established) == 0:
                return True
            await asyncio.sleep(0.2)
        return False

    async def _snapshot_on_restart(self, instance: Instance) -> None:
        from heapsight.supervise import heap

        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.run_dir / f"instance-{instance.number}-{instance.pid}-{stamp}.heapsnapshot"
        loop = asyncio.get_running_loop()
        try:
            info = await loop.run_in_executor(None, heap.snapshot, instance, path)
        except HeapsightError as exc:
            self.events.emit("snapshot-failed", instance.number, pid=instance.pid, error=str(exc))
            return
        self.events.emit("snapshot", instance.number, pid=instance.pid, path=str(path),
                         bytes=info.bytes_written, pause_seconds=round(info.pause_seconds, 2))
        self.snapshots.append(path)
        while len(self.snapshots) > self.options.keep_snapshots:
            with contextlib.suppress(OSError):
                self.snapshots.pop(0).unlink()

    async def reload(self) -> dict[str, Any]:
        """SIGHUP / `ctl reload`: replace every instance, one at a time."""
        self.events.emit("reload")
        results = {}
        for slot in self.slots:
            if slot.errored or self.stopping:
                continue
            results[slot.number] = await self.replace(slot, "reload")
        return {"ok": all(r.get("ok") for r in results.values()), "instances": results}

    # -- drain on demand ----------------------------------------------------------------------------
    async def drain(self, slot: Slot) -> dict[str, Any]:
        slot.drained = True
        instance = slot.current
        if instance is None:
            return {"ok": False, "reason": f"instance {slot.number} is not running"}
        instance.routable = False
        instance.state = DRAINING
        self.events.emit("drain", slot.number, pid=instance.pid, reason="ctl")
        if self.balancer is not None:
            self.balancer.release_idle(instance)
        finished = await self._drain(instance, self.options.drain_timeout)
        if slot.drained and instance.state == DRAINING:
            instance.state = DRAINED
        self.events.emit("drained", slot.number, pid=instance.pid, finished=finished)
        return {"ok": True, "finished": finished}

    def resume(self, slot: Slot) -> dict[str, Any]:
        slot.drained = False
        instance = slot.current
        if instance is None:
            return {"ok": False, "reason": f"instance {slot.number} is not running"}
        if instance.state in (DRAINING, DRAINED):
            instance.state = READY
            instance.routable = True
        self.events.emit("resume", slot.number, pid=instance.pid)
        if self.balancer is not None:
            self.balancer.changed()
        return {"ok": True}

    # -- sampling and limits ------------------------------------------------------------------------
    def _set_limits(self, instance: Instance) -> None:
        options = self.options
        if options.max_memory is not None:
            instance.limits["rss"] = LimitWindow(options.max_memory, options.over_for,
                                                 options.grace)
        if options.max_heap is not None:
            instance.limits["heap_used"] = LimitWindow(options.max_heap, options.over_for,
                                                       options.grace)

    async def _sample_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.stopping:
            started = loop.time()
            # Side by side, so one slow inspector (an instance inside a heap snapshot) does
            # not delay the others' samples.
            sampled = [i for i in self.instances
                       if i.state in (READY, DRAINED, DRAINING) and not i.exited.is_set()]
            outcomes = await asyncio.gather(*(self._sample(i) for i in sampled),
                                            return_exceptions=True)
            for instance, outcome in zip(sampled, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    self.events.emit("internal-error", instance.number,
                                     error=f"sampling: {type(outcome).__name__}: {outcome}")
            await asyncio.sleep(max(0.05, self.options.sample_every - (loop.time() - started)))

    async def _sample(self, instance: Instance) -> None:
        from heapsight.supervise import heap

        loop = asyncio.get_running_loop()
        instance.rss = await loop.run_in_executor(None, instance.tree_rss)
        if self.options.max_heap is not None and not instance.debugging:
            instance.heap_used = await loop.run_in_executor(None, heap.heap_used, instance)
        now = time.time()
        self.events.memory(instance.number, instance.pid, rss=instance.rss,
                           heap_used=instance.heap_used)
        measure = instance.heap_used if self.options.max_heap is not None else instance.rss
        if measure is not None:
            instance.samples.append((now, measure))
            del instance.samples[:-3600]
        # The exporter's target is the slot (NAME/N), so only its current process speaks for
        # it: during a replace the old one is still sampled while it drains, and its state
        # (draining, stopping) would overwrite the new one's `ready` until the next round.
        if self.exporter is not None and instance.slot.current is instance:
            self.exporter.update_instance(self, instance)
        # The trend (shown by status and --serve) every sample with --restart-on-leak, which
        # acts on it, else every tenth: it is only information then.
        if self.options.restart_on_leak or len(instance.samples) % 10 == 0:
            await self._judge_trend(instance)
        if instance.state != READY or instance.slot.current is not instance:
            return
        for metric, window in instance.limits.items():
            value = getattr(instance, metric)
            verdict = window.judge(value, loop.time(), instance.age())
            if verdict == "grace":
                self.events.emit("over-limit-in-grace", instance.number, pid=instance.pid,
                                 metric=metric, value=value, limit=window.limit,
                                 grace_seconds=window.grace)
            elif verdict == "crossed":
                self.events.emit("over-limit", instance.number, pid=instance.pid, metric=metric,
                                 value=value, limit=window.limit,
                                 restart_after_seconds=window.over_for)
            elif verdict == "exceeded":
                self._memory_restart(instance, f"{metric} {_mib(value)} over the "
                                     f"{_mib(window.limit)} limit for {window.over_for:g}s",
                                     "memory")
                return

    async def _judge_trend(self, instance: Instance) -> None:
        from heapsight.supervise import heap

        limit = self.options.max_heap or self.options.max_memory
        if len(instance.samples) < 24 or instance.age() < self.options.grace:
            return
        loop = asyncio.get_running_loop()
        instance.trend = await loop.run_in_executor(None, heap.trend, instance.samples, limit)
        remaining = instance.trend.get("time_to_limit_seconds")
        if self.options.restart_on_leak and instance.trend.get("verdict") == "leak" and remaining is not None and \
                remaining <= self.options.horizon and instance.slot.current is instance and \
                instance.state == READY:
            self._memory_restart(instance, f"leak: the trend reaches the limit in "
                                 f"{remaining:.0f}s (horizon {self.options.horizon:g}s)", "leak")

    def _memory_restart(self, instance: Instance, why: str, kind: str) -> None:
        """Start a memory restart unless a cap withholds it (which is an event too)."""
        if instance.replacing:
            return  # already on its way out
        now = time.monotonic()
        while self.memory_restarts and now - self.memory_restarts[0] > 3600:
            self.memory_restarts.popleft()
        withheld = None
        if self.swap_lock.locked():
            withheld = "another restart is in progress"
        elif len(self.memory_restarts) >= self.options.max_memory_restarts:
            withheld = (f"--max-memory-restarts {self.options.max_memory_restarts} per hour "
                        "reached")
        elif now - self.last_memory_restart < self.options.memory_cooldown:
            left = self.options.memory_cooldown - (now - self.last_memory_restart)
            withheld = f"--memory-cooldown: {left:.0f}s left"
        slot = instance.slot
        if withheld is not None:
            if slot.memory_restarts_withheld != withheld.split(":")[0]:
                self.events.emit("restart-withheld", slot.number, pid=instance.pid, cause=why,
                                 reason=withheld)
                slot.memory_restarts_withheld = withheld.split(":")[0]
            return
        slot.memory_restarts_withheld = None
        self.memory_restarts.append(now)
        self.last_memory_restart = now
        for window in instance.limits.values():
            window.over_since = None
        self.events.emit("memory-restart", slot.number, pid=instance.pid, reason=why)
        self._spawn(self.replace(slot, kind))

    # -- reporting --------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        listed = []
        for slot in self.slots:
            members = [i for i in self.instances if i.slot is slot]
            if not members and slot.errored:
                listed.append({"id": slot.number, "pid": None, "port": None, "state": ERRORED,
                               "restarts": dict(slot.restarts)})
            listed.extend(i.status() for i in sorted(members, key=lambda i: i.uid))
        return {"name": self.options.name, "pid": os.getpid(), "port": self.public_port,
                "balancer": self.balancer is not None, "run_dir": str(self.run_dir),
                "control_http": getattr(self.control, "http_port", None),
                "uptime_seconds": round(time.time() - self.started_wall, 1),
                "instances": listed}

    def slot(self, number: int) -> Slot:
        if not 0 <= number < len(self.slots):
            raise UsageError(f"no instance {number}; this run has instances 0 to "
                             f"{len(self.slots) - 1}")
        return self.slots[number]


async def _probe(port: int, ready_url: str | None) -> bool:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1.0)
    except (OSError, TimeoutError):
        return False
    try:
        if ready_url is None:
            return True
        writer.write(f"GET {ready_url} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     "Connection: close\r\n\r\n".encode("latin-1"))
        line = await asyncio.wait_for(reader.readline(), 2.0)
        parts = line.split()
        return len(parts) >= 2 and parts[1][:1] == b"2"
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


def run_supervised(options: RunOptions, echo: bool = True) -> int:
    """`heapsight run`: claim the name, make the run folder, supervise until told to stop."""
    from heapsight.live.hunt import new_run_dir
    from heapsight.monitor.store import History, default_path
    from heapsight.supervise.control import ControlServer, claim

    history = None
    if not options.no_history:
        history = History(options.history or default_path())
    run_dir: Path | None = None
    events: EventLog | None = None
    try:
        supervisor_box: list[Supervisor] = []

        async def main() -> int:
            nonlocal run_dir, events
            claim(options.name)
            run_dir = new_run_dir(options.runs_folder / options.name)
            events = EventLog(run_dir / "events.jsonl", history, f"run:{options.name}", echo)
            supervisor = Supervisor(options, run_dir, events, echo)
            supervisor_box.append(supervisor)
            supervisor.control = ControlServer(supervisor)
            if options.serve is not None:
                from heapsight.supervise.metrics import RunExporter

                supervisor.exporter = RunExporter(options.serve)
                events.emit("metrics", url=supervisor.exporter.url)
            return await supervisor.run()

        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(main())
    finally:
        if events is not None:
            events.close()
        elif history is not None:
            history.close()


def _loop_factory() -> Any:
    """uvloop's loop when it is installed (`pip install heapsight[fast]`), else asyncio's;
    HEAPSIGHT_LOOP=asyncio forces the standard one."""
    if os.environ.get("HEAPSIGHT_LOOP") == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
