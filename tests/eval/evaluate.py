"""heapsight's own evaluation of find-leaks and hunt on services written in other styles.

The services in services/ and their manifest (manifest.json) were written before the detectors
were tuned against them; see docs/accuracy.md. Each service is driven with real loopback HTTP
load two ways:

- `hunt`: `heapsight hunt --json --url ... -- node services/X.js`;
- `snapshots`: node with `--heapsnapshot-signal`, load from heapsight's load generator, three
  snapshots written by node itself, then `heapsight find-leaks --json`.

Only the top 5 leaks of a report count. Run `python tests/eval/evaluate.py` for the tally (add
`--mode hunt`, `--service chat-hub.js`, `--json`); the test suite runs the same functions.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVICES = HERE / "services"
MODES = ("hunt", "snapshots")
TOP = 5
WARMUP, REQUESTS, CONCURRENCY = 100, 300, 8


def manifest() -> list[dict[str, Any]]:
    return json.loads((HERE / "manifest.json").read_text())["services"]


def install_libraries() -> None:
    """`npm ci` the pinned libraries into tests/eval/node_modules, once per lockfile."""
    lock = (HERE / "package-lock.json").read_bytes()
    stamp = HERE / "node_modules" / ".heapsight-lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: the library services need it")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
                   check=True, timeout=600, stdout=subprocess.DEVNULL)
    stamp.write_text(digest)


def _free_port() -> int:
    from heapsight.live.service import free_port
    return free_port()


def _heapsight(*args: str, env: dict[str, str] | None = None, timeout: float = 300
               ) -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                         text=True, timeout=timeout, env=env)
    if run.returncode not in (0, 3):  # 3: leaks found
        raise RuntimeError(f"heapsight {args[0]} failed ({run.returncode}): "
                           f"{run.stderr.strip()[-600:]}")
    return json.loads(run.stdout)


def run_hunt(service: dict[str, Any], work: Path, *extra: str) -> dict[str, Any]:
    port = _free_port()
    urls = [f"http://127.0.0.1:{port}{path}" for path in service["urls"]]
    env = {**os.environ, "PORT": str(port)}
    args = ["hunt", "--json", "--runs-dir", str(work / "runs"), "--warmup", str(WARMUP),
            "--requests", str(REQUESTS), "--concurrency", str(CONCURRENCY)]
    for url in urls:
        args += ["--url", url]
    return _heapsight(*args, *extra, "--", "node", str(SERVICES / service["file"]), env=env)


def _wait_snapshot(folder: Path, known: set[Path], process: subprocess.Popen[bytes],
                   timeout: float = 120) -> Path:
    """The snapshot node starts writing after the signal, once it is complete."""
    deadline = time.monotonic() + timeout
    last_size = -1
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited ({process.returncode}) while writing a "
                               "snapshot")
        fresh = sorted(set(folder.glob("*.heapsnapshot")) - known)
        if fresh:
            size = fresh[0].stat().st_size
            if size == last_size and size > 0 and fresh[0].read_bytes()[-4:].strip().endswith(b"}"):
                return fresh[0]
            last_size = size
        time.sleep(0.3)
    raise RuntimeError("node did not write the heap snapshot in time")


def _start(service: dict[str, Any], folder: Path, log_path: Path
           ) -> tuple[subprocess.Popen[bytes], int]:
    """Start the service with node's snapshot signal on a free port; when another process
    took the port first (other tests run beside these), start again on another."""
    from heapsight.live.service import listener_pid, port_open

    for _ in range(3):
        port = _free_port()
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                ["node", "--heapsnapshot-signal=SIGUSR2", f"--diagnostic-dir={folder}",
                 str(SERVICES / service["file"])], env={**os.environ, "PORT": str(port)},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if port_open("127.0.0.1", port) and listener_pid(port) in (None, process.pid):
                return process, port
            time.sleep(0.1)
        _stop(process)
    raise RuntimeError(f"{service['file']} did not start: {log_path.read_text()[-400:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_snapshots(service: dict[str, Any], work: Path) -> dict[str, Any]:
    from heapsight.live.load import run_load

    folder = work / "snapshots"
    folder.mkdir()
    process, port = _start(service, folder, work / "service.log")
    urls = [f"http://127.0.0.1:{port}{path}" for path in service["urls"]]
    try:
        snapshots: list[Path] = []
        for requests in (WARMUP, REQUESTS, REQUESTS):
            run_load(urls, requests, CONCURRENCY)
            process.send_signal(signal.SIGUSR2)
            snapshots.append(_wait_snapshot(folder, set(snapshots), process))
    finally:
        _stop(process)
    return _heapsight("find-leaks", "--json", *map(str, snapshots))


@dataclass
class Finding:
    """One planted leak as a report saw it."""

    service: str
    id: str
    category: list[str]
    found: bool = False
    rank: int | None = None
    reported_category: str | None = None
    right_category: bool = False
    located: bool = False
    location: str | None = None
    package_named: bool | None = None  # library leaks: the report names node_modules/<pkg>/
    owners_named: bool | None = None  # two owners: both named
    closure_named: bool | None = None  # closures: keeper, variable and sibling named


@dataclass
class ServiceScore:
    service: str
    mode: str
    findings: list[Finding] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)  # look-alikes reported
    false_alarms: list[str] = field(default_factory=list)  # anything reported on a clean service
    unmatched: list[str] = field(default_factory=list)  # other reports on leaky services
    error: str | None = None


def leak_text(leak: dict[str, Any]) -> str:
    """Everything a reader sees of one leak, as one string to match words in."""
    parts = [str(leak.get(key) or "") for key in ("class", "holder", "headline", "advice",
                                                  "location", "holder_script", "package")]
    for key in ("retainer_path", "holder_path"):
        for step in leak.get(key) or []:
            parts += [str(step.get("node") or ""), str(step.get("edge") or "")]
    for key in ("owners", "closure", "library", "also_holds"):
        parts.append(json.dumps(leak.get(key) or None))
    return "\n".join(parts)


def matches(leak: dict[str, Any], rule: dict[str, Any]) -> bool:
    if "class" in rule:
        return leak.get("class") == rule["class"]
    text = leak_text(leak)
    return any(re.search(rf"\b{re.escape(word)}\b", text) for word in rule["text"])


def marked_lines(service: dict[str, Any], leak_id: str) -> set[int]:
    lines = (SERVICES / service["file"]).read_text().splitlines()
    return {number for number, line in enumerate(lines, 1) if f"// eval: {leak_id}" in line}


def is_located(leak: dict[str, Any], service: dict[str, Any], planted: dict[str, Any]) -> bool:
    """The location names the service's file at a marked line, or (library leaks) the location
    or the reported library file is a file of the right package under node_modules."""
    package = planted.get("package")
    library = leak.get("library") or {}
    if package and library.get("package") == package and \
            str(library.get("file", "")).startswith(f"node_modules/{package}/"):
        return True
    location = leak.get("location") or ""
    match = re.match(r"(.*?):(\d+)(?::\d+)?$", location)
    if match is None:
        return False
    file, line = match.group(1), int(match.group(2))
    if file.endswith("/" + service["file"]) or file == service["file"]:
        return line in marked_lines(service, planted["id"])
    return bool(package) and f"node_modules/{package}/" in file


def score(service: dict[str, Any], mode: str, report: dict[str, Any]) -> ServiceScore:
    result = ServiceScore(service["file"], mode)
    leaks = report.get("leaks", [])
    top = leaks[:TOP]
    claimed: set[int] = set()
    for planted in service["planted"]:
        finding = Finding(service["file"], planted["id"], planted["category"])
        for rank, leak in enumerate(top):
            if not matches(leak, planted["match"]):
                continue
            claimed.add(rank)
            if finding.found and finding.right_category:
                continue
            finding.found, finding.rank = True, rank + 1
            finding.reported_category = leak.get("category")
            finding.right_category = leak.get("category") in planted["category"]
            finding.location = leak.get("location")
            finding.located = is_located(leak, service, planted)
            if planted.get("package"):
                finding.package_named = (leak.get("library") or {}).get("package") == \
                    planted["package"]
            if planted.get("owners"):
                finding.owners_named = len(leak.get("owners") or []) >= 2 and all(
                    re.search(rf"\b{re.escape(word)}\b", json.dumps(leak.get("owners")))
                    for word in planted["owners"])
            if planted.get("closure"):
                closure = leak.get("closure") or {}
                finding.closure_named = all(
                    closure.get(role) == name for role, name in planted["closure"].items()) \
                    and bool(closure.get("keeper_location"))
        result.findings.append(finding)
    for rank, leak in enumerate(leaks):
        name = f"{leak.get('category')} {leak.get('class')} ({leak.get('holder')})"
        if any(matches(leak, lookalike["match"]) for lookalike in service["lookalikes"]) and \
                not any(matches(leak, planted["match"]) for planted in service["planted"]):
            result.false_positives.append(name)
        elif not service["planted"]:
            result.false_alarms.append(name)
        elif rank < TOP and rank not in claimed:
            result.unmatched.append(name)
    return result


def evaluate_one(file: str, mode: str) -> ServiceScore:
    service = next(entry for entry in manifest() if entry["file"] == file)
    keep = os.environ.get("HEAPSIGHT_EVAL_KEEP")  # a folder to keep the runs' files in
    if keep:
        folder_context: Any = contextlib.nullcontext(
            tempfile.mkdtemp(prefix=f"{file}-{mode}-", dir=keep))
    else:
        folder_context = tempfile.TemporaryDirectory(prefix="heapsight-eval-")
    with folder_context as folder:
        try:
            report = (run_hunt if mode == "hunt" else run_snapshots)(service, Path(folder))
        except Exception as exc:  # one broken run is reported, the others still count
            result = ServiceScore(file, mode, error=f"{type(exc).__name__}: {exc}")
            result.findings = [Finding(file, p["id"], p["category"]) for p in service["planted"]]
            return result
    return score(service, mode, report)


def _evaluate_in_child(file: str, mode: str) -> ServiceScore:
    """One run in its own interpreter: hunt and the load generator own their main thread's
    signal handlers, so parallel runs must be processes."""
    run = subprocess.run([sys.executable, str(Path(__file__)), "--one", file, "--mode", mode],
                         capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        return ServiceScore(file, mode, error=run.stderr.strip()[-600:])
    data = json.loads(run.stdout)
    return ServiceScore(data["service"], data["mode"], [Finding(**f) for f in data["findings"]],
                        data["false_positives"], data["false_alarms"], data["unmatched"],
                        data["error"])


def evaluate(files: list[str] | None = None, modes: tuple[str, ...] = MODES, workers: int = 3
             ) -> list[ServiceScore]:
    """Run every (service, mode) in its own process, `workers` at a time (each run spends much
    of its time in node writing snapshots, so one more than the cores keeps both busy)."""
    install_libraries()
    files = files or [entry["file"] for entry in manifest()]
    jobs = [(file, mode) for file in files for mode in modes]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda job: _evaluate_in_child(*job), jobs))


def tally(scores: list[ServiceScore]) -> dict[str, Any]:
    """Per mode and per category: planted, found with the right category, located, plus false
    positives (look-alikes reported) and false alarms (reports on clean services). Services
    written after the detector changes (held_out) are tallied apart."""
    services = {entry["file"]: entry for entry in manifest()}
    out: dict[str, Any] = {}
    groups = sorted({(s.mode, bool(services[s.service].get("held_out"))) for s in scores})
    for mode, held_out in groups:
        rows: dict[str, dict[str, int]] = {}
        mine = [s for s in scores if s.mode == mode
                and bool(services[s.service].get("held_out")) == held_out]
        for result in mine:
            for finding in result.findings:
                row = rows.setdefault(finding.category[0], {"planted": 0, "right": 0,
                                                            "located": 0})
                row["planted"] += 1
                row["right"] += finding.found and finding.right_category
                row["located"] += finding.found and finding.located
        out[f"{mode} held-out" if held_out else mode] = {
            "categories": rows,
            "planted": sum(r["planted"] for r in rows.values()),
            "right": sum(r["right"] for r in rows.values()),
            "located": sum(r["located"] for r in rows.values()),
            "lookalikes": sum(len(services[s.service]["lookalikes"]) for s in mine),
            "false_positives": sum(len(s.false_positives) for s in mine),
            "clean_services": sum(not services[s.service]["planted"] for s in mine),
            "false_alarms": sum(len(s.false_alarms) for s in mine),
            "errors": [f"{s.service}: {s.error}" for s in mine if s.error],
        }
    return out


def render(scores: list[ServiceScore]) -> str:
    lines = []
    for result in sorted(scores, key=lambda s: (s.mode, s.service)):
        for finding in result.findings:
            mark = "ok " if finding.found and finding.right_category else "MISS"
            extra = []
            if finding.found:
                extra.append(f"#{finding.rank} {finding.reported_category}")
                extra.append("located" if finding.located else f"at {finding.location}")
            for name in ("package_named", "owners_named", "closure_named"):
                value = getattr(finding, name)
                if value is not None:
                    extra.append(f"{name}={value}")
            lines.append(f"{result.mode:9} {mark} {result.service:20} {finding.id:20} "
                         + ", ".join(extra))
        for name in result.false_positives:
            lines.append(f"{result.mode:9} FP   {result.service:20} {name}")
        for name in result.false_alarms:
            lines.append(f"{result.mode:9} FA   {result.service:20} {name}")
        for name in result.unmatched:
            lines.append(f"{result.mode:9} ...  {result.service:20} also reported: {name}")
        if result.error:
            lines.append(f"{result.mode:9} ERR  {result.service:20} {result.error}")
    for mode, summary in tally(scores).items():
        lines.append(f"{mode}: {summary['right']}/{summary['planted']} right category in top "
                     f"{TOP}, {summary['located']} located, {summary['false_positives']}/"
                     f"{summary['lookalikes']} look-alikes reported, {summary['false_alarms']} "
                     f"false alarms on {summary['clean_services']} clean runs")
        for category, row in sorted(summary["categories"].items()):
            lines.append(f"    {category:22} {row['right']}/{row['planted']} right, "
                         f"{row['located']} located")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", action="append", help="a service file (repeatable)")
    parser.add_argument("--mode", choices=MODES, action="append")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asdict(evaluate_one(args.one, args.mode[0]))))
        return 0
    scores = evaluate(args.service, tuple(args.mode or MODES), args.workers)
    if args.json:
        print(json.dumps({"scores": [asdict(s) for s in scores], "tally": tally(scores)},
                         indent=1))
    else:
        print(render(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
