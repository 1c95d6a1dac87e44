"""The verdict on generated memory curves of every shape the issue names, across random seeds.

Each curve is a GC sawtooth: the live heap follows the shape, garbage piles up at a random rate
between collections that come at random intervals, and a sample is taken every `interval` seconds,
as a service logging process.memoryUsage() would.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from heapsight.monitor.trend import (
    INSUFFICIENT,
    LEAK,
    STABLE,
    TrendSettings,
    alert_window,
    assess,
    levelling_off,
    mann_kendall,
    post_gc_lows,
    split_at_restarts,
    theil_sen,
)

MB = 1024 * 1024
HOUR = 3600.0
SEEDS = int(__import__("os").environ.get("HEAPSIGHT_TREND_SEEDS", "6"))
DAY = 24 * HOUR


def sawtooth(live, hours: float, seed: int, interval: float = 30.0, garbage_mb_per_min: float = 10.0,
             gc_every: float = 150.0, jitter_mb: float = 1.5, restart_every: float = 0.0):
    """(times, heap_used) sampled from a GC sawtooth riding on `live(t)` bytes; a restart (every
    `restart_every` seconds when set) starts with no garbage."""
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, hours * HOUR, interval) + 1.7e9
    values = np.empty_like(times)
    next_gc, last_gc, rate = gc_every, 0.0, garbage_mb_per_min
    for k, t in enumerate(times - times[0]):
        if restart_every and k and t % restart_every < t - (times[k - 1] - times[0]):
            last_gc, next_gc = t, t + gc_every
        while t >= next_gc:
            last_gc = next_gc
            next_gc += gc_every * rng.uniform(0.5, 1.5)
            rate = garbage_mb_per_min * rng.uniform(0.5, 1.5)
        garbage = rate * MB * (t - last_gc) / 60.0
        values[k] = live(t) + garbage + rng.normal(0.0, jitter_mb * MB)
    return times, values


def stairs(base: float, rises: list[tuple[float, float]]):
    """A live heap that rises by `size` bytes at each `(seconds, size)` and never gives it back."""
    return lambda t: base + sum(size for at, size in rises if t >= at)


SHAPES = {
    # name: (expected verdict, live heap as a function of seconds since start, hours, options)
    "warm-up then flat": (STABLE, lambda t: 150 * MB * (1 - 0.5 * math.exp(-t / 600)), 3, {}),
    "cache fills linearly then plateaus": (
        STABLE, lambda t: 100 * MB + 120 * MB * min(t / (1.5 * HOUR), 1.0), 4, {}),
    "cache fills and saturates": (
        STABLE, lambda t: 100 * MB + 120 * MB * (1 - math.exp(-t / 2400)), 4, {}),
    "daily bump that returns": (
        STABLE, lambda t: 150 * MB + 60 * MB * max(0.0, math.sin(2 * math.pi * t / DAY)), 72,
        {"interval": 300.0}),
    "daily bump, log ends at a peak": (
        STABLE, lambda t: 150 * MB + 60 * MB * max(0.0, math.sin(2 * math.pi * t / DAY)), 54,
        {"interval": 300.0}),
    "flat with GC noise": (STABLE, lambda t: 180 * MB, 3, {}),
    "slow leak, 6%/h in GC noise": (LEAK, lambda t: 150 * MB * (1 + 0.06 * t / HOUR), 3,
                                    {"garbage_mb_per_min": 20.0}),
    "slow leak, 4%/h over 4h": (LEAK, lambda t: 150 * MB * (1 + 0.04 * t / HOUR), 4, {}),
    "leak after warm-up": (
        LEAK, lambda t: 150 * MB * (1 - 0.5 * math.exp(-t / 600)) + 8 * MB * t / HOUR, 3, {}),
    "step growth that never returns": (
        LEAK, lambda t: 120 * MB + 15 * MB * math.floor(t / (45 * 60)), 4, {}),
    "fast leak, short watch": (LEAK, lambda t: 40 * MB + 200 * MB * t / HOUR, 0.25,
                               {"interval": 5.0, "gc_every": 20.0}),
    # Growth in steps (a batch kept every N minutes), ending at different points of a gap, and
    # the look-alikes that rise in steps and then stay flat.
    "three batches kept an hour apart, log ends mid-gap": (
        LEAK, stairs(150 * MB, [(60 * (18 + 60 * k), 20 * MB) for k in range(3)]), 2.8, {}),
    "three batches two hours apart, minute log": (
        LEAK, stairs(150 * MB, [(60 * (36 + 120 * k), 20 * MB) for k in range(3)]), 5.6,
        {"interval": 60.0}),
    "four batches 45m apart, log ends just after the last": (
        LEAK, stairs(150 * MB, [(60 * (13 + 45 * k), 20 * MB) for k in range(4)]), 2.6, {}),
    "four batches 90m apart, log ends just before the next": (
        LEAK, stairs(150 * MB, [(60 * (27 + 90 * k), 20 * MB) for k in range(4)]), 6.3, {}),
    "small steps every 30m in GC noise": (
        LEAK, stairs(200 * MB, [(60 * m, 4 * MB) for m in range(20, 240, 30)]), 4,
        {"garbage_mb_per_min": 6.0}),
    "cache filled in three steps, then flat for hours": (
        STABLE, stairs(150 * MB, [(60 * m, 25 * MB) for m in (20, 50, 80)]), 4.5, {}),
    "one jump, then flat": (STABLE, stairs(150 * MB, [(2 * HOUR, 40 * MB)]), 6, {}),
    "batches that are freed again": (
        STABLE, lambda t: 150 * MB + 40 * MB * (HOUR < t < 2 * HOUR or 3 * HOUR < t < 4 * HOUR),
        5, {}),
}


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize("seed", range(SEEDS))
def test_shape_gets_the_right_verdict(name: str, seed: int) -> None:
    expected, live, hours, options = SHAPES[name]
    times, values = sawtooth(live, hours, seed, **options)
    result = assess(times, values)
    assert result.verdict == expected, (name, result.shape, result.reason, result.p_value,
                                        result.slope_bytes_per_hour / MB)
    if expected == LEAK:
        assert result.slope_bytes_per_hour > 0
        assert result.confidence > 0.99


def leaking_with_restarts(seed: int, leak: bool):
    """8 hours, restarted every 2.5 h (the heap falls back to its start and warms up again)."""
    def live(t: float) -> float:
        since = t % (2.5 * HOUR)
        warm = 100 * MB * (1 - 0.7 * math.exp(-since / 300))
        return warm + (40 * MB * since / HOUR if leak else 0.0)
    return sawtooth(live, 8, seed, restart_every=2.5 * HOUR)


@pytest.mark.parametrize("seed", range(4))
def test_restarts_split_the_log_into_runs(seed: int) -> None:
    times, values = leaking_with_restarts(seed, leak=True)
    result = assess(times, values)
    assert result.restarts == 3
    assert result.verdict == LEAK
    assert all(s.verdict == LEAK for s in result.segments if s.end - s.start > HOUR)
    # One straight line through the restarts would be nearly flat: the per-run slope is not.
    assert 25 * MB < result.slope_bytes_per_hour < 60 * MB

    times, values = leaking_with_restarts(seed, leak=False)
    result = assess(times, values)
    assert result.restarts == 3
    assert result.verdict == STABLE


def test_restart_flags_from_the_source_split_without_a_drop() -> None:
    times, values = sawtooth(lambda t: 150 * MB, 2, seed=1)
    flags = np.zeros(len(times), dtype=bool)
    flags[len(times) // 2] = True
    assert len(split_at_restarts(times, values, flags)) == 2
    assert len(split_at_restarts(times, values)) == 1


@pytest.mark.parametrize("count", [0, 1, 5, 11])
def test_too_few_samples_is_insufficient_data(count: int) -> None:
    times, values = sawtooth(lambda t: 150 * MB + t * 1000, 1, seed=3)
    result = assess(times[:count], values[:count])
    assert result.verdict == INSUFFICIENT
    assert result.slope_bytes_per_hour == 0.0


def test_theil_sen_ignores_outliers_and_mann_kendall_sees_direction() -> None:
    t = np.arange(50, dtype=np.float64)
    y = 3.0 * t + 10.0
    y[[5, 17, 33]] = 1e6  # spikes a least-squares line would chase
    slope, intercept = theil_sen(t, y)
    assert slope == pytest.approx(3.0)
    assert intercept == pytest.approx(10.0)
    z_up, p_up = mann_kendall(t, 3.0 * t)
    z_down, p_down = mann_kendall(t, -3.0 * t)
    assert z_up > 5 and p_up < 1e-6
    assert z_down < -5 and p_down > 1 - 1e-6


def test_mann_kendall_is_calibrated_on_noise() -> None:
    """Under no trend the one-sided p-value falls below 0.01 about 1% of the time, not more."""
    rng = np.random.default_rng(7)
    t = np.arange(120, dtype=np.float64)
    rejections = sum(mann_kendall(t, rng.normal(size=120))[1] < 0.01 for _ in range(400))
    assert rejections <= 12


def test_lows_follow_the_bottom_of_the_sawtooth() -> None:
    times, values = sawtooth(lambda t: 150 * MB, 2, seed=5, jitter_mb=0.2)
    lows_t, lows_y = post_gc_lows(times, values)
    assert len(lows_t) >= 8
    # The sawtooth's peaks reach ~+25 MB of garbage; its lows stay near the live heap.
    assert np.median(lows_y) < 150 * MB + 6 * MB < np.median(values)


def test_alert_window_fires_on_twenty_percent_in_thirty_minutes() -> None:
    settings = TrendSettings()
    times, values = sawtooth(lambda t: 150 * MB * (1 + 0.6 * t / HOUR), 1, seed=2)
    firing = alert_window(times, values, settings)
    assert firing.covered and firing.firing and firing.growth_fraction > 0.2
    times, values = sawtooth(lambda t: 150 * MB * (1 + 0.1 * t / HOUR), 1, seed=2)
    quiet = alert_window(times, values, settings)
    assert quiet.covered and not quiet.firing
    short = alert_window(times[:20], values[:20], settings)
    assert not short.covered and not short.firing


def test_time_to_limit_is_projected_for_a_leak() -> None:
    times, values = sawtooth(lambda t: 100 * MB + 50 * MB * t / HOUR, 2, seed=4)
    result = assess(times, values, limit_bytes=512 * MB)
    assert result.verdict == LEAK
    # ~200 MB now, growing 50 MB/h: about 6 hours to 512 MB.
    assert 4 * HOUR < result.time_to_limit_seconds < 8 * HOUR


def test_growth_that_paused_is_not_levelling_off() -> None:
    """The judged lows of a 10 s watch of a leaking node process (`tests/test_watch_live.py`'s
    program, recorded under load) with a 2 s stall put in at 90% of it (the process got no
    CPU), then the climb again: the quadratic bends down as for a filling cache, and with under
    six lows in its last third the old check took that on trust. The last lows climb at the
    average pace: not levelling off. A cache approaching its size is."""
    t = np.array([0.0, 1.27, 1.52, 2.28, 3.06, 3.81, 4.56, 5.31, 6.13])
    paused = MB * np.array([42.5, 46.3, 50.0, 51.7, 55.4, 56.9, 56.9, 56.9, 60.5])
    assert not levelling_off(t, paused)
    filling = 42.5 * MB + 18 * MB * (1 - np.exp(-t / 1.5))
    assert levelling_off(t, filling)
