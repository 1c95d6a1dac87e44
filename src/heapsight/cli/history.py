"""`heapsight history`: past watches recorded in the history database."""

from __future__ import annotations

from pathlib import Path

import click

from heapsight.cli._common import print_json, stderr, stdout


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_id", type=int, required=False)
@click.option("--db", type=click.Path(path_type=Path), envvar="HEAPSIGHT_HISTORY",
              help="History database. Default: $XDG_STATE_HOME/heapsight/history.sqlite3.")
@click.option("--target", help="Only runs whose target contains this text (pid:, log:, ...).")
@click.option("--last", "count", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many runs to list, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="With RUN_ID: also write the run's HTML report (verdict, memory chart).")
def history(run_id: int | None, db: Path | None, target: str | None, count: int,
            as_json: bool, html: Path | None) -> None:
    """List past `heapsight watch` runs, or show one run's verdict and chart (for a
    `heapsight run`: its supervisor events).

    \b
    Examples:
      heapsight history
      heapsight history 12
      heapsight history 12 --html run12.html
      heapsight watch --pid 4242 --resume     # continue the latest run of pid:4242
    """
    from heapsight.monitor.store import History, default_path
    from heapsight.report.watch_text import render_result, runs_table

    if html is not None and run_id is None:
        from heapsight.errors import UsageError
        raise UsageError("--html needs a RUN_ID: the report is of one run")
    path = db or default_path()
    if not path.exists():
        if run_id is not None:
            from heapsight.errors import HeapsightError
            raise HeapsightError(f"no history at {path} yet; `heapsight watch` records runs there")
        if as_json:
            print_json({"database": str(path), "runs": []})
        else:
            stderr.print(f"no runs recorded yet ({path}); `heapsight watch` records them")
        return
    with History(path, create=False) as store:
        if run_id is None:
            runs = [vars(listed) for listed in store.runs(count, target)]
            if as_json:
                for listed in runs:
                    listed.pop("result")
                print_json({"database": str(path), "runs": runs})
            elif runs:
                stdout.print(runs_table(runs))
            else:
                stderr.print(f"no runs recorded in {path}"
                             + (f" for targets matching {target!r}" if target else ""))
            return
        run = store.run(run_id)
        samples = store.samples(run_id)
        events = store.events(run_id)
    if events:  # a `heapsight run`: its supervisor events
        if as_json:
            print_json({**vars(run), "events": events})
        else:
            from datetime import datetime

            stdout.print(f"run {run.id}: {run.target}, {len(events)} events")
            for event in events:
                when = datetime.fromtimestamp(event.pop("time")).strftime("%Y-%m-%d %H:%M:%S")
                kind, number = event.pop("event"), event.pop("instance")
                words = " ".join(f"{k}={v}" for k, v in event.items() if v is not None)
                who = f"instance {number} " if number is not None else ""
                stdout.print(f"{when}  {who}{kind} {words}", markup=False, soft_wrap=True)
        return
    result = run.result or {"verdict": run.verdict, "target": run.target,
                            "reason": "this run ended before a verdict was saved"}
    if html is not None:
        from heapsight.report.html import Series, write_html
        write_html(html, result, "watch", Series.from_samples(samples))
    if as_json:
        print_json({**vars(run), "result": result})
        return
    metric = result.get("metric") or "rss"
    values = [float(getattr(s, metric)) for s in samples if getattr(s, metric) is not None]
    stdout.print(f"run {run.id}: {run.samples} samples")
    stdout.print(render_result(result, values))
