"""`heapsight alert-rules`: a Prometheus rules file for the classic heap-growth alert."""

from __future__ import annotations

from pathlib import Path

import click

from heapsight.cli._common import stderr


@click.command("alert-rules", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--growth", default="20%", show_default=True,
              help="Alert when the post-GC heap grows more than this ...")
@click.option("--window", default="30m", show_default=True, help="... within this window.")
@click.option("--for", "hold", default="10m", show_default=True,
              help="How long the condition must hold before the alert fires.")
@click.option("--selector", default="", metavar='LABEL="VALUE",...',
              help='Restrict to some targets, e.g. job="api".')
@click.option("--prefix", default="", help="The prefix given to prom-client's default metrics.")
@click.option("--no-heapsight", is_flag=True,
              help="Leave out the alert on `heapsight watch --serve`'s leak gauge.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the rules here instead of stdout.")
@click.option("--force", is_flag=True, help="Replace --output if it exists.")
def alert_rules(growth: str, window: str, hold: str, selector: str, prefix: str,
                no_heapsight: bool, output: Path | None, force: bool) -> None:
    """Write Prometheus alerting rules: heap (and RSS) growth over a window.

    The rules use prom-client's default metrics (nodejs_heap_size_used_bytes,
    process_resident_memory_bytes, process_start_time_seconds) and compare the lowest value over
    the last window/6 with the lowest one window earlier, so GC sawtooth peaks do not fire them
    and a process younger than the window is left out. Check the file with
    `promtool check rules FILE`.

    \b
    Examples:
      heapsight alert-rules -o node-memory.rules.yml
      heapsight alert-rules --growth 10% --window 1h --selector 'job="api"'
    """
    from heapsight.fileio import write_text_atomic
    from heapsight.monitor.rules import alert_rules as make_rules
    from heapsight.monitor.session import parse_duration, parse_fraction

    text = make_rules(growth=parse_fraction(growth, "--growth"),
                      window=parse_duration(window, "--window"),
                      hold=parse_duration(hold, "--for"), selector=selector, prefix=prefix,
                      leak_gauge=not no_heapsight)
    if output is None:
        click.echo(text, nl=False)
        return
    # A rules file is not secret, and Prometheus may run as another user: world-readable.
    write_text_atomic(output, text, force=force, mode=0o644)
    stderr.print(f"wrote {output}")
