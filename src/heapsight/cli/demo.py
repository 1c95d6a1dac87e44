"""`heapsight demo`: hunt the leaks in a small leaky service shipped with heapsight."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

import click

from heapsight.cli.hunt import load_progress, say, show_hunt
from heapsight.cli.snapshot import snapshot_progress
from heapsight.errors import HeapsightError

# /health first: the readiness probe asks the first URL, and /health keeps nothing.
ROUTES = ("/health", "/orders", "/subscribe", "/report", "/poll", "/recent", "/stream")


@click.command()
@click.option("--clean", is_flag=True, help="Hunt in the leak-free twin of the demo service.")
@click.option("--requests", default=1000, show_default=True,
              help="Requests in each of the two load phases.")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("heapsight-runs"), show_default=True,
              help="Each run gets a timestamped folder in here.")
@click.option("--json", "as_json", is_flag=True, help="Print the find-leaks JSON on stdout.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write a self-contained HTML report to FILE.")
def demo(clean: bool, requests: int, runs_dir: Path, as_json: bool, html: Path | None) -> None:
    """Watch heapsight find four planted leaks in a demo Node.js service (under a minute).

    The service (plain `http`, no npm install) leaks through a growing array, a listener per
    request, a cache with no eviction and a timer per request, next to correct look-alikes.
    heapsight starts it, loads it, takes three heap snapshots and explains each leak.
    """
    from heapsight.live.hunt import HuntPlan, hunt
    from heapsight.live.service import free_port

    if html is not None:
        from heapsight.report.html import check_target
        check_target(html)
    node = shutil.which("node")
    if node is None:
        raise HeapsightError("node is not on PATH; install Node.js 18 or newer to run the demo")
    name = "clean_service.js" if clean else "leaky_service.js"
    with resources.as_file(resources.files("heapsight") / "demo" / name) as script:
        port = free_port()
        plan = HuntPlan(
            command=[node, str(script)], urls=[f"http://127.0.0.1:{port}{r}" for r in ROUTES],
            requests=requests, warmup=200, concurrency=10, runs_folder=runs_dir,
            env={**os.environ, "PORT": str(port)})
        say(f"demo: hunting in {name} on port {port} (source: {script})")
        show_hunt(hunt(plan, say=say, progress=snapshot_progress, load_progress=load_progress),
                  as_json, html, False)
