"""The result model: every command's result is a dataclass that serialises itself one way.

A result class derives from `Result` (or is any dataclass handed to `to_json`). Its JSON is its
fields in order, then the properties named in `json_properties`, each value serialised the same
way, recursively. Two conventions keep the published key names while fields keep Python names:

- a field named `class_name` is written as `"class"` (a Python keyword);
- `field(metadata=json_key("node"))` writes a field under another key, and
  `field(metadata=NOT_JSON)` leaves a field out (an engine ordinal, say).

Numbers from numpy become plain ints and floats, paths become strings. Each command's shape is
published as a JSON Schema in docs/schemas/ (checked against real output by the tests), and
`report/html.py` renders any result by its `kind`, so the text, JSON and HTML views agree.

New result types (supervise/, check/) plug in the same way: derive from `Result`, set `kind`,
add a schema, and call `heapsight.report.html.render_html(kind, document)` to write the page.
"""

from __future__ import annotations

import dataclasses
import numbers
import os
from collections.abc import Mapping
from typing import Any, ClassVar

NOT_JSON: Mapping[str, Any] = {"json": False}


def json_key(name: str) -> dict[str, Any]:
    """Field metadata: serialise this field under `name`."""
    return {"json_key": name}


def _key(field: dataclasses.Field[Any]) -> str:
    if "json_key" in field.metadata:
        return str(field.metadata["json_key"])
    return "class" if field.name == "class_name" else field.name


def to_json(value: Any) -> Any:
    """`value` as plain JSON data (dicts, lists, str, int, float, bool, None)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        body: dict[str, Any] = {}
        for field in dataclasses.fields(value):
            if field.metadata.get("json", True):
                body[_key(field)] = to_json(getattr(value, field.name))
        for name in getattr(type(value), "json_properties", ()):
            body[name] = to_json(getattr(value, name))
        return body
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "tolist"):  # a numpy array
        return to_json(value.tolist())
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


class Result:
    """Base of every result dataclass: `to_json()` is the one serialiser above.

    `kind` names the command whose result this is (the schema's name and what the HTML
    renderer dispatches on); `json_properties` lists computed values that are part of the JSON.
    """

    kind: ClassVar[str] = ""
    json_properties: ClassVar[tuple[str, ...]] = ()

    def to_json(self) -> dict[str, Any]:
        body = to_json(self)
        assert isinstance(body, dict)
        return body
