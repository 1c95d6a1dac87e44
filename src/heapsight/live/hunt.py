"""The automated leak hunt: start (or attach to) a Node.js service, drive load between three heap
snapshots, and hand them to find-leaks.

    warm up -> GC + baseline -> load -> GC + target -> load -> GC + final -> find-leaks -> report

Objects allocated during the first load and still alive after the second are the leak
candidates (the three-snapshot technique DevTools' docs and MemLab use). Everything a run
produces stays in one run folder: baseline/target/final snapshots (0600), the service's log and
report.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from heapsight.errors import HeapsightError, UsageError
from heapsight.fileio import write_text_atomic
from heapsight.live.allocations import Frame, allocation_stacks
from heapsight.live.attach import (
    attach_inspector,
    find_inspector,
    open_inspector,
    request_inspector_close,
    wait_inspector_closed,
)
from heapsight.live.inspector import (
    Inspector,
    SnapshotInfo,
    SnapshotProgress,
    ensure_free_space,
    list_targets,
)
from heapsight.live.load import LoadResult, run_load
from heapsight.live.service import (
    Service,
    ServiceExited,
    ensure_port_free,
    free_port,
    url_address,
)

SNAPSHOT_NAMES = ("baseline", "target", "final")


@dataclass
class HuntPlan:
    """What to hunt and how. Exactly one of `command`, `pid`, `inspect` says where the process is;
    `urls` (built-in load) or `load_command` says how to make it work."""

    command: list[str] = field(default_factory=list)
    pid: int | None = None
    inspect: tuple[str, int] | None = None
    urls: list[str] = field(default_factory=list)
    requests: int = 1000  # in each of the two load phases
    warmup: int = 200
    concurrency: int = 10
    method: str = "GET"
    body: bytes | None = None
    load_command: str | None = None
    track_allocations: bool = False
    runs_folder: Path = Path("heapsight-runs")
    ready_timeout: float = 30.0
    env: dict[str, str] | None = None  # for the service and load command; None: ours, unchanged
    cwd: Path | None = None


@dataclass
class HuntResult:
    run_dir: Path
    snapshots: list[Path]
    pauses: list[float]  # seconds each snapshot held the process
    heap_used: list[int]  # bytes after the GC before each snapshot
    loads: list[LoadResult] = field(default_factory=list)  # built-in load phases, in order
    report: Any | None = None  # a find-leaks LeakReport; None when find-leaks is unavailable
    report_path: Path | None = None
    # leak example object id -> the JS stack that allocated it (with --track-allocations)
    allocation_stacks: dict[int, list[Frame]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The find-leaks JSON of the guide, plus where this run's files are."""
        body: dict[str, Any] = self.report.to_json() if self.report is not None else {"leaks": []}
        for leak in body["leaks"]:
            stack = self.allocation_stacks.get(leak.get("example_id", -1))
            if stack is not None:
                leak["allocation_stack"] = [asdict(frame) for frame in stack]
        body["run_dir"] = str(self.run_dir)
        body["snapshots"] = [str(path) for path in self.snapshots]
        body["pause_seconds"] = [round(pause, 3) for pause in self.pauses]
        body["heap_used"] = self.heap_used
        if self.report is None:
            body["analysed"] = False
        return body


def new_run_dir(runs_folder: Path) -> Path:
    """`runs_folder/<UTC timestamp>`, created private; a suffix keeps concurrent runs apart."""
    runs_folder = runs_folder.absolute()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    try:
        runs_folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HeapsightError(f"cannot create the runs folder {runs_folder}: {exc.strerror}") from None
    ignore = runs_folder / ".gitignore"
    if not ignore.exists():
        # Snapshots hold secrets and are large: keep them out of the user's git by default.
        with contextlib.suppress(OSError):
            ignore.write_text("# heapsight run folders: heap snapshots can hold secrets\n*\n")
    for attempt in range(1, 100):
        run_dir = runs_folder / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            run_dir.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return run_dir
    raise HeapsightError(f"cannot find a free run folder name in {runs_folder}")


