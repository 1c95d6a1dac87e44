"""The verdict of a leak check, from two independent kinds of evidence.

A check never fails on noise. Each round of a check measures twice:

- **find-leaks** on three snapshots: some group of objects made during the round is still alive
  and gained members in *every* phase (warm-up that plateaus, churn, a cache that evicts, a
  cleared timer or a removed listener do not);
- **the heap trend**: the heap used after a full GC, sampled every few iterations, rises
  significantly (Theil–Sen slope, Mann–Kendall test, new highs: `monitor.trend`).

A round *finds a leak* only when both see growth above the budget, *passes* when neither does,
and is *weak* otherwise. Then:

- a round that passes ends the check: PASS;
- a round that finds a leak is confirmed by another round with twice the iterations in the same
  process: two rounds in a row that find a leak are a LEAK. A group that stops growing
  (a bounded cache reaching its size) passes the confirming round;
- weak evidence reruns with twice the iterations;
- when the rounds run out undecided, the check says UNDECIDED, never LEAK.

Everything here is pure: tests feed it evidence directly.
"""

from __future__ import annotations

from dataclasses import dataclass

PASS = "pass"
LEAK = "leak"
UNDECIDED = "undecided"
ERROR = "error"
KNOWN = "known"  # a leak the --baseline already carried, no worse: the check passes

FOUND = "leak"   # a round's finding: both kinds of evidence agree on growth
CLEAN = "pass"   # neither sees growth
WEAK = "weak"    # they disagree


@dataclass
class RoundFinding:
    finding: str       # FOUND, CLEAN or WEAK
    reason: str


def judge_round(leak_bytes: list[float], heap_leak: bool, heap_bytes: float,
                budget: float) -> RoundFinding:
    """One round: `leak_bytes` are find-leaks' groups in bytes per iteration, `heap_leak`
    whether the heap trend judged growth significant, `heap_bytes` its slope per iteration."""
    over = [b for b in leak_bytes if b > budget]
    trend_grows = heap_leak and heap_bytes > budget
    allowance = f" (budget {budget:g} B)" if budget else ""
    if over and trend_grows:
        return RoundFinding(FOUND, f"{len(over)} group{'s' if len(over) > 1 else ''} of objects "
                            f"grew in every phase and the heap after GC grew "
                            f"{heap_bytes:,.0f} B per iteration{allowance}")
    if not over and not trend_grows:
        if leak_bytes:
            return RoundFinding(CLEAN, "growth stays within the budget of "
                                f"{budget:g} B per iteration")
        return RoundFinding(CLEAN, "no group of objects grew in every phase and the heap after "
                            "GC did not rise")
    if over:
        return RoundFinding(WEAK, f"objects grew in every phase ({max(over):,.0f} B per "
                            "iteration) but the heap after GC did not rise significantly")
    return RoundFinding(WEAK, f"the heap after GC rose {heap_bytes:,.0f} B per iteration but no "
                        "group of objects grew in every phase")


def next_step(findings: list[str], max_rounds: int) -> str | None:
    """The check's verdict after these rounds, or None to run another round."""
    last = findings[-1]
    if last == CLEAN:
        return PASS
    if len(findings) >= 2 and findings[-2] == FOUND and last == FOUND:
        return LEAK
    if len(findings) >= max_rounds:
        return UNDECIDED
    return None


def verdict_reason(verdict: str, findings: list[RoundFinding]) -> str:
    """One sentence for the report: why this verdict."""
    last = findings[-1].reason
    rounds = len(findings)
    if verdict == LEAK:
        return f"confirmed in {rounds} rounds: {last}"
    if verdict == PASS:
        if rounds > 1 and findings[-2].finding == FOUND:
            return f"growth stopped when run longer (round {rounds}): {last}"
        return last
    return f"the evidence stayed weak after {rounds} rounds: {last}"
