"""Sizes in the user's words, shared by analyses (headlines), renderers and options.

One rule everywhere: binary units (KiB, MiB, GiB = 1024^n), printed with their unit; an option
that takes a size requires a unit, and `512MB` is read as 512 MiB (as Node's
--max-old-space-size counts megabytes).
"""

from __future__ import annotations

import re

from heapsight.errors import UsageError

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)\s*$", re.IGNORECASE)


def human_bytes(size: float) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(size)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def signed_bytes(size: float) -> str:
    return ("+" if size > 0 else "") + human_bytes(size) if size else "0 B"


def parse_size(text: str, option: str) -> int:
    """'512MB', '512MiB' or '512M' -> 536870912; '16KiB' -> 16384. A unit is required."""
    match = _SIZE.match(text)
    if not match:
        raise UsageError(f"{option} expects a size with a unit such as 16KiB, 512MiB or 2GiB "
                         f"(MB, GB are read as MiB, GiB), not {text!r}")
    power = "bkmgt".index(match.group(2)[0].lower())
    return int(float(match.group(1)) * 1024 ** power)
