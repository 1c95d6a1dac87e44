"""`heapsight find-leaks`: the three-snapshot method, with a diagnosis per leak."""

from __future__ import annotations

import click

from heapsight.cli._common import load_snapshot, print_json, stdout
from heapsight.errors import UsageError


@click.command("find-leaks")
@click.argument("snapshots", nargs=-1, type=click.Path())
@click.option("--dir", "folder", type=click.Path(file_okay=False, exists=True),
              help="Use every .heapsnapshot(.gz) in this folder, in the order taken: baseline, "
              "target, final in a hunt run folder, else natural name order (s2 before s10).")
@click.option("--min-size", default=16, show_default=True, type=click.IntRange(0),
              help="Report only leaks retaining at least this many kB.")
@click.option("--json", "as_json", is_flag=True, help="Print the find-leaks JSON on stdout.")
def find_leaks(snapshots: tuple[str, ...], folder: str | None, min_size: int,
               as_json: bool) -> None:
    """Find what leaks across BASELINE TARGET FINAL snapshots of one process.

    Take a snapshot, run the suspect workload, take another, run it again, take a third.
    An object allocated after the baseline that is still alive at the end, in a group that
    gained members in every phase, is a leak; warm-up, bounded caches and churn are not.
    Each leak is reported with its category, size, growth per phase, the retainer path from
    a GC root, where the objects are made and how to fix it.

    \b
    heapsight find-leaks s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot
    heapsight find-leaks --dir snapshots/ --json
    Exit status: 0 no leak, 3 leaks found, 1 error, 2 usage error.
    """
    from heapsight.analysis.leaks import find_leaks as analyse
    from heapsight.analysis.leaks import snapshots_in
    from heapsight.report.leaks import render_text
    from heapsight.snapshot import HeapSnapshot

    if folder and snapshots:
        raise UsageError("give snapshot files or --dir, not both")
    paths = [str(p) for p in snapshots_in(folder)] if folder else list(snapshots)

    def loader(path: str, light: bool) -> HeapSnapshot:
        return HeapSnapshot.load_light(path) if light else load_snapshot(path)

    report = analyse(paths, loader=loader, min_size=min_size * 1024)
    if as_json:
        print_json(report.to_json())
    else:
        render_text(report, stdout)
    raise SystemExit(3 if report.leaks else 0)
