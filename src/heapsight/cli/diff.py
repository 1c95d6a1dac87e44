"""`heapsight diff`: what grew between two snapshots of one process."""

from __future__ import annotations

import click

from heapsight.cli._common import load_snapshot, print_json, stdout


@click.command()
@click.argument("before", type=click.Path())
@click.argument("after", type=click.Path())
@click.option("--top", default=30, show_default=True, type=click.IntRange(1, 100_000),
              help="How many classes to list.")
@click.option("--class", "focus_class", metavar="NAME",
              help="Also list the new objects of this class with their retainer paths.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def diff(before: str, after: str, top: int, focus_class: str | None, as_json: bool) -> None:
    """Compare two snapshots of one process, class by class.

    Objects are matched by their V8 id (stable within a process): per class the new and
    deleted objects, allocated and freed bytes, and the change in self and retained size.
    Snapshots of different processes are refused.

    \b
    heapsight diff before.heapsnapshot after.heapsnapshot
    heapsight diff before.heapsnapshot after.heapsnapshot --class RequestEntry
    """
    from heapsight.analysis.diff import diff_snapshots
    from heapsight.snapshot import HeapSnapshot

    def loader(path: str, light: bool) -> HeapSnapshot:
        return HeapSnapshot.load_light(path) if light else load_snapshot(path)

    result = diff_snapshots(before, after, top=top, focus_class=focus_class, loader=loader)
    if as_json:
        print_json(result.to_json())
    else:
        from heapsight.report.diff import render_diff  # rich: only for the text view
        render_diff(result, stdout)
