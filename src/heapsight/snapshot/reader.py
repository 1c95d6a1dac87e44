"""File (or .gz) -> columns. The JSON is never loaded whole: numeric arrays are parsed by a
compiled loop straight into numpy columns, strings are kept as raw bytes plus offsets, and only
the small `snapshot` header goes through a JSON parser. Memory stays at the size of the columns
plus one read buffer.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import mmap
import os
import signal
import stat as stat_module
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from heapsight.errors import SnapshotFormatError
from heapsight.snapshot import _kernels as k
from heapsight.snapshot.format import INDEX_EDGE_TYPES, SnapshotMeta, parse_meta
from heapsight.snapshot.strings import StringTable

READ_SIZE = 8 << 20          # bytes read from the file at a time
BATCH_ROWS = 1 << 16         # rows parsed before they are scattered into columns
Progress = Callable[[int, int], None]  # (bytes read so far, file size)

# dtype of each column we keep; fields not listed are read and dropped.
NODE_COLUMNS: dict[str, type] = {"type": np.uint8, "name": np.uint32, "id": np.uint32,
                                 "self_size": np.uint32, "edge_count": np.uint32,
                                 "trace_node_id": np.uint32, "detachedness": np.uint8}
# Read when no fields are named: detachedness is a browser DOM notion no analysis reads.
DEFAULT_NODE_FIELDS = tuple(f for f in NODE_COLUMNS if f != "detachedness")
# Columns read narrow and widened to this type when a value does not fit (self sizes: an
# object of 4 GiB or more), so that the common case never holds an int64 column.
WIDER = {"self_size": np.int64}
# Columns made only once a value other than 0 comes: V8 writes trace_node_id 0 for every node
# unless it tracked allocations. Left out of a default read when all 0.
SPARSE = ("trace_node_id",)
EDGE_COLUMNS: dict[str, type] = {"type": np.uint8, "name_or_index": np.uint32,
                                 "to_node": np.int32}
V8_EDGE_FIELDS = ("type", "name_or_index", "to_node")  # parsed by parse_edges; others by numpy


@dataclass
class SnapshotColumns:
    """What a heap snapshot file holds, as flat arrays (one per field)."""
    source: str
    meta: SnapshotMeta
    nodes: dict[str, np.ndarray]
    edges: dict[str, np.ndarray]
    strings: StringTable
    file_size: int
    extras: dict[str, np.ndarray] = field(default_factory=dict)  # locations, samples, ...
    trace_tree: bytes = b""


class _Input:
    """A read window over a plain or gzip file, with a cursor. A plain file is mapped and the
    window moves over the mapping, so no byte is copied; the pages behind the cursor are
    handed back as it goes, so the file never counts whole in this process's memory. A gzip
    file or a stream is read into a buffer instead."""

    def __init__(self, path: Path, start: int = 0):
        self.path = path
        self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        stat = os.fstat(self.raw.fileno())
        self.size = stat.st_size  # 0 for a pipe or /dev/stdin
        # peek, not read + seek: streams (`<(zcat x.gz)`, /dev/stdin) cannot seek back
        self.gzipped = self.raw.peek(2)[:2] == b"\x1f\x8b"
        self.pos = 0
        self.end = 0
        self.eof = False
        self.consumed = 0  # bytes read (after gunzip): the size of a stream, known at its end
        self.progress: Progress | None = None
        self.mapped: mmap.mmap | None = None
        if not self.gzipped and self.size and stat_is_regular(stat.st_mode):
            with contextlib.suppress(OSError, ValueError):
                # copy-on-write (never written): the kernels take writable arrays
                self.mapped = mmap.mmap(self.raw.fileno(), 0, access=mmap.ACCESS_COPY)
        if self.mapped is not None:
            self.store: bytearray | mmap.mmap = self.mapped
            self.buf = np.frombuffer(self.mapped, np.uint8)
            self.pos = self.end = start
            self.released = start - start % mmap.PAGESIZE  # madvise takes whole pages
            self.file: io.BufferedIOBase = self.raw
            return
        if start:
            self.raw.seek(start)
        self.file = gzip.GzipFile(fileobj=self.raw) if self.gzipped else self.raw
        self.store = bytearray(READ_SIZE)
        self.buf = np.frombuffer(self.store, np.uint8)

    def close(self) -> None:
        self.buf = None  # type: ignore[assignment]
        if self.mapped is not None:
            with contextlib.suppress(BufferError):  # an array still viewing it: left to GC
                self.mapped.close()
        if self.file is not self.raw:
            self.file.close()
        self.raw.close()

    def offset(self) -> int:
        return self.end if self.mapped is not None else self.raw.tell()

    def cursor_offset(self) -> int:
        """The file offset of the cursor (plain files only)."""
        if self.mapped is not None:
            return self.pos
        return self.raw.tell() - (self.end - self.pos)

    def fill(self) -> bool:
        """Keep the unread bytes, read more after them. False at end of file."""
        if self.mapped is not None:
            return self._slide()
        store = self.store
        assert isinstance(store, bytearray)
        keep = self.end - self.pos
        if keep and self.pos:
            self.buf[:keep] = self.buf[self.pos:self.end]
        self.pos, self.end = 0, keep
        if keep == len(store):  # one token larger than the buffer: grow it
            self.buf = None  # type: ignore[assignment]
            store.extend(bytes(len(store)))
            self.buf = np.frombuffer(store, np.uint8)
        try:
            count = self.file.readinto(memoryview(store)[self.end:])
        except EOFError:  # gzip: the compressed stream stops early
            raise SnapshotFormatError(
                f"{self.path}: cannot read (a truncated or damaged gzip file: it ends before "
                "its end-of-stream marker); was it copied completely?") from None
        except (OSError, zlib.error) as exc:
            raise SnapshotFormatError(f"{self.path}: cannot read ({exc})") from None
        if not count:
            self.eof = True
            return False
        self.end += count
        self.consumed += count
        if self.progress is not None:
            self.progress(self.offset(), self.size)
        return True

    def _slide(self) -> bool:
        """The mapped window: move its end READ_SIZE further, and give back the pages the
        cursor has left (they stay in the page cache; only this process lets go of them)."""
        if self.end >= self.size:
            self.eof = True
            return False
        self._release(READ_SIZE)
        self.end = min(self.size, self.end + READ_SIZE)
        self.consumed = self.end
        self.eof = self.end >= self.size
        if self.progress is not None:
            self.progress(self.offset(), self.size)
        return True

    def _release(self, at_least: int) -> None:
        """Give back the mapped pages behind the cursor, once there are at_least bytes of them."""
        assert self.mapped is not None
        behind = self.pos - self.pos % mmap.PAGESIZE
        if behind - self.released >= at_least:
            with contextlib.suppress(OSError, ValueError):
                self.mapped.madvise(mmap.MADV_DONTNEED, self.released, behind - self.released)
            self.released = behind

    def jump_to_next_key(self, key: bytes) -> bool:
        """Move the cursor to just past the last ']' before the last `key` of the mapped file,
        searching back from the file's end, so that the bytes in between are never read here
        (the edges array, which a child parses: the child checks where it ends). False, the
        cursor unchanged, when not mapped or the key is not there."""
        if self.mapped is None:
            return False
        found = self.mapped.rfind(key, self.pos)
        close = self.mapped.rfind(b"]", self.pos, found) if found >= 0 else -1
        if close < 0:
            return False
        self.pos = self.end = close + 1
        self.released = self.pos - self.pos % mmap.PAGESIZE
        self.consumed = self.end
        return True

    def jump_past(self, byte: bytes) -> bool:
        """Move the cursor just past the next `byte` by searching the mapped file instead of
        reading it through the buffer (plain files only). False if the file has no such byte
        after the cursor; the cursor is then where it was."""
        at = self.cursor_offset()
        if self.mapped is not None:
            found = self.mapped.find(byte, at)
            if found < 0:
                return False
            self.pos = self.end = found + 1
            self.consumed = self.end
            self._release(1)  # the search read the pages it passed
            return True
        with mmap.mmap(self.raw.fileno(), 0, access=mmap.ACCESS_READ) as view:
            found = view.find(byte, at)
        if found < 0:
            return False
        self.raw.seek(found + 1)
        self.pos = self.end = 0
        self.consumed += found + 1 - at
        return True

    def peek(self) -> int:
        """The next byte that is not white space, or -1 at end of file."""
        while True:
            while self.pos < self.end:
                c = self.store[self.pos]
                if c not in b" \t\r\n":
                    return c
                self.pos += 1
            if not self.fill():
                return -1

    def expect(self, char: bytes, context: str) -> None:
        c = self.peek()
        if c != char[0]:
            found = "end of file" if c < 0 else repr(chr(c))
            raise SnapshotFormatError(
                f"{self.path}: not a V8 heap snapshot (expected {char.decode()!r} {context}, "
                f"found {found})") if c >= 0 else _truncated(self.path, context)
        self.pos += 1

    def key(self) -> str:
        self.expect(b'"', "before a key")
        while True:
            end = self.store.find(b'"', self.pos, self.end)
            if end >= 0:
                text = self.store[self.pos:end].decode("utf-8", "replace")
                self.pos = end + 1
                return text
            if not self.fill():
                raise _truncated(self.path, "a key")


class _EdgesInChild:
    """Parse the edges array in a forked child while this process parses the rest: the two
    biggest arrays then take the time of one on a machine with two cores. The child writes
    straight into shared memory that becomes the edge columns. Plain files only: the array
    is found by a byte search (the nodes array holds no quote, so the first quote after it
    opens the next key)."""

    MIN_FILE_SIZE = 32 << 20

    def __init__(self, pid: int, pipe: int, columns: dict[str, np.ndarray]):
        self.pid, self.pipe, self.columns = pid, pipe, columns

    @classmethod
    def start(cls, source: _Input, path: Path, meta: SnapshotMeta) -> _EdgesInChild | None:
        if source.gzipped or source.size < cls.MIN_FILE_SIZE or not hasattr(os, "fork"):
            return None
        if source.mapped is None:
            return None
        # searched in the reader's own mapping, not one of its own: the pages of the nodes
        # array it passes are then mapped once, for the parse that follows
        view = source.mapped
        quote = view.find(b'"', source.cursor_offset())
        if quote < 0 or view[quote:quote + 8] != b'"edges":':
            return None
        bracket = view.find(b"[", quote)
        count = meta.edge_count or 0
        shared = mmap.mmap(-1, max(count * 9, 1))  # MAP_SHARED: the child's writes are ours
        columns: dict[str, np.ndarray] = {
            "to_node": np.frombuffer(shared, np.int32, count, 0),
            "name_or_index": np.frombuffer(shared, np.uint32, count, 4 * count),
            "type": np.frombuffer(shared, np.uint8, count, 8 * count)}
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: parse, report, leave without running any exit handler
            message = b""
            try:
                os.close(read_end)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                child = _Input(path, start=bracket)
                _read_rows(child, path, "edges", meta.edge_fields, EDGE_COLUMNS, count, meta,
                           columns)
                message = b"ok %d" % child.cursor_offset()  # where the array ended
            except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
                message = (str(exc) or type(exc).__name__).encode("utf-8", "replace")
            finally:
                with contextlib.suppress(OSError):
                    os.write(write_end, message)
                os._exit(0)
        os.close(write_end)
        return cls(pid, read_end, columns)

    def result(self, jumped_to: int | None = None) -> dict[str, np.ndarray]:
        """The edge columns, once the child is done. jumped_to: where the parent took the
        array to end (just past its ']'), checked against where the child found it."""
        with os.fdopen(self.pipe, "rb") as pipe:
            message = pipe.read()
        os.waitpid(self.pid, 0)
        self.pid = 0
        if not message.startswith(b"ok "):
            raise SnapshotFormatError(message.decode("utf-8", "replace") or
                                      "the edges reader stopped unexpectedly")
        if jumped_to is not None and int(message[3:]) != jumped_to:
            raise _JumpedWrong
        return self.columns

    def cancel(self) -> None:
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            with contextlib.suppress(OSError):
                os.close(self.pipe)
            self.pid = 0


# The key V8 writes right after the edges array (HeapSnapshotJSONSerializer). It cannot occur
# inside a JSON string unescaped, so its last occurrence is the key itself.
_AFTER_EDGES = b'"trace_function_infos":'


def stat_is_regular(mode: int) -> bool:
    return stat_module.S_ISREG(mode)


def _truncated(path: Path, where: str) -> SnapshotFormatError:
    return SnapshotFormatError(
        f"{path}: truncated heap snapshot (the file ends inside {where}); "
        "was it copied or written completely?")


def read_columns(path: str | os.PathLike[str], progress: Progress | None = None,
                 node_fields: tuple[str, ...] | None = None,
                 with_edges: bool = True) -> SnapshotColumns:
    """Read a .heapsnapshot (or .heapsnapshot.gz) into columns, validating as it goes.

    node_fields limits the node columns kept, and with_edges=False skips the edges array
    (a light read for snapshots that only need ids and classes)."""
    path = Path(path)
    if not path.exists():
        raise SnapshotFormatError(f"{path}: no such file")
    if path.is_dir():
        raise SnapshotFormatError(f"{path}: is a folder, not a heap snapshot file")
    try:
        source = _Input(path)
    except OSError as exc:
        raise SnapshotFormatError(f"{path}: cannot open ({exc.strerror or exc})") from None
    source.progress = progress
    try:
        return _read(source, path, node_fields, with_edges)
    except _JumpedWrong:  # something else lies between the edges and the next key: read it
        source.close()
        source = _Input(path)
        source.progress = progress
        return _read(source, path, node_fields, with_edges, jump=False)
    finally:
        source.close()



class _JumpedWrong(Exception):
    """The edges array did not end where the jump to the next key put it."""


def _read(source: _Input, path: Path, keep_fields: tuple[str, ...] | None,
          with_edges: bool, jump: bool = True) -> SnapshotColumns:
    if source.peek() != ord("{"):
        raise SnapshotFormatError(f"{path}: not a V8 heap snapshot (it is not a JSON object)"
                                  if source.peek() >= 0 else f"{path}: the file is empty")
    source.pos += 1
    meta: SnapshotMeta | None = None
    nodes: dict[str, np.ndarray] | None = None
    edges: dict[str, np.ndarray] | None = None
    strings: StringTable | None = None
    extras: dict[str, np.ndarray] = {}
    trace_tree = b""
    in_child: _EdgesInChild | None = None
    jumped_to: int | None = None
    try:
        while True:
            c = source.peek()
            if c == ord("}"):
                break
            if c == ord(","):
                source.pos += 1
                continue
            if c < 0:
                raise _truncated(path, "the top-level object")
            name = source.key()
            source.expect(b":", f"after {name!r}")
            if name == "snapshot":
                try:
                    header = json.loads(_raw_value(source, path, "snapshot"))
                except ValueError:
                    raise SnapshotFormatError(
                        f"{path}: snapshot header is not valid JSON") from None
                meta = parse_meta(header, str(path))
                if meta.node_count is None or meta.edge_count is None:
                    raise SnapshotFormatError(
                        f"{path}: snapshot header lacks node_count/edge_count")
                _check_counts(path, meta, source)
            elif name in ("nodes", "edges"):
                if meta is None:
                    raise SnapshotFormatError(
                        f"{path}: {name!r} comes before the snapshot header")
                if name == "nodes":
                    if with_edges:
                        source.peek()
                        in_child = _EdgesInChild.start(source, path, meta)
                    wanted = {f: NODE_COLUMNS[f] for f in (keep_fields or DEFAULT_NODE_FIELDS)
                              if f in meta.node_fields}
                    wanted.setdefault("edge_count", np.uint32)
                    nodes = _read_rows(source, path, "nodes", meta.node_fields, wanted,
                                       meta.node_count or 0, meta,
                                       sparse_kept=keep_fields is not None)
                elif with_edges and in_child is None:
                    edges = _read_rows(source, path, "edges", meta.edge_fields, EDGE_COLUMNS,
                                       meta.edge_count or 0, meta)
                elif in_child is not None and jump and source.jump_to_next_key(_AFTER_EDGES):
                    jumped_to = source.cursor_offset()  # the child says where it ended
                elif in_child is not None and source.jump_past(b"]"):
                    pass  # the child parses and counts them; the array holds no other ']'
                else:  # light read, or the child parses them
                    values = _skip_numbers(source, path, name)
                    if not with_edges and values != (meta.edge_count or 0) * meta.edge_field_count:
                        raise SnapshotFormatError(
                            f"{path}: the 'edges' array holds {values:,} values but the header "
                            f"announces {meta.edge_count:,} edges of {meta.edge_field_count} "
                            "fields (corrupt snapshot)")
                    if in_child is None:
                        edges = {f: np.empty(0, t) for f, t in EDGE_COLUMNS.items()}
            elif name in ("trace_function_infos", "samples", "locations"):
                extras[name] = _read_flat(source, path, name)
            elif name == "trace_tree":
                trace_tree = _raw_value(source, path, name)
            elif name == "strings":
                strings = _read_strings(source, path)
            else:
                _raw_value(source, path, name, keep=False)
        if in_child is not None:
            edges = in_child.result(jumped_to)
    finally:
        if in_child is not None:
            in_child.cancel()
    missing = [n for n, v in (("snapshot", meta), ("nodes", nodes), ("edges", edges),
                              ("strings", strings)) if v is None]
    if missing:
        raise SnapshotFormatError(f"{path}: not a V8 heap snapshot (no {', '.join(missing)})")
    assert meta is not None and nodes is not None and edges is not None and strings is not None
    _validate(path, meta, nodes, edges if with_edges else None, strings)
    return SnapshotColumns(str(path), meta, nodes, edges, strings, source.size or source.consumed,
                           extras, trace_tree)


# The fewest bytes one number takes in the file ("0,"); a gzip stream expands at most ~1032x.
_MIN_BYTES_PER_VALUE = 2
_GZIP_MAX_RATIO = 1032


def _check_counts(path: Path, meta: SnapshotMeta, source: _Input) -> None:
    """Refuse header counts the file cannot hold when the columns for them would not fit in
    memory either (a corrupt count of 10^12 nodes is a corrupt file, not a machine short of
    memory); a merely truncated file is read on, to say where it ends."""
    if meta.node_count == 0:
        raise SnapshotFormatError(f"{path}: the header announces 0 nodes; a V8 heap snapshot "
                                  "always holds at least its root (corrupt snapshot)")
    if not source.size:
        return  # a stream: its length is unknown
    room = source.size * (_GZIP_MAX_RATIO if source.gzipped else 1) // _MIN_BYTES_PER_VALUE
    need = 0
    too_many = []
    for name, count, width, row_bytes in (
            ("nodes", meta.node_count or 0, meta.node_field_count, 30),
            ("edges", meta.edge_count or 0, meta.edge_field_count, 9)):
        need += count * row_bytes
        if count * width > room:
            too_many.append(f"{count:,} {name}")
    if too_many and need > _available_memory() // 2:
        raise SnapshotFormatError(
            f"{path}: the header announces {' and '.join(too_many)}, more than a file of "
            f"{source.size:,} bytes can hold: the header is corrupt or the file truncated")


def _available_memory() -> int:
    import psutil

    return int(psutil.virtual_memory().available)


def _raw_value(source: _Input, path: Path, name: str, keep: bool = True) -> bytes:
    """The bytes of one JSON value (used for the small header and unknown sections)."""
    state = np.zeros(4, np.int64)
    parts: list[bytes] = []
    source.peek()
    while True:
        start = source.pos
        pos, done = k.skip_value(source.buf, source.pos, source.end, state)
        if keep:
            parts.append(bytes(source.store[start:pos]))
        source.pos = pos
        if done:
            return b"".join(parts)
        if not source.fill():
            raise _truncated(path, f"the {name!r} section")


def _read_rows(source: _Input, path: Path, name: str, fields: tuple[str, ...],
               wanted: dict[str, type], expected_rows: int, meta: SnapshotMeta,
               columns: dict[str, np.ndarray] | None = None,
               sparse_kept: bool = True) -> dict[str, np.ndarray]:
    """Parse a numeric array of rows into typed columns. A SPARSE column is made only once a
    value other than 0 comes (else it is all zeros: left out unless sparse_kept); a column of
    WIDER is widened when a value does not fit."""
    width = len(fields)
    sparse = [f for f in SPARSE if f in wanted and columns is None]
    if columns is None:
        columns = {f: np.empty(expected_rows, dtype) for f, dtype in wanted.items()
                   if f not in sparse and f != "edge_count"}
        if "edge_count" in wanted:  # after a 0, so the edge index is built in its place
            counts = np.empty(expected_rows + 1, np.uint32)
            counts[0] = 0
            columns["edge_count"] = counts[1:]
    positions = {f: fields.index(f) for f in wanted}
    source.expect(b"[", f"at the start of {name!r}")
    if name == "edges" and fields == V8_EDGE_FIELDS and all(
            f in columns and columns[f].dtype == t for f, t in EDGE_COLUMNS.items()):
        _read_edge_rows(source, path, fields, columns, expected_rows, meta)
        return columns
    zeros = np.empty(BATCH_ROWS if sparse else 0, np.uint32)  # scratch for the sparse test
    staging = np.empty(BATCH_ROWS * width, np.int64)
    rows = 0
    count = 0
    node_width = meta.node_field_count
    node_limit = (meta.node_count or 0) * node_width

    def flush(count: int) -> int:
        nonlocal rows
        batch = count // width
        if rows + batch > expected_rows:
            raise SnapshotFormatError(
                f"{path}: the {name!r} array holds more than the {expected_rows:,} "
                f"{name} the header announces")
        for f in list(sparse):
            if k.scatter_column_u4(staging, batch, width, positions[f], 0, zeros, 0) >= 0:
                columns[f] = np.zeros(expected_rows, NODE_COLUMNS[f])  # rows so far: 0
                sparse.remove(f)
        if all(_scatter_or_widen(staging, batch, width, positions[f], columns, f, rows)
                for f in list(columns)):
            rows += batch
            return count - batch * width
        # the general path, which also names what is wrong in a batch the kernel refused
        table = staging[:batch * width].reshape(batch, width)
        for field_name, column in columns.items():
            values = table[:, positions[field_name]]
            if name == "edges" and field_name == "to_node":
                bad = (values % node_width != 0) | (values >= node_limit)
                if bad.any():
                    at = rows + int(np.argmax(bad))
                    raise SnapshotFormatError(
                        f"{path}: edge {at:,} points to offset {int(values[np.argmax(bad)]):,}, "
                        f"which is not a node (corrupt snapshot)")
                values = values // node_width
            elif column.dtype != np.int64 and values.size and \
                    int(values.max()) > np.iinfo(column.dtype).max:
                raise SnapshotFormatError(
                    f"{path}: {name} field {field_name!r} holds {int(values.max()):,}, "
                    "out of range (corrupt snapshot)")
            column[rows:rows + batch] = values
        rows += batch
        return count - batch * width

    while True:
        pos, count, status = k.parse_numbers(source.buf, source.pos, source.end, staging,
                                             count, source.eof)
        source.pos = pos
        if status == k.FULL:
            count = flush(count)
        elif status == k.CLOSED:
            if count % width:
                raise SnapshotFormatError(
                    f"{path}: the {name!r} array length is not a multiple of its "
                    f"{width} fields (corrupt snapshot)")
            flush(count)
            break
        elif status == k.BAD:
            raise SnapshotFormatError(
                f"{path}: unexpected {chr(source.store[pos])!r} in the {name!r} array "
                "(corrupt snapshot)")
        elif not source.fill():
            if source.pos < source.end:  # a last number cut by end of file
                continue
            raise SnapshotFormatError(
                f"{path}: truncated heap snapshot (the file ends inside the {name!r} array "
                f"after {rows + count // width:,} of {expected_rows:,} {name}); "
                "was it copied or written completely?")
    if rows != expected_rows:
        raise SnapshotFormatError(
            f"{path}: the {name!r} array holds {rows:,} {name} but the header announces "
            f"{expected_rows:,} (corrupt snapshot)")
    for f in sparse if sparse_kept else ():
        columns[f] = np.zeros(expected_rows, NODE_COLUMNS[f])  # untouched zero pages
    return columns


def _read_edge_rows(source: _Input, path: Path, fields: tuple[str, ...],
                    columns: dict[str, np.ndarray], expected_rows: int,
                    meta: SnapshotMeta) -> None:
    """The edges array, after its '[', in V8's layout (V8_EDGE_FIELDS), parsed row by row
    straight into its three columns (_kernels.parse_edges), with the same checks and
    messages as the general path."""
    node_width = meta.node_field_count
    node_limit = (meta.node_count or 0) * node_width
    at = {f: fields.index(f) for f in EDGE_COLUMNS}
    row = 0
    while True:
        pos, row, status = k.parse_edges(
            source.buf, source.pos, source.end, node_width, node_limit, columns["to_node"],
            columns["name_or_index"], columns["type"], row)
        source.pos = pos
        if status == k.CLOSED:
            break
        if status == k.NEED_MORE:
            if not source.fill():
                raise SnapshotFormatError(
                    f"{path}: truncated heap snapshot (the file ends inside the 'edges' array "
                    f"after {row:,} of {expected_rows:,} edges); "
                    "was it copied or written completely?")
        elif status == k.FULL:
            raise SnapshotFormatError(
                f"{path}: the 'edges' array holds more than the {expected_rows:,} "
                "edges the header announces")
        elif status == k.SHORT_ROW:
            raise SnapshotFormatError(
                f"{path}: the 'edges' array length is not a multiple of its "
                f"{len(fields)} fields (corrupt snapshot)")
        elif status == k.INVALID:
            values = np.empty(len(fields), np.int64)
            k.parse_numbers(source.buf, pos, source.end, values, 0, True)
            to = int(values[at["to_node"]])
            if to % node_width != 0 or to >= node_limit:
                raise SnapshotFormatError(
                    f"{path}: edge {row:,} points to offset {to:,}, which is not a node "
                    "(corrupt snapshot)")
            field = "type" if values[at["type"]] > 0xFF else "name_or_index"
            raise SnapshotFormatError(
                f"{path}: edges field {field!r} holds {int(values[at[field]]):,}, "
                "out of range (corrupt snapshot)")
        else:
            raise SnapshotFormatError(
                f"{path}: unexpected {chr(source.store[pos])!r} in the 'edges' array "
                "(corrupt snapshot)")
    if row != expected_rows:
        raise SnapshotFormatError(
            f"{path}: the 'edges' array holds {row:,} edges but the header announces "
            f"{expected_rows:,} (corrupt snapshot)")


_SCATTER = {np.dtype(np.uint8).char: "scatter_column_u1",
            np.dtype(np.uint32).char: "scatter_column_u4",
            np.dtype(np.int64).char: "scatter_column_i8"}  # the kernel for each column type


def _scatter_or_widen(staging: np.ndarray, rows: int, width: int, at: int,
                      columns: dict[str, np.ndarray], name: str, first_row: int) -> bool:
    """One field of a batch into its column by a kernel; a column of WIDER is widened (the
    rows before kept) when a value does not fit. False when a value stays out of range (the
    general path then names it)."""
    column = columns[name]
    if _SCATTER.get(column.dtype.char) is None:
        return False
    if _scatter(staging, rows, width, at, column, first_row) < 0:
        return True
    wider = WIDER.get(name)
    if wider is None or column.dtype == wider:
        return False
    columns[name] = column.astype(wider)
    return _scatter(staging, rows, width, at, columns[name], first_row) < 0


def _scatter(staging: np.ndarray, rows: int, width: int, at: int, column: np.ndarray,
             first_row: int) -> int:
    """One field of a batch into its column by a kernel: the first row out of the column's
    range, or -1."""
    limit = int(np.iinfo(column.dtype).max)
    scatter = getattr(k, _SCATTER[column.dtype.char])
    return int(scatter(staging, rows, width, at, limit, column, first_row))


def _skip_numbers(source: _Input, path: Path, name: str) -> int:
    """Pass over a numeric array without parsing it (it holds no ']' but its last); returns
    how many values it holds (its commas plus one), so the light read still checks its length."""
    source.expect(b"[", f"at the start of {name!r}")
    commas = 0
    empty = source.peek() == ord("]")
    while True:
        end = source.store.find(b"]", source.pos, source.end)
        if end >= 0:
            commas += _commas(source.buf[source.pos:end])
            source.pos = end + 1
            return 0 if empty else commas + 1
        commas += _commas(source.buf[source.pos:source.end])
        source.pos = source.end
        if not source.fill():
            raise _truncated(path, f"the {name!r} array")


def _commas(window: np.ndarray) -> int:
    return int(np.count_nonzero(window == ord(",")))


def _read_flat(source: _Input, path: Path, name: str) -> np.ndarray:
    if source.peek() != ord("["):
        _raw_value(source, path, name, keep=False)
        return np.empty(0, np.int64)
    source.pos += 1
    # Parsed through a small staging array into the int32 result (positions, ids: all fit),
    # made as large as the rest of a plain file could hold (each value takes 2 bytes or
    # more) and cut to size at the end: pages never written are never made, and cutting a
    # big array gives its tail back without a copy (realloc). A stream's result grows.
    staging = np.empty(1 << 16, np.int64)
    values = np.empty(max(source.size - source.pos, 0) // 2 + 1 if source.mapped is not None
                      else staging.shape[0], np.int32)
    total = count = 0
    while True:
        pos, count, status = k.parse_numbers(source.buf, source.pos, source.end, staging,
                                             count, source.eof)
        source.pos = pos
        if status in (k.FULL, k.CLOSED):
            if total + count > values.shape[0]:
                values.resize(2 * (total + count), refcheck=False)
            values[total:total + count] = staging[:count]
            total += count
            count = 0
            if status == k.CLOSED:
                values.resize(total, refcheck=False)
                return values
        elif status == k.BAD:
            raise SnapshotFormatError(f"{path}: unexpected byte in the {name!r} array")
        elif not source.fill() and source.pos >= source.end:
            raise _truncated(path, f"the {name!r} array")


def _read_strings(source: _Input, path: Path) -> StringTable:
    source.expect(b"[", "at the start of 'strings'")
    starts = np.empty(1 << 16, np.int64)
    lengths = np.empty(1 << 16, np.int64)
    count = 0
    state = np.zeros(2, np.int64)
    if source.mapped is not None:
        # scanned in the mapped file itself, then copied once: no window-sized copies, no
        # growing buffer
        first = scanned = source.pos
        while True:
            scanned, count, status = k.scan_strings(source.buf, scanned, source.size, starts,
                                                    lengths, count, state)
            if status != k.FULL:
                break
            starts = np.resize(starts, starts.shape[0] * 2)
            lengths = np.resize(lengths, lengths.shape[0] * 2)
        if status == k.BAD:
            raise SnapshotFormatError(f"{path}: unexpected byte in the 'strings' array")
        if status != k.CLOSED:
            raise _truncated(path, "the 'strings' array")
        with memoryview(source.mapped) as mapped:
            blob = bytearray(mapped[first:scanned])
        source.pos = source.end = source.consumed = scanned
        return StringTable(blob, starts[:count] - first, lengths[:count].astype(np.uint32))
    blob = bytearray()
    scanned = 0
    while True:
        blob += source.store[source.pos:source.end]
        source.pos = source.end
        view = np.frombuffer(blob, np.uint8)
        while True:
            scanned, count, status = k.scan_strings(view, scanned, len(blob), starts, lengths,
                                                    count, state)
            if status != k.FULL:
                break
            starts = np.resize(starts, starts.shape[0] * 2)
            lengths = np.resize(lengths, lengths.shape[0] * 2)
        del view
        if status == k.BAD:
            raise SnapshotFormatError(f"{path}: unexpected byte in the 'strings' array")
        if status == k.CLOSED:
            # what follows the array came in the last read: hand it back to the reader
            source.pos = source.end - (len(blob) - scanned)
            del blob[scanned:]
            return StringTable(blob, starts[:count].copy(), lengths[:count].astype(np.uint32))
        if not source.fill():
            raise _truncated(path, "the 'strings' array")


def _validate(path: Path, meta: SnapshotMeta, nodes: dict[str, np.ndarray],
              edges: dict[str, np.ndarray] | None, strings: StringTable) -> None:
    """Cross-check what the arrays say against each other and the type tables."""
    string_count = len(strings)
    if "name" in nodes and nodes["name"].size and int(nodes["name"].max()) >= string_count:
        raise SnapshotFormatError(f"{path}: a node name is not in the strings table")
    if nodes["type"].size and int(nodes["type"].max()) >= len(meta.node_types):
        raise SnapshotFormatError(f"{path}: a node has an unknown type (corrupt snapshot)")
    edge_total = int(nodes["edge_count"].sum(dtype=np.int64))
    if edge_total != meta.edge_count:  # checked by the light read too: it skips the edges
        raise SnapshotFormatError(
            f"{path}: nodes announce {edge_total:,} edges but the edges array holds "
            f"{meta.edge_count:,} (corrupt snapshot)")
    if edges is None:
        return
    named = np.ones(256, np.uint8)  # edge types whose name_or_index is a string index
    named[[t for t in (meta.edge_type(t) for t in INDEX_EDGE_TYPES) if t >= 0]] = 0
    bad = k.bad_edge(edges["type"], edges["name_or_index"], named, len(meta.edge_types),
                     string_count)
    if bad >= 0 and int(edges["type"][bad]) >= len(meta.edge_types):
        raise SnapshotFormatError(f"{path}: an edge has an unknown type (corrupt snapshot)")
    if bad >= 0:
        raise SnapshotFormatError(f"{path}: an edge name is not in the strings table")
