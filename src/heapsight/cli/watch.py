"""`heapsight watch`: is this service leaking? A verdict from a memory time series."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from heapsight.cli._common import print_json, stderr, stdout
from heapsight.errors import HeapsightError, UsageError

if TYPE_CHECKING:
    from heapsight.monitor.session import Watch
    from heapsight.monitor.sources import LogSource


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--pid", type=click.IntRange(min=1), help="Watch this process: RSS of it and its children, plus the "
              "V8 heap when its inspector is already open.")
@click.option("--inspect", "inspect_address", metavar="HOST:PORT",
              help="Watch heapUsed/heapTotal/external/arrayBuffers through a Node.js inspector.")
@click.option("--log", "log_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Read JSON lines with heapUsed/rss (bytes) or heapUsedMB/rssMB fields.")
@click.option("--follow", is_flag=True, help="With --log: keep reading lines as they are added.")
@click.option("--metrics", "metrics_url", metavar="URL",
              help="Scrape prom-client's default metrics from this /metrics URL.")
@click.option("--interval", default="5s", show_default=True, metavar="DURATION",
              help="Time between samples of a live source (also the spacing assumed for log "
                   "lines without timestamps).")
@click.option("--duration", metavar="DURATION", help="Stop after this long (e.g. 10m). Default: until Ctrl-C or "
              "the target exits; a log without --follow is read once.")
@click.option("--metric", type=click.Choice(["auto", "heap_used", "heap_total", "external",
                                             "array_buffers", "rss"]), default="auto",
              show_default=True, help="Series to judge; auto prefers heap_used, else rss.")
@click.option("--limit", metavar="SIZE", help="Memory limit for the time-to-limit projection, e.g. 512MB "
              "(binary units: MB = MiB = 1024² bytes; a unit is required). Default: V8's heap_size_limit when known.")
@click.option("--alert-growth", default="20%", show_default=True, metavar="PERCENT",
              help="The alert rule: growth of the lows that fires ...")
@click.option("--alert-window", default="30m", show_default=True, metavar="DURATION", help="... within this window.")
@click.option("--serve", metavar="HOST:PORT",
              help="Expose the figures and verdict for Prometheus, e.g. 127.0.0.1:9464.")
@click.option("--db", type=click.Path(path_type=Path), envvar="HEAPSIGHT_HISTORY",
              help="History database. Default: $XDG_STATE_HOME/heapsight/history.sqlite3.")
@click.option("--no-history", is_flag=True, help="Do not record this watch.")
@click.option("--resume", is_flag=True,
              help="Continue the latest recorded run of the same target.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write a self-contained HTML report (verdict, memory chart) to FILE.")
def watch(pid: int | None, inspect_address: str | None, log_file: Path | None, follow: bool,
          metrics_url: str | None, interval: str, duration: str | None, metric: str,
          limit: str | None, alert_growth: str, alert_window: str, serve: str | None,
          db: Path | None, no_history: bool, resume: bool, as_json: bool,
          html: Path | None) -> int:
    """Watch a Node.js service's memory and say whether it leaks.

    The verdict (leak, stable or insufficient-data) comes from the lows the heap returns to after
    each garbage collection: a Theil-Sen trend with a Mann-Kendall significance test, split at
    restarts, ignoring warm-up and caches that level off.

    \b
    Exit codes: 0 stable, 3 leak, 4 insufficient data, 1 failure, 2 bad usage.
    \b
    Examples:
      heapsight watch --pid 4242 --duration 30m
      heapsight watch --inspect 127.0.0.1:9229 --serve 127.0.0.1:9464
      heapsight watch --log service.log --json
      heapsight watch --metrics http://127.0.0.1:3000/metrics --limit 512MB
    """
    from heapsight.monitor import session, sources
    from heapsight.monitor.store import History, default_path

    chosen = [name for name, value in (("--pid", pid), ("--inspect", inspect_address),
                                       ("--log", log_file), ("--metrics", metrics_url))
              if value is not None]
    if len(chosen) != 1:
        raise UsageError("watch needs exactly one of --pid, --inspect, --log or --metrics"
                         + (f" (got {' and '.join(chosen)})" if chosen else ""))
    if follow and log_file is None:
        raise UsageError("--follow goes with --log")
    if html is not None:
        from heapsight.report.html import check_target
        check_target(html)
    options = session.WatchOptions(metric=metric,
                                   limit_bytes=session.parse_size(limit) if limit else None)
    options.settings.alert_growth = session.parse_fraction(alert_growth, "--alert-growth")
    options.settings.alert_window = session.parse_duration(alert_window, "--alert-window")
    period = session.parse_duration(interval, "--interval")
    stop_after = session.parse_duration(duration, "--duration") if duration else None

    source: sources.Source
    if pid is not None:
        source = sources.PidSource(pid)
    elif inspect_address is not None:
        source = sources.InspectorSource(inspect_address)
    elif log_file is not None:
        source = sources.LogSource(log_file, follow=follow, interval=period)
    else:
        source = sources.MetricsSource(str(metrics_url))

    with contextlib.ExitStack() as stack:
        stack.callback(source.close)
        history = None if no_history else stack.enter_context(History(db or default_path()))
        exporter = None
        if serve:
            from heapsight.monitor.exporter import Exporter, parse_serve_address
            exporter = Exporter(*parse_serve_address(serve))
            stack.callback(exporter.close)
            stderr.print(f"serving Prometheus metrics at {exporter.url}")
        current = session.Watch(source, options, history, resume, exporter)
        why = _watch(current, period, stop_after, live_view=not as_json and stdout.is_terminal)
        if isinstance(source, sources.LogSource) and not current.samples:
            if history is not None and current.run_id is not None:
                history.delete_run(current.run_id)
            raise _no_samples(source)
        result = current.end(why)

    if html is not None:
        from heapsight.report.html import Series, write_html
        write_html(html, result, "watch", Series.from_samples(current.samples))
    if as_json:
        print_json(result)
    else:
        from heapsight.report.watch_text import render_result
        stdout.print(render_result(result, current.values()))
    return session.EXIT_CODES[result["verdict"]]


def _watch(current: Watch, period: float, stop_after: float | None, live_view: bool) -> str | None:
    """Run the watch (monitor.session's loop), redrawing the live screen on new samples."""
    from rich.live import Live

    from heapsight.report.watch_text import render_live

    if not (live_view and current.source.live):
        return current.run(period, stop_after)
    with Live(render_live(current.result, current.values(), None), console=stdout,
              refresh_per_second=4, transient=True) as live:
        return current.run(period, stop_after, on_new=lambda new: live.update(
            render_live(current.result, current.values(), current.result.get("latest"))))


def _no_samples(source: LogSource) -> HeapsightError:
    detail = f"; {source.problems()}" if source.malformed else ""
    return HeapsightError(
        f"no memory samples in {source.path} ({source.lines} lines read{detail}); expected JSON "
        'lines such as {"timestamp": "...", "heapUsed": 123456, "rss": 234567} or with '
        "heapUsedMB/rssMB fields")
