"""GitHub Actions annotations: `::error file=...,line=...::` on the line that makes a leak.

The runner turns these workflow commands into annotations on the pull request's diff. Values
are escaped as the runner expects (% CR LF in messages; also : and , in properties).
"""

from __future__ import annotations

from heapsight.check.run import CheckResult, ScenarioResult, display_path
from heapsight.check.verdict import ERROR, LEAK, UNDECIDED


def _message(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _message(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, file: str, line: int | None, column: int | None, title: str,
             message: str) -> str:
    where = [f"file={_property(file)}"]
    if line:
        where.append(f"line={line}")
    if column:
        where.append(f"col={column}")
    where.append(f"title={_property(title)}")
    return f"::{kind} {','.join(where)}::{_message(message)}"


def _split(location: str) -> tuple[str, int | None, int | None]:
    parts = location.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    return location, None, None


def scenario_annotations(result: ScenarioResult) -> list[str]:
    name = display_path(result.scenario)
    if result.verdict == LEAK:
        commands = []
        for growth in result.leaks:
            file, line, column = _split(growth.line) if growth.line else (name, None, None)
            leak = growth.leak
            commands.append(_command(
                "error", file, line, column, f"heapsight check: {leak.category}",
                f"{leak.class_name} held by {leak.holder} grows "
                f"{growth.bytes_per_iteration:.0f} B per iteration ({name}). {leak.advice}"))
        return commands or [_command("error", name, None, None, "heapsight check: leak",
                                     result.reason)]
    if result.verdict == UNDECIDED:
        return [_command("warning", name, None, None, "heapsight check: undecided",
                         result.reason)]
    if result.verdict == ERROR:
        return [_command("error", name, None, None, "heapsight check: the scenario failed",
                         result.reason)]
    return []


def workflow_commands(result: CheckResult) -> list[str]:
    return [line for scenario in result.scenarios for line in scenario_annotations(scenario)]
