"""Strings from outside (a heap snapshot, a memory log, a linted file, a file name) made safe to
print on a terminal.

Heap strings are attacker-controlled: a query-string key becomes a property name, so a heap can
hold ESC sequences that retitle the terminal or clear the screen, and `[` that rich would read
as markup. Every text renderer passes such strings through `printable` (plain output) or `safe`
(rich markup) before printing them.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 controls, DEL and C1 controls (ESC, CSI, OSC...), and the bidirectional overrides that can
# make a line read differently from what it holds ("Trojan Source", CVE-2021-42574).
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F),
             *range(0x2066, 0x206A)]
_TABLE = {code: _NAMED.get(chr(code), f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
          for code in _CONTROLS}


def printable(text: object) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\n`, `\\u202e`)."""
    return str(text).translate(_TABLE)


def safe(text: object) -> str:
    """`printable(text)`, with rich markup escaped too: for strings inside a rich markup line."""
    from rich.markup import escape  # here, so that printing JSON never imports rich

    return escape(printable(text))
