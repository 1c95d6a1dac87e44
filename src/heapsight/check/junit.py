"""JUnit XML for CI test reports: one <testcase> per scenario, the diagnosis in the failure.

The shape is the one Jenkins, GitLab, GitHub test-report actions and Surefire all read:
<testsuites> holding one <testsuite> with tests/failures/errors/skipped/time counts, whose
<testcase name classname time> holds at most one <failure>, <error> or <skipped>, then
<system-out>. A leak is a failure, a scenario that could not run an error, an undecided
check a skipped case (a failure with --fail-on-undecided).
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from heapsight.check.run import CheckResult, ScenarioResult
from heapsight.check.verdict import ERROR, LEAK, UNDECIDED
from heapsight.fileio import write_text_atomic

SUITE = "heapsight check"


def diagnosis(result: ScenarioResult) -> str:
    """The failure's body: what grew, per iteration, where, held by whom, and the fix."""
    lines = [f"{result.name}: {result.verdict}: {result.reason}"]
    for index, growth in enumerate(result.leaks, 1):
        leak = growth.leak
        lines.append(f"{index}. {leak.category}: {leak.class_name} held by {leak.holder}, "
                     f"+{growth.objects_per_iteration:.2f} objects and "
                     f"{growth.bytes_per_iteration:.0f} B per iteration")
        if growth.line:
            lines.append(f"   made at  {growth.line}")
        path = " > ".join(step.node if not step.edge else f"{step.edge} ({step.node})"
                          for step in leak.retainer_path)
        lines.append(f"   path     {path}")
        lines.append(f"   fix      {leak.advice}")
    if result.run_dir is not None:
        lines.append(f"snapshots and log: {result.run_dir}")
    return "\n".join(lines)


def _case(suite: ET.Element, result: ScenarioResult, fail_on_undecided: bool) -> None:
    case = ET.SubElement(suite, "testcase", name=result.name, classname="heapsight.check",
                         time=f"{result.seconds:.3f}")
    body = diagnosis(result)
    headline = result.reason
    if result.verdict == LEAK:
        first = result.leaks[0] if result.leaks else None
        if first is not None:
            where = f" at {first.line}" if first.line else ""
            headline = (f"leak: {first.leak.category} {first.leak.class_name}, "
                        f"{first.bytes_per_iteration:.0f} B per iteration{where}")
        ET.SubElement(case, "failure", message=headline, type="leak").text = body
    elif result.verdict == ERROR:
        ET.SubElement(case, "error", message=headline, type="error").text = body
    elif result.verdict == UNDECIDED:
        if fail_on_undecided:
            ET.SubElement(case, "failure", message=f"undecided: {headline}",
                          type="undecided").text = body
        else:
            ET.SubElement(case, "skipped", message=f"undecided: {headline}")
    ET.SubElement(case, "system-out").text = body


def junit_xml(result: CheckResult) -> str:
    cases = result.scenarios
    undecided_fails = result.fail_on_undecided
    failures = sum(s.verdict == LEAK or (s.verdict == UNDECIDED and undecided_fails)
                   for s in cases)
    counts = {"tests": str(len(cases)), "failures": str(failures),
              "errors": str(sum(s.verdict == ERROR for s in cases)),
              "skipped": str(sum(s.verdict == UNDECIDED and not undecided_fails for s in cases)),
              "time": f"{sum(s.seconds for s in cases):.3f}"}
    root = ET.Element("testsuites", {"name": SUITE, **counts})
    suite = ET.SubElement(root, "testsuite", {
        "name": SUITE, **counts, "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "hostname": socket.gethostname() or "localhost"})
    for scenario in cases:
        _case(suite, scenario, undecided_fails)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(result: CheckResult, path: Path) -> None:
    """Atomically, 0600; a report from an earlier run is replaced (CI reruns write it anew)."""
    write_text_atomic(path, junit_xml(result), force=True)
