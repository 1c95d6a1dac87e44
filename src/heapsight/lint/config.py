"""Lint settings from `pyproject.toml`'s `[tool.heapsight.lint]` table.

```toml
[tool.heapsight.lint]
select = ["listener-leak", "interval-not-cleared"]   # rule ids or categories; default: all
ignore = ["unbounded-cache"]
exclude = ["dist/*", "*.generated.js"]
exit-zero = false                                    # true: exit 0 even with findings
allow-unchecked = false        # true: files with syntax errors do not fail the run
resources = ["makeDbClient", "telemetry-kit:Tracker"]   # more client/pool constructors or
                                                       # factories; `package:Name` = only that
                                                       # package's export
baseline = "lint-baseline.json"   # report only findings this file does not hold (relative
                                  # to the pyproject.toml; written by --save-baseline)
```
The file is looked for in the current directory and its parents; the nearest pyproject.toml
with a `[tool.heapsight]` table wins. Command-line options add to or override it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from heapsight.errors import UsageError

KEYS = ("select", "ignore", "exclude", "exit-zero", "allow-unchecked", "resources", "baseline")


@dataclass
class LintSettings:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)  # more pool/client makers (`pkg:Name`)
    exit_zero: bool = False
    allow_unchecked: bool = False
    baseline: Path | None = None  # resolved against the pyproject.toml's folder
    source: Path | None = None  # the pyproject.toml they came from


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "heapsight" in _tool_table(candidate, lenient=True):
            return candidate
    return None


def load_settings(path: Path | None) -> LintSettings:
    """Settings from `path` (a pyproject.toml); defaults when `path` is None."""
    if path is None:
        return LintSettings()
    table = _tool_table(path).get("heapsight", {})
    lint = table.get("lint", {}) if isinstance(table, dict) else {}
    if not isinstance(lint, dict):
        raise UsageError(f"{path}: [tool.heapsight.lint] must be a table")
    unknown = sorted(set(lint) - set(KEYS))
    if unknown:
        raise UsageError(f"{path}: unknown key {unknown[0]!r} in [tool.heapsight.lint]; "
                         f"known keys: {', '.join(KEYS)}")
    settings = LintSettings(source=path)
    for key in ("select", "ignore", "exclude", "resources"):
        value = lint.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{path}: [tool.heapsight.lint] {key} must be a list of strings")
        setattr(settings, key, list(value))
    for key in ("exit-zero", "allow-unchecked"):
        value = lint.get(key, False)
        if not isinstance(value, bool):
            raise UsageError(f"{path}: [tool.heapsight.lint] {key} must be true or false")
        setattr(settings, key.replace("-", "_"), value)
    baseline = lint.get("baseline")
    if baseline is not None:
        if not isinstance(baseline, str) or not baseline:
            raise UsageError(f"{path}: [tool.heapsight.lint] baseline must be a file name")
        settings.baseline = path.parent / baseline
    return settings


def _tool_table(path: Path, lenient: bool = False) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        if lenient:
            return {}
        raise UsageError(f"cannot read {path}: {exc}; fix the file or pass --no-config") from exc
    tool = data.get("tool", {})
    return tool if isinstance(tool, dict) else {}
