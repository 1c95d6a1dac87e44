"""What goes wrong, handled: a service that crashes at start, a replacement that never gets
ready, heapsight itself SIGKILLed, and bad configuration (one clear line, non-zero exit)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
from run_support import NODE, SERVICE, Supervised, served_by


def _get(url: str) -> bytes:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
        return bytes(r.read())


def test_crashing_instance_backs_off_then_is_errored_while_the_other_serves(tmp_path):
    args = ["--port", "0", "--instances", "2", "--max-restarts", "3", "--restart-window", "1m"]
    with Supervised(tmp_path, args, env={"CRASH_INSTANCE": "1"}) as run:
        errored = run.wait_for("errored", timeout=90, where={"instance": 1})
        assert errored[0]["crashes"] == 4
        delays = [e["seconds"] for e in run.events("backoff") if e["instance"] == 1]
        assert len(delays) == 3
        # exponential with jitter in [0.5, 1]: each delay's ceiling doubles
        assert delays[2] > delays[0]
        assert "ERROR: instance 1 crashed" in run.stderr_text()
        port = run.port()
        assert {served_by(_get(f"http://127.0.0.1:{port}/")) for _ in range(10)} == {0}
        states = {row["id"]: row["state"] for row in run.status()["instances"]}
        assert states == {0: "ready", 1: "errored"}
        assert run.stop() == 0


def test_replacement_never_ready_aborts_the_swap_and_the_old_one_serves(tmp_path):
    args = ["--port", "0", "--instances", "1", "--ready-timeout", "3s"]
    with Supervised(tmp_path, args, env={"READY_ONCE": str(tmp_path / "started")}) as run:
        port = run.port()
        pid_before = json.loads(_get(f"http://127.0.0.1:{port}/"))["pid"]
        done = run.ctl("restart", "0", check=False)
        assert done.returncode == 1
        assert "keeps serving" in done.stderr
        aborted = run.wait_for("swap-aborted")
        assert aborted[0]["kept_pid"] == pid_before
        assert json.loads(_get(f"http://127.0.0.1:{port}/"))["pid"] == pid_before
        assert run.stop() == 0


def test_sigkill_of_heapsight_leaves_no_instance_running(tmp_path):
    with Supervised(tmp_path, ["--port", "0", "--instances", "2"]) as run:
        run.port()
        pids = [e["pid"] for e in run.events("ready")]
        assert len(pids) == 2
        run.process.send_signal(signal.SIGKILL)
        run.process.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and run.leftovers():
            time.sleep(0.1)
        assert run.leftovers() == []
        assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                       for p in pids)


def _heapsight_run(tmp_path, *args: str, config: str | None = None
                   ) -> subprocess.CompletedProcess[str]:
    toml = tmp_path / "heapsight.toml"
    if config is not None:
        toml.write_text(config)
    elif toml.exists():
        toml.unlink()
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "heapsight", "run", "--no-history",
                           "--name", "t", "--runs-folder", str(tmp_path / "runs"), *args, "--", NODE,
                           str(SERVICE)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.startswith("heapsight: error:")]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def test_bad_configuration_is_one_clear_line(tmp_path):
    done = _heapsight_run(tmp_path, "--port", "0", "--max-memory", "512")
    assert done.returncode == 2
    assert "512MB" in _one_error_line(done)

    done = _heapsight_run(tmp_path, "--port", "0", config="[run]\nmax-memroy = '512MB'\n")
    assert done.returncode == 2
    assert "unknown option 'max-memroy'" in _one_error_line(done)

    done = _heapsight_run(tmp_path, config="[run]\nport = 0\nfor = 30\n")
    assert done.returncode == 2
    assert "--for expects a duration" in _one_error_line(done)

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _heapsight_run(tmp_path, "--port", str(port))
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in _one_error_line(done)


def test_a_limit_below_start_up_memory_is_a_usage_error(tmp_path):
    done = _heapsight_run(tmp_path, "--port", "0", "--instances", "1", "--max-memory", "8MB",
                          "--grace", "1s", "--for", "1s")
    assert done.returncode == 2
    assert "below instance 0's start-up memory" in _one_error_line(done)
    started = [json.loads(line) for path in (tmp_path / "runs").glob("*/*/events.jsonl")
               for line in path.read_text().splitlines()]
    pids = [e["pid"] for e in started if e["event"] == "start"]
    assert pids and not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                            for p in pids)