def _check_plan(plan: HuntPlan) -> None:
    sources = sum([bool(plan.command), plan.pid is not None, plan.inspect is not None])
    if sources != 1:
        raise UsageError("give the service to hunt as `-- COMMAND...`, or --pid PID, or "
                         "--inspect HOST:PORT (exactly one)")
    if plan.pid is not None and plan.pid <= 0:
        raise UsageError(f"--pid expects a process id (a positive number), not {plan.pid}")
    if not plan.urls and not plan.load_command:
        raise UsageError("give --url URL (the built-in load) or --load \"CMD\" to exercise the "
                         "service between snapshots")
    if plan.requests < 1 or plan.concurrency < 1 or plan.warmup < 0:
        raise UsageError("--requests and --concurrency must be at least 1, --warmup at least 0")
    for url in plan.urls:
        url_address(url)  # fails early on a malformed URL


# name -> a context manager yielding the progress callback for that snapshot
ProgressFactory = Callable[[str], AbstractContextManager[SnapshotProgress]]


def hunt(plan: HuntPlan, say: Callable[[str], None] = lambda message: None,
         progress: ProgressFactory | None = None,
         load_progress: ProgressFactory | None = None) -> HuntResult:
    """Run the whole hunt; `say` receives one line per step, `progress` (optional) shows each
    snapshot being written and `load_progress` each load phase (requests done of total).
    Stops the service it started on success, failure and Ctrl-C."""
    _check_plan(plan)
    address: tuple[str, int] | None = plan.inspect
    opened = False  # heapsight opened the inspector of --pid, and closes it when done
    if plan.command:
        for url in plan.urls:
            if url_address(url)[0] in ("127.0.0.1", "localhost", "::1"):
                ensure_port_free(url)
    elif plan.pid is not None:
        # before the run folder: a wrong pid leaves nothing
        host, port, opened = attach_inspector(plan.pid)
        address = host, port
    run_dir = new_run_dir(plan.runs_folder)
    say(f"run folder: {run_dir}")
    result = HuntResult(run_dir, [], [], [])
    try:
        with _terminate_as_interrupt():
            _hunt_in(plan, address, result, say, progress, close_inspector=opened,
                     load_progress=load_progress)
    except BaseException:
        # A run that failed before anything worth keeping leaves no folder behind.
        log = run_dir / "service.log"
        with contextlib.suppress(OSError):
            if log.stat().st_size == 0:
                log.unlink()
        with contextlib.suppress(OSError):
            run_dir.rmdir()  # only succeeds when the folder is empty
        raise
    finally:
        if opened and address is not None and plan.pid is not None:
            if wait_inspector_closed(plan.pid, address[1]):
                say(f"closed the inspector heapsight opened on {address[0]}:{address[1]}")
            else:
                say(f"warning: the inspector heapsight opened on {address[0]}:{address[1]} "
                    "is still open")
    _analyse(result, plan.track_allocations, say)
    return result


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM/SIGHUP to heapsight unwind like Ctrl-C, so the service is stopped, not orphaned
    (it runs in its own session and would not see the terminal's signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt)
                for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _hunt_in(plan: HuntPlan, address: tuple[str, int] | None, result: HuntResult,
             say: Callable[[str], None], progress: ProgressFactory | None,
             close_inspector: bool = False, load_progress: ProgressFactory | None = None) -> None:
    with contextlib.ExitStack() as stack:
        service: Service | None = None
        if plan.command:
            service = stack.enter_context(Service(
                plan.command, result.run_dir / "service.log", inspect_port=free_port(avoid=plan.urls),
                env=plan.env, cwd=plan.cwd))
            say(f"started {' '.join(plan.command)} (pid {service.pid}); its output goes to "
                f"{service.log_path}")
            say(f"waiting up to {plan.ready_timeout:g}s for "
                f"{plan.urls[0] if plan.urls else 'the service to listen on a port'} to answer")
            waited = time.monotonic()
            service.wait_ready(plan.urls, plan.ready_timeout)
            say(f"the service answered after {time.monotonic() - waited:.1f}s")
            address = _service_inspector(service, plan)
        assert address is not None
        host, port = address
        inspector = stack.enter_context(Inspector.connect(host, port, timeout=10.0))
        say(f"inspector connected at {host}:{port}")
        if service is not None:
            service.release_debugger = inspector.close
        try:
            _drive(plan, inspector, service, result, say, progress, load_progress)
        except ServiceExited:
            raise
        except HeapsightError:
            if service is not None and service.exit_code() is not None:
                raise service.exited_error("during the hunt") from None
            raise
        finally:
            if close_inspector:  # leave the process as we found it: inspector closed
                with contextlib.suppress(HeapsightError):
                    request_inspector_close(inspector)
        if service is not None:
            say("stopping the service")


def _service_inspector(service: Service, plan: HuntPlan) -> tuple[str, int]:
    """Where the started service's inspector listens, once it is up."""
    if service.needs_signal:  # not node itself: open the app's inspector with SIGUSR1
        service_port = url_address(plan.urls[0])[1] if plan.urls else None
        return find_inspector(service.node_pid(service_port), port=service.inspect_port)
    assert service.inspect_port is not None
    deadline = time.monotonic() + plan.ready_timeout
    while True:
        service.check_alive("while its inspector was starting")
        try:
            list_targets("127.0.0.1", service.inspect_port, timeout=1.0)
            return "127.0.0.1", service.inspect_port
        except HeapsightError:
            # The command may carry its own --inspect (a later flag wins): look where it went.
            with contextlib.suppress(HeapsightError, psutil.Error):
                found = open_inspector(psutil.Process(service.node_pid()))
                if found is not None:
                    return found
            if time.monotonic() > deadline:
                raise HeapsightError(f"the service's inspector did not open on 127.0.0.1:"
                                     f"{service.inspect_port}; check {service.log_path}") from None
            time.sleep(0.1)


def _drive(plan: HuntPlan, inspector: Inspector, service: Service | None, result: HuntResult,
           say: Callable[[str], None], progress: ProgressFactory | None,
           load_progress: ProgressFactory | None = None) -> None:
    if plan.urls and plan.warmup:
        _load_phase(plan, "warm-up", plan.warmup, service, result, say, load_progress)
    if plan.track_allocations:
        inspector.start_tracking_allocations()
        say("allocation tracking on: leaked objects will carry the stack that allocated them")
    for index, name in enumerate(SNAPSHOT_NAMES):
        if index:
            _load_phase(plan, f"load {index}", plan.requests, service, result, say,
                        load_progress)
        _snapshot(inspector, result.run_dir / f"{name}.heapsnapshot", name, service, result, say,
                  progress, collect_first=not plan.track_allocations)
    if plan.track_allocations and service is None:
        inspector.stop_tracking_allocations()  # leave an attached process as we found it


def _snapshot(inspector: Inspector, path: Path, name: str, service: Service | None,
              result: HuntResult, say: Callable[[str], None],
              progress: ProgressFactory | None, collect_first: bool = True) -> None:
    # HeapProfiler.collectGarbage (a memory-reducing full GC) while V8 tracks allocations
    # loses the tracker's stacks: in a node program that starts tracking, collects, then
    # allocates 300 objects, 0 to 5 of them had a stack in the next snapshot (300 without the
    # collection). The snapshot collects garbage itself, so with tracking on, heap used is read
    # after it instead.
    if collect_first:
        inspector.collect_garbage()
    usage = inspector.heap_usage()
    ensure_free_space(path.parent, int(usage["heap_total"] or 0))
    if service is not None:
        service.check_alive(f"before the {name} snapshot")
    with progress(name) if progress is not None else contextlib.nullcontext(None) as update:
        info: SnapshotInfo = inspector.take_heap_snapshot(path, progress=update)
    if not collect_first:
        usage = inspector.heap_usage()
    result.snapshots.append(path)
    result.pauses.append(info.pause_seconds)
    result.heap_used.append(int(usage["heap_used"] or 0))
    say(f"{name} snapshot: heap used {int(usage['heap_used'] or 0) / 2**20:.1f} MiB after GC, "
        f"{info.bytes_written / 2**20:.1f} MiB written, process paused {info.pause_seconds:.2f}s")


def _load_phase(plan: HuntPlan, name: str, requests: int, service: Service | None,
                result: HuntResult, say: Callable[[str], None],
                load_progress: ProgressFactory | None = None) -> None:
    if plan.load_command and name != "warm-up":
        _command_load(plan, name, service, result.run_dir, say)
        return
    say(f"{name}: sending {requests} requests, {plan.concurrency} at a time")
    bar = load_progress(name) if load_progress is not None else contextlib.nullcontext(None)
    with bar as update:
        load = run_load(plan.urls, requests, plan.concurrency, plan.method, plan.body,
                        on_progress=(lambda done: update(done, requests)) if update else None,
                        stop_when=service.exiting if service is not None else None)
    if service is not None:
        service.check_alive(f"during the {name} phase")
    if name != "warm-up":
        result.loads.append(load)
    say(f"{name}: {load.requests} requests in {load.seconds:.1f}s "
        f"({load.requests_per_second:.0f}/s), {load.failed} failed")
    if load.ok == 0:
        first = load.errors[0] if load.errors else f"statuses {load.statuses}"
        raise HeapsightError(f"no request succeeded during the {name} phase ({first}); check "
                             "--url and that the service listens there")


def _command_load(plan: HuntPlan, name: str, service: Service | None, run_dir: Path,
                  say: Callable[[str], None]) -> None:
    assert plan.load_command is not None
    try:
        words = shlex.split(plan.load_command)
    except ValueError as exc:
        raise UsageError(f"--load {plan.load_command!r} is not a valid command: {exc}") from None
    if not words:
        raise UsageError("--load needs a command")
    log = run_dir / f"{name.replace(' ', '-')}.log"
    say(f"{name}: running {plan.load_command}")
    with Service(words, log, env=plan.env, cwd=plan.cwd, name="load command") as load:
        while load.exit_code() is None:
            if service is not None:
                service.check_alive(f"during the {name} phase")
            time.sleep(0.1)
        if load.exit_code() != 0:
            raise load.exited_error(f"during the {name} phase")


def allocation_frame(location: str | None, stack: list[Frame] | None) -> Frame | None:
    """The frame of `stack` that made the object: the innermost one that is neither node's own
    code nor the class's constructor (`location`, find-leaks' answer)."""
    for frame in stack or []:
        if frame.location and not frame.location.startswith("node:") and \
                frame.location != location:
            return frame
    return None


def allocation_site(leak: Any, stack: list[Frame] | None) -> None:
    """Point a leak's location at the code that made its objects: the allocating frame of its
    stack, narrowed to the `new <Class>(` inside that function when the source shows it."""
    from heapsight.analysis.source_scope import new_call_in

    frame = allocation_frame(leak.location, stack)
    if frame is not None and frame.location:
        leak.location = new_call_in(frame.location, leak.class_name) or frame.location
        leak.location_kind = "allocation"


def agreed_stack(location: str | None, object_ids: list[int],
                 snapshots: list[dict[int, list[Frame]]]) -> list[Frame] | None:
    """The allocation stack most of a leak's objects share, each object's from the newest of
    `snapshots` (newest first) that has one.

    V8's tracker keys stacks by address and can lose them when a collection moves objects: on
    a loaded machine a final snapshot once had 28 stacks for 704 leaked objects where the
    target had the right one for all 300 it held, and most of the 28 were other objects'
    stacks (getHeapStatistics, a `finish` listener) left at the addresses the leaked objects
    moved to. So every snapshot taken while tracking is asked, and the objects vote by the
    frame that made them; no user frame (node's own code only) is a vote too, for no site."""
    votes: Counter[str | None] = Counter()
    chosen: dict[str | None, list[Frame]] = {}
    for object_id in object_ids:
        stack = next((stacks[object_id] for stacks in snapshots if object_id in stacks), None)
        if stack is None:
            continue
        frame = allocation_frame(location, stack)
        key = frame.location if frame is not None else None
        votes[key] += 1
        chosen.setdefault(key, stack)
    if not votes:
        return None
    return chosen[votes.most_common(1)[0][0]]


def _analyse(result: HuntResult, with_stacks: bool, say: Callable[[str], None]) -> None:
    from heapsight.analysis.leaks import find_leaks

    say("analysing the snapshots")
    paths: list[str | os.PathLike[str]] = list(result.snapshots)
    result.report = find_leaks(paths)
    if with_stacks and result.report.leaks:
        wanted = [i for leak in result.report.leaks for i in [leak.example_id, *leak.sample_ids]]
        # The leaked objects are new after the baseline: the later snapshots, newest first.
        snapshots = [allocation_stacks(path, wanted) for path in result.snapshots[:0:-1]]
        for leak in result.report.leaks:
            stack = agreed_stack(leak.location, [leak.example_id, *leak.sample_ids], snapshots)
            if stack is not None:
                result.allocation_stacks[leak.example_id] = stack
            allocation_site(leak, stack)
    result.report_path = result.run_dir / "report.json"
    write_text_atomic(result.report_path, json.dumps(result.to_json(), indent=2, default=int) + "\n")
