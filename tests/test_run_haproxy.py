"""`heapsight run --no-balancer` behind a real HAProxy: its agent check reads /ready/port/P from
heapsight's control HTTP address; `ctl drain 0` takes instance 0 out of HAProxy's rotation, and
a restart under load through HAProxy fails no request.
Needs haproxy (scripts/install-optional-tools.sh installs Debian's package); skips loudly
without it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from run_support import Supervised, served_by

from heapsight.live.load import run_load
from heapsight.live.service import free_port

HAPROXY = shutil.which("haproxy")

_CONFIG = """
global
    maxconn 256
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
frontend public
    bind 127.0.0.1:{public}
    default_backend service
backend service
    balance roundrobin
{servers}
"""
_SERVER = ("    server i{n}{alt} 127.0.0.1:{port} check inter 300ms fall 1 rise 1 agent-check "
           "agent-addr 127.0.0.1 agent-port {control} agent-inter 300ms "
           "agent-send \"/ready/port/{port}\\n\"")


def _get(url: str) -> bytes:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
        return bytes(r.read())


def _status(url: str) -> int:
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=10):
            return 200
    except urllib.error.HTTPError as exc:
        return exc.code


def _free_run_of_ports(count: int) -> int:
    """A BASE whose ports BASE..BASE+count-1 are all free right now."""
    for _ in range(100):
        base = free_port()
        if base + count > 65535:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no run of free ports found")


def _until(condition, timeout: float = 30.0) -> None:
    def holds() -> bool:
        try:
            return bool(condition())
        except OSError:  # HAProxy still starting
            return False

    deadline = time.monotonic() + timeout
    while not holds():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def test_haproxy_stops_sending_to_a_drained_instance(tmp_path):
    if HAPROXY is None:
        pytest.skip("haproxy is not installed (scripts/install-optional-tools.sh installs it); "
                    "SKIPPING the external-balancer test")
    base = _free_run_of_ports(4)
    control = free_port()
    args = ["--no-balancer", "--instances", "2", "--backend-ports", str(base),
            "--control-http", f"127.0.0.1:{control}", "--drain-timeout", "3s"]
    with Supervised(tmp_path, args) as run:
        run.wait_for("serving")
        public = free_port()
        servers = "\n".join(_SERVER.format(n=n, alt=alt, port=base + 2 * n + alt,
                                           control=control)
                            for n in (0, 1) for alt in (0, 1))
        config = tmp_path / "haproxy.cfg"
        config.write_text(_CONFIG.format(public=public, servers=servers))
        haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(config)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{public}/"
            assert _status(f"http://127.0.0.1:{control}/ready/0") == 200
            _until(lambda: {served_by(_get(url)) for _ in range(10)} == {0, 1})

            run.ctl("drain", "0")
            assert _status(f"http://127.0.0.1:{control}/ready/0") == 503
            _until(lambda: {served_by(_get(url)) for _ in range(10)} == {1})
            assert {served_by(_get(url)) for _ in range(20)} == {1}

            run.ctl("resume", "0")
            assert _status(f"http://127.0.0.1:{control}/ready/0") == 200
            _until(lambda: 0 in {served_by(_get(url)) for _ in range(10)})

            # A restart under load through HAProxy: the replacement comes up on the other
            # port of the pair, the old port drains (agent says drain), no request fails.
            restarted = False

            def restart_once() -> bool:
                nonlocal restarted
                if not restarted:
                    restarted = True
                    threading.Thread(target=run.ctl, args=("restart", "0")).start()
                return len(run.events("restarted")) >= 1

            load = run_load([url], requests=200_000, concurrency=4, stop_when=restart_once,
                            timeout=30)
            assert load.failed == 0 and load.requests > 0, load.errors
            new_port = run.events("restarted")[0]["port"]
            assert new_port == base + 1
        finally:
            haproxy.terminate()
            try:
                haproxy.wait(10)
            except subprocess.TimeoutExpired:
                haproxy.kill()
                haproxy.wait(5)
        assert run.stop() == 0
