"""Speed of `heapsight lint` on a large real package, and its precision/recall on the corpus.

    .venv/bin/python bench/lint_bench.py                     # webpack from the npm registry
    .venv/bin/python bench/lint_bench.py --package fastify@5.12.8 --repeat 5

It then scores the real-fix reproductions (tests/corpus/lint-realfixes/, both splits) and
the labelled regression corpus (tests/corpus/lint/). The package is fetched once with `npm pack` into bench/work/lint/ (gitignored) and unpacked.
The benchmark lints (1) the first files of the package, in sorted order, that add up to
100,000 lines, and (2) the whole package; each in-process, best of --repeat runs, and once
more through the `heapsight` command to include start-up. Lines are counted as the linter
counts them (newlines in the files it reads).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from lint_corpus import score_corpus, score_real_fixes  # noqa: E402 (the tests' scorer)

from heapsight.lint.discover import discover
from heapsight.lint.engine import lint_paths, select_rules

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "lint"
CORPUS = HERE.parent / "tests" / "corpus" / "lint"
REAL_FIXES = HERE.parent / "tests" / "corpus" / "lint-realfixes"
DEFAULT_PACKAGE = "webpack@5.112.2"
TARGET_LINES = 100_000


def fetch(spec: str) -> Path:
    """Unpack `npm pack SPEC` into bench/work/lint/<name-version>/ once; return its folder."""
    WORK.mkdir(parents=True, exist_ok=True)
    name, _, version = spec.rpartition("@") if spec.count("@") > spec.startswith("@") else (
        spec, "", "")
    stem = f"{name.lstrip('@').replace('/', '-')}-{version}" if version else None
    if stem and (WORK / stem / "package").is_dir():
        return WORK / stem / "package"
    done = subprocess.run(["npm", "pack", spec, "--pack-destination", str(WORK)],
                          capture_output=True, text=True, timeout=600, check=True)
    tarball = WORK / done.stdout.strip().splitlines()[-1]
    folder = WORK / tarball.name.removesuffix(".tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def count_lines(files: list[Path]) -> list[int]:
    counts = []
    for path in files:
        data = path.read_bytes()
        counts.append(data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1))
    return counts


def time_lint(files: list[Path], repeat: int) -> tuple[float, float, float, int, int]:
    """(best wall s, median wall s, best CPU s, lines linted, findings) over `repeat` runs.

    CPU time is reported beside wall time because the machine is shared: on a busy machine the
    wall time grows while the CPU time the lint needs stays about the same."""
    rules = select_rules()
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = lint_paths(files, rules)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert result is not None
    return min(times), statistics.median(times), min(cpu), result.lines, len(result.findings)


def time_command(folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "heapsight", "lint", str(folder), "--format", "json",
                    "--exit-zero", "--no-config"], capture_output=True, check=True, timeout=600)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default=DEFAULT_PACKAGE,
                        help=f"npm package spec to lint (default {DEFAULT_PACKAGE})")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    folder = fetch(args.package)
    files = discover(folder)
    lines = count_lines(files)
    subset, total = [], 0
    for path, count in zip(files, lines, strict=True):
        if total >= TARGET_LINES:
            break
        subset.append(path)
        total += count

    print(f"package {args.package}: {len(files)} files, {sum(lines):,} lines "
          f"({folder.relative_to(HERE.parent)})")
    print(f"{'input':22} {'files':>6} {'lines':>9} {'best s':>7} {'median s':>8} "
          f"{'CPU s':>6} {'lines/s':>8} {'findings':>8}")
    for label, chosen in ((f"first {TARGET_LINES:,} lines", subset), ("whole package", files)):
        best, median, cpu, linted, findings = time_lint(chosen, args.repeat)
        print(f"{label:22} {len(chosen):6} {linted:9,} {best:7.2f} {median:8.2f} {cpu:6.2f} "
              f"{linted / best:8,.0f} {findings:8}")
    print(f"`heapsight lint` command, whole package, start-up included: "
          f"{time_command(folder):.2f} s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB; load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    for split in ("tuning", "held-out"):
        print(score_real_fixes(REAL_FIXES, split).report(f"real fixes, {split}"))
    print(score_corpus(CORPUS).report())


if __name__ == "__main__":
    main()
