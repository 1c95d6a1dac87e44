"""The child `node` a check runs a scenario in, driven over its inspector.

heapsight starts `node --inspect=127.0.0.1:0 harness.js SCENARIO` as a supervised `Service`
(its own process group, PR_SET_PDEATHSIG, always stopped), reads the inspector's address from
the line node prints on stderr, and asks the bundled harness to load the scenario and run
iterations with `Runtime.evaluate` (awaitPromise). The harness answers each request with a
small JSON string, so a scenario that throws, exports no `iteration` or hangs becomes one
`ScenarioError` naming the stage and the scenario's line.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from heapsight.errors import HeapsightError
from heapsight.live.inspector import Inspector
from heapsight.live.service import Service

HARNESS = Path(__file__).with_name("harness.js")
_LISTENING = re.compile(r"Debugger listening on ws://(127\.0\.0\.1):(\d+)/")
_SLACK = 10.0  # seconds on top of the iterations' own timeout before the child counts as stuck


class ScenarioError(HeapsightError):
    """The scenario failed on its own: it threw, exports no iteration, or hung (exit 1)."""


@dataclass
class Sample:
    """The heap used after a full GC, once `iteration` iterations had run."""

    iteration: int
    heap_used: int


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise HeapsightError("node is not on the PATH; install Node.js 18 or later to run checks")
    return node


class ScenarioProcess:
    """One scenario in one child node. Use as a context manager: the child is always stopped."""

    def __init__(self, scenario: Path, log_path: Path, timeout: float,
                 node_options: list[str] | None = None, start_timeout: float = 60.0) -> None:
        self.scenario = scenario
        self.timeout = timeout  # per iteration, seconds
        self.start_timeout = start_timeout
        command = [node_executable(), "--inspect=127.0.0.1:0", *(node_options or []),
                   str(HARNESS), str(scenario)]
        self.service = Service(command, log_path, cwd=scenario.parent, name="scenario")
        self.inspector: Inspector | None = None
        self.iterations = 0

    def __enter__(self) -> ScenarioProcess:
        try:
            self.service.start()
            self.inspector = Inspector.connect(*self._inspector_address(), timeout=10.0)
            self.service.release_debugger = self.inspector.close
            self._wait_for_harness()
            self._answer("__heapsightCheck.loaded()", self.start_timeout,
                         "loading it and its setup()")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self.inspector is not None:
            with contextlib.suppress(Exception):  # the child is stopped next whatever happened
                self.inspector.close()
            self.inspector = None
        self.service.stop(grace=2.0)

    def _inspector_address(self) -> tuple[str, int]:
        """Where node's inspector listens: node prints it on stderr (we asked for port 0)."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            match = _LISTENING.search(self.service.output_tail(40, raw=True))
            if match:
                return match.group(1), int(match.group(2))
            if self.service.exit_code() is not None:
                raise self._exited("while starting")
            if time.monotonic() > deadline:
                raise ScenarioError(f"node did not open its inspector within "
                                    f"{self.start_timeout:g}s; see {self.service.log_path}")
            time.sleep(0.05)

    def _wait_for_harness(self) -> None:
        """Node opens the inspector before it runs the harness: wait until the harness is in."""
        deadline = time.monotonic() + self.start_timeout
        while self._live.evaluate("typeof globalThis.__heapsightCheck") != "object":
            if self.service.exiting():
                raise self._exited("while starting")
            if time.monotonic() > deadline:
                raise ScenarioError(f"the check harness did not start within "
                                    f"{self.start_timeout:g}s; see {self.service.log_path}")
            time.sleep(0.02)

    def _exited(self, during: str) -> ScenarioError:
        error = self.service.exited_error(during)
        return ScenarioError(f"{self.scenario.name}: {error}")

    @property
    def _live(self) -> Inspector:
        assert self.inspector is not None, "use ScenarioProcess as a context manager"
        return self.inspector

    def _answer(self, expression: str, timeout: float,
                 doing: str = "an iteration") -> dict[str, Any]:
        """Evaluate a harness call and return its parsed answer; a ScenarioError when the
        scenario failed, hung or the child died."""
        try:
            result = self._live.call("Runtime.evaluate", {
                "expression": f"globalThis.{expression}", "awaitPromise": True,
                "returnByValue": True, "silent": True}, timeout=timeout + _SLACK)
        except HeapsightError as error:
            if self.service.exiting():
                raise self._exited("during the check") from None
            if "did not answer" in str(error):
                limit = self.timeout if doing == "an iteration" else timeout
                raise ScenarioError(f"{self.scenario.name}: {doing} did not finish within "
                                    f"{limit:g}s; it blocks the event loop or never settles "
                                    "(an endless loop?)") from None
            raise
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise ScenarioError(f"{self.scenario.name}: the check harness failed: {text}")
        try:
            answer = json.loads(result.get("result", {}).get("value"))
        except (TypeError, ValueError):
            raise ScenarioError(f"{self.scenario.name}: the check harness gave no answer") from None
        if not answer.get("ok"):
            raise ScenarioError(self._failure_line(answer))
        return dict(answer)

    def _failure_line(self, answer: dict[str, Any]) -> str:
        stage = answer.get("stage")
        where = f" at {answer['where']}" if answer.get("where") else ""
        name = self.scenario.name
        if stage == "timeout":
            return (f"{name}: an iteration did not settle within {self.timeout:g}s (--timeout); "
                    "a promise that never resolves?")
        if stage == "load" and not where and "iteration function" in str(answer.get("error")):
            return (f"{name}: {answer.get('error')}; a scenario exports `iteration` (sync or "
                    "async), and optionally `setup` and `teardown`")
        what = {"load": "failed to load", "setup": "setup() threw",
                "iteration": f"iteration {self.iterations + int(answer.get('index') or 0) + 1} "
                             "threw",
                "teardown": "teardown() threw"}.get(str(stage), "failed")
        return f"{name}: {what}{where}: {answer.get('error')}"

    # -- what a check asks for -------------------------------------------------------------
    def run(self, count: int) -> None:
        """Run `count` iterations, one after another (async ones awaited)."""
        milliseconds = max(1, int(self.timeout * 1000))
        self._answer(f"__heapsightCheck.run({count}, {milliseconds})", self.timeout * count)
        self.iterations += count

    def heap_used_after_gc(self) -> int:
        """A full GC, then V8's used heap size (Runtime.getHeapUsage: nothing runs in JS)."""
        self._live.collect_garbage()
        usage = self._live.call("Runtime.getHeapUsage")
        return int(usage.get("usedSize", 0))

    def teardown(self) -> None:
        self._answer("__heapsightCheck.teardown()", self.timeout, "teardown()")
