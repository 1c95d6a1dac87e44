"""Memory limits judged over a window, never on one sample.

An instance is over its limit only when every sample for `over_for` seconds is over it (one GC
spike or a burst never restarts), and never in its first `grace` seconds (start-up peaks).
PM2 reads one RSS sample every 30 s and restarts on it (pm2 #3333, #4119).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LimitWindow:
    """The over-the-limit streak of one measure (rss or heap_used) of one instance."""

    limit: int
    over_for: float
    grace: float
    over_since: float | None = None
    grace_noted: bool = False

    def judge(self, value: int | None, now: float, age: float) -> str | None:
        """'crossed' on the first sample over the limit, 'exceeded' once it has stayed over for
        the whole window, 'grace' when over while still young; None otherwise."""
        if value is None or value <= self.limit:
            self.over_since = None
            return None
        if age < self.grace:
            self.over_since = None
            if self.grace_noted:
                return None
            self.grace_noted = True
            return "grace"
        if self.over_since is None:
            self.over_since = now
            return "exceeded" if self.over_for <= 0 else "crossed"
        if now - self.over_since >= self.over_for:
            return "exceeded"
        return None


def backoff_delay(failures: int, initial: float, ceiling: float, jitter: float) -> float:
    """Exponential backoff with jitter: initial * 2^(failures-1), capped, times a factor in
    [0.5, 1] so instances that crash together do not restart in lockstep."""
    base = min(ceiling, initial * 2 ** max(0, failures - 1))
    return base * (0.5 + 0.5 * jitter)
