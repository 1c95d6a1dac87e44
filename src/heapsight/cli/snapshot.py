"""`heapsight snapshot`: write a heap snapshot of a live Node.js process."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn

from heapsight.cli._common import stderr, stdout
from heapsight.errors import UsageError
from heapsight.fileio import check_writable
from heapsight.text import printable


@contextmanager
def snapshot_progress(name: str = "") -> Iterator[Callable[[int, int], None]]:
    """A bar while V8 walks the heap, then a byte count while it streams; silent off a tty."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.fields[detail]}"), console=stderr, transient=True) as progress:
        prefix = f"{name}: " if name else ""
        task = progress.add_task(f"{prefix}V8 is walking the heap", total=None, detail="")

        def update(done: int, total: int) -> None:
            if total:
                progress.update(task, completed=done, total=total, detail=f"{done}/{total} objects")
            else:
                progress.update(task, description=f"{prefix}writing the snapshot", total=None,
                                detail=f"{done / 2**20:.1f} MiB")
        yield update


@click.command()
@click.option("--pid", type=int, help="The Node.js process; its inspector is opened with SIGUSR1 "
              "if it is closed.")
@click.option("--inspect", "address", metavar="HOST:PORT",
              help="An inspector that is already open, e.g. 127.0.0.1:9229.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write (default: heap-<pid|port>-<time>.heapsnapshot here).")
@click.option("--no-gc", is_flag=True, help="Skip the explicit full GC before the snapshot (V8 "
              "still collects garbage while snapshotting).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def snapshot(pid: int | None, address: str | None, output: Path | None, no_gc: bool,
             force: bool) -> None:
    """Write a heap snapshot of a running Node.js process.

    The file is written atomically with mode 0600 (snapshots hold secrets) and never replaces an
    existing file without --force. The process is paused while V8 writes the snapshot; the pause
    is reported.

    Separate runs on one process give snapshots that diff and find-leaks can compare: the first
    run installs a small snapshot agent in the process (V8 renumbers objects whenever an
    inspector session ends, so later snapshots go through the agent, not the inspector), and
    closes the inspector again if heapsight opened it. See docs/live.md.

    \b
    heapsight snapshot --pid 4242
    heapsight snapshot --inspect 127.0.0.1:9229 -o before.heapsnapshot
    """
    from heapsight.live.agent import snapshot_of
    from heapsight.live.inspector import parse_host_port

    if (pid is None) == (address is None):
        raise UsageError("give exactly one of --pid PID or --inspect HOST:PORT")
    if pid is not None and pid <= 0:
        raise UsageError(f"--pid expects a process id (a positive number), not {pid}")
    target = parse_host_port(address) if address is not None else None
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        who = pid if target is None else target[1]
        output = Path(f"heap-{who}-{stamp}.heapsnapshot")
    if output.name.endswith(".gz"):
        raise UsageError(f"{output}: heapsight writes snapshots uncompressed; name it "
                         "*.heapsnapshot (gzip it afterwards if you like: every command reads "
                         ".gz)")
    check_writable(output, force)
    with snapshot_progress() as progress:
        taken = snapshot_of(pid, target, output, force, no_gc, say=_say, progress=progress)
    info = taken.info
    stdout.print(f"wrote {printable(info.path)}: {info.bytes_written / 2**20:.1f} MiB, heap used "
                 f"{taken.heap_used / 2**20:.1f} MiB; the process was paused "
                 f"{info.pause_seconds:.2f}s", soft_wrap=True, markup=False)


def _say(message: str) -> None:
    stderr.print(f"heapsight: {printable(message)}", soft_wrap=True, markup=False,
                 highlight=False)
