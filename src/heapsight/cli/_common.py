"""What the command modules share: consoles, progress, JSON output."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    stdout: Console
    stderr: Console

_consoles: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    """`stdout` and `stderr`, the rich consoles, made when first imported: a command that
    prints only JSON (`summary --json`) never imports rich (about 20 ms of start-up)."""
    if name not in ("stdout", "stderr"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _consoles:
        from rich.console import Console

        _consoles[name] = Console(stderr=True, highlight=False) if name == "stderr" else \
            Console(highlight=False, soft_wrap=not sys.stdout.isatty())
    return _consoles[name]

PROGRESS_THRESHOLD = 50 * 1024 * 1024  # bytes; smaller inputs finish before a bar would help


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def print_json(value: Any) -> None:
    """The contract's JSON on stdout and nothing else there."""
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, default=int))
    sys.stdout.write("\n")
    sys.stdout.flush()


def load_snapshot(path: str, quiet: bool = False):  # -> HeapSnapshot (engine imported lazily)
    """Load a heap snapshot; for big files, on a terminal, a bar on stderr while reading and
    then the name of each graph step."""
    import os

    from heapsight.snapshot import HeapSnapshot

    size = os.path.getsize(path) if os.path.isfile(path) else 0
    if quiet or size < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        return HeapSnapshot.load(path)
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    name = os.path.basename(path)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=__getattr__("stderr"), transient=True) as progress:
        task = progress.add_task(f"reading {name}", total=size)
        return HeapSnapshot.load(
            path, progress=lambda done, total: progress.update(task, completed=done),
            on_step=lambda step: progress.update(task, description=f"{name}: {step}",
                                                 completed=size))
