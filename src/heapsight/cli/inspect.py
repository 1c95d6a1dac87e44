"""`heapsight inspect`: one object, its references, retainers, dominator and path."""

from __future__ import annotations

import click

from heapsight.cli._common import load_snapshot, print_json, stdout
from heapsight.errors import UsageError


@click.command()
@click.argument("snapshot", type=click.Path())
@click.argument("object_id", metavar="@ID")
@click.option("--limit", default=25, show_default=True, type=click.IntRange(1, 100_000),
              help="How many references and retainers to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def inspect(snapshot: str, object_id: str, limit: int, as_json: bool) -> None:
    """Show one object of a heap snapshot by its id (as `summary` and DevTools print it, @123).

    \b
    heapsight inspect app.heapsnapshot @66289
    """
    from heapsight.analysis.inspect import inspect_object
    from heapsight.report.inspect import render_inspection

    text = object_id.lstrip("@")
    if not text.isdigit():
        raise UsageError(f"{object_id!r} is not an object id; write it as @123 or 123")
    result = inspect_object(load_snapshot(snapshot), int(text), limit)
    if as_json:
        print_json(result.to_json())
    else:
        render_inspection(result, stdout)
