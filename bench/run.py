"""Benchmark heapsight's snapshot engine side by side with MemLab, in one run.

    .venv/bin/python bench/run.py                      # 20, 150 and 600 MB snapshots
    .venv/bin/python bench/run.py --sizes 1024 --tools heapsight
    .venv/bin/python bench/run.py --sizes 20 --cold    # first run as after a fresh install
    .venv/bin/python bench/run.py --cases find-leaks --sizes 150

Snapshots are made once by bench/make_snapshot.js and cached in bench/work/snapshots/; MemLab
is installed into bench/work/ on first use. Each tool runs as a child process: wall time is
taken around it, CPU time and peak RSS (largest process) come from os.wait4's rusage, and a
sampler sums the PSS of the whole process tree. The result is a markdown table on stdout (ratios
MemLab / heapsight for wall time, CPU time and peak memory; peak memory / input size) and a
JSON record in bench/work/results/.

A case is a named command per tool over a list of snapshot files; `summary` (one snapshot) and
`find-leaks` (baseline, target, final) are the two in CASES, and another is one more entry.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
SNAPSHOTS = WORK / "snapshots"
OUTPUTS = WORK / "outputs"
RESULTS = WORK / "results"
MEMLAB_JS = WORK / "node_modules" / "@memlab" / "cli" / "bin" / "memlab.js"
MEMLAB_SPEC = "memlab@^2"
# MemLab's launcher pins V8's old space at 4 GB and ignores NODE_OPTIONS; big snapshots need more.
NODE_HEAP_MB = 16000
MIB = 1024 * 1024


@dataclass
class Run:
    case: str
    tool: str
    label: str
    inputs: list[str]
    input_bytes: int
    wall_seconds: float
    cpu_seconds: float  # user + system time of the child: less disturbed by a busy machine
    peak_rss_bytes: int  # the kernel's high-water mark of the largest single process
    exit_code: int
    output: str
    nodes: int | None = None
    edges: int | None = None
    error: str = ""
    ok: bool = True  # the exit code is one the command uses for success
    leaks: int | None = None  # find-leaks: how many leaks the tool reported
    # sampled every 10 ms: proportional set size summed over the child and its descendants, so
    # a helper process (heapsight forks one to parse edges) and shared memory count once each
    peak_tree_bytes: int = 0
    load_before: float = 0.0  # 1-minute load average when the run started: others' CPU use


@dataclass(frozen=True)
class Case:
    """One benchmark: the snapshots it reads (made when missing) and, per tool, its command."""

    name: str
    snapshots: Callable[[int], list[Path]]
    commands: dict[str, Callable[[list[Path], str], list[str]]] = field(default_factory=dict)
    success_codes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # default: (0,)


def make_snapshots(out: str, size_mb: int, series: int = 1) -> None:
    """Run make_snapshot.js for files of about size_mb MiB; `{n}` in out numbers a series."""
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"making {Path(out).name} (about {size_mb} MB, {series} file(s)) ...",
          file=sys.stderr, flush=True)
    subprocess.run(["node", f"--max-old-space-size={NODE_HEAP_MB}", str(BENCH / "make_snapshot.js"),
                    "--size-mb", str(size_mb), "--series", str(series), "--out", out],
                   check=True, stdout=sys.stderr)


def single_snapshot(size_mb: int) -> list[Path]:
    path = SNAPSHOTS / f"bench-{size_mb}mb.heapsnapshot"
    if not path.exists():
        make_snapshots(str(path), size_mb)
    return [path]


def leak_series(size_mb: int) -> list[Path]:
    """Baseline, target and final snapshots of one process with four planted leaks."""
    template = str(SNAPSHOTS / f"bench-{size_mb}mb-leak-{{n}}.heapsnapshot")
    paths = [Path(template.format(n=n)) for n in (1, 2, 3)]
    if not all(path.exists() for path in paths):
        make_snapshots(template, size_mb, series=3)
    return paths


def memlab_node() -> list[str]:
    return ["node", f"--max-old-space-size={NODE_HEAP_MB}", str(MEMLAB_JS)]


def heapsight_summary(files: list[Path], python: str) -> list[str]:
    return [python, "-m", "heapsight", "summary", str(files[0]), "--json"]


def memlab_object_size(files: list[Path], python: str) -> list[str]:
    return [*memlab_node(), "analyze", "object-size", "--snapshot", str(files[0])]


def heapsight_find_leaks(files: list[Path], python: str) -> list[str]:
    return [python, "-m", "heapsight", "find-leaks", *map(str, files), "--json"]


def memlab_find_leaks(files: list[Path], python: str) -> list[str]:
    # MemLab's default leak filter looks for detached DOM and React fibers and finds nothing in
    # a Node.js heap; --trace-all-objects reports every object allocated in the target and
    # still alive in the final, the same question heapsight answers.
    baseline, target, final = (str(path) for path in files)
    return [*memlab_node(), "find-leaks", "--baseline", baseline, "--target", target,
            "--final", final, "--trace-all-objects", "--work-dir", str(WORK / "memlab-work")]


CASES = {
    "summary": Case("summary", single_snapshot,
                    {"heapsight": heapsight_summary, "memlab": memlab_object_size}),
    "find-leaks": Case("find-leaks", leak_series,
                       {"heapsight": heapsight_find_leaks, "memlab": memlab_find_leaks},
                       # heapsight find-leaks exits 3 when it found leaks, as it should here
                       success_codes={"heapsight": (0, 3)}),
}


def ensure_memlab() -> None:
    if MEMLAB_JS.exists():
        return
    WORK.mkdir(parents=True, exist_ok=True)
    package = WORK / "package.json"
    if not package.exists():
        package.write_text('{"name": "heapsight-bench-work", "private": true}\n')
    print(f"installing {MEMLAB_SPEC} into {WORK.relative_to(REPO)} ...", file=sys.stderr, flush=True)
    # puppeteer would otherwise download a browser; MemLab's heap analysis does not need one.
    env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", MEMLAB_SPEC], cwd=WORK,
                   env=env, check=True, stdout=sys.stderr)


def compiled_caches() -> list[Path]:
    """What a fresh install does not have yet: numba's cached kernels (*.nbi/*.nbc beside the
    source or in NUMBA_CACHE_DIR, used by the just-in-time fallback) and heapsight's bytecode."""
    roots = [REPO / "src" / "heapsight"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        roots.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    found: list[Path] = []
    for root in roots:
        for pattern in ("*.nbi", "*.nbc", "*.pyc"):
            found.extend(root.rglob(pattern))
    return found


def clear_compiled_caches() -> int:
    files = compiled_caches()
    for path in files:
        path.unlink(missing_ok=True)
    return len(files)


def byte_compile(python: str) -> None:
    """Compile heapsight's modules to bytecode, as pip does when it installs a package: a warm
    run then reads them instead of compiling every module from source, which it would do each
    time where PYTHONDONTWRITEBYTECODE is set (as on the machine these benchmarks first ran
    on: about 0.03 s of CPU per run)."""
    package = subprocess.run(
        [python, "-c", "import heapsight, pathlib; print(pathlib.Path(heapsight.__file__).parent)"],
        capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", package], check=True,
                   stdout=subprocess.DEVNULL)


def prime_page_cache(files: Sequence[Path]) -> None:
    """Read the inputs once so every tool starts with them in the page cache, not on disk."""
    for path in files:
        with path.open("rb") as handle:
            while handle.read(16 * MIB):
                pass


class TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and its descendants; keeps the peak.

    ru_maxrss is the largest single process's peak, so a tool that forks a helper would be
    under-counted by it; summing RSS would count shared memory twice. PSS splits shared pages
    between the processes that map them, so the sum is the tree's real footprint."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        import psutil  # a heapsight dependency; only the sampler needs it

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.done.is_set():
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_full_info().pss
            self.peak = max(self.peak, total)
            self.done.wait(self.interval)


def measure(argv: list[str], stdout_path: Path, timeout: float,
            env: dict[str, str] | None = None) -> tuple[float, float, int, int, int, str]:
    """Run argv as a child; return wall and CPU seconds, peak RSS bytes (largest process),
    peak PSS bytes of the process tree (sampled), exit code and a stderr tail."""
    stderr_path = stdout_path.with_suffix(".stderr")
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, cwd=REPO,
                                 env=None if env is None else {**os.environ, **env})
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        sampler = TreeMemory(child.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
            sampler.done.set()
            sampler.join()
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    tail = stderr_path.read_text(errors="replace").strip().splitlines()[-3:]
    # Linux reports ru_maxrss in KiB; it covers the child and any children it waited for.
    cpu = usage.ru_utime + usage.ru_stime
    return (wall, cpu, usage.ru_maxrss * 1024, sampler.peak, child.returncode,
            " | ".join(tail))


def run_case(case: Case, tool: str, files: list[Path], label: str, python: str,
             timeout: float, env: dict[str, str] | None = None) -> Run:
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    stem = "-".join(path.stem for path in files)
    slug = "".join(c if c.isalnum() else "-" for c in label)
    output = OUTPUTS / f"{case.name}-{slug}-{stem}.out"
    prime_page_cache(files)
    argv = case.commands[tool](files, python)
    print(f"{case.name} {label:<16} {stem} ...", end=" ", file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    wall, cpu, rss, tree, code, tail = measure(argv, output, timeout, env)
    print(f"{wall:.2f} s (CPU {cpu:.2f} s), peak RSS {rss / MIB:.0f} MiB, tree PSS "
          f"{tree / MIB:.0f} MiB, exit {code}", file=sys.stderr, flush=True)
    result = Run(case=case.name, tool=tool, label=label, inputs=[p.name for p in files],
                 input_bytes=sum(p.stat().st_size for p in files), wall_seconds=wall,
                 cpu_seconds=cpu,
                 peak_rss_bytes=rss, exit_code=code, output=str(output.relative_to(REPO)),
                 load_before=load, peak_tree_bytes=tree)
    result.ok = code in case.success_codes.get(tool, (0,))
    result.error = "" if result.ok else tail
    if result.ok:
        read_findings(result, output)
    return result


def read_findings(result: Run, output: Path) -> None:
    """Node and edge counts from a summary, the number of leaks from a find-leaks run."""
    text = output.read_text(errors="replace")
    if result.tool == "heapsight":
        try:
            parsed = json.loads(text)
        except ValueError:
            return
        if result.case == "summary":
            result.nodes, result.edges = parsed.get("nodes"), parsed.get("edges")
        elif isinstance(parsed.get("leaks"), list):
            result.leaks = len(parsed["leaks"])
    elif result.case == "find-leaks":  # MemLab prints its verdict on stderr
        text += output.with_suffix(".stderr").read_text(errors="replace")
        found = re.search(r"MemLab found (\d+) leak", text)
        result.leaks = int(found.group(1)) if found else None


def tool_version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=REPO)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    if done.returncode != 0:
        return "unavailable"
    return done.stdout.strip() or done.stderr.strip() or "unavailable"


def machine_facts(python: str) -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    memlab_package = MEMLAB_JS.parent.parent / "package.json"
    memlab = json.loads(memlab_package.read_text())["version"] if memlab_package.exists() else "-"
    versions = tool_version([python, "-c", "import heapsight, numpy, numba, sys; "
                             "print(f'heapsight {heapsight.__version__}, Python "
                             "{sys.version.split()[0]}, numpy {numpy.__version__}, "
                             "numba {numba.__version__}')"])
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
        "node": tool_version(["node", "--version"]),
        "memlab": memlab,
        "commit": tool_version(["git", "rev-parse", "--short", "HEAD"]),
    }


