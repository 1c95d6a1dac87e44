"""A headless Chromium driven through the DevTools protocol (the project's `websockets` client):
open a page from disk, record console errors, exceptions and network requests, evaluate
JavaScript, take screenshots. Used by tests/test_report_browser.py and
scripts/report_screenshots.py.

The browser is kept off the network: no background services, and a proxy on a closed loopback
port for anything that still tries, so a page that fetched something would fail and show it.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-background-networking",
         "--disable-component-update", "--disable-domain-reliability", "--disable-sync",
         "--disable-client-side-phishing-detection", "--disable-default-apps",
         "--disable-extensions", "--no-pings", "--metrics-recording-only",
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         "--hide-scrollbars", "--mute-audio")


def chromium_path() -> str | None:
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


class Browser:
    """One headless browser and one page (a flat DevTools session)."""

    def __init__(self, width: int = 1200, height: int = 900, timeout: float = 60.0):
        binary = chromium_path()
        if binary is None:
            raise RuntimeError("no chromium on PATH")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="heapsight-chromium-")
        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # entered as a context manager, the form every websockets version accepts quietly
        self.socket = connect(self._endpoint(), max_size=None, open_timeout=timeout,
                              proxy=None, ping_interval=None).__enter__()
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True)

    def _endpoint(self) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + self.timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            seen.append(line)
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:  # keep draining its log so chromium never blocks on a full pipe
                threading.Thread(target=self.process.stderr.read, daemon=True).start()
                return match.group(1)
        self.close()
        raise RuntimeError("chromium did not open its DevTools endpoint: " + "".join(seen[-5:]))

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: bool = False) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while True:
            reply = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(json.loads(
                self.socket.recv(timeout=max(0.1, deadline - time.monotonic()))))

    def open(self, path: Path) -> str:
        """Load a page from disk and wait until it has loaded; returns its URL."""
        url = path.resolve().as_uri()
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")
        return url

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited when it is a promise)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self, page_url: str) -> dict[str, list[str]]:
        """Console errors, uncaught exceptions and every request other than the page itself."""
        errors, requests = [], []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error",
                                                                                  "assert"):
                errors.append(json.dumps(params.get("args")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                if url != page_url:
                    requests.append(url)
        return {"errors": errors, "requests": requests}

    def screenshot(self, out: Path) -> None:
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        shot = self.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1200, "height": min(height, 2600), "scale": 1}},
            session=True)
        out.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            if hasattr(self, "socket"):
                self.socket.__exit__(None, None, None)
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
