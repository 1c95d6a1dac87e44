"""Run leak checks: rounds of iterations between heap snapshots, judged by `verdict`.

    start node + harness -> warm-up -> [GC, baseline] -> N iterations -> [GC, target]
      -> N iterations -> [GC, final] -> find-leaks + heap trend -> round finding
      -> (confirm or rerun with 2N, from the last snapshot) -> verdict

The heap used after a full GC is sampled every few iterations through both phases; those
samples are the heap trend. Each round after the first continues in the same process, its
baseline the previous round's final snapshot. Snapshots stay in a run folder when the check
fails or is undecided (for CI to upload), and are removed when it passes unless asked to keep.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from heapsight.check.process import HARNESS, Sample, ScenarioProcess
from heapsight.check.sites import SAMPLING_INTERVAL, Site, live_sites
from heapsight.check.verdict import (
    ERROR,
    LEAK,
    PASS,
    UNDECIDED,
    RoundFinding,
    judge_round,
    next_step,
    verdict_reason,
)
from heapsight.errors import HeapsightError, UsageError
from heapsight.live.hunt import new_run_dir
from heapsight.live.inspector import Inspector
from heapsight.monitor.trend import LEAK as TREND_LEAK
from heapsight.monitor.trend import TrendResult, TrendSettings, assess

SCENARIO_SUFFIXES = (".js", ".mjs", ".cjs")
# The heap trend must rise at least this much per iteration to count as growth: V8's own
# bookkeeping (feedback vectors, code, the inspector's tables) adds a few bytes now and then.
HEAP_FLOOR = 32.0
# The trend statistics on post-GC samples: the samples are already post-GC lows, so growth is
# judged on significance and size, not on a fraction of the heap (a 200 B leak is 0.1%/round).
TREND_SETTINGS = TrendSettings(min_samples=16, min_lows=8, min_growth=0.0)


@dataclass
class CheckSettings:
    warmup: int = 100              # iterations before the baseline snapshot
    iterations: int = 250          # per phase in the first round; doubled each round after
    budget: float = 0.0            # bytes per iteration of growth allowed by design
    max_rounds: int = 3
    timeout: float = 10.0          # seconds one iteration may take
    samples_per_phase: int = 16    # heap-after-GC samples in each phase
    runs_folder: Path = Path("heapsight-check")
    keep_snapshots: bool = False   # also when the check passes
    allocation_sites: bool = True  # sample allocation stacks from round 2 (the leak's line)
    node_options: list[str] = field(default_factory=list)

    def validate(self) -> None:
        if self.iterations < 10 or self.warmup < 0 or self.max_rounds < 2:
            raise UsageError("--iterations must be at least 10, --warmup at least 0 and "
                             "--rounds at least 2")
        if self.budget < 0 or self.timeout <= 0:
            raise UsageError("--budget must be 0 or more and --timeout more than 0")


@dataclass
class LeakGrowth:
    """One find-leaks leak in a check's words: growth per iteration and the user's line."""

    leak: Any                       # analysis.leaks.Leak
    bytes_per_iteration: float
    objects_per_iteration: float
    line: str | None                # file:line:column in the scenario or the user's code
    allocation_stack: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        body = dict(self.leak.to_json())
        body.update(bytes_per_iteration=round(self.bytes_per_iteration, 1),
                    objects_per_iteration=round(self.objects_per_iteration, 3),
                    line=self.line, allocation_stack=self.allocation_stack)
        return body


@dataclass
class RoundResult:
    number: int
    iterations: int                 # per phase
    snapshots: list[Path]
    samples: list[Sample]
    trend: TrendResult
    heap_bytes_per_iteration: float
    leaks: list[LeakGrowth]
    finding: RoundFinding

    def to_json(self) -> dict[str, Any]:
        return {"round": self.number, "iterations": self.iterations,
                "finding": self.finding.finding, "reason": self.finding.reason,
                "heap_bytes_per_iteration": round(self.heap_bytes_per_iteration, 1),
                "trend": {"verdict": self.trend.verdict, "shape": self.trend.shape,
                          "p_value": self.trend.p_value, "reason": self.trend.reason},
                "heap_used": [[s.iteration, s.heap_used] for s in self.samples],
                "snapshots": [str(p) for p in self.snapshots],
                "leaks": [leak.to_json() for leak in self.leaks]}


@dataclass
class ScenarioResult:
    scenario: Path
    verdict: str                    # pass | leak | undecided | error
    reason: str
    settings: CheckSettings
    rounds: list[RoundResult] = field(default_factory=list)
    run_dir: Path | None = None
    seconds: float = 0.0
    baseline: dict[str, Any] | None = None   # set by baseline.compare

    @property
    def name(self) -> str:
        return display_path(self.scenario)

    @property
    def leaks(self) -> list[LeakGrowth]:
        """What grew beyond the budget in the deciding round."""
        if not self.rounds:
            return []
        return [g for g in self.rounds[-1].leaks if g.bytes_per_iteration > self.settings.budget]

    @property
    def bytes_per_iteration(self) -> float | None:
        return self.rounds[-1].heap_bytes_per_iteration if self.rounds else None

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.name, "verdict": self.verdict, "reason": self.reason,
                "bytes_per_iteration": None if self.bytes_per_iteration is None
                else round(self.bytes_per_iteration, 1),
                "warmup": self.settings.warmup, "iterations": self.settings.iterations,
                "budget": self.settings.budget, "seconds": round(self.seconds, 2),
                "run_dir": str(self.run_dir) if self.run_dir else None,
                "leaks": [leak.to_json() for leak in self.leaks],
                "rounds": [r.to_json() for r in self.rounds], "baseline": self.baseline}


@dataclass
class CheckResult:
    scenarios: list[ScenarioResult]
    fail_on_undecided: bool = False

    @property
    def verdict(self) -> str:
        verdicts = {s.verdict for s in self.scenarios}
        for worst in (ERROR, LEAK, UNDECIDED):
            if worst in verdicts:
                return worst
        return PASS

    @property
    def exit_code(self) -> int:
        """0 pass, 3 leak, 1 a scenario failed; undecided is 0 (4 with --fail-on-undecided)."""
        return {ERROR: 1, LEAK: 3, UNDECIDED: 4 if self.fail_on_undecided else 0}.get(
            self.verdict, 0)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "exit_code": self.exit_code,
                "scenarios": [s.to_json() for s in self.scenarios]}


def display_path(path: Path) -> str:
    """Relative to the working folder when inside it (what CI annotations expect)."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)


