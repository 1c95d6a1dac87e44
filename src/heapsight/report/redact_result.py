"""`--redact` for reports: strings that come from the heap are replaced before anything is shown.

What came from the heap in a result: string values on retainer paths (shown in quotes), edge
and property names, class names, holder names, and the headlines and advice that quote them.
String values become `"…(N chars)"`; names become stable pseudonyms (`name-3`, `Class-2`, the
same name always the same pseudonym in one report) so a chain still reads as a chain. Names
V8, JavaScript and Node.js give every heap (`Map`, `(closure)`, `context`, `_events`, element
indices...) are kept: they hold no secret and explain the pattern. Sizes, counts, categories,
ids and code locations (script names) are kept.
"""

from __future__ import annotations

import re
from typing import Any

STRING_TYPES = {"string", "concatenated string", "sliced string"}
_KEPT = {
    "Array", "Map", "Set", "WeakMap", "WeakSet", "Object", "Function", "Promise", "Error",
    "ArrayBuffer", "Buffer", "Uint8Array", "String", "Number", "Symbol", "Date", "RegExp",
    "EventEmitter", "Timeout", "Immediate", "TimersList", "Socket", "Server", "global",
    "globalThis", "Window", "context", "table", "elements", "properties", "map", "__proto__",
    "constructor", "prototype", "shared", "code", "feedback_cell", "_events", "_eventsCount",
    "_onTimeout", "_idleNext", "_idlePrev", "native", "backing_store", "this", "value", "key",
    "(GC roots)", "system / Context", "Context", "previous", "scope_info", "bound_function",
    "next", "anonymous", "(anonymous)",
}
_INDEX = re.compile(r"^\[?\d+\]?$")


class _Names:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.classes: dict[str, str] = {}

    def name(self, text: str | None) -> str | None:
        if text is None or _kept(text):
            return text
        return self.names.setdefault(text, f"name-{len(self.names) + 1}")

    def class_name(self, text: str | None) -> str | None:
        if text is None or _kept(text):
            return text
        if text.endswith("()"):  # a closure's function name
            return f"{self.name(text[:-2])}()"
        if text.endswith(" closure"):
            return f"{self.name(text[:-8])} closure"
        return self.classes.setdefault(text, f"Class-{len(self.classes) + 1}")

    def replace_in(self, text: str) -> str:
        """Every redacted name quoted in free text (headlines, advice), longest first."""
        pairs = sorted([*self.names.items(), *self.classes.items()], key=lambda p: -len(p[0]))
        for original, pseudonym in pairs:
            text = re.sub(rf"(?<![\w$-]){re.escape(original)}(?![\w$-])", pseudonym, text)
        return text


def _kept(text: str) -> bool:
    return (text in _KEPT or text.startswith("(") or _INDEX.match(text) is not None
            or text.startswith("system / "))


def _step(step: dict[str, Any], names: _Names) -> dict[str, Any]:
    step = dict(step)
    if step.get("type") in STRING_TYPES:
        node = str(step.get("node", ""))
        step["node"] = f'"…({max(len(node) - 2, 0)} chars)"'
    else:
        step["node"] = names.class_name(step.get("node"))
    step["edge"] = names.name(step.get("edge"))
    return step


def redact_document(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of a result document with its heap strings replaced (see the module doc)."""
    names = _Names()
    redacted = dict(document)
    leaks = []
    for leak in document.get("leaks") or []:
        leak = dict(leak)
        leak["class"] = names.class_name(leak.get("class"))
        leak["holder"] = names.name(leak.get("holder"))
        for key in ("retainer_path", "holder_path"):
            leak[key] = [_step(s, names) for s in leak.get(key) or []]
        leaks.append(leak)
    for leak in leaks:  # after every name is known
        if isinstance(leak.get("advice"), str):
            leak["advice"] = names.replace_in(leak["advice"])
        headline = leak.get("headline")
        if isinstance(headline, str):  # "<category>: ...": the category is no heap string
            category, sep, rest = headline.partition(": ")
            leak["headline"] = category + sep + names.replace_in(rest) if sep else \
                names.replace_in(headline)
    if "leaks" in document:
        redacted["leaks"] = leaks
    for key in ("growing_classes", "classes"):
        if isinstance(document.get(key), list):
            redacted[key] = [{**row, "class": names.class_name(row.get("class"))}
                             if isinstance(row, dict) else row for row in document[key]]
    if isinstance(document.get("largest"), list):
        redacted["largest"] = [{**row, "class": names.class_name(row.get("class")),
                                "retainer_path": [_step(s, names)
                                                  for s in row.get("retainer_path") or []]}
                               for row in document["largest"]]
    return redacted
