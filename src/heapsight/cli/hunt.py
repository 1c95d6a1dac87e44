"""`heapsight hunt`: start or attach to a service, load it between three snapshots, find leaks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from heapsight.cli._common import print_json, stderr, stdout
from heapsight.text import safe

if TYPE_CHECKING:
    from heapsight.live.hunt import HuntResult


def show_hunt(result: HuntResult, as_json: bool, html: Path | None, redact: bool) -> None:
    """The hunt's JSON or text on stdout, and its HTML page when asked."""
    if html is not None:
        from heapsight.report.html import write_html
        write_html(html, result.to_json(), "hunt", redact=redact)
    if as_json:
        print_json(result.to_json())
    else:
        from heapsight.report.hunt import render_hunt
        render_hunt(result, stdout)


@contextmanager
def load_progress(name: str) -> Iterator[Callable[[int, int], None]]:
    """A bar of requests done while a load phase runs; silent off a terminal."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    with Progress(TextColumn(f"{name}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("requests"), console=stderr, transient=True) as progress:
        task = progress.add_task(name, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def say(message: str) -> None:
    stderr.print(f"[dim]heapsight:[/dim] {safe(message)}", soft_wrap=True, markup=True,
                 highlight=False)


@click.command(context_settings={"ignore_unknown_options": True,
                                 "allow_interspersed_args": False})
@click.option("--url", "urls", multiple=True, metavar="URL",
              help="A URL for the built-in load generator; repeat for several (round-robin).")
@click.option("--requests", default=1000, show_default=True,
              help="Requests in EACH of the two load phases.")
@click.option("--concurrency", default=10, show_default=True, help="Requests in flight at once.")
@click.option("--warmup", default=200, show_default=True,
              help="Requests before the baseline snapshot (JIT, caches, lazy init).")
@click.option("--method", default="GET", show_default=True, help="HTTP method of the requests.")
@click.option("--data", help="Request body to send with each request.")
@click.option("--load", "load_command", metavar="CMD",
              help="Run CMD as each load phase instead of the built-in load generator.")
@click.option("--pid", type=int, help="Hunt in a running Node.js process instead of starting one.")
@click.option("--inspect", "address", metavar="HOST:PORT",
              help="Hunt through an open inspector instead of starting a process.")
@click.option("--track-allocations", is_flag=True,
              help="Record allocation stacks, so leaks show the code that created them (slower).")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("heapsight-runs"), show_default=True,
              help="Each run gets a timestamped folder in here.")
@click.option("--ready-timeout", default=30.0, show_default=True,
              help="Seconds to wait for the service to answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the find-leaks JSON on stdout.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write a self-contained HTML report to FILE (opens offline).")
@click.option("--redact", is_flag=True,
              help="In the HTML report, replace strings from the heap (values, names).")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, metavar="[-- COMMAND...]")
def hunt(urls: tuple[str, ...], requests: int, concurrency: int, warmup: int, method: str,
         data: str | None, load_command: str | None, pid: int | None, address: str | None,
         track_allocations: bool, runs_dir: Path, ready_timeout: float, as_json: bool,
         html: Path | None, redact: bool, command: tuple[str, ...]) -> None:
    """Find what leaks in a Node.js service, in one command.

    Starts COMMAND with its inspector on a free loopback port, waits until it answers, warms it
    up, then takes baseline, target and final heap snapshots with load in between, runs
    find-leaks and reports. The environment passes through unchanged, so the service reads its
    port as usual. Snapshots, logs and report.json stay in the run folder. Exit status 3 when a
    leak was found, 0 when none.

    \b
    PORT=3000 heapsight hunt --url http://127.0.0.1:3000/api -- node app.js
    PORT=3000 heapsight hunt --url http://127.0.0.1:3000/api --html leaks.html -- node app.js
    heapsight hunt --load "autocannon -d 20 http://127.0.0.1:3000/" -- npm start
    heapsight hunt --pid 4242 --url http://127.0.0.1:3000/api
    """
    from heapsight.live.hunt import HuntPlan
    from heapsight.live.hunt import hunt as run_hunt
    from heapsight.live.inspector import parse_host_port
    from heapsight.report.html import check_target

    if html is not None:
        check_target(html)

    plan = HuntPlan(
        command=list(command), pid=pid, inspect=parse_host_port(address) if address else None,
        urls=list(urls), requests=requests, warmup=warmup, concurrency=concurrency,
        method=method, body=data.encode() if data is not None else None,
        load_command=load_command, track_allocations=track_allocations, runs_folder=runs_dir,
        ready_timeout=ready_timeout)
    from heapsight.cli.snapshot import snapshot_progress

    result = run_hunt(plan, say=say, progress=snapshot_progress, load_progress=load_progress)
    show_hunt(result, as_json, html, redact)
    # The exit status contract shared with find-leaks and watch: 3 when a leak was found.
    raise SystemExit(3 if result.report is not None and result.report.leaks else 0)
