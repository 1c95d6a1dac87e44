"""`heapsight find-leaks`: the three-snapshot method, with a diagnosis per leak."""

from __future__ import annotations

from pathlib import Path

import click

from heapsight.cli._common import load_snapshot, print_json, stdout
from heapsight.errors import UsageError
from heapsight.units import parse_size


@click.command("find-leaks")
@click.argument("snapshots", nargs=-1, type=click.Path())
@click.option("--dir", "folder", type=click.Path(file_okay=False, exists=True),
              help="Use every .heapsnapshot(.gz) in this folder, in the order taken: baseline, "
              "target, final in a hunt run folder, else natural name order (s2 before s10).")
@click.option("--min-size", default="16KiB", show_default=True, metavar="SIZE",
              help="Report only leaks retaining at least this much (binary units: 16KiB, 1MiB).")
@click.option("--json", "as_json", is_flag=True, help="Print the find-leaks JSON on stdout.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write a self-contained HTML report to FILE (opens offline).")
@click.option("--redact", is_flag=True,
              help="In the HTML report, replace strings from the heap (values, names).")
def find_leaks(snapshots: tuple[str, ...], folder: str | None, min_size: str,
               as_json: bool, html: Path | None, redact: bool) -> None:
    """Find what leaks across BASELINE TARGET FINAL snapshots of one process.

    Take a snapshot, run the suspect workload, take another, run it again, take a third.
    An object allocated after the baseline that is still alive at the end, in a group that
    gained members in every phase, is a leak; warm-up, bounded caches and churn are not.
    Each leak is reported with its category, size, growth per phase, the retainer path from
    a GC root, where the objects are made and how to fix it.

    \b
    heapsight find-leaks s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot
    heapsight find-leaks --dir snapshots/ --json
    heapsight find-leaks s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot --html leaks.html
    Exit status: 0 no leak, 3 leaks found, 1 error, 2 usage error.
    """
    from heapsight.analysis.leaks import find_leaks as analyse
    from heapsight.analysis.leaks import snapshots_in
    from heapsight.snapshot import HeapSnapshot

    if folder and snapshots:
        raise UsageError("give snapshot files or --dir, not both")
    if html is not None:
        from heapsight.report.html import check_target
        check_target(html)
    paths = [str(p) for p in snapshots_in(folder)] if folder else list(snapshots)

    def loader(path: str, light: bool) -> HeapSnapshot:
        return HeapSnapshot.load_light(path) if light else load_snapshot(path)

    report = analyse(paths, loader=loader, min_size=parse_size(min_size, "--min-size"))
    if html is not None:
        from heapsight.report.html import write_html
        write_html(html, report.to_json(), report.kind, redact=redact)
    if as_json:
        print_json(report.to_json())
    else:
        from heapsight.report.leaks import render_text  # rich: only for the text view
        render_text(report, stdout)
    raise SystemExit(3 if report.leaks else 0)
