"""Bad input gets one clear line naming the file and the problem, exit 1, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from heapsight.errors import SnapshotFormatError
from heapsight.snapshot import HeapSnapshot


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from conftest import NODE, write_snapshot
    if NODE is None:
        pytest.skip("node is not installed")
    return write_snapshot(tmp_path_factory.mktemp("errors"), "globalThis.x = [1, 2, 3];")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                          text=True, timeout=120)


def one_error_line(result, *words):
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("heapsight: error: ")
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fraction, section", [(0.0005, "snapshot"), (0.2, "nodes"),
                                               (0.6, "edges"), (0.999, "strings")])
def test_truncated_files(real, tmp_path, fraction, section):
    data = real.read_bytes()
    cut = tmp_path / f"cut-{section}.heapsnapshot"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(SnapshotFormatError, match="truncated"):
        HeapSnapshot.load(cut)
    one_error_line(run_cli("summary", str(cut)), str(cut), "truncated")


@pytest.mark.parametrize("content, words", [
    (b"", ["empty"]),
    (b"hello world", ["not a V8 heap snapshot"]),
    (b'{"a": 1}', ["not a V8 heap snapshot"]),
    (b"\x1f\x8b\x08\x00garbage", ["cannot read"]),
])
def test_not_a_snapshot(tmp_path, content, words):
    bad = tmp_path / "bad.heapsnapshot"
    bad.write_bytes(content)
    one_error_line(run_cli("summary", str(bad)), str(bad), *words)


def corrupt(real, tmp_path, change):
    data = json.loads(real.read_text())
    change(data)
    out = tmp_path / "corrupt.heapsnapshot"
    out.write_text(json.dumps(data))
    return out


def test_to_node_not_a_multiple_of_the_node_fields(real, tmp_path):
    def change(data):
        at = data["snapshot"]["meta"]["edge_fields"].index("to_node")
        data["edges"][at] += 1
    with pytest.raises(SnapshotFormatError, match="not a node"):
        HeapSnapshot.load(corrupt(real, tmp_path, change))


def test_to_node_out_of_range(real, tmp_path):
    def change(data):
        at = data["snapshot"]["meta"]["edge_fields"].index("to_node")
        data["edges"][at] = len(data["nodes"]) * 10
    with pytest.raises(SnapshotFormatError, match="not a node"):
        HeapSnapshot.load(corrupt(real, tmp_path, change))


def test_lengths_disagree_with_the_header(real, tmp_path):
    def change(data):
        data["snapshot"]["node_count"] += 1
    with pytest.raises(SnapshotFormatError, match="announces"):
        HeapSnapshot.load(corrupt(real, tmp_path, change))


def test_edge_counts_disagree(real, tmp_path):
    def change(data):
        fields = data["snapshot"]["meta"]["node_fields"]
        data["nodes"][fields.index("edge_count")] += 1
    with pytest.raises(SnapshotFormatError, match="announce"):
        HeapSnapshot.load(corrupt(real, tmp_path, change))


def test_name_outside_the_strings_table(real, tmp_path):
    def change(data):
        fields = data["snapshot"]["meta"]["node_fields"]
        data["nodes"][fields.index("name")] = len(data["strings"]) + 5
    with pytest.raises(SnapshotFormatError, match="strings table"):
        HeapSnapshot.load(corrupt(real, tmp_path, change))


def _edge_field(data, name, value):
    fields = data["snapshot"]["meta"]["edge_fields"]
    named = [i for i, t in enumerate(data["snapshot"]["meta"]["edge_types"][0])
             if t not in ("element", "hidden")]
    width = len(fields)
    row = next(r for r in range(len(data["edges"]) // width)
               if data["edges"][r * width + fields.index("type")] in named)
    data["edges"][row * width + fields.index(name)] = value(data)


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: _edge_field(d, "name_or_index", lambda d: len(d["strings"]) + 5), "strings table"),
    (lambda d: _edge_field(d, "type", lambda d: 200), "unknown type"),
    (lambda d: d["nodes"].__setitem__(
        d["snapshot"]["meta"]["node_fields"].index("type"), 300), "out of range"),
])
def test_edge_and_node_values_out_of_range(real, tmp_path, change, words):
    """The compiled checks (bad_edge, scatter_column_*) refuse what the numpy ones did."""
    with pytest.raises(SnapshotFormatError, match=words):
        HeapSnapshot.load(corrupt(real, tmp_path, change))


def test_missing_file_and_folder(tmp_path):
    one_error_line(run_cli("summary", str(tmp_path / "nope.heapsnapshot")), "no such file")
    one_error_line(run_cli("summary", str(tmp_path)), "folder")


def test_bad_option_is_a_usage_error(real):
    result = run_cli("summary", str(real), "--top", "zero")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.fixture
def edges_in_child(monkeypatch):
    """Parse edges in a forked child even for small files (normally from 32 MiB)."""
    from heapsight.snapshot import reader
    monkeypatch.setattr(reader._EdgesInChild, "MIN_FILE_SIZE", 0)


def test_edges_parsed_in_a_child_are_the_same(real, edges_in_child):
    from heapsight.snapshot.reader import read_columns
    parallel = read_columns(real)
    with open(real) as handle:
        data = json.load(handle)
    width = len(data["snapshot"]["meta"]["edge_fields"])
    assert parallel.edges["to_node"].tolist() == [v // len(data["snapshot"]["meta"]["node_fields"])
                                                   for v in data["edges"][2::width]]
    assert parallel.edges["type"].tolist() == data["edges"][0::width]


def test_the_parent_skips_to_the_key_after_the_edges(real, tmp_path, edges_in_child,
                                                     monkeypatch):
    """While the child parses the edges, the parent goes straight to the key V8 writes after
    them (searched from the end of the file). A section between the two (not V8's order, but
    valid JSON) is noticed from where the child ended and the file is read the long way."""
    from heapsight.snapshot import reader
    jumps = []
    real_jump = reader._Input.jump_to_next_key
    monkeypatch.setattr(reader._Input, "jump_to_next_key",
                        lambda self, key: jumps.append(real_jump(self, key)) or jumps[-1])
    with open(real) as handle:
        data = json.load(handle)
    plain = reader.read_columns(real)
    assert jumps == [True]
    for name, extra in (("v8-order", {}), ("extra", {"extra": [1, 2, 3]})):
        doc = {}
        for key, value in data.items():
            doc[key] = value
            if key == "edges":
                doc.update(extra)
        path = tmp_path / f"{name}.heapsnapshot"
        path.write_text(json.dumps(doc, separators=(",", ":")))
        jumps.clear()
        again = reader.read_columns(path)
        assert jumps[0] is True  # the jump was taken (and, with the extra section, undone)
        for column in ("to_node", "type", "name_or_index"):
            assert np.array_equal(again.edges[column], plain.edges[column]), (name, column)
        assert len(again.strings) == len(plain.strings)
        assert again.extras.keys() == plain.extras.keys()


def test_errors_found_by_the_child_reach_the_user(real, tmp_path, edges_in_child):
    data = real.read_bytes()
    cut = tmp_path / "cut-in-edges.heapsnapshot"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(SnapshotFormatError, match="truncated.*'edges'"):
        HeapSnapshot.load(cut)

    def change(doc):
        doc["edges"][doc["snapshot"]["meta"]["edge_fields"].index("to_node")] += 1
    with pytest.raises(SnapshotFormatError, match="not a node"):
        HeapSnapshot.load(corrupt(real, tmp_path, change))


# -- issue 9: inputs that used to slip through ---------------------------------------------

@pytest.fixture(scope="module")
def series(tmp_path_factory):
    """baseline, target, final of one node process that leaks between them."""
    from conftest import NODE
    if NODE is None:
        pytest.skip("node is not installed")
    folder = tmp_path_factory.mktemp("series")
    program = """
        class Leaked { constructor(i) { this.i = i; this.text = 'leaked-' + i; } }
        globalThis.kept = [];
        for (const name of ['b1', 'b2', 'b3']) {
          for (let i = 0; i < 3000; i++) kept.push(new Leaked(i));
          require('v8').writeHeapSnapshot(name + '.heapsnapshot');
        }
    """
    subprocess.run([NODE, "-e", program], cwd=folder, check=True, timeout=120)
    return [folder / f"b{n}.heapsnapshot" for n in (1, 2, 3)]


def test_the_same_snapshot_twice_is_an_error(series, tmp_path):
    b1, b2, b3 = (str(p) for p in series)
    one_error_line(run_cli("find-leaks", b2, b2, b2), "same snapshot")
    one_error_line(run_cli("find-leaks", b1, b1, b3), "same snapshot")
    copy = tmp_path / "copy-of-b1.heapsnapshot"
    copy.write_bytes(series[0].read_bytes())
    one_error_line(run_cli("find-leaks", b1, str(copy), b3), "same snapshot")
    one_error_line(run_cli("diff", b1, b1), "same snapshot")
    assert run_cli("find-leaks", b1, b2, b3).returncode == 3  # the real sequence: a leak


def test_the_light_read_validates_the_edges_it_skips(series, tmp_path):
    """find-leaks reads the baseline light (the edges unparsed): a corrupt one is still named."""
    data = json.loads(series[0].read_text())
    short = dict(data, edges=data["edges"][:-3])  # one edge missing, header unchanged
    cut = tmp_path / "short-edges.heapsnapshot"
    cut.write_text(json.dumps(short))
    with pytest.raises(SnapshotFormatError, match="edges"):
        HeapSnapshot.load_light(cut)
    one_error_line(run_cli("find-leaks", str(cut), str(series[1]), str(series[2])),
                   str(cut), "edges")
    fields = data["snapshot"]["meta"]["node_fields"]
    nodes = list(data["nodes"])
    nodes[fields.index("edge_count")] += 1
    sums = tmp_path / "edge-count.heapsnapshot"
    sums.write_text(json.dumps(dict(data, nodes=nodes)))
    with pytest.raises(SnapshotFormatError, match="announce"):
        HeapSnapshot.load_light(sums)
    huge = tmp_path / "huge-edge-count.heapsnapshot"
    huge.write_text(json.dumps(dict(data, snapshot=dict(data["snapshot"], edge_count=10**15))))
    one_error_line(run_cli("find-leaks", str(huge), str(series[1]), str(series[2])),
                   str(huge), "more than a file")


def test_zero_nodes_is_an_error_not_a_crash(real, tmp_path):
    data = json.loads(real.read_text())
    empty = dict(data, snapshot=dict(data["snapshot"], node_count=0, edge_count=0),
                 nodes=[], edges=[])
    path = tmp_path / "zero.heapsnapshot"
    path.write_text(json.dumps(empty))
    for command in (["summary", str(path)], ["inspect", str(path), "@1"],
                    ["diff", str(path), str(real)]):
        one_error_line(run_cli(*command), str(path), "0 nodes")


def test_an_absurd_count_is_a_corrupt_file_not_a_lack_of_memory(real, tmp_path):
    data = json.loads(real.read_text())
    path = tmp_path / "absurd.heapsnapshot"
    path.write_text(json.dumps(dict(data, snapshot=dict(data["snapshot"], node_count=10**12))))
    result = run_cli("summary", str(path))
    one_error_line(result, str(path), "more than a file", "corrupt")
    assert "memory" not in result.stderr


def test_streams_are_read(real, tmp_path):
    import gzip
    packed = tmp_path / "x.heapsnapshot.gz"
    packed.write_bytes(gzip.compress(real.read_bytes()))
    expected = json.loads(run_cli("summary", str(real), "--json").stdout)["nodes"]
    with open(packed, "rb") as stdin:  # /dev/stdin: a gzip stream that cannot seek
        piped = subprocess.run([sys.executable, "-m", "heapsight", "summary", "/dev/stdin",
                                "--json"], stdin=stdin, capture_output=True, text=True,
                               timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["nodes"] == expected
    # <(zcat x.gz): a pipe
    shell = subprocess.run(["bash", "-c", f'"{sys.executable}" -m heapsight summary '
                            f'<(zcat "{packed}") --json'], capture_output=True, text=True,
                           timeout=120)
    assert shell.returncode == 0, shell.stderr
    assert json.loads(shell.stdout)["nodes"] == expected


def test_misleading_usage_is_exit_2():
    for args in (["snapshot", "--pid", "-1"], ["snapshot", "--pid", "0"],
                 ["snapshot", "--pid", "1", "-o", "x.heapsnapshot.gz"],
                 ["hunt", "--pid", "-1", "--url", "http://127.0.0.1:1/"],
                 ["watch", "--pid", "-1"], ["find-leaks", "--dir", "/nonexistent-folder"]):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "unexpected" not in result.stderr


def test_find_leaks_dir_on_a_hunt_run_folder(series, tmp_path):
    """`final` sorts before `target` by name: a hunt run folder is ordered by its names."""
    import shutil as sh

    from heapsight.analysis.compare import taken_order
    run_dir = tmp_path / "20261128-041500"
    run_dir.mkdir()
    for source, name in zip(series, ("baseline", "target", "final"), strict=True):
        sh.copy(source, run_dir / f"{name}.heapsnapshot")
    (run_dir / "report.json").write_text("{}")
    result = run_cli("find-leaks", "--dir", str(run_dir), "--json")
    assert result.returncode == 3, result.stderr
    assert [p.rsplit("/", 1)[-1] for p in json.loads(result.stdout)["snapshots"]] == \
        ["baseline.heapsnapshot", "target.heapsnapshot", "final.heapsnapshot"]
    from pathlib import Path
    names = ["s10.heapsnapshot", "s2.heapsnapshot.gz", "s1.heapsnapshot"]
    assert [p.name for p in taken_order([Path(n) for n in names])] == \
        ["s1.heapsnapshot", "s2.heapsnapshot.gz", "s10.heapsnapshot"]


# -- the edges array is parsed row by row straight into its columns (_kernels.parse_edges) --

def _edges_text(real, change):
    """The snapshot with its edges array's text replaced by change(text)."""
    data = real.read_bytes()
    start = data.index(b'"edges":[') + len(b'"edges":[')
    end = data.index(b"]", start)
    out = real.parent / "edges-changed.heapsnapshot"
    out.write_bytes(data[:start] + change(data[start:end].decode()).encode() + data[end:])
    return out


