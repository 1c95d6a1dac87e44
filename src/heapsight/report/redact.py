"""`heapsight redact`: a copy of a heap snapshot that can leave the machine.

String VALUES are replaced by placeholders of the same length (so sizes and shapes stay right);
class names, property and variable names, function and script names and every number are kept,
so the copy opens in DevTools and gives the same summary and find-leaks result.

Which strings are values is decided from the graph, not guessed from their text: a string is a
value when it is the name of a string node (`string`, `concatenated string`, `sliced string`:
V8 writes a string's content as its node's name). It is kept when it names anything else: an
object's or native's class, a closure, code, an edge (property, variable, internal names), a
script (the `name` of V8's `system / Script` objects) or a function in the allocation traces.
A string that is both is kept: V8 keeps every property name as an internalized string object
too, so "also a value" is true of nearly every name. With `keep_names=False` property and
variable (edge) names are replaced as well, keeping only class, function and script names: safer
when keys may be secrets (a token as a computed property name), but holders and paths then read
as placeholders and find-leaks can no longer name some patterns. Strings nothing refers to are
replaced.

Two passes, both streamed: the engine's reader reads the columns it needs (never the file as
one JSON value), then the file is copied in blocks, only the `strings` array rewritten entry by
entry. The copy is written atomically and private (0600).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from heapsight.errors import SnapshotFormatError
from heapsight.fileio import atomic_writer
from heapsight.snapshot.format import INDEX_EDGE_TYPES
from heapsight.snapshot.reader import read_columns

STRING_NODE_TYPES = ("string", "concatenated string", "sliced string")
SCRIPT_NAME_EDGES = ("name", "source_url", "source_mapping_url")
TRACE_FUNCTION_FIELDS = ("function_id", "name", "script_name", "script_id", "line", "column")
BLOCK = 4 << 20
Progress = Callable[[int, int], None]


@dataclass
class RedactionResult:
    source: str
    output: str
    strings: int        # entries in the strings table
    redacted: int       # entries replaced
    kept_names: int     # entries kept because they name something


def placeholder(length: int) -> str:
    """Same length, recognisably redacted, unlikely to equal a kept name."""
    if length <= 0:
        return ""
    return "#" + "x" * (length - 1)


def redaction_mask(path: str | os.PathLike[str], keep_names: bool = True,
                   progress: Progress | None = None) -> tuple[np.ndarray, int]:
    """A boolean per string-table entry: True to replace it. Also how many entries name
    something (kept)."""
    columns = read_columns(path, progress)
    meta, nodes, edges = columns.meta, columns.nodes, columns.edges
    count = len(columns.strings)
    node_type, node_name = nodes["type"], nodes["name"]
    string_types = [meta.node_type(t) for t in STRING_NODE_TYPES if meta.node_type(t) >= 0]
    is_string_node = np.isin(node_type, string_types)

    class_names = np.zeros(count, bool)
    class_names[node_name[~is_string_node]] = True

    index_types = [meta.edge_type(t) for t in INDEX_EDGE_TYPES if meta.edge_type(t) >= 0]
    named_edge = ~np.isin(edges["type"], index_types)
    edge_names = np.zeros(count, bool)
    edge_names[edges["name_or_index"][named_edge]] = True

    # Script names are string nodes too: keep the ones a `system / Script` object names.
    script_names = np.zeros(count, bool)
    sources = np.repeat(np.arange(len(node_type), dtype=np.int64),
                        nodes["edge_count"].astype(np.int64))
    wanted_edges = {columns.strings.index_of(name) for name in SCRIPT_NAME_EDGES} - {-1}
    script_class = {columns.strings.index_of(name) for name in
                    ("system / Script", "Script")} - {-1}
    if wanted_edges and script_class:
        from_script = np.isin(node_name[sources], list(script_class))
        by_name = named_edge & np.isin(edges["name_or_index"], list(wanted_edges))
        targets = edges["to_node"][from_script & by_name]
        targets = targets[is_string_node[targets]]
        script_names[node_name[targets]] = True
    del sources

    trace = columns.extras.get("trace_function_infos")
    trace_fields = list(meta.raw.get("trace_function_info_fields") or TRACE_FUNCTION_FIELDS)
    if trace is not None and len(trace) and len(trace) % len(trace_fields) == 0:
        rows = trace.reshape(-1, len(trace_fields))
        for name in ("name", "script_name"):
            if name in trace_fields:
                column = rows[:, trace_fields.index(name)]
                class_names[column[column < count]] = True

    kept = class_names | script_names
    if keep_names:
        kept |= edge_names
    return ~kept, int(kept.sum())


def redact_snapshot(source: str | os.PathLike[str], output: str | os.PathLike[str],
                    keep_names: bool = True, force: bool = False,
                    progress: Progress | None = None) -> RedactionResult:
    """Write the redacted copy of `source` (plain or .gz) to `output` (plain JSON)."""
    source, output = Path(source), Path(output)
    replace, kept = redaction_mask(source, keep_names, progress)
    with _open(source) as reader, atomic_writer(output, force=force) as writer:
        _Copier(reader, writer, replace, source).run()
    return RedactionResult(str(source), str(output), len(replace), int(replace.sum()), kept)


def _open(path: Path) -> BinaryIO:
    raw = open(path, "rb")  # noqa: SIM115 - returned to a with block
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


class _Copier:
    """Copies the snapshot's bytes, tracking only quotes and brackets: outside strings the
    numeric arrays pass through in blocks; each string at depth 2 under the top-level
    `strings` key is replaced or copied by its index."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO, replace: np.ndarray, path: Path):
        self.reader, self.writer, self.replace, self.path = reader, writer, replace, path
        self.buf = b""
        self.pos = 0
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        block = self.reader.read(BLOCK)
        if not block:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + block
        self.pos = 0
        return True

    def run(self) -> None:
        depth = 0
        key: str | None = None
        last_string: bytes | None = None  # a string just read at depth 1 (a key if ':' follows)
        index = 0
        while True:
            quote = self.buf.find(b'"', self.pos)
            if quote < 0:
                text = self.buf[self.pos:]
                depth += _depth_change(text)
                if last_string is not None and text.strip().startswith(b":"):
                    key, last_string = last_string.decode("utf-8", "replace"), None
                self.writer.write(text)
                self.pos = len(self.buf)
                if not self._more():
                    break
                continue
            text = self.buf[self.pos:quote]
            depth += _depth_change(text)
            if last_string is not None and text.strip():
                if text.strip().startswith(b":"):
                    key = last_string.decode("utf-8", "replace")
                last_string = None
            self.writer.write(text)
            raw = self._string(quote)  # the string's bytes between its quotes
            if depth == 1:
                last_string = raw
                self.writer.write(b'"' + raw + b'"')
            elif depth == 2 and key == "strings":
                if index < len(self.replace) and self.replace[index]:
                    text_value = json.loads(b'"' + raw + b'"')
                    self.writer.write(json.dumps(placeholder(len(text_value))).encode())
                else:
                    self.writer.write(b'"' + raw + b'"')
                index += 1
            else:
                self.writer.write(b'"' + raw + b'"')
        if depth != 0:
            raise SnapshotFormatError(f"{self.path}: truncated heap snapshot (unbalanced "
                                      "brackets at the end)")
        if index != len(self.replace):
            raise SnapshotFormatError(f"{self.path}: the strings array changed while copying "
                                      f"({index} strings, {len(self.replace)} expected)")

    def _string(self, quote: int) -> bytes:
        """Consume a JSON string starting at the quote at `quote`; return its inner bytes."""
        start = quote + 1
        search = start
        while True:
            end = self.buf.find(b'"', search)
            if end < 0:
                offset = start - self.pos
                search_offset = len(self.buf) - self.pos
                if not self._more():
                    raise SnapshotFormatError(f"{self.path}: truncated heap snapshot (the file "
                                              "ends inside a string)")
                start, search = offset, search_offset
                continue
            backslashes = 0
            while end - 1 - backslashes >= start and self.buf[end - 1 - backslashes] == 0x5C:
                backslashes += 1
            if backslashes % 2 == 0:
                raw = self.buf[start:end]
                self.pos = end + 1
                return raw
            search = end + 1


def _depth_change(text: bytes) -> int:
    return (text.count(b"[") + text.count(b"{")) - (text.count(b"]") + text.count(b"}"))
