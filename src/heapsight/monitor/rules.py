"""Prometheus alerting rules for the classic heap-growth alert, on prom-client's metric names.

The rule compares post-GC lows, not raw samples: `min_over_time` over a sixth of the window now,
against the same a window ago, as `trend.alert_window` does. A process younger than the window
is left out (`process_start_time_seconds`), because a fresh process warming up would fire it.
"""

from __future__ import annotations

import re

from heapsight.errors import UsageError

_LABEL_MATCHER = re.compile(r'^\s*[A-Za-z_][A-Za-z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*$')


def prometheus_duration(seconds: float) -> str:
    """Seconds as a Prometheus duration: 1800 -> '30m', 5400 -> '90m', 45 -> '45s'."""
    whole = int(round(seconds))
    if whole <= 0:
        raise UsageError("durations in alert rules must be at least one second")
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def check_selector(selector: str) -> str:
    """`job="api",env=~"prod.*"` (with or without braces) -> the inside of a PromQL selector."""
    inner = selector.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    # Split on commas outside quotes, then check each matcher.
    parts = [p for p in re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', inner) if p.strip()]
    for part in parts:
        if not _LABEL_MATCHER.match(part):
            raise UsageError(f"--selector: {part.strip()!r} is not a label matcher such as "
                             'job="api"')
    return ",".join(p.strip() for p in parts)


def alert_rules(growth: float = 0.20, window: float = 1800.0, hold: float = 600.0,
                selector: str = "", prefix: str = "", group: str = "heapsight-node-memory",
                leak_gauge: bool = True) -> str:
    """The rules file as YAML text (written by hand: no YAML dependency for a fixed shape)."""
    if not 0 < growth < 100:
        raise UsageError("--growth must be a positive fraction such as 20%")
    if prefix and not re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:]*", prefix):
        raise UsageError(f"--prefix {prefix!r} is not a valid metric name prefix")
    inner = check_selector(selector) if selector else ""
    labels = "{" + inner + "}" if inner else ""
    span = prometheus_duration(window / 6)
    window_text = prometheus_duration(window)
    percent = f"{growth * 100:g}%"
    factor = f"{1 + growth:g}"
    started = f"{prefix}process_start_time_seconds{labels}"
    young = f"(time() - {started}) > {int(window + window / 6)}"

    def growth_rule(name: str, metric: str, what: str) -> str:
        series = f"{prefix}{metric}{labels}"
        return f"""      - alert: {name}
        expr: |
          (
            min_over_time({series}[{span}])
              > {factor} * min_over_time({series}[{span}] offset {window_text})
          )
          and {young}
        for: {prometheus_duration(hold)}
        labels:
          severity: warning
          category: leak
        annotations:
          summary: "{what} of {{{{ $labels.job }}}} {{{{ $labels.instance }}}} grew more than {percent} in {window_text}"
          description: "The lowest {what} over the last {span} is {{{{ $value | humanize1024 }}}}B, more than {factor} times the lowest {window_text} earlier. A steady rise of the post-GC lows is the signature of a leak: confirm with `heapsight watch` and find it with `heapsight hunt`."
"""

    text = f"""# Written by `heapsight alert-rules`: heap growth of more than {percent} in {window_text}.
# Validate with: promtool check rules FILE
groups:
  - name: {group}
    rules:
{growth_rule("NodeHeapGrowing", "nodejs_heap_size_used_bytes", "heap used")}{growth_rule("NodeResidentMemoryGrowing", "process_resident_memory_bytes", "resident memory")}"""
    if leak_gauge:
        text += f"""      - alert: HeapsightLeakSuspected
        expr: heapsight_leak_suspected == 1
        for: {prometheus_duration(hold)}
        labels:
          severity: warning
          category: leak
        annotations:
          summary: "heapsight's watch says {{{{ $labels.target }}}} leaks"
          description: "`heapsight watch --serve` found a significant, lasting rise of the post-GC lows of {{{{ $labels.target }}}}."
"""
    return text
