"""`heapsight redact`: a copy of a heap snapshot with its string values replaced."""

from __future__ import annotations

from pathlib import Path

import click

from heapsight.cli._common import stderr


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("snapshot", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              metavar="OUT", help="Where to write the redacted copy (0600; never overwritten "
              "without --force).")
@click.option("--keep-names/--redact-names", default=True, show_default=True,
              help="Keep property and variable names (the copy then gives the same find-leaks "
                   "result), or replace them too, keeping only class, function and script "
                   "names (for keys that may be secrets).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def redact(snapshot: Path, output: Path, keep_names: bool, force: bool) -> None:
    """Copy a heap snapshot with every string value replaced, to share it safely.

    Values (the text of string objects: tokens, passwords, request bodies) become placeholders
    of the same length; class names, property and variable names, function and script names
    and all numbers stay, so Chrome DevTools shows the same classes and sizes and heapsight
    gives the same summary and find-leaks result. Streamed: memory stays at the engine's
    columns.

    \b
    heapsight redact app.heapsnapshot -o app.redacted.heapsnapshot
    """
    from heapsight.fileio import check_writable
    from heapsight.report.redact import redact_snapshot

    check_writable(output, force)  # before reading a large file
    if output.resolve() == snapshot.resolve():
        from heapsight.errors import UsageError
        raise UsageError("OUT must differ from SNAPSHOT")
    result = redact_snapshot(snapshot, output, keep_names=keep_names, force=force)
    stderr.print(f"wrote {result.output}: {result.redacted:,} of {result.strings:,} strings "
                 f"replaced, {result.kept_names:,} names kept", markup=False, highlight=False)
