"""`heapsight run`: supervise N instances of a service behind a balancer, with memory limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

_SIZE_HELP = "Units required: 512MB (= MiB), 1.5GiB; a bare number is an error."


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="A heapsight.toml whose [run] table gives options (default: ./heapsight.toml "
                   "when present). The command line wins.")
@click.option("--name", help="Name of this run for `heapsight ctl` (default: folder-script).")
@click.option("--instances", type=int, help="Copies of COMMAND to run (default 2).")
@click.option("--port", type=int, help="Public port of the balancer.")
@click.option("--host", help="Address the balancer listens on (default 127.0.0.1).")
@click.option("--no-balancer", is_flag=True,
              help="No public port: nginx/HAProxy reach each instance on its own port and "
                   "health-check GET /ready/N on --control-http.")
@click.option("--control-http", metavar="HOST:PORT",
              help="Serve GET /ready/N here (for external balancers; use with --no-balancer).")
@click.option("--backend-ports", type=int, metavar="BASE",
              help="With --no-balancer: instance N listens on BASE+2N, its replacement on "
                   "BASE+2N+1 (and back), so nginx/HAProxy can list fixed ports.")
@click.option("--ready-url", metavar="PATH",
              help="Ready when GET PATH answers 2xx (default: when the port accepts).")
@click.option("--ready-timeout", metavar="DURATION", help="A start not ready by then failed "
              "(default 30s).")
@click.option("--max-memory", metavar="SIZE",
              help=f"RSS limit of each instance's whole process tree. {_SIZE_HELP}")
@click.option("--max-heap", metavar="SIZE", help=f"V8 heap-used limit per instance. {_SIZE_HELP}")
@click.option("--for", "over_for", metavar="DURATION",
              help="Over the limit on every sample this long before a restart (default 30s).")
@click.option("--grace", metavar="DURATION",
              help="No memory restart in an instance's first DURATION (default 60s).")
@click.option("--sample-every", metavar="DURATION", help="Memory sampling interval (default 1s).")
@click.option("--restart-on-leak", is_flag=True,
              help="Restart early when the trend says leak and projects the limit within "
                   "--horizon.")
@click.option("--horizon", metavar="DURATION", help="For --restart-on-leak (default 1h).")
@click.option("--drain-timeout", metavar="DURATION",
              help="Time in-flight requests get to finish before a stop (default 30s).")
@click.option("--kill-timeout", metavar="DURATION", help="SIGTERM to SIGKILL (default 10s).")
@click.option("--snapshot-on-restart", is_flag=True,
              help="Heap snapshot of an instance before a memory restart stops it.")
@click.option("--keep-snapshots", type=int, help="Keep the last K of those (default 3).")
@click.option("--max-restarts", type=int,
              help="Crashes within --restart-window before the instance is errored (default 10).")
@click.option("--restart-window", metavar="DURATION", help="Default 60s.")
@click.option("--max-memory-restarts", type=int,
              help="Memory restarts per hour for the whole run (default 20).")
@click.option("--memory-cooldown", metavar="DURATION",
              help="Least time between two memory restarts (default 60s).")
@click.option("--serve", metavar="HOST:PORT", help="Prometheus metrics per instance here.")
@click.option("--runs-folder", type=click.Path(path_type=Path),
              help="Where run folders (logs, events, snapshots) go (default heapsight-runs).")
@click.option("--db", "history", type=click.Path(path_type=Path), envvar="HEAPSIGHT_HISTORY",
              help="History database for events (default: the one `watch` keeps).")
@click.option("--no-history", is_flag=True, help="Do not record events in the history database.")
@click.pass_context
def run(ctx: click.Context, command: tuple[str, ...], config_path: Path | None,
        **given: Any) -> int:
    """Run COMMAND as N instances behind a balancer, restarting on memory limits without
    dropping a request. Foreground until SIGTERM or Ctrl-C; SIGHUP reloads (rolling).

    \b
    Each instance gets PORT (its own backend port) and HEAPSIGHT_INSTANCE (0..N-1).
    Examples:
      heapsight run --port 3000 --max-memory 512MB -- node server.js
      heapsight run --instances 4 --port 8080 --max-heap 300MB --for 1m -- npm start
      heapsight ctl status
    """
    from heapsight.supervise.config import build_options, read_config
    from heapsight.supervise.supervisor import run_supervised

    explicit = {}
    for key, value in given.items():
        if ctx.get_parameter_source(key) == ParameterSource.COMMANDLINE:
            if key in ("history", "no_history"):
                continue
            explicit["for" if key == "over_for" else key.replace("_", "-")] = value
    path = config_path or Path("heapsight.toml")
    if command:
        explicit["command"] = list(command)
    options = build_options(explicit,
                            read_config(path, required=config_path is not None))
    options.history = given.get("history")
    options.no_history = bool(given.get("no_history"))
    ctx.exit(run_supervised(options))
