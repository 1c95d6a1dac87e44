"""`heapsight summary`: what a heap snapshot holds and who holds the most."""

from __future__ import annotations

import click

from heapsight.cli._common import load_snapshot, print_json


@click.command()
@click.argument("snapshot", type=click.Path())
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, 10_000),
              help="How many classes and objects to list.")
@click.option("--sort", type=click.Choice(["retained", "self", "count"]), default="retained",
              show_default=True, help="Order of the class table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs) on stdout.")
def summary(snapshot: str, top: int, sort: str, as_json: bool) -> None:
    """Summarise a V8 heap snapshot (.heapsnapshot or .heapsnapshot.gz).

    Shows totals, the top classes (count, self size, retained size of their top-most
    instances) and the objects that retain the most, each with its shortest retainer path
    from the GC roots.

    \b
    Make a snapshot of any Node.js program:
      node -e "globalThis.log=[]; for (let i=0;i<1e5;i++) log.push({i}); require('v8').writeHeapSnapshot('app.heapsnapshot')"
      heapsight summary app.heapsnapshot --top 10
    """
    from heapsight.analysis.summary import summarize

    result = summarize(load_snapshot(snapshot), top=top, sort=sort)
    if as_json:
        print_json(result.to_json())
    else:  # rich only for the text view (its import is a tenth of a small summary's time)
        from heapsight.cli._common import stdout
        from heapsight.report.summary import render_summary

        render_summary(result, stdout)
