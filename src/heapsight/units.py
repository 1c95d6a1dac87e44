"""Sizes in the user's words, shared by analyses (headlines) and renderers."""

from __future__ import annotations


def human_bytes(size: float) -> str:
    """1536 -> '1.5 kB' (decimal units, as DevTools shows sizes)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def signed_bytes(size: float) -> str:
    return ("+" if size > 0 else "") + human_bytes(size) if size else "0 B"
