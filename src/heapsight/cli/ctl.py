"""`heapsight ctl`: drive a running `heapsight run` through its control socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from heapsight.cli._common import print_json, stderr, stdout


def _send(name: str | None, body: dict[str, Any], timeout: float | None = 300.0
          ) -> dict[str, Any]:
    from heapsight.errors import HeapsightError, UsageError
    from heapsight.supervise.control import request

    answer = request(name, body, lambda message: stderr.print(message), timeout)
    if not answer.get("ok") and "error" in answer:
        error = UsageError if answer.get("usage") else HeapsightError
        raise error(str(answer["error"]))
    return answer


def _done(answer: dict[str, Any], what: str) -> None:
    if answer.get("ok"):
        stdout.print(what)
    else:
        from heapsight.errors import HeapsightError

        raise HeapsightError(str(answer.get("reason") or answer))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--name", help="Which run (default: the only one running for this user).")
@click.pass_context
def ctl(ctx: click.Context, name: str | None) -> None:
    """Control a running `heapsight run`: status, drain/resume, restart, reload, snapshot,
    debug."""
    ctx.obj = name


def _render_status(status: dict[str, Any]) -> None:
    from rich.table import Table

    def mib(value: Any) -> str:
        return "-" if value is None else f"{value / 2**20:.0f} MiB"

    port = status.get("port") or "no balancer"
    stdout.print(f"{status['name']}: pid {status['pid']}, port {port}, up "
                 f"{status['uptime_seconds']:.0f}s, run folder {status['run_dir']}")
    table = Table(box=None)
    for column in ("id", "pid", "port", "state", "up", "rss", "heap", "trend", "to limit",
                   "restarts", "conns", "served"):
        table.add_column(column, no_wrap=True)
    for row in status["instances"]:
        restarts = ", ".join(f"{k} {v}" for k, v in (row.get("restarts") or {}).items()) or "0"
        remaining = row.get("time_to_limit_seconds")
        table.add_row(str(row["id"]), str(row.get("pid") or "-"), str(row.get("port") or "-"),
                      row["state"], f"{row.get('uptime_seconds', 0):.0f}s", mib(row.get("rss")),
                      mib(row.get("heap_used")), str(row.get("trend") or "-"),
                      "-" if remaining is None else f"{remaining:.0f}s", restarts,
                      str(row.get("connections", 0)), str(row.get("served", 0)))
    import sys

    from rich.console import Console

    # Not a terminal: no width to fit, so never cut a column (scripts grep this).
    wide = stdout if sys.stdout.isatty() else Console(highlight=False, width=200)
    wide.print(table)


@ctl.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (shape in docs/run.md).")
@click.pass_obj
def status(name: str | None, as_json: bool) -> None:
    """Per instance: pid, port, state, uptime, memory, trend, restarts, connections."""
    answer = _send(name, {"command": "status"}, timeout=10.0)
    if as_json:
        print_json(answer["status"])
    else:
        _render_status(answer["status"])


@ctl.command()
@click.argument("instance", type=int)
@click.pass_obj
def drain(name: str | None, instance: int) -> None:
    """Take INSTANCE out of rotation; it stays alive, in-flight requests finish."""
    answer = _send(name, {"command": "drain", "instance": instance})
    _done(answer, f"instance {instance} drained" if answer.get("finished", True) else
          f"instance {instance} out of rotation (some connections were still open at the "
          "drain timeout)")


@ctl.command()
@click.argument("instance", type=int)
@click.pass_obj
def resume(name: str | None, instance: int) -> None:
    """Put INSTANCE back into rotation."""
    _done(_send(name, {"command": "resume", "instance": instance}),
          f"instance {instance} back in rotation")


@ctl.command()
@click.argument("instance", type=int)
@click.pass_obj
def restart(name: str | None, instance: int) -> None:
    """Replace INSTANCE (replace, then retire: no request dropped)."""
    answer = _send(name, {"command": "restart", "instance": instance}, timeout=None)
    _done(answer, f"instance {instance} restarted (pid {answer.get('pid')})")


@ctl.command()
@click.pass_obj
def reload(name: str | None) -> None:
    """Rolling restart of every instance (what SIGHUP does)."""
    _done(_send(name, {"command": "reload"}, timeout=None), "every instance replaced")


@ctl.command()
@click.argument("instance", type=int)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Snapshot file (default: in the run folder).")
@click.pass_obj
def snapshot(name: str | None, instance: int, output: Path | None) -> None:
    """Heap snapshot of INSTANCE (0600; it keeps serving, paused while V8 writes it)."""
    from heapsight.fileio import check_writable

    if output is not None:
        output = output.absolute()
        check_writable(output)
    answer = _send(name, {"command": "snapshot", "instance": instance,
                          "output": str(output) if output else None}, timeout=None)
    _done(answer, f"{answer.get('path')} ({answer.get('bytes', 0) / 2**20:.1f} MiB, "
          f"paused {answer.get('pause_seconds')}s)")


@ctl.command()
@click.argument("instance", type=int)
@click.option("--path", default="/", show_default=True,
              help="URL path of the instance to drive load at.")
@click.option("--requests", type=click.IntRange(min=1), help="Requests per load phase "
              "(hunt's default 1000).")
@click.option("--warmup", type=click.IntRange(min=0), help="Warm-up requests (default 200).")
@click.option("--concurrency", type=click.IntRange(min=1), help="Requests at a time (default 10).")
@click.option("--json", "as_json", is_flag=True, help="Print the hunt's JSON (find-leaks shape).")
@click.pass_obj
def debug(name: str | None, instance: int, path: str, requests: int | None,
          warmup: int | None, concurrency: int | None, as_json: bool) -> None:
    """Drain INSTANCE, hunt its leak with controlled load on it alone (three snapshots,
    find-leaks), put it back, print the diagnosis. The other instances keep serving."""
    options = {"path": path, "requests": requests, "warmup": warmup, "concurrency": concurrency}
    answer = _send(name, {"command": "debug", "instance": instance, "options": options},
                   timeout=None)
    if as_json:
        print_json(answer["report"])
    else:
        stdout.print(answer["text"], markup=False, highlight=False, end="")
    leaks = answer["report"].get("leaks") or []
    if leaks:
        raise SystemExit(3)  # the hunt's contract: 3 = leak found