def scenario_files(paths: Sequence[str]) -> list[Path]:
    """Scenario files from the arguments: files as given, folders' .js/.mjs/.cjs files."""
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.suffix in SCENARIO_SUFFIXES and p.is_file())
            if not inside:
                raise UsageError(f"{path} holds no scenario (.js, .mjs or .cjs files)")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such scenario file or folder")
    if not found:
        raise UsageError("give at least one scenario file or folder")
    return [p.resolve() for p in found]


# -- driving one process through rounds ----------------------------------------------------

class Workload(Protocol):
    """What a round drives: a scenario's iterations, or load on a service."""

    inspector: Inspector | None

    def run(self, count: int) -> None: ...

    def heap_used_after_gc(self) -> int: ...


Say = Callable[[str], None]


def run_rounds(work: Workload, settings: CheckSettings, run_dir: Path, say: Say,
               script: Path | None = None) -> tuple[str, str, list[RoundResult]]:
    """Warm up, then rounds until the verdict is known: (verdict, reason, rounds)."""
    inspector = work.inspector
    assert inspector is not None
    _run_in_steps(work, settings.warmup, max(1, settings.iterations // settings.samples_per_phase))
    baseline = _snapshot(work, run_dir / "s0-baseline.heapsnapshot")
    rounds: list[RoundResult] = []
    iterations = settings.iterations
    while True:
        number = len(rounds) + 1
        say(f"round {number}: 2 x {iterations} iterations")
        result = _round(work, settings, run_dir, number, iterations, baseline, script)
        _carry_lines(rounds, result)
        rounds.append(result)
        say(f"round {number}: {result.finding.finding}: {result.finding.reason}")
        verdict = next_step([r.finding.finding for r in rounds], settings.max_rounds)
        if verdict is not None:
            return verdict, verdict_reason(verdict, [r.finding for r in rounds]), rounds
        baseline = result.snapshots[-1]
        iterations *= 2
        if settings.allocation_sites and number == 1:
            # Only rounds after the first sample allocation stacks: a clean check ends after
            # one round, and a leak is confirmed, with its line, in the next.
            inspector.start_sampling(SAMPLING_INTERVAL)


def _carry_lines(earlier: list[RoundResult], result: RoundResult) -> None:
    """A leak whose example object had no allocation stack this round keeps the line an
    earlier round found for the same leak."""
    for growth in result.leaks:
        if growth.line is not None:
            continue
        for previous in reversed(earlier):
            same = [g for g in previous.leaks if g.line is not None
                    and (g.leak.category, g.leak.class_name) == (growth.leak.category,
                                                                 growth.leak.class_name)]
            if same:
                growth.line, growth.allocation_stack = same[0].line, same[0].allocation_stack
                break


def _run_in_steps(work: Workload, count: int, step: int) -> None:
    done = 0
    while done < count:
        batch = min(step, count - done)
        work.run(batch)
        done += batch


def _snapshot(work: Workload, path: Path) -> Path:
    inspector = work.inspector
    assert inspector is not None
    inspector.collect_garbage()
    inspector.take_heap_snapshot(path)
    return path


def _round(work: Workload, settings: CheckSettings, run_dir: Path, number: int,
           iterations: int, baseline: Path, script: Path | None) -> RoundResult:
    from heapsight.analysis.leaks import find_leaks

    step = max(1, iterations // settings.samples_per_phase)
    samples: list[Sample] = []
    snapshots = [baseline]
    done = 0
    for phase in ("target", "final"):
        target = done + iterations
        while done < target:
            batch = min(step, target - done)
            work.run(batch)
            done += batch
            samples.append(Sample(done, work.heap_used_after_gc()))
        snapshots.append(_snapshot(work, run_dir / f"s{2 * number - (phase == 'target')}-"
                                                   f"round{number}-{phase}.heapsnapshot"))
    report = find_leaks(snapshots)
    sites: list[Site] = []
    if settings.allocation_sites and number > 1:
        sites = live_sites(work.inspector.stop_sampling()) if work.inspector else []
        if work.inspector is not None:
            work.inspector.start_sampling(SAMPLING_INTERVAL)  # afresh for the next round
    leaks = []
    for leak in report.leaks:
        line, stack = leak_line(leak, sites, script)
        leaks.append(LeakGrowth(leak, leak.growth_bytes / iterations, leak.growth / iterations,
                                line, stack))
    t = np.array([s.iteration for s in samples], dtype=np.float64)
    y = np.array([s.heap_used for s in samples], dtype=np.float64)
    trend = assess(t, y, TREND_SETTINGS)
    slope = _slope_per_iteration(t, y)
    heap_leak = trend.verdict == TREND_LEAK
    # The floor guards the trend only: find-leaks' groups are measured against the budget.
    finding = judge_round([g.bytes_per_iteration for g in leaks],
                          heap_leak and slope > HEAP_FLOOR, slope, settings.budget)
    return RoundResult(number, iterations, snapshots, samples, trend, slope, leaks, finding)


def _slope_per_iteration(t: np.ndarray, y: np.ndarray) -> float:
    from heapsight.monitor.trend import theil_sen

    return theil_sen(t, y)[0] if len(t) >= 2 else 0.0


def leak_line(leak: Any, sites: list[Site], script: Path | None) -> tuple[str | None,
                                                                       list[str]]:
    """The line of one leak and the allocation stack it comes from: among the stacks that
    allocated memory still alive (most bytes first), the first whose user function has a
    statement matching the leak's clues, else the biggest; find-leaks' location without one."""
    clues = clues_of(leak)
    fallback: tuple[str | None, list[str]] | None = None
    for site in sites[:_SITES_TRIED]:
        line = stack_line(site.stack, script, clues, strict=True)
        if line is not None:
            return line, site.stack
        if fallback is None:
            loose = stack_line(site.stack, script, clues)
            if loose is not None:
                fallback = (loose, site.stack)
    if fallback is not None:
        return fallback
    return user_line(leak.location, [], script, clues), []


_SITES_TRIED = 20


def _split_location(location: str) -> tuple[str, str]:
    """`file:///a/b.mjs:3:7` or `/a/b.js:3:7` -> ('/a/b.mjs', ':3:7')."""
    parts = location.rsplit(":", 2)
    script, suffix = location, ""
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        script, suffix = parts[0], f":{parts[1]}:{parts[2]}"
    if script.startswith("file://"):
        script = script[len("file://"):]
    return script, suffix


def stack_line(stack: list[str], script: Path | None, clues: Sequence[str] = (),
               strict: bool = False) -> str | None:
    """The line in a stack to point at: the first frame in the scenario, else the first in
    the user's own code (not node's internals, not the harness, not node_modules). V8's
    stacks locate functions, not statements: within the function, the first line matching
    one of `clues` (the API that adds, the holder, the class) is the line. `strict`: only a
    frame where a clue matched counts."""
    frames = [_split_location(f[f.rindex("(") + 1:-1]) for f in stack
              if f.endswith(")") and "(" in f]
    mine = [(p, s) for p, s in frames if script is not None and Path(p) == script]
    users = [(p, s) for p, s in frames if p.startswith("/") and Path(p) != HARNESS
             and "/node_modules/" not in p]
    for path, suffix in mine + users:
        found = statement_in(Path(path), suffix, clues)
        if found != suffix or not strict:
            return display_path(Path(path)) + found
    return None


def user_line(location: str | None, stack: list[str], script: Path | None,
              clues: Sequence[str] = ()) -> str | None:
    """The stack's line, else find-leaks' location, else the statement matching a clue in
    the scenario's `iteration`."""
    line = stack_line(stack, script, clues)
    if line is not None:
        return line
    if location and not location.startswith("node:"):
        path, suffix = _split_location(location)
        return display_path(Path(path)) + suffix if path.startswith("/") else location
    if script is not None:  # no stack for this object: search the scenario's iteration
        start = iteration_line(script)
        if start is not None:
            found = statement_in(script, f":{start}:1", clues)
            if found != f":{start}:1":
                return display_path(script) + found
    return None


_ITERATION = re.compile(r"(?:exports\.iteration\s*=|function\*?\s+iteration\s*\(|"
                        r"\biteration\s*(?::|=|\())")


def iteration_line(script: Path) -> int | None:
    """The line where a scenario defines its `iteration` function, as written."""
    try:
        lines = script.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, 1):
        if _ITERATION.search(text) and not text.lstrip().startswith("//"):
            return number
    return None


_FUNCTION_LINES = 60  # lines of a function searched for the statement that adds


def statement_in(path: Path, suffix: str, clues: Sequence[str]) -> str:
    """`:line:column` of the first line from the function at `suffix` that matches a clue
    (regular expressions, in order of preference; stopping at the end of a top-level block);
    the function's own position otherwise."""
    if not suffix or not clues:
        return suffix
    line = int(suffix.split(":")[1])
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return suffix
    body: list[int] = []
    for number in range(line, min(len(lines), line + _FUNCTION_LINES) + 1):
        if number > line and lines[number - 1].startswith("}"):
            break
        body.append(number)
    for clue in clues:
        pattern = re.compile(clue)
        for number in body:
            text = lines[number - 1]
            match = pattern.search(text)
            if match and not text.lstrip().startswith("//"):
                return f":{number}:{match.start() + 1}"
    return suffix


def _word(name: str) -> str:
    return rf"(?<![\w$]){re.escape(name)}(?![\w$])"


_ADDS = r"\s*(?:\.\s*(?:push|unshift|set|add|splice)\s*\(|\[[^\]]*\]\s*=(?!=))"


def clues_of(leak: Any) -> list[str]:
    """What to look for in the allocating function, best first: the call that registers a
    listener or timer, the captured variable of a closure-capture, the holder being added
    to, the holder, the class being made."""
    clues = [_word(call) + r"\s*\(" for call in
             {"listener-leak": ["on", "addListener", "addEventListener", "once"],
              "timer-leak": ["setInterval", "setTimeout"]}.get(leak.category, [])]
    closure = getattr(leak, "closure", None) or {}
    if re.fullmatch(r"[A-Za-z_$][\w$]*", str(closure.get("variable", ""))):
        # closure-capture: where the captured variable the sibling closures share is set
        clues.append(_word(closure["variable"]) + r"\s*=(?!=)")
    holder = re.split(r"[.\[]", str(leak.holder))[0]
    if re.fullmatch(r"[A-Za-z_$][\w$]*", holder):
        clues += [_word(holder) + _ADDS, _word(holder)]
    name = str(leak.class_name).removesuffix("() closure")
    if re.fullmatch(r"[A-Za-z_$][\w$]*", name) and name not in ("Object", "Array", "Timeout"):
        clues.append(_word(name))
    return clues


# -- scenarios -----------------------------------------------------------------------------

def check_scenario(scenario: Path, settings: CheckSettings, say: Say) -> ScenarioResult:
    """One scenario from start to verdict; a failing scenario is a result with verdict
    `error` (its one line as the reason), never an exception."""
    started = time.monotonic()
    run_dir = new_run_dir(settings.runs_folder / scenario.stem)
    result = ScenarioResult(scenario, ERROR, "", settings, run_dir=run_dir)
    try:
        with ScenarioProcess(scenario, run_dir / "scenario.log", settings.timeout,
                             settings.node_options) as process:
            say(f"{display_path(scenario)}: node pid {process.service.pid}, "
                f"{settings.warmup} warm-up iterations")
            verdict, reason, rounds = run_rounds(process, settings, run_dir, say, scenario)
            result.verdict, result.reason, result.rounds = verdict, reason, rounds
            process.teardown()
    except HeapsightError as error:
        result.verdict, result.reason = ERROR, str(error)
    result.seconds = time.monotonic() - started
    tidy_run_dir(result)
    return result


def tidy_run_dir(result: ScenarioResult) -> None:
    """Keep the evidence of a failure; drop the snapshots of a pass (unless asked to keep)."""
    run_dir = result.run_dir
    if run_dir is None:
        return
    keep = result.verdict in (LEAK, UNDECIDED) or result.settings.keep_snapshots
    if not keep:
        for snapshot in run_dir.glob("*.heapsnapshot"):
            snapshot.unlink()
        for round_result in result.rounds:
            round_result.snapshots = []
    if result.verdict == PASS and not result.settings.keep_snapshots:
        shutil.rmtree(run_dir, ignore_errors=True)
        result.run_dir = None
        with contextlib.suppress(OSError):
            os.rmdir(run_dir.parent)  # the scenario's folder, when it is now empty


def check(paths: Sequence[str], settings: CheckSettings, say: Say,
          fail_on_undecided: bool = False) -> CheckResult:
    settings.validate()
    files = scenario_files(paths)
    return CheckResult([check_scenario(path, settings, say) for path in files],
                       fail_on_undecided)
