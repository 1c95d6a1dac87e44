"""`heapsight hunt` and `heapsight demo` end to end: real services, real load, real snapshots."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from collections import Counter
from importlib import resources
from pathlib import Path

import psutil
import pytest

from heapsight.live.service import free_port

NODE = shutil.which("node")
pytestmark = [pytest.mark.skipif(NODE is None, reason="node is not installed"),
              pytest.mark.timeout(180)]

DEMO = resources.files("heapsight") / "demo"
PLANTED = {"RequestEntry": "unbounded-collection", "Session": "listener-leak",
           "CachedReport": "unbounded-cache", "PollState": "timer-leak"}


def heapsight(*args: str, cwd: Path, env: dict[str, str] | None = None,
              timeout: float = 150) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)


def class_counts(path: Path, names: set[str]) -> Counter[str]:
    """A naive count of objects per class name, straight from the snapshot JSON."""
    data = json.loads(path.read_text())
    meta = data["snapshot"]["meta"]
    width = len(meta["node_fields"])
    type_at, name_at = meta["node_fields"].index("type"), meta["node_fields"].index("name")
    object_type = meta["node_types"][0].index("object")
    strings, nodes = data["strings"], data["nodes"]
    counts: Counter[str] = Counter()
    for start in range(0, len(nodes), width):
        if nodes[start + type_at] == object_type and strings[nodes[start + name_at]] in names:
            counts[strings[nodes[start + name_at]]] += 1
    return counts


def leftovers(marker: str) -> list[psutil.Process]:
    """Live processes whose command line mentions `marker` (this test's own folder)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if process.info["status"] != psutil.STATUS_ZOMBIE and \
                any(marker in word for word in process.info["cmdline"] or ()):
            found.append(process)
    return found


def started_pid(stderr: str) -> int:
    match = re.search(r"\(pid (\d+)\)", stderr)
    assert match, stderr
    return int(match.group(1))


@pytest.fixture(scope="module")
def leaky_demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaky")
    run = heapsight("demo", "--requests", "700", "--json", "--runs-dir", "runs", cwd=folder)
    return folder, run


@pytest.fixture(scope="module")
def clean_demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    run = heapsight("demo", "--clean", "--requests", "700", "--json", "--runs-dir", "runs",
                    cwd=folder)
    return folder, run


def test_demo_drives_the_planted_leaks_into_three_snapshots(leaky_demo):
    folder, run = leaky_demo
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    run_dir = Path(result["run_dir"])
    assert run_dir.parent == folder / "runs"
    names = [Path(p).name for p in result["snapshots"]]
    assert names == ["baseline.heapsnapshot", "target.heapsnapshot", "final.heapsnapshot"]
    for path in result["snapshots"]:
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
    assert not list(run_dir.glob("*.part"))
    # Each wait and load phase says what it is doing (with a bar of requests on a terminal).
    assert "waiting up to 30s for http://127.0.0.1:" in run.stderr
    assert "load 1: sending 700 requests, 10 at a time" in run.stderr
    # 200 warm-up requests, then 700 per phase, round-robin over the demo's 7 routes: each
    # route gets its share of the warm-up, then 100 per phase; the planted leaks keep them all.
    from heapsight.cli.demo import ROUTES

    counts = [class_counts(Path(p), set(PLANTED) | {"RecentItem"}) for p in result["snapshots"]]
    for leaked, route in [("RequestEntry", "/orders"), ("Session", "/subscribe"),
                          ("CachedReport", "/report"), ("PollState", "/poll")]:
        warm = len(range(ROUTES.index(route), 200, len(ROUTES)))
        # Session: /stream makes them too, but frees each one when its response closes.
        assert [c[leaked] for c in counts] == [warm, warm + 100, warm + 200], leaked
    assert all(c["RecentItem"] <= 50 for c in counts)  # the bounded cache stays bounded
    # heap_used after GC is reported for each snapshot (its trend is too noisy at this size to test).
    assert len(result["heap_used"]) == 3 and all(used > 1_000_000 for used in result["heap_used"])
    assert not leftovers(str(DEMO))


def test_demo_diagnoses_each_planted_leak(leaky_demo):
    pytest.importorskip("heapsight.analysis.leaks")
    folder, run = leaky_demo
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    found = {leak["class"]: leak for leak in result["leaks"]}
    for class_name, category in PLANTED.items():
        assert class_name in found, f"{class_name} not reported: {sorted(found)}"
        assert found[class_name]["category"] == category
        assert found[class_name]["retainer_path"], class_name
    assert "RecentItem" not in found
    report = json.loads((Path(result["run_dir"]) / "report.json").read_text())
    assert report["leaks"] == result["leaks"]


def test_clean_service_keeps_its_objects_bounded(clean_demo):
    folder, run = clean_demo
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    counts = [class_counts(Path(p), set(PLANTED)) for p in result["snapshots"]]
    assert all(c["RequestEntry"] <= 100 and c["CachedReport"] <= 50 for c in counts)
    assert all(c["PollState"] == 0 and c["Session"] == 0 for c in counts)


def test_clean_service_reports_no_leak(clean_demo):
    pytest.importorskip("heapsight.analysis.leaks")
    folder, run = clean_demo
    assert run.returncode == 0, run.stderr
    leaks = json.loads(run.stdout)["leaks"]
    assert not [leak for leak in leaks if leak["class"] in PLANTED], leaks


def test_service_crash_during_the_hunt(tmp_path):
    script = tmp_path / "crashy.js"
    script.write_text(textwrap.dedent("""
        let served = 0;
        require('http').createServer((req, res) => {
          if (++served === 150) {
            console.error('fatal: connection pool exhausted');
            process.exit(3);
          }
          res.end('ok');
        }).listen(Number(process.env.PORT), '127.0.0.1');
    """))
    port = free_port()
    run = heapsight("hunt", "--url", f"http://127.0.0.1:{port}/", "--warmup", "50",
                    "--requests", "500", "--runs-dir", "runs", "--", NODE, str(script),
                    cwd=tmp_path, env={**os.environ, "PORT": str(port)})
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "exited with code 3" in run.stderr and "connection pool exhausted" in run.stderr
    assert not leftovers(str(tmp_path))
    assert not list((tmp_path / "runs").rglob("*.part"))


def test_port_already_in_use(tmp_path):
    script = tmp_path / "service.js"
    script.write_text("require('http').createServer((q, s) => s.end('ok'))"
                      ".listen(Number(process.env.PORT), '127.0.0.1');")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = heapsight("hunt", "--url", f"http://127.0.0.1:{port}/", "--", NODE, str(script),
                        cwd=tmp_path, env={**os.environ, "PORT": str(port)})
    assert run.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in run.stderr
    assert run.stderr.count("\n") == 1  # one line
    assert not leftovers(str(tmp_path))


def test_dead_pid(tmp_path):
    process = subprocess.Popen([NODE, "-e", "0"])
    process.wait(10)
    run = heapsight("hunt", "--pid", str(process.pid), "--url", "http://127.0.0.1:1/",
                    "--runs-dir", "runs", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr == f"heapsight: error: no process with pid {process.pid}; is it still running?\n"
    assert not (tmp_path / "runs").exists()


# SIGINT is Ctrl-C; SIGTERM is a supervisor stopping heapsight; SIGKILL cannot be handled, so
# the kernel tells the service instead (PR_SET_PDEATHSIG).
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_ctrl_c_stops_the_service_and_leaves_no_half_file(tmp_path, signal_number):
    script = tmp_path / "slow.js"
    # It says when the load phase is well under way (its log is the run folder's service.log).
    script.write_text("let n = 0; require('http').createServer((q, s) => {"
                      " if (++n === 100) console.log('served 100');"
                      " setTimeout(() => s.end('ok'), 20); })"
                      ".listen(Number(process.env.PORT), '127.0.0.1');")
    port = free_port()
    log = tmp_path / "stderr.txt"
    with open(log, "w") as stderr:
        hunter = subprocess.Popen(
            [sys.executable, "-m", "heapsight", "hunt", "--url", f"http://127.0.0.1:{port}/",
             "--warmup", "20", "--requests", "100000", "--concurrency", "4", "--runs-dir",
             "runs", "--", NODE, str(script)], cwd=tmp_path, stderr=stderr,
            stdout=subprocess.DEVNULL, env={**os.environ, "PORT": str(port)})
        try:
            # Signalled inside the first load phase: after the baseline snapshot, once the
            # service has served 100 requests (20 warm-up, then load), however slow the machine.
            deadline = time.monotonic() + 120
            while not ("baseline snapshot" in log.read_text() and
                       "served 100" in "".join(p.read_text() for p in
                                               (tmp_path / "runs").glob("*/service.log"))):
                assert hunter.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            hunter.send_signal(signal_number)
            code = hunter.wait(90)  # a backstop against a hang; it takes a second or two
        finally:
            if hunter.poll() is None:
                hunter.kill()
                hunter.wait(10)
    text = log.read_text()
    if signal_number == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 130 and "heapsight: error: interrupted" in text
    assert "Traceback" not in text
    service = started_pid(text)
    deadline = time.monotonic() + 10  # after SIGKILL the service ends on its own, just after
    while leftovers(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(service) or \
        psutil.Process(service).status() == psutil.STATUS_ZOMBIE
    assert not leftovers(str(tmp_path))
    run_dir = next(p for p in (tmp_path / "runs").iterdir() if p.is_dir())
    assert sorted(p.name for p in run_dir.iterdir()) == ["baseline.heapsnapshot", "service.log"]


def test_hunt_a_running_process_by_pid_leaves_it_running(tmp_path):
    script = Path(str(DEMO / "leaky_service.js"))
    port, inspect_port = free_port(), free_port()
    service = subprocess.Popen([NODE, f"--inspect-port=127.0.0.1:{inspect_port}", str(script)],
                               env={**os.environ, "PORT": str(port)}, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert service.stdout is not None and "listening" in service.stdout.readline()
        run = heapsight("hunt", "--pid", str(service.pid), "--url",
                        f"http://127.0.0.1:{port}/orders", "--warmup", "10", "--requests", "50",
                        "--json", "--runs-dir", "runs", cwd=tmp_path)
        assert run.returncode in (0, 3), run.stderr
        result = json.loads(run.stdout)
        assert run.returncode == (3 if result["leaks"] else 0)  # 3: a leak was found
        snapshots = [Path(p) for p in result["snapshots"]]
        counts = [class_counts(p, {"RequestEntry"})["RequestEntry"] for p in snapshots]
        assert counts == [10, 60, 110]
        assert service.poll() is None  # not ours to stop
        # heapsight opened the inspector with SIGUSR1: it closes it again, and says so.
        assert f"closed the inspector heapsight opened on 127.0.0.1:{inspect_port}" in run.stderr
        listening = {c.laddr.port for c in psutil.Process(service.pid).net_connections("tcp")
                     if c.status == psutil.CONN_LISTEN}
        assert inspect_port not in listening
    finally:
        service.kill()
        service.wait(10)


def test_load_command_and_allocation_tracking(tmp_path):
    # The load command reads PORT from the environment hunt passes through unchanged.
    load = tmp_path / "load.js"
    load.write_text(textwrap.dedent("""
        const http = require('http');
        const agent = new http.Agent({ keepAlive: true });
        let left = 100;
        (function next() {
          if (left-- === 0) { agent.destroy(); return; }
          http.get({ host: '127.0.0.1', port: process.env.PORT, path: '/orders', agent },
                   (res) => { res.resume(); res.on('end', next); });
        })();
    """))
    port = free_port()
    run = heapsight("hunt", "--load", f"{NODE} {load}", "--track-allocations", "--json",
                    "--runs-dir", "runs", "--", NODE, str(DEMO / "leaky_service.js"),
                    cwd=tmp_path, env={**os.environ, "PORT": str(port)})
    assert run.returncode in (0, 3), run.stderr
    result = json.loads(run.stdout)
    assert run.returncode == (3 if result["leaks"] else 0)
    snapshots = [Path(p) for p in result["snapshots"]]
    counts = [class_counts(p, {"RequestEntry"})["RequestEntry"] for p in snapshots]
    assert counts == [0, 100, 200]
    final = json.loads(snapshots[2].read_text())
    assert "trace_node_id" in final["snapshot"]["meta"]["node_fields"]
    assert final["snapshot"]["trace_function_count"] > 0
    assert "handleOrders" in final["strings"]  # the allocating function is on record
    run_dir = Path(result["run_dir"])
    assert (run_dir / "load-1.log").exists() and (run_dir / "load-2.log").exists()
    assert not leftovers(str(tmp_path))
    pytest.importorskip("heapsight.analysis.leaks")
    leak = next(leak for leak in result["leaks"] if leak["class"] == "RequestEntry")
    stack = leak["allocation_stack"]
    assert stack[0]["function"] == "handleOrders"
    # V8 places a function at its parameter list, 1-based: `function handleOrders(`.
    lines = (DEMO / "leaky_service.js").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("function handleOrders("))
    column = lines[line - 1].index("(") + 1
    assert stack[0]["location"] == f"{DEMO / 'leaky_service.js'}:{line}:{column}"


def test_hunt_usage_errors(tmp_path):
    no_load = heapsight("hunt", "--", "node", "app.js", cwd=tmp_path)
    assert no_load.returncode == 2 and "--url" in no_load.stderr
    two_targets = heapsight("hunt", "--pid", "1", "--url", "http://127.0.0.1:1/", "--", "node",
                            cwd=tmp_path)
    assert two_targets.returncode == 2 and "exactly one" in two_targets.stderr
    bad_url = heapsight("hunt", "--url", "localhost:3000", "--", "node", "app.js", cwd=tmp_path)
    assert bad_url.returncode == 2 and "localhost:3000" in bad_url.stderr
    assert not (tmp_path / "heapsight-runs").exists()


def test_service_started_through_a_shell_is_opened_with_sigusr1(tmp_path):
    # Not node itself (think `npm start`): the port comes through NODE_OPTIONS and the node
    # process serving the URL is opened with SIGUSR1 once it answers.
    script = tmp_path / "app.js"
    script.write_text(textwrap.dedent("""
        class Order { constructor(id) { this.id = id; } }
        const orders = [];
        require('http').createServer((req, res) => { orders.push(new Order(orders.length));
          res.end('ok'); }).listen(Number(process.env.PORT), '127.0.0.1');
    """))
    port = free_port()
    run = heapsight("hunt", "--url", f"http://127.0.0.1:{port}/", "--warmup", "5", "--requests",
                    "20", "--json", "--runs-dir", "runs", "--", "sh", "-c",
                    f"{NODE} {script}; echo finished", cwd=tmp_path,
                    env={**os.environ, "PORT": str(port)})
    assert run.returncode in (0, 3), run.stderr
    result = json.loads(run.stdout)
    assert run.returncode == (3 if result["leaks"] else 0)
    counts = [class_counts(Path(p), {"Order"})["Order"] for p in result["snapshots"]]
    assert counts == [6, 26, 46]  # the readiness probe is one request too, and the only other
    assert (tmp_path / "runs" / ".gitignore").read_text().endswith("*\n")
    assert not leftovers(str(tmp_path))


def test_a_command_with_its_own_inspect_flag_is_followed(tmp_path):
    # `node --inspect=127.0.0.1:0 app.js`: the user's flag comes last and wins over heapsight's.
    script = tmp_path / "app.js"
    script.write_text("require('http').createServer((q, s) => s.end('ok'))"
                      ".listen(Number(process.env.PORT), '127.0.0.1');")
    port = free_port()
    run = heapsight("hunt", "--url", f"http://127.0.0.1:{port}/", "--warmup", "5", "--requests",
                    "10", "--json", "--runs-dir", "runs", "--", NODE, "--inspect=127.0.0.1:0",
                    str(script), cwd=tmp_path, env={**os.environ, "PORT": str(port)})
    assert run.returncode in (0, 3), run.stderr
    result = json.loads(run.stdout)
    assert run.returncode == (3 if result["leaks"] else 0)
    assert len(result["snapshots"]) == 3
    assert not leftovers(str(tmp_path))


def test_free_port_never_hands_out_a_recent_port_twice(monkeypatch):
    # The OS may give the same free port to two picks made before either is bound (the
    # service's port, then its inspector's): in CI the eval harness once told a service and
    # its inspector to use one port. Script the OS's answers to repeat one.
    from heapsight.live import service

    answers = iter([41001, 41001, 41002, 41005, 41006])

    class Probe:
        def __init__(self, *args):
            self.port = next(answers)

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

        def bind(self, address):
            pass

        def getsockname(self):
            return ("127.0.0.1", self.port)

    monkeypatch.setattr(service.socket, "socket", Probe)
    monkeypatch.setattr(service, "_RECENT_PORTS", type(service._RECENT_PORTS)(maxlen=64))
    assert [service.free_port(), service.free_port()] == [41001, 41002]
    # and hunt's inspector port is never the port of a URL the service is about to serve
    assert service.free_port(avoid=["http://127.0.0.1:41005/orders"]) == 41006
