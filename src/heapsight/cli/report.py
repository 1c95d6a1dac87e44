"""`heapsight report`: a saved result, a hunt run folder or a `run` folder as one
self-contained HTML page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from heapsight.cli._common import stderr
from heapsight.errors import HeapsightError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              metavar="FILE.html", help="Where to write the page (replaced if it exists).")
@click.option("--redact", is_flag=True,
              help="Replace strings from the heap (values, property and class names).")
def report(source: Path, output: Path, redact: bool) -> None:
    """Render a saved result as one HTML page that opens offline.

    SOURCE is a result JSON (`--json` output of find-leaks, hunt, watch, check, summary,
    diff, or `history RUN_ID --json`), a hunt's run folder (its report.json) or a `heapsight
    run` folder (its events and memory: a timeline of the instances, their restarts and
    memory). The page holds its styles, script and charts; it fetches nothing.

    \b
    heapsight find-leaks s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot --json > leaks.json
    heapsight report leaks.json -o leaks.html
    heapsight report heapsight-runs/20260101-120000 -o hunt.html --redact
    heapsight report heapsight-runs/shop-server/20260101-120000 -o run.html
    """
    from heapsight.report.html import write_html
    from heapsight.report.run_html import is_run_folder, load_run

    document = load_run(source) if source.is_dir() and is_run_folder(source) else (
        saved_result(source))
    write_html(output, document, redact=redact)
    stderr.print(f"wrote {output}", markup=False, highlight=False)


def saved_result(source: Path) -> dict[str, Any]:
    """A result JSON file, or a hunt run folder's report.json."""
    path = source / "report.json" if source.is_dir() else source
    if not path.is_file():
        raise HeapsightError(f"{path} not found; give a result JSON file, a hunt run folder "
                             "holding report.json or a run folder holding events.jsonl")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise HeapsightError(f"{path} is not a heapsight result JSON ({exc})") from None
    if not isinstance(document, dict):
        raise HeapsightError(f"{path} is not a heapsight result JSON (not an object)")
    return document
