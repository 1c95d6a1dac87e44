"""The snapshot engine against references: naive counts from the JSON itself, and dominators
from networkx with the same essential-edge rules, on real snapshots written by node."""

from __future__ import annotations

import gzip
import json

import networkx as nx
import numpy as np
import pytest

from heapsight.snapshot import HeapSnapshot, graph

PROGRAM = """
class RequestEntry { constructor(i) { this.id = i; this.body = 'x'.repeat(50) + i; } }
class Link { constructor(next) { this.next = next; this.pad = [1, 2, 3]; } }
globalThis.requestLog = [];
for (let i = 0; i < 500; i++) requestLog.push(new RequestEntry(i));
let head = null;
for (let i = 0; i < 50; i++) head = new Link(head);
globalThis.chain = head;
const table = new WeakMap();
globalThis.key = {};
table.set(globalThis.key, { payload: new Array(200).fill(7) });
globalThis.table = table;
globalThis.weakOnly = new WeakRef({ lonely: new Array(100).fill(1) });
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from conftest import NODE, write_snapshot
    if NODE is None:
        pytest.skip("node is not installed")
    path = write_snapshot(tmp_path_factory.mktemp("engine"), PROGRAM)
    return path, HeapSnapshot.load(path)


def naive(path):
    with open(path) as handle:
        return json.load(handle)


def reference_dominators(snapshot: HeapSnapshot) -> dict[int, int]:
    essential = graph.essential_edges(snapshot.meta, snapshot.edge_type, snapshot.edge_name,
                                      snapshot.first_edge, snapshot.edge_to, snapshot.node_id,
                                      snapshot.strings)
    edge_from = np.repeat(np.arange(snapshot.node_count), np.diff(snapshot.first_edge))
    picked = np.flatnonzero(essential)
    g = nx.DiGraph()
    g.add_nodes_from(range(snapshot.node_count))
    g.add_edges_from(zip(edge_from[picked].tolist(), snapshot.edge_to[picked].tolist(),
                         strict=True))
    seen = nx.descendants(g, 0) | {0}
    for node in range(snapshot.node_count):  # unreachable nodes hang off the root, in order
        if node not in seen:
            g.add_edge(0, node)
            seen |= nx.descendants(g, node) | {node}
    return nx.immediate_dominators(g, 0)


def test_counts_match_the_json(sample):
    path, snapshot = sample
    data = naive(path)
    fields = data["snapshot"]["meta"]["node_fields"]
    width = len(fields)
    assert snapshot.node_count == len(data["nodes"]) // width == data["snapshot"]["node_count"]
    assert snapshot.edge_count == data["snapshot"]["edge_count"]
    names = data["nodes"][fields.index("name")::width]
    types = data["nodes"][fields.index("type")::width]
    object_type = data["snapshot"]["meta"]["node_types"][0].index("object")
    naive_count = sum(1 for t, n in zip(types, names, strict=True)
                      if t == object_type and data["strings"][n] == "RequestEntry")
    count, _, _ = snapshot.class_totals
    entry = snapshot.strings.index_of("RequestEntry")
    assert naive_count == 500 == count[entry]
    sizes = data["nodes"][fields.index("self_size")::width]
    assert snapshot.total_size == sum(sizes)
    assert [snapshot.strings[i] for i in range(0, len(data["strings"]), 97)] == \
        data["strings"][::97]


def test_dominators_equal_networkx(sample):
    _, snapshot = sample
    expected = reference_dominators(snapshot)
    wrong = [n for n in range(1, snapshot.node_count) if expected[n] != snapshot.dominator[n]]
    assert wrong == []


def test_retained_sizes_are_consistent(sample):
    _, snapshot = sample
    assert snapshot.retained_size[0] == snapshot.total_size
    assert (snapshot.retained_size >= snapshot.self_size).all()
    # retained size = self size + retained sizes of the dominated children
    children = np.zeros(snapshot.node_count, np.int64)
    np.add.at(children, snapshot.dominator[1:], snapshot.retained_size[1:])
    assert (snapshot.retained_size == snapshot.self_size + children).all()


def test_class_retained_size_counts_top_most_instances(sample):
    _, snapshot = sample
    count, _, retained = snapshot.class_totals
    link = snapshot.strings.index_of("Link")
    instances = np.flatnonzero(snapshot.class_id == link)
    assert count[link] == 50
    # the chain head dominates all other links: the class retains exactly what the head does
    assert retained[link] == snapshot.retained_size[instances].max()
    assert retained[link] < snapshot.retained_size[instances].sum()


def test_weakmap_value_is_dominated_by_its_key_not_the_table(sample):
    _, snapshot = sample
    payload_holder = next(o for o in range(snapshot.node_count)
                          for e in snapshot.edges_of(o) if e.name == "payload")
    dominator = int(snapshot.dominator[payload_holder])
    assert snapshot.class_name(dominator) != "(array)" or snapshot.type_name(dominator) != "array"


def test_retainer_path_runs_from_a_root_to_the_object(sample):
    _, snapshot = sample
    name = snapshot.strings.index_of("requestLog")
    edge = int(np.flatnonzero((snapshot.edge_name == name)
                              & (snapshot.edge_type == snapshot.meta.edge_type("property")))[0])
    log = int(snapshot.edge_to[edge])
    entry = snapshot.edges_of(log)[17].target
    path = snapshot.retainer_path(entry)
    assert path[0].node == 0 and path[-1].node == entry
    names = [s.edge.name for s in path[1:]]
    assert names[-2:] == ["requestLog", "[17]"]
    for before, after in zip(path, path[1:], strict=False):
        assert after.edge.source == before.node and after.edge.target == after.node


def rewrite(path, out, transform):
    data = naive(path)
    transform(data)
    out.write_text(json.dumps(data))
    return out


def test_six_node_fields_read_the_same(sample, tmp_path):
    path, snapshot = sample

    def drop_detachedness(data):
        meta = data["snapshot"]["meta"]
        fields = meta["node_fields"]
        at, width = fields.index("detachedness"), len(fields)
        data["nodes"] = [v for i, v in enumerate(data["nodes"]) if i % width != at]
        for e in range(data["snapshot"]["meta"]["edge_fields"].index("to_node"),
                       len(data["edges"]), len(meta["edge_fields"])):
            data["edges"][e] = data["edges"][e] // width * (width - 1)
        del fields[at]
        del meta["node_types"][at]

    six = HeapSnapshot.load(rewrite(path, tmp_path / "six.heapsnapshot", drop_detachedness))
    assert six.meta.node_field_count == 6
    assert (six.dominator == snapshot.dominator).all()
    assert (six.retained_size == snapshot.retained_size).all()


def test_gzip_reads_the_same(sample, tmp_path):
    path, snapshot = sample
    packed = tmp_path / "heap.heapsnapshot.gz"
    packed.write_bytes(gzip.compress(path.read_bytes(), compresslevel=1))
    again = HeapSnapshot.load(packed)
    assert again.node_count == snapshot.node_count
    assert (again.retained_size == snapshot.retained_size).all()


def test_empty_program(node_snapshot):
    snapshot = HeapSnapshot.load(node_snapshot(""))
    assert snapshot.node_count > 1000
    assert snapshot.retained_size[0] == snapshot.total_size


def test_empty_strings_table_and_minimal_graph(tmp_path):
    meta = {"node_fields": ["type", "name", "id", "self_size", "edge_count"],
            "node_types": [["synthetic", "object"], "string", "number", "number", "number"],
            "edge_fields": ["type", "name_or_index", "to_node"],
            "edge_types": [["element", "property", "weak"], "string_or_number", "node"]}
    doc = {"snapshot": {"meta": meta, "node_count": 4, "edge_count": 2},
           "nodes": [0, 0, 1, 0, 1, 1, 0, 3, 10, 1, 1, 0, 5, 7, 0, 1, 0, 7, 4, 0],
           "edges": [0, 1, 5, 0, 2, 10], "strings": [""]}
    # root -> a -> b, and c that nothing reaches; names are all the empty string
    path = tmp_path / "tiny.heapsnapshot"
    path.write_text(json.dumps(doc))
    snapshot = HeapSnapshot.load(path)
    assert list(snapshot.dominator) == [0, 0, 1, 0]  # unreachable c hangs off the root
    assert list(snapshot.retained_size) == [21, 17, 7, 4]
    assert list(snapshot.distance) == [0, 1, 2, -1]


def test_an_object_of_4_gib_or_more_keeps_exact_sizes(sample, tmp_path):
    """Self sizes are kept as uint32 unless one does not fit: then int64, same results."""
    path, snapshot = sample
    entry = snapshot.strings.index_of("RequestEntry")
    big = int(np.flatnonzero(snapshot.class_id == entry)[0])
    huge = 5 << 30

    def grow(data):
        fields = data["snapshot"]["meta"]["node_fields"]
        data["nodes"][big * len(fields) + fields.index("self_size")] = huge

    wide = HeapSnapshot.load(rewrite(path, tmp_path / "huge.heapsnapshot", grow))
    assert snapshot.self_size.dtype == np.uint32 and wide.self_size.dtype == np.int64
    extra = huge - int(snapshot.self_size[big])
    assert wide.total_size == snapshot.total_size + extra
    assert (wide.dominator == snapshot.dominator).all()
    chain = [big]
    while chain[-1] != 0:
        chain.append(int(snapshot.dominator[chain[-1]]))
    expected = snapshot.retained_size.copy()
    expected[chain] += extra
    assert (wide.retained_size == expected).all()
    assert wide.class_totals[1][entry] == snapshot.class_totals[1][entry] + extra
    assert wide.class_totals[2][entry] == snapshot.class_totals[2][entry] + extra


def test_narrow_and_sparse_columns_across_batches(sample, tmp_path, monkeypatch):
    """Self sizes are read as uint32 and widened when a later batch holds one of 4 GiB or
    more, the rows before kept; trace_node_id is made only once a value other than 0 comes
    (V8 writes 0 without allocation tracking), and detachedness is not read at all."""
    from heapsight.snapshot import reader

    path, snapshot = sample
    monkeypatch.setattr(reader, "BATCH_ROWS", 64)  # many batches on a small snapshot
    last = snapshot.node_count - 1
    assert last > 10 * 64

    def change(data):
        fields = data["snapshot"]["meta"]["node_fields"]
        data["nodes"][last * len(fields) + fields.index("self_size")] = 5 << 30
        data["nodes"][last * len(fields) + fields.index("trace_node_id")] = 7

    plain = reader.read_columns(path)
    assert "trace_node_id" not in plain.nodes and "detachedness" not in plain.nodes
    assert plain.nodes["self_size"].dtype == np.uint32
    assert (plain.nodes["self_size"] == snapshot.self_size).all()

    changed = reader.read_columns(rewrite(path, tmp_path / "late.heapsnapshot", change))
    sizes, trace = changed.nodes["self_size"], changed.nodes["trace_node_id"]
    assert sizes.dtype == np.int64 and int(sizes[last]) == 5 << 30
    assert (sizes[:last] == snapshot.self_size[:last]).all()
    assert int(trace[last]) == 7 and not trace[:last].any()

    asked = reader.read_columns(path, node_fields=("type", "name", "id", "self_size",
                                                   "edge_count", "trace_node_id"),
                                with_edges=False)
    assert asked.nodes["trace_node_id"].shape == (snapshot.node_count,)
    assert not asked.nodes["trace_node_id"].any()


def test_more_edges_than_int32_positions_is_one_clear_error():
    from heapsight.errors import HeapsightError
    with pytest.raises(HeapsightError, match="at most 2,147,483,647"):
        graph.edge_index(np.array([2**31 - 10, 20], np.uint32))


def test_the_two_core_load_equals_the_one_core_load(sample, monkeypatch):
    """Big files parse their edges in a forked child (the parent jumps over the array),
    compute distances in another beside the dominators and the DFS numbering in a third
    beside the retainer index: the same graph, array for array."""
    from heapsight.snapshot import reader, snapshot

    path, one_core = sample
    assert one_core.columns.file_size < reader._EdgesInChild.MIN_FILE_SIZE
    monkeypatch.setattr(reader._EdgesInChild, "MIN_FILE_SIZE", 0)
    monkeypatch.setattr(snapshot, "_DISTANCES_BESIDE", 0)
    forks = []
    real_fork = snapshot.graph.os.fork
    monkeypatch.setattr(snapshot.graph.os, "fork", lambda: forks.append(1) or real_fork())
    two_cores = HeapSnapshot.load(path)
    assert len(forks) == 3  # the edges, the distances and the DFS numbering ran in children
    for name in ("edge_to", "edge_name", "edge_type", "first_edge", "dominator", "preorder",
                 "distance", "retained_size", "first_retainer", "retainer_edges"):
        assert np.array_equal(getattr(one_core, name), getattr(two_cores, name)), name