@pytest.mark.parametrize("window", [64, 101, 4096])
def test_edge_rows_cut_by_the_read_window_anywhere(real, monkeypatch, window):
    """A row (or a number) that the read window cuts is parsed again whole from the next
    window: small windows cut every row at every place; .gz streams and mapped files alike."""
    import gzip

    from heapsight.snapshot import reader
    with open(real) as handle:
        data = json.load(handle)
    width = len(data["snapshot"]["meta"]["edge_fields"])
    to_at = data["snapshot"]["meta"]["edge_fields"].index("to_node")
    node_width = len(data["snapshot"]["meta"]["node_fields"])
    zipped = real.parent / "edges-window.heapsnapshot.gz"
    zipped.write_bytes(gzip.compress(real.read_bytes()))
    monkeypatch.setattr(reader, "READ_SIZE", window)
    for path in (real, zipped):
        columns = reader.read_columns(path)
        assert columns.edges["to_node"].tolist() == [v // node_width
                                                     for v in data["edges"][to_at::width]]
        assert columns.edges["name_or_index"].tolist() == \
            data["edges"][data["snapshot"]["meta"]["edge_fields"].index("name_or_index")::width]


@pytest.mark.parametrize(("change", "words"), [
    (lambda text: text + ",1", "not a multiple"),
    (lambda text: text + ",1,1,0", "more than"),
    (lambda text: text.replace(",", ", \n\t", 5), None),  # any JSON white space is fine
    (lambda text: "1,99999999999," + text.split(",", 2)[2], "out of range"),
    (lambda text: "300," + text.split(",", 1)[1], "out of range"),
    (lambda text: "1,1234567890123456789012," + text.split(",", 2)[2], "unexpected"),
    (lambda text: "1,x," + text.split(",", 2)[2], "unexpected 'x'"),
])
def test_edge_rows_that_are_wrong_get_one_clear_error(real, change, words, edges_in_child):
    path = _edges_text(real, change)
    if words is None:
        assert HeapSnapshot.load(path).edge_count == HeapSnapshot.load(real).edge_count
        return
    with pytest.raises(SnapshotFormatError, match=words):
        HeapSnapshot.load(path)


@pytest.mark.parametrize("cut_after", [0, 1, 2, 3])  # digits of the row's target kept
def test_a_file_cut_inside_an_edge_row_is_truncated(real, tmp_path, cut_after):
    """A file that ends right after a number of the edges array (even one that completes a
    row, whose target then reads as a wrong one) is a truncated file: the array's ']' must
    follow. (With the edges in a child, the parent finds the array's end missing first.)"""
    data = real.read_bytes()
    start = data.index(b'"edges":[') + len(b'"edges":[')
    end = data.index(b"]", start)
    middle = data.rindex(b",", start, (start + end) // 2)
    row_end = data.index(b"\n", middle + 1)  # the end of a row: after its target's digits
    row_start = data.rindex(b",", start, row_end) + 1  # where its target starts
    cut = tmp_path / "cut-in-a-row.heapsnapshot"
    cut.write_bytes(data[:min(row_start + cut_after, row_end) if cut_after else row_end])
    with pytest.raises(SnapshotFormatError, match="truncated.*'edges'"):
        HeapSnapshot.load(cut)
