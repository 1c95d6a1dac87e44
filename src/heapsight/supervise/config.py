"""Options of `heapsight run`: the command line, a `[run]` table in heapsight.toml, checks.

Sizes need a unit (`512MB` is 512 MiB, like Node's --max-old-space-size; a bare number is an
error, never bytes: PM2 reads `max_memory_restart: 200` as 200 bytes and restarts every cycle).
Durations need a unit too (`30s`, `5m`).
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from heapsight.errors import UsageError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt])(i?b)?\s*$", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$", re.IGNORECASE)


def parse_size(text: str, option: str) -> int:
    """'512MB' or '512MiB' -> 536870912; '512' (no unit) is a usage error."""
    match = _SIZE.match(str(text))
    if not match:
        raise UsageError(f"{option} expects a size with its unit such as 512MB or 1.5GiB "
                         f"(MB = MiB), not {text!r}")
    power = "kmgt".index(match.group(2).lower()) + 1
    return int(float(match.group(1)) * 1024 ** power)


def parse_duration(text: str, option: str, zero: bool = False) -> float:
    """'30s' -> 30.0, '5m' -> 300.0; a bare number is a usage error."""
    match = _DURATION.match(str(text))
    value = float(match.group(1)) if match else -1.0
    if not match or value < 0 or (value == 0 and not zero):
        raise UsageError(f"{option} expects a duration with its unit such as 30s or 5m, "
                         f"not {text!r}")
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2).lower()]


@dataclass
class RunOptions:
    """Everything `heapsight run` needs; sizes in bytes, durations in seconds."""

    command: list[str] = field(default_factory=list)
    name: str = ""
    instances: int = 2
    port: int | None = None          # the public port; None with --no-balancer
    host: str = "127.0.0.1"
    balancer: bool = True
    ready_url: str | None = None     # a path such as /healthz
    ready_timeout: float = 30.0
    max_memory: int | None = None    # RSS of the instance's whole process tree
    max_heap: int | None = None      # V8 heap used (through the inspector)
    over_for: float = 30.0           # over the limit on every sample for this long
    grace: float = 60.0              # no memory restart this young
    sample_every: float = 1.0
    restart_on_leak: bool = False
    horizon: float = 3600.0
    drain_timeout: float = 30.0
    kill_timeout: float = 10.0
    snapshot_on_restart: bool = False
    keep_snapshots: int = 3
    max_restarts: int = 10           # crashes within restart_window before errored
    restart_window: float = 60.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_memory_restarts: int = 20    # memory restarts per hour, per run
    memory_cooldown: float = 60.0    # between two memory restarts
    serve: str | None = None
    control_http: str | None = None  # with --no-balancer: where GET /ready/N answers
    backend_ports: int | None = None  # with --no-balancer: instance N on BASE+2N or BASE+2N+1
    runs_folder: Path = Path("heapsight-runs")
    cwd: Path | None = None
    history: Path | None = None
    no_history: bool = False


# heapsight.toml key -> (field, kind); kinds: int, size, duration, bool, str, port
_KEYS: dict[str, tuple[str, str]] = {
    "name": ("name", "str"), "instances": ("instances", "int"), "port": ("port", "port"),
    "host": ("host", "str"), "no-balancer": ("balancer", "not-bool"),
    "ready-url": ("ready_url", "str"), "ready-timeout": ("ready_timeout", "duration"),
    "max-memory": ("max_memory", "size"), "max-heap": ("max_heap", "size"),
    "for": ("over_for", "duration"), "grace": ("grace", "duration0"),
    "sample-every": ("sample_every", "duration"), "restart-on-leak": ("restart_on_leak", "bool"),
    "horizon": ("horizon", "duration"), "drain-timeout": ("drain_timeout", "duration"),
    "kill-timeout": ("kill_timeout", "duration"),
    "snapshot-on-restart": ("snapshot_on_restart", "bool"),
    "keep-snapshots": ("keep_snapshots", "int"), "max-restarts": ("max_restarts", "int"),
    "restart-window": ("restart_window", "duration"),
    "max-memory-restarts": ("max_memory_restarts", "int"),
    "memory-cooldown": ("memory_cooldown", "duration0"), "serve": ("serve", "str"),
    "control-http": ("control_http", "str"), "backend-ports": ("backend_ports", "port"), "runs-folder": ("runs_folder", "path"),
    "command": ("command", "list"),
}
KEYS = tuple(_KEYS)


def convert(key: str, value: Any) -> tuple[str, Any]:
    """One option (toml key spelling) -> (RunOptions field, checked value)."""
    if key not in _KEYS:
        raise UsageError(f"unknown option {key!r} in the [run] table; known: {', '.join(KEYS)}")
    name, kind = _KEYS[key]
    option = f"--{key}"
    if kind in ("bool", "not-bool"):
        if not isinstance(value, bool):
            raise UsageError(f"{option} must be true or false, not {value!r}")
        return name, (not value) if kind == "not-bool" else value
    if kind in ("int", "port"):
        if isinstance(value, bool) or not isinstance(value, int) and not str(value).isdigit():
            raise UsageError(f"{option} must be a whole number, not {value!r}")
        number = int(value)
        if kind == "port" and not 0 <= number < 65536:
            raise UsageError(f"{option} must be a TCP port (0-65535), not {value!r}")
        if kind == "int" and number < (0 if key == "keep-snapshots" else 1):
            raise UsageError(f"{option} must be at least 1, not {value!r}")
        return name, number
    if kind == "size":
        return name, parse_size(value, option)
    if kind in ("duration", "duration0"):
        return name, parse_duration(value, option, zero=kind == "duration0")
    if kind == "path":
        return name, Path(str(value))
    if kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{option} must be a list of strings such as [\"node\", \"app.js\"]")
        return name, list(value)
    if not isinstance(value, str):
        raise UsageError(f"{option} must be a string, not {value!r}")
    return name, value


def read_config(path: Path, required: bool) -> dict[str, Any]:
    """The `[run]` table of a heapsight.toml, as option key -> raw value."""
    if not path.exists():
        if required:
            raise UsageError(f"config file {path} does not exist")
        return {}
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    table = document.get("run", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [run] must be a table")
    return dict(table)


def build_options(given: dict[str, Any], config: dict[str, Any]) -> RunOptions:
    """Defaults, then the config file, then the command line (which wins)."""
    options = RunOptions()
    for key, value in [*config.items(), *given.items()]:
        name, checked = convert(key, value)
        setattr(options, name, checked)
    if not options.command:
        raise UsageError("give the service to run after `--`, e.g. "
                         "heapsight run --port 3000 -- node app.js")
    program = options.command[0]
    if shutil.which(program) is None and not (options.cwd or Path.cwd()).joinpath(program).is_file():
        raise UsageError(f"cannot run {program!r}: command not found")
    if options.balancer and options.port is None:
        raise UsageError("give --port P (the public port the balancer listens on), or "
                         "--no-balancer to let nginx/HAProxy reach each instance")
    if not options.balancer and options.port is not None:
        raise UsageError("--port and --no-balancer exclude each other")
    if options.backend_ports is not None and (options.balancer or options.backend_ports == 0 or
                                              options.backend_ports + 2 * options.instances
                                              > 65536):
        raise UsageError("--backend-ports BASE goes with --no-balancer, and BASE + 2 x "
                         "--instances must stay below 65536")
    if options.ready_url is not None and not options.ready_url.startswith("/"):
        raise UsageError(f"--ready-url expects a path such as /healthz, not {options.ready_url!r}")
    if options.restart_on_leak and options.max_memory is None and options.max_heap is None:
        raise UsageError("--restart-on-leak needs a limit to project: --max-memory or --max-heap")
    if not options.name:
        options.name = default_name(options.command, options.cwd or Path.cwd())
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", options.name):
        raise UsageError(f"--name {options.name!r}: use letters, digits, '.', '_' and '-'")
    return options


def default_name(command: list[str], folder: Path) -> str:
    """`<folder>-<script>`: `shop-server` for `node server.js` run in ~/shop."""
    script = next((Path(word).stem for word in reversed(command) if not word.startswith("-")),
                  "service")
    raw = f"{folder.name}-{script}" if folder.name else script
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw)[:64] or "service"


def field_names() -> list[str]:
    return [f.name for f in fields(RunOptions)]


def runtime_folder() -> Path:
    """Where control sockets live: $XDG_RUNTIME_DIR/heapsight, else /tmp/heapsight-UID (0700)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "heapsight" if base else Path(f"/tmp/heapsight-{os.getuid()}")
    return folder