def size_text(count: int) -> str:
    return f"{count / MIB:,.0f} MiB" if count >= 10 * MIB else f"{count / MIB:,.1f} MiB"


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def markdown_table(runs: list[Run]) -> str:
    """One row per input and tool (median of its runs); heapsight rows carry MemLab ratios."""
    groups: dict[tuple[str, tuple[str, ...], str], list[Run]] = {}
    for r in runs:
        groups.setdefault((r.case, tuple(r.inputs), r.label), []).append(r)
    nodes_by_input = {(r.case, tuple(r.inputs)): r.nodes for r in runs if r.nodes}

    def outcome(group: list[Run]) -> str:
        nodes = nodes_by_input.get((group[0].case, tuple(group[0].inputs)))
        if group[0].case == "summary":
            return f"{nodes:,} nodes" if nodes else "-"
        leaks = group[0].leaks
        return f"{leaks} leaks" if leaks is not None else "-"

    def typical(group: list[Run]) -> tuple[float, float, int, int] | None:
        if not all(r.ok for r in group):
            return None
        return (median([r.wall_seconds for r in group]), median([r.cpu_seconds for r in group]),
                max(r.peak_rss_bytes for r in group), max(r.peak_tree_bytes for r in group))

    # "peak memory" is the larger of the kernel's RSS high-water mark of the biggest process
    # and the sampled PSS of the whole process tree
    lines = ["| case | snapshot | file | result | tool | runs | wall (median) | CPU "
             "| peak RSS, largest process | peak PSS, process tree | peak memory / file "
             "| MemLab / heapsight: wall | CPU | peak memory |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (case, inputs, label), group in groups.items():
        first = group[0]
        mine = typical(group)
        memlab_group = groups.get((case, inputs, "memlab"))
        theirs = typical(memlab_group) if memlab_group else None
        head = (f"| {case} | {', '.join(inputs)} | {size_text(first.input_bytes)} | "
                f"{outcome(group)} | {label} | {len(group)} | ")
        if mine is None:
            failed = next(r for r in group if not r.ok)
            lines.append(head + f"failed (exit {failed.exit_code}): {failed.error[:80]} "
                         "| | | | | | | |")
            continue
        wall, cpu, rss, tree = mine
        memory = max(rss, tree)
        ratios = "| | |"
        if first.tool == "heapsight" and theirs is not None:
            ratios = (f"{theirs[0] / wall:.1f}x | {theirs[1] / cpu:.1f}x | "
                      f"{max(theirs[2], theirs[3]) / memory:.1f}x |")
        lines.append(head + f"{wall:.2f} s | {cpu:.2f} s | {size_text(rss)} | "
                     f"{size_text(tree)} | {memory / first.input_bytes:.2f} | {ratios}")
    return "\n".join(lines)


def print_report(facts: dict[str, str], runs: list[Run]) -> None:
    print(f"Machine: {facts['cpus']} CPUs ({facts['cpu']}), {facts['memory']} RAM, {facts['os']}; "
          f"{facts['versions']}; node {facts['node']}, MemLab {facts['memlab']}; "
          f"commit {facts['commit']}")
    loads = [r.load_before for r in runs]
    if loads:
        print(f"1-minute load average at the start of each run: {min(loads):.1f} to "
              f"{max(loads):.1f} (the machine has {facts['cpus']} CPUs)")
    print()
    print(markdown_table(runs))
    print()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20,150,600",
                        help="snapshot sizes in MiB, comma separated (default: 20,150,600)")
    parser.add_argument("--snapshot", action="append", type=Path, default=[],
                        help="also benchmark this existing snapshot file (repeatable)")
    parser.add_argument("--cases", default="summary", help=f"cases to run ({', '.join(CASES)})")
    parser.add_argument("--tools", default="heapsight,memlab", help="tools to run")
    parser.add_argument("--repeat", type=int, default=1, help="heapsight runs per input")
    parser.add_argument("--memlab-repeat", type=int, default=1, help="MemLab runs per input")
    parser.add_argument("--cold", action="store_true",
                        help="before the first heapsight run on each input, delete numba's "
                        "cached kernels and heapsight's bytecode, as after a fresh install")
    parser.add_argument("--jit", action="store_true",
                        help="run heapsight with HEAPSIGHT_JIT=1 (numba just in time instead "
                        "of the kernels compiled ahead of time at install)")
    parser.add_argument("--memlab-max-mb", type=int, default=700,
                        help="skip MemLab on inputs larger than this (default: 700)")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="kill a run after this many seconds (default: 3600)")
    parser.add_argument("--render", type=Path, default=None,
                        help="print the table of an earlier run's JSON record and exit")
    parser.add_argument("--python", default=None,
                        help="Python that has heapsight installed (default: the repo's .venv)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render is not None:
        record = json.loads(args.render.read_text())
        print_report(record["machine"], [Run(**r) for r in record["runs"]])
        return 0
    venv_python = REPO / ".venv" / "bin" / "python"
    python = args.python or (str(venv_python) if venv_python.exists() else sys.executable)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    cases = [CASES[name.strip()] for name in args.cases.split(",") if name.strip()]
    if shutil.which("node") is None:
        print("run.py: node is not on PATH", file=sys.stderr)
        return 2
    if "memlab" in tools:
        ensure_memlab()

    runs: list[Run] = []
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    for case in cases:
        inputs: list[list[Path]] = []
        for size_mb in sizes:
            inputs.append(case.snapshots(size_mb))
        if case.name == "summary":
            inputs.extend([path.resolve()] for path in args.snapshot)
        for files in inputs:
            total_mb = sum(p.stat().st_size for p in files) / MIB
            for tool in tools:
                if tool not in case.commands:
                    continue
                if tool == "memlab" and total_mb > args.memlab_max_mb:
                    print(f"skipping MemLab on {files[0].name} ({total_mb:.0f} MiB > "
                          f"--memlab-max-mb)", file=sys.stderr)
                    continue
                label, env = tool, None
                if tool == "heapsight" and args.jit:
                    # heapsight's kernels are compiled ahead of time at install; HEAPSIGHT_JIT
                    # makes it use numba's just-in-time fallback instead
                    label, env = "heapsight (JIT)", {"HEAPSIGHT_JIT": "1"}
                if tool == "heapsight" and args.cold:
                    removed = clear_compiled_caches()
                    print(f"cleared {removed} cached kernel and bytecode files", file=sys.stderr)
                    runs.append(run_case(case, tool, files, f"{label} cold", python,
                                         args.timeout, env))
                if tool == "heapsight":
                    byte_compile(python)
                repeats = args.repeat if tool == "heapsight" else args.memlab_repeat
                for _ in range(repeats):
                    runs.append(run_case(case, tool, files, label, python, args.timeout, env))

    facts = machine_facts(python)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    record = RESULTS / f"{stamp}.json"
    record.write_text(json.dumps({"argv": list(argv or sys.argv[1:]), "machine": facts,
                                  "runs": [asdict(r) for r in runs]}, indent=1))
    print_report(facts, runs)
    print(f"(raw numbers: {record.relative_to(REPO)})")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
