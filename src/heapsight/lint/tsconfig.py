"""TypeScript's path aliases: which project file `import { x } from '@app/config'` names.

A TypeScript project (or a JavaScript one with a jsconfig.json) may import its own files by
an alias its nearest tsconfig.json maps to a folder (`compilerOptions.paths`, `"@config/*":
["src/config/*"]`), or by a path from `compilerOptions.baseUrl` (`import db from 'lib/db'`).
Read as package names, such imports hide the project's own calls from the call graph
(project.py), which then cannot tell start-up code from code that runs per request. Settings
inherited through `extends` (a relative path) count; a package's shared config does not.
tsconfig files are JSON with comments and trailing commas, which json5 reads.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

import json5

_NAMES = ("tsconfig.json", "jsconfig.json")
_SUFFIXES = (".ts", ".tsx", ".js", ".mts", ".cts", ".mjs", ".cjs", ".jsx", ".d.ts")


@dataclass(frozen=True)
class _Config:
    base: Path | None  # baseUrl, resolved
    # (prefix, suffix, targets): `@config/*` is ("@config/", ""), `@utils` is ("@utils", None)
    patterns: tuple[tuple[str, str | None, tuple[Path, ...]], ...]


@dataclass
class TsConfigs:
    """The path aliases of each folder's nearest tsconfig.json, read once per folder."""

    _near: dict[Path, _Config | None] = field(default_factory=dict)
    _found: dict[tuple[int, str], Path | None] = field(default_factory=dict)

    def resolve(self, importer: str, specifier: str) -> str:
        """A specifier relative to `importer` for the project file `specifier` names through
        an alias (`./config/error.config`), or ""."""
        config = self._config_near(Path(importer).resolve().parent)
        if config is None:
            return ""
        key = (id(config), specifier)  # most files import the same packages
        if key not in self._found:
            self._found[key] = _target(config, specifier)
        found = self._found[key]
        return _relative(found, Path(importer)) if found is not None else ""

    def _config_near(self, folder: Path) -> _Config | None:
        if folder not in self._near:
            config = None
            for name in _NAMES:
                if (folder / name).is_file():
                    config = _read(folder / name)
                    break
            else:
                if folder.parent != folder and not (folder / ".git").exists():
                    config = self._config_near(folder.parent)
            self._near[folder] = config
        return self._near[folder]


def _target(config: _Config, specifier: str) -> Path | None:
    """The file (or folder with an index) an aliased `specifier` names, if it exists."""
    candidates: list[Path] = []
    for prefix, suffix, targets in config.patterns:
        if suffix is None:
            if specifier == prefix:
                candidates.extend(targets)
        elif specifier.startswith(prefix) and specifier.endswith(suffix) and (
                len(specifier) >= len(prefix) + len(suffix)):
            star = specifier[len(prefix):len(specifier) - len(suffix)]
            candidates.extend(Path(str(target).replace("*", star, 1)) for target in targets)
    if config.base is not None:
        candidates.append(config.base / specifier)
    return next((candidate for candidate in candidates if _exists(candidate)), None)


def _read(path: Path, depth: int = 0) -> _Config | None:
    """The aliases `path` declares or inherits; None when it declares none or cannot be read."""
    try:
        data = json5.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    inherited = None
    extends = data.get("extends")
    if isinstance(extends, str) and extends.startswith(".") and depth < 5:
        parent = (path.parent / extends)
        parent = parent if parent.suffix == ".json" else parent.with_name(parent.name + ".json")
        inherited = _read(parent, depth + 1)
    options = data.get("compilerOptions")
    options = options if isinstance(options, dict) else {}
    base_url = options.get("baseUrl")
    base = (path.parent / base_url).resolve() if isinstance(base_url, str) else (
        inherited.base if inherited is not None else None)
    paths = options.get("paths")
    if not isinstance(paths, dict):
        if base is None:
            return inherited
        return _Config(base, inherited.patterns if inherited is not None else ())
    root = base or path.parent.resolve()  # paths without baseUrl are relative to the file
    patterns: list[tuple[str, str | None, tuple[Path, ...]]] = []
    for pattern, targets in paths.items():
        if not isinstance(pattern, str) or not isinstance(targets, list) or pattern.count("*") > 1:
            continue
        prefix, star, rest = pattern.partition("*")
        suffix = rest if star else None
        patterns.append((prefix, suffix, tuple((root / target).resolve() for target in targets
                                               if isinstance(target, str))))
    # the longest prefix wins, as in TypeScript
    patterns.sort(key=lambda item: -len(item[0]))
    return _Config(base, tuple(patterns))


def _exists(candidate: Path) -> bool:
    return candidate.is_file() or any(
        candidate.with_name(candidate.name + suffix).is_file() for suffix in _SUFFIXES) or any(
        (candidate / f"index{suffix}").is_file() for suffix in _SUFFIXES)


def _relative(target: Path, importer: Path) -> str:
    """`./config/error.config` for a target beside the importer's folder: a relative
    specifier the call graph resolves like any other."""
    relative = posixpath.relpath(target.as_posix(), importer.resolve().parent.as_posix())
    return relative if relative.startswith(".") else f"./{relative}"
