"""Every command's published JSON Schema (docs/schemas/) holds for its real output, and the one
result serialiser writes the shapes the contract names."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import jsonschema
import numpy as np
import pytest
from report_results import demo, demo_snapshots, find_leaks_page, heapsight, hunt_with_stacks, watch

from heapsight.results import NOT_JSON, Result, json_key, to_json

SCHEMAS = Path(__file__).parent.parent / "docs" / "schemas"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def check(name: str, document: dict) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


def cli_json(*args: str, codes: tuple[int, ...] = (0,)) -> dict:
    done = heapsight(*args)
    assert done.returncode in codes, done.stderr
    return json.loads(done.stdout)


def test_every_published_schema_is_a_valid_schema() -> None:
    names = sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json"))
    assert names == ["check", "diff", "find-leaks", "history", "hunt", "inspect", "lint",
                     "summary", "watch"]
    for name in names:
        jsonschema.Draft202012Validator.check_schema(
            json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


@needs_node
def test_snapshot_commands_match_their_schemas() -> None:
    baseline, _, final = (str(p) for p in demo_snapshots())
    summary = cli_json("summary", final, "--json", "--top", "5")
    check("summary", summary)
    some_id = str(summary["largest"][0]["id"])
    check("inspect", cli_json("inspect", final, f"@{some_id}", "--json"))
    diff = cli_json("diff", baseline, final, "--json", "--class", "RequestEntry")
    check("diff", diff)
    assert diff["class"] == "RequestEntry" and diff["new_objects"]
    assert diff["total_delta"] == diff["total_after"] - diff["total_before"]
    leaks, _ = find_leaks_page()
    check("find-leaks", leaks)
    assert {leak["class"] for leak in leaks["leaks"]} >= {"RequestEntry", "CachedReport"}
    clean, _ = find_leaks_page(leaks=False)
    check("find-leaks", clean)
    assert clean["leaks"] == []


@needs_node
def test_hunt_matches_its_schema() -> None:
    document, _ = demo()
    check("hunt", document)
    assert len(document["leaks"]) >= 4
    with_stacks, _ = hunt_with_stacks()
    check("hunt", with_stacks)
    assert any(leak.get("allocation_stack") for leak in with_stacks["leaks"])


def test_watch_and_history_match_their_schemas() -> None:
    document, _, _ = watch()
    check("watch", document)
    listing = cli_json("history", "--json")
    check("history", listing)
    run = cli_json("history", str(document["run_id"]), "--json")
    check("history", run)
    assert run["result"]["verdict"] == document["verdict"] == "leak"


def test_lint_matches_its_schema() -> None:
    corpus = Path(__file__).parent / "corpus" / "lint"
    done = heapsight("lint", str(corpus), "--format", "json")
    check("lint", json.loads(done.stdout))


# -- the serialiser itself ---------------------------------------------------------------------

@dataclass
class _Step(Result):
    node: str
    ordinal: int = field(metadata=NOT_JSON)


@dataclass
class _Row(Result):
    kind: ClassVar[str] = "example"
    json_properties: ClassVar[tuple[str, ...]] = ("double",)
    class_name: str
    size: np.int64
    focus: str | None = field(default=None, metadata=json_key("class_focus"))
    path: list[_Step] = field(default_factory=list)
    where: Path | None = None

    @property
    def double(self) -> int:
        return int(self.size) * 2


def test_one_serialiser_for_every_result() -> None:
    row = _Row("Foo", np.int64(7), "Bar", [_Step("global", 3)], Path("/tmp/x"))
    body = row.to_json()
    assert body == {"class": "Foo", "size": 7, "class_focus": "Bar",
                    "path": [{"node": "global"}], "where": "/tmp/x", "double": 14}
    assert type(body["size"]) is int  # numpy numbers become plain JSON numbers
    assert json.loads(json.dumps(body)) == body
    assert to_json({"a": (np.float32(0.5), None)}) == {"a": [0.5, None]}
    with pytest.raises(TypeError, match="cannot serialise"):
        to_json(object())
