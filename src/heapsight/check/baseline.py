"""`--baseline`: compare with a stored check result and fail only on growth that got worse.

Projects that carry known growth store a check's JSON (`--save-baseline FILE`). A leak then
fails only when its scenario was not leaking in the baseline, when a leak of a new kind
appears, or when the heap grows faster per iteration than the baseline by more than the
margin (20% and at least 32 B by default); otherwise it is KNOWN and the check passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from heapsight.check.run import CheckResult, ScenarioResult
from heapsight.check.verdict import KNOWN, LEAK
from heapsight.errors import HeapsightError
from heapsight.fileio import write_text_atomic

MIN_WORSE = 32.0  # bytes per iteration: less than this is measurement noise, never "worse"


def load_baseline(path: Path) -> dict[str, dict[str, Any]]:
    """scenario name -> its entry in a stored check JSON."""
    try:
        body = json.loads(path.read_text())
        entries = body["scenarios"]
        return {str(entry["scenario"]): entry for entry in entries}
    except OSError as exc:
        raise HeapsightError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError):
        raise HeapsightError(f"{path} is not a heapsight check result (write one with "
                             "--save-baseline FILE)") from None


def _kinds(leaks: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(str(leak.get("category")), str(leak.get("class"))) for leak in leaks}


def compare(scenario: ScenarioResult, entry: dict[str, Any] | None, margin: float) -> None:
    """Mark a leaking scenario KNOWN when the baseline carried the same growth."""
    if scenario.verdict != LEAK:
        return
    now = scenario.bytes_per_iteration or 0.0
    if entry is None or entry.get("verdict") not in (LEAK, KNOWN):
        scenario.baseline = {"known": False, "bytes_per_iteration": None,
                             "reason": "the baseline has no leak for this scenario"}
        return
    before = float(entry.get("bytes_per_iteration") or 0.0)
    new_kinds = _kinds([g.to_json() for g in scenario.leaks]) - _kinds(entry.get("leaks", []))
    limit = before + max(before * margin, MIN_WORSE)
    if new_kinds:
        kinds = ", ".join(f"{category} {name}" for category, name in sorted(new_kinds))
        reason = f"new leak not in the baseline: {kinds}"
    elif now > limit:
        reason = (f"growth got worse: {now:,.0f} B per iteration, baseline {before:,.0f} B "
                  f"(allowed up to {limit:,.0f} B)")
    else:
        reason = (f"known growth: {now:,.0f} B per iteration, baseline {before:,.0f} B "
                  f"(allowed up to {limit:,.0f} B)")
        scenario.verdict = KNOWN
    scenario.baseline = {"known": scenario.verdict == KNOWN, "bytes_per_iteration": before,
                         "reason": reason}


def apply_baseline(result: CheckResult, path: Path, margin: float) -> None:
    entries = load_baseline(path)
    for scenario in result.scenarios:
        compare(scenario, entries.get(scenario.name), margin)


def save_baseline(result: CheckResult, path: Path) -> None:
    write_text_atomic(path, json.dumps(result.to_json(), indent=2, default=int) + "\n",
                      force=True)
