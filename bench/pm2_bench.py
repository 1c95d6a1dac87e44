"""heapsight run beside PM2 (cluster mode), same leaking service, same instances, same load.

Part `failures`: a service that leaks 64 KiB per request runs as 2 instances with a 150 MiB
memory limit (PM2: `max_memory_restart: '150M'`, heapsight: `--max-memory 150MB`) under a steady
rate of loopback requests until each tool has done --restarts memory restarts (or --max-seconds
passed); every failed request is counted by kind. Once with a new connection per request, once
with keep-alive clients.
Part `throughput`: autocannon (npm) through heapsight's balancer, through PM2's cluster mode and
straight to one instance, on a trivial handler and on one doing ~1 ms of work.
Both parts record heapsight's own CPU (share of one core) and memory while it supervises.

PM2 and autocannon are installed into bench/work/pm2 on first use; nothing here is a runtime
part of heapsight. Results: markdown on stdout, JSON in bench/work/pm2/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "pm2"
SERVICE = ROOT / "tests" / "programs" / "run_service.js"
NODE = shutil.which("node") or "node"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ensure_tools() -> None:
    if (WORK / "node_modules" / ".bin" / "pm2").exists() and \
            (WORK / "node_modules" / ".bin" / "autocannon").exists():
        return
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(WORK),
                    "pm2@7", "autocannon@8"], check=True)


def tool(name: str) -> str:
    return str(WORK / "node_modules" / ".bin" / name)


# -- the load -----------------------------------------------------------------------------------
class Tally:
    def __init__(self) -> None:
        self.ok = 0
        self.failed: Counter[str] = Counter()
        self.latencies: list[float] = []

    @property
    def requests(self) -> int:
        return self.ok + sum(self.failed.values())


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int,
               close: bool) -> tuple[int, bool]:
    writer.write(f"GET /orders HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                 f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n"
                 .encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(None, 2)[1])
    length = 0
    keep = not close
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        if name.strip().lower() == b"connection" and b"close" in value.lower():
            keep = False
    await reader.readexactly(length)
    return status, keep


def _kind(exc: BaseException) -> str:
    if isinstance(exc, ConnectionResetError):
        return "ECONNRESET"
    if isinstance(exc, ConnectionRefusedError):
        return "ECONNREFUSED"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, (asyncio.IncompleteReadError, EOFError)):
        return "closed mid-response"
    return type(exc).__name__


async def steady_load(port: int, rate: float, workers: int, keep_alive: bool,
                      stop: asyncio.Event, tally: Tally) -> None:
    """`rate` requests per second from `workers` clients until `stop` is set."""
    period = workers / rate

    async def worker(offset: float) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time() + offset
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at += period
            started = loop.time()
            try:
                if connection is None:
                    connection = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", port), 10)
                status, keep = await asyncio.wait_for(
                    _one(*connection, port, not keep_alive), 10)
                if status >= 500:
                    tally.failed[f"HTTP {status}"] += 1
                else:
                    tally.ok += 1
                    tally.latencies.append(loop.time() - started)
                if not keep:
                    connection[1].close()
                    connection = None
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError,
                    IndexError) as exc:
                tally.failed[_kind(exc)] += 1
                if connection is not None:
                    connection[1].close()
                    connection = None
        if connection is not None:
            connection[1].close()

    await asyncio.gather(*(worker(i * period / workers) for i in range(workers)))


# -- the supervisors ------------------------------------------------------------------------------
class Heapsight:
    name = "heapsight"

    def __init__(self, port: int, env: dict[str, str], limit: bool) -> None:
        self.runs = WORK / "runs"
        shutil.rmtree(self.runs, ignore_errors=True)
        runtime = WORK / "rt"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        args = ["--max-memory", "150MB", "--for", "2s", "--grace", "5s", "--memory-cooldown",
                "0s", "--max-memory-restarts", "1000"] if limit else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "heapsight", "run", "--name", "bench", "--no-history",
             "--runs-folder", str(self.runs), "--port", str(port), "--instances", "2", *args,
             "--", NODE, str(SERVICE)],
            env={**os.environ, **env, "XDG_RUNTIME_DIR": str(runtime)},
            stdout=subprocess.DEVNULL, stderr=open(WORK / "heapsight.log", "wb"))  # noqa: SIM115
        self.ps = psutil.Process(self.process.pid)
        deadline = time.monotonic() + 60
        while not self._events("serving"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"heapsight run did not start; see {WORK / 'heapsight.log'}")
            time.sleep(0.2)

    def _events(self, kind: str) -> list[dict]:
        found = []
        for path in self.runs.glob("*/*/events.jsonl"):
            for line in path.read_text().splitlines():
                with contextlib.suppress(ValueError):
                    event = json.loads(line)
                    if event["event"] == kind:
                        found.append(event)
        return found

    def restarts(self) -> int:
        return len(self._events("restarted"))

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def rss(self) -> int:
        return int(self.ps.memory_info().rss)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class PM2:
    name = "pm2"

    def __init__(self, port: int, env: dict[str, str], limit: bool) -> None:
        self.env = {**os.environ, "PM2_HOME": str(WORK / "pm2-home")}
        app = {"name": "bench", "script": str(SERVICE), "instances": 2, "exec_mode": "cluster",
               "env": {**env, "PORT": str(port), "HEAPSIGHT_INSTANCE": "0"}}
        if limit:
            app["max_memory_restart"] = "150M"
        config = WORK / "ecosystem.config.js"
        config.write_text("module.exports = " + json.dumps({"apps": [app]}) + ";\n")
        subprocess.run([tool("pm2"), "start", str(config)], env=self.env, check=True,
                       capture_output=True)
        deadline = time.monotonic() + 60
        while not _accepts(port):
            if time.monotonic() > deadline:
                raise SystemExit("PM2's app did not start")
            time.sleep(0.2)

    def _list(self) -> list[dict]:
        done = subprocess.run([tool("pm2"), "jlist"], env=self.env, capture_output=True,
                              text=True)
        with contextlib.suppress(ValueError):
            return list(json.loads(done.stdout[done.stdout.find("["):]))
        return []

    def restarts(self) -> int:
        return sum(int(p["pm2_env"].get("restart_time", 0)) for p in self._list())

    def stop(self) -> None:
        subprocess.run([tool("pm2"), "kill"], env=self.env, capture_output=True)


def _accepts(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- part 1: failed requests through memory restarts ------------------------------------------------
def failures(args: argparse.Namespace) -> list[dict]:
    rows = []
    for keep_alive in (False, True):
        for kind in chosen(args):
            port = free_port()
            supervisor = kind(port, {"LEAK_KB": "64"}, limit=True)
            tally = Tally()
            started = time.monotonic()
            cpu_before = supervisor.cpu_seconds() if isinstance(supervisor, Heapsight) else 0.0
            peak_rss = 0

            async def drive(supervisor=supervisor, port=port, tally=tally,
                            keep_alive=keep_alive, started=started) -> None:
                nonlocal peak_rss
                stop = asyncio.Event()
                load = asyncio.ensure_future(steady_load(port, args.rate, args.workers,
                                                         keep_alive, stop, tally))
                while time.monotonic() - started < args.max_seconds:
                    await asyncio.sleep(2)
                    if isinstance(supervisor, Heapsight):
                        peak_rss = max(peak_rss, supervisor.rss())
                    count = await asyncio.get_running_loop().run_in_executor(
                        None, supervisor.restarts)
                    if count >= args.restarts:
                        await asyncio.sleep(3)  # the last swap's requests finish
                        break
                stop.set()
                await load

            try:
                asyncio.run(drive())
                seconds = time.monotonic() - started
                row = {"tool": supervisor.name, "clients": "keep-alive" if keep_alive else
                       "new connection per request", "seconds": round(seconds, 1),
                       "restarts": supervisor.restarts(), "requests": tally.requests,
                       "failed": sum(tally.failed.values()), "failed_by_kind": dict(tally.failed),
                       "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1)}
                if isinstance(supervisor, Heapsight):
                    row["heapsight_cpu_share"] = round(
                        (supervisor.cpu_seconds() - cpu_before) / seconds, 3)
                    row["heapsight_peak_rss_mib"] = round(peak_rss / 2**20, 1)
            finally:
                supervisor.stop()
            print(json.dumps(row), file=sys.stderr)
            rows.append(row)
    return rows


# -- part 2: throughput and latency ---------------------------------------------------------------
def chosen(args: argparse.Namespace) -> list[type]:
    names = args.tools.split(",")
    return [kind for kind in (Heapsight, PM2) if kind.name in names]


def autocannon(port: int, seconds: int, connections: int) -> dict:
    done = subprocess.run([NODE, tool("autocannon"), "-j", "-c", str(connections), "-d",
                           str(seconds), f"http://127.0.0.1:{port}/"], capture_output=True,
                          text=True, timeout=seconds + 60)
    result = json.loads(done.stdout)
    return {"requests_per_second": round(result["requests"]["average"]),
            "p50_ms": result["latency"]["p50"], "p99_ms": result["latency"]["p99"],
            "errors": result["errors"] + result["timeouts"] + result.get("non2xx", 0)}


def throughput(args: argparse.Namespace) -> list[dict]:
    rows = []
    for work in ("0", "1"):
        env = {"WORK_MS": work}
        handler = "trivial" if work == "0" else "~1 ms of work"
        # straight to one instance
        port = free_port()
        direct = subprocess.Popen([NODE, str(SERVICE)], env={**os.environ, **env,
                                                            "PORT": str(port)})
        try:
            while not _accepts(port):
                time.sleep(0.1)
            rows.append({"handler": handler, "path": "one instance, direct",
                         **autocannon(port, args.duration, args.connections)})
        finally:
            direct.terminate()
            direct.wait()
        for kind in chosen(args):
            port = free_port()
            supervisor = kind(port, env, limit=False)
            try:
                cpu = supervisor.cpu_seconds() if isinstance(supervisor, Heapsight) else 0.0
                started = time.monotonic()
                row = {"handler": handler, "path": f"{supervisor.name}, 2 instances",
                       **autocannon(port, args.duration, args.connections)}
                if isinstance(supervisor, Heapsight):
                    row["heapsight_cpu_share"] = round(
                        (supervisor.cpu_seconds() - cpu) / (time.monotonic() - started), 3)
                    row["heapsight_rss_mib"] = round(supervisor.rss() / 2**20, 1)
                rows.append(row)
            finally:
                supervisor.stop()
        print(json.dumps(rows[-3:]), file=sys.stderr)
    return rows


def _loop() -> str:
    """Which event loop heapsight run uses here (HEAPSIGHT_LOOP=asyncio forces asyncio's)."""
    if os.environ.get("HEAPSIGHT_LOOP") == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default="failures,throughput")
    parser.add_argument("--tools", default="heapsight,pm2")
    parser.add_argument("--restarts", type=int, default=10)
    parser.add_argument("--rate", type=float, default=250.0, help="requests per second")
    parser.add_argument("--workers", type=int, default=10, help="concurrent clients")
    parser.add_argument("--max-seconds", type=float, default=240.0)
    parser.add_argument("--duration", type=int, default=10, help="autocannon seconds per run")
    parser.add_argument("--connections", type=int, default=50, help="autocannon connections")
    args = parser.parse_args()
    ensure_tools()
    record: dict = {"node": subprocess.run([NODE, "--version"], capture_output=True,
                                           text=True).stdout.strip(),
                    "cpus": os.cpu_count(), "args": vars(args), "heapsight_loop": _loop()}
    parts = args.parts.split(",")
    if "failures" in parts:
        record["failures"] = failures(args)
    if "throughput" in parts:
        record["throughput"] = throughput(args)
    results = WORK / "results"
    results.mkdir(parents=True, exist_ok=True)
    out = results / time.strftime("%Y%m%d-%H%M%S.json")
    out.write_text(json.dumps(record, indent=2))
    for row in record.get("failures", []):
        kinds = ", ".join(f"{v} {k}" for k, v in row["failed_by_kind"].items()) or "-"
        print(f"| {row['tool']} | {row['clients']} | {row['restarts']} | {row['requests']} | "
              f"{row['failed']} | {kinds} | {row['seconds']} s |")
    for row in record.get("throughput", []):
        print(f"| {row['handler']} | {row['path']} | {row['requests_per_second']} | "
              f"{row['p50_ms']} | {row['p99_ms']} | {row['errors']} | "
              f"{row.get('heapsight_cpu_share', '')} |")
    print(f"(raw: {out}; heapsight's loop: {record['heapsight_loop']})", file=sys.stderr)


if __name__ == "__main__":
    main()
