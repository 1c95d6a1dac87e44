"""`heapsight check`: a leak test for CI that does not flake."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from heapsight.cli._common import print_json, stderr, stdout
from heapsight.errors import UsageError
from heapsight.text import safe

_HAS_UNIT = re.compile(r"[A-Za-z]\s*$")


def parse_budget(text: str) -> float:
    """A size with its unit (`200B`, `1KiB`; `1KB` is read as KiB); a bare number is refused."""
    from heapsight.monitor.session import parse_size

    if not _HAS_UNIT.search(text):
        raise UsageError(f"--budget needs a unit, such as 200B or 1KiB (per iteration), not "
                         f"{text!r}")
    return float(parse_size(text, "--budget"))


def parse_timeout(text: str) -> float:
    from heapsight.monitor.session import parse_duration

    if not _HAS_UNIT.search(text):
        raise UsageError(f"--timeout needs a unit, such as 10s or 2m, not {text!r}")
    return parse_duration(text, "--timeout")


def say(message: str) -> None:
    stderr.print(f"[dim]heapsight:[/dim] {safe(message)}", soft_wrap=True, highlight=False)


@click.command()
@click.option("--warmup", default=100, show_default=True, type=click.IntRange(0),
              help="Iterations before the baseline snapshot (JIT, caches, lazy init).")
@click.option("--iterations", default=250, show_default=True, type=click.IntRange(10),
              help="Iterations in each of the two phases of the first round (doubled in each "
                   "later round).")
@click.option("--rounds", "max_rounds", default=3, show_default=True, type=click.IntRange(2),
              help="Most rounds before a check with weak evidence is UNDECIDED (a LEAK needs "
                   "two in a row).")
@click.option("--budget", default="0B", show_default=True, metavar="SIZE",
              help="Growth per iteration allowed by design, with a unit: 200B, 1KiB "
                   "(KB and MB are read as KiB and MiB).")
@click.option("--timeout", default="10s", show_default=True, metavar="DURATION",
              help="Longest one iteration may take (10s, 1m).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a JUnit XML report here (one test case per scenario).")
@click.option("--json", "as_json", is_flag=True, help="Print the check JSON on stdout.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write a self-contained HTML report (verdicts, heap per iteration, a "
                   "card per leak) to FILE.")
@click.option("--redact", is_flag=True,
              help="With --html: replace strings from the heap (names, values) in the page.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="A stored result: fail only on leaks that are new or grew worse.")
@click.option("--margin", default="20%", show_default=True, metavar="PERCENT",
              help="With --baseline: how much faster growth may be before it counts as worse.")
@click.option("--save-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Store this result for later --baseline runs.")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("heapsight-check"), show_default=True,
              help="Snapshots and logs of failing checks are kept in here.")
@click.option("--keep-snapshots", is_flag=True, help="Keep the snapshots of passing checks too.")
@click.option("--fail-on-undecided", is_flag=True,
              help="Exit 4 when a check stays undecided (by default it passes with a warning).")
@click.option("--url", "urls", multiple=True, metavar="URL",
              help="Check a service instead: each request to URL is one iteration "
                   "(start it with `-- COMMAND`).")
@click.argument("targets", nargs=-1, type=click.UNPROCESSED, metavar="SCENARIO... | -- COMMAND")
def check(warmup: int, iterations: int, max_rounds: int, budget: str, timeout: str,
          junit: Path | None, as_json: bool, html: Path | None, redact: bool,
          baseline: Path | None, margin: str,
          save_baseline: Path | None, runs_dir: Path, keep_snapshots: bool,
          fail_on_undecided: bool, urls: tuple[str, ...], targets: tuple[str, ...]) -> None:
    """Leak-test scenarios (or a service) in CI; fail only on real, repeated growth.

    A scenario is a Node.js module (CommonJS or ESM) exporting `iteration` (sync or async)
    and optionally `setup` and `teardown`. heapsight runs it in a child node with the
    inspector on loopback: warm-up, then rounds of two phases of iterations between heap
    snapshots, with the heap after GC sampled as it goes. A round finds a leak only when
    find-leaks sees a group of objects grow in every phase AND the heap trend rises; a LEAK
    needs two such rounds in a row (the second twice as long), weak evidence is rerun longer,
    and a check that stays unclear is UNDECIDED, never a LEAK.

    \b
    heapsight check scenarios/ --junit heapsight-check.xml --html check.html
    heapsight check scenarios/cache.js --budget 64B
    heapsight check --url http://127.0.0.1:3000/orders -- node server.js
    Exit status: 0 pass, 3 leak, 1 a scenario failed (threw, hung, node missing), 2 usage,
    4 undecided with --fail-on-undecided. Annotations are printed for GitHub Actions when
    GITHUB_ACTIONS=true.
    """
    from heapsight.check.run import CheckResult, CheckSettings, check_scenario, scenario_files
    from heapsight.monitor.session import parse_fraction

    settings = CheckSettings(warmup=warmup, iterations=iterations, budget=parse_budget(budget),
                             max_rounds=max_rounds, timeout=parse_timeout(timeout),
                             runs_folder=runs_dir, keep_snapshots=keep_snapshots)
    settings.validate()
    fraction = parse_fraction(margin, "--margin")
    if html is not None:
        from heapsight.report.html import check_target
        check_target(html)  # before minutes of checking, not after
    if urls:
        from heapsight.check.service import check_service

        scenarios = [check_service(list(targets), list(urls), settings, say)]
    else:
        scenarios = [check_scenario(path, settings, say) for path in scenario_files(targets)]
    result = CheckResult(scenarios, fail_on_undecided)
    if baseline is not None:
        from heapsight.check.baseline import apply_baseline

        apply_baseline(result, baseline, fraction)
    render(result, as_json, junit, save_baseline)
    if html is not None:
        from heapsight.report.html import write_html
        write_html(html, result.to_json(), "check", redact=redact)
    raise SystemExit(result.exit_code)


def render(result: object, as_json: bool, junit: Path | None, save_baseline: Path | None) -> None:
    from heapsight.check.baseline import save_baseline as store
    from heapsight.check.github import workflow_commands
    from heapsight.check.junit import write_junit
    from heapsight.check.run import CheckResult
    from heapsight.check.text import render_text
    from heapsight.check.verdict import ERROR

    assert isinstance(result, CheckResult)
    if junit is not None:
        write_junit(result, junit)
    if save_baseline is not None:
        store(result, save_baseline)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # Workflow commands are read from the step's output; stdout is JSON's alone with --json.
        stream = sys.stderr if as_json else sys.stdout
        for line in workflow_commands(result):
            stream.write(line + "\n")
        stream.flush()
    if as_json:
        print_json(result.to_json())
    else:
        render_text(result, stdout)
    for scenario in result.scenarios:  # each failure is also one line on stderr
        if scenario.verdict == ERROR:
            stderr.print(f"heapsight: error: {scenario.reason}", soft_wrap=True, markup=False,
                         highlight=False)
