"""find-leaks and diff on real snapshots of a real node program with every classic leak
pattern and a correct look-alike of each (tests/programs/patterns.js)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from heapsight.analysis.leaks import find_leaks
from heapsight.errors import HeapsightError, UsageError

PROGRAM = Path(__file__).parent / "programs" / "patterns.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

# function in patterns.js -> (category, class of the leaked objects)
EXPECTED = {
    "logRequest": ("unbounded-collection", "RequestEntry"),
    "subscribe": ("listener-leak", "onConfigChange() closure"),
    "startPoller": ("timer-leak", "Poller"),
    "report": ("unbounded-cache", "CachedReport"),
    "connect": ("resource-per-request", "ConnectionPool"),
    "remember": ("global-growth", "SessionRecord"),
    "keepUpload": ("native-memory", "Buffer"),
    "audit": ("closure-capture", "LargeRequest"),
    "lateSubscribe": ("listener-leak", "LateRequest"),
    "keepCallback": ("closure-capture", "PendingJob"),
}


def run_program(folder: Path, **env: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([NODE, "--expose-gc", str(PROGRAM), str(folder)], check=True, timeout=120,
                   env={**os.environ, **env})
    return sorted(folder.glob("*.heapsnapshot"))


@pytest.fixture(scope="module")
def all_leaks(tmp_path_factory):
    return run_program(tmp_path_factory.mktemp("leaky"))


@pytest.fixture(scope="module")
def no_leaks(tmp_path_factory):
    return run_program(tmp_path_factory.mktemp("clean"), LEAKS="none")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                          text=True, timeout=300)


def test_every_planted_leak_is_found_with_its_category(all_leaks):
    report = find_leaks(all_leaks)
    found = {(leak.category, leak.class_name) for leak in report.leaks}
    assert set(EXPECTED.values()) <= found
    # no correct look-alike (bounded cache, removed listener, cleared interval and timeout,
    # lookup table, warm-up plateau, churn) shows up as a leak of its own
    assert len(report.leaks) == len(EXPECTED)
    for leak in report.leaks:
        assert leak.phase_counts == [600, 600] or leak.class_name == "Buffer"
        assert leak.retainer_path[-1].id == leak.example_id
        assert leak.advice


@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_each_pattern_alone_is_in_the_top_five(tmp_path, function):
    report = find_leaks(run_program(tmp_path, ONLY=function))
    category, class_name = EXPECTED[function]
    top = [(leak.category, leak.class_name) for leak in report.leaks[:5]]
    assert (category, class_name) in top, top


def test_older_timers_of_a_pending_list_are_links_not_owners(tmp_path):
    """Pending timers of one duration form one linked list; the timers made before the baseline
    sit in it beside the new ones. They are links of the same chain, not owners besides the
    list (with a long chain, whether a sampled timer reached them depended on the sample)."""
    report = find_leaks(run_program(tmp_path, ONLY="audit", PER_PHASE="60"))
    leak = next(leak for leak in report.leaks if leak.class_name == "LargeRequest")
    assert leak.owners == []
    assert leak.holder == "timerListMap[3600000]"


def test_locations_and_holders(all_leaks):
    report = find_leaks(all_leaks)
    by_class = {leak.class_name: leak for leak in report.leaks}
    entry = by_class["RequestEntry"]
    assert entry.holder == "requestLog"
    assert entry.holder_fanout[1] - entry.holder_fanout[0] == 600
    assert entry.location and "patterns.js:1" in entry.location
    assert [s.edge for s in entry.retainer_path][-2] == "requestLog"
    listener = by_class["onConfigChange() closure"]
    assert listener.location and listener.location.endswith(":71")  # the function keyword
    assert "_events" in [s.edge for s in listener.retainer_path]
    assert by_class["SessionRecord"].holder == "sessionsSeen"


def test_reports_say_who_keeps_the_objects_and_where_they_are_made(all_leaks):
    report = find_leaks(all_leaks)
    by_class = {leak.class_name: leak for leak in report.leaks}
    lines = PROGRAM.read_text().splitlines()
    # an instance's location is its constructor; the `new` call is named beside it
    entry = by_class["RequestEntry"]
    assert entry.location_kind == "constructor"
    assert [lines[int(call.rsplit(":", 2)[1]) - 1].count("new RequestEntry(")
            for call in entry.new_calls] == [1]
    # a pending timer's closure keeps `big`: the closure, its line and the variable
    audit = by_class["LargeRequest"].closure
    assert audit is not None and audit["variable"] == "big"
    assert "setTimeout(() => big.id" in lines[int(audit["keeper_location"].split(":")[-2]) - 1]
    # one event's listener list is named by event and emitter
    assert by_class["onConfigChange() closure"].holder == "the 'change' listeners of configBus"
    assert all(leak.library is None and not leak.owners for leak in report.leaks)


def test_clean_program_reports_nothing(no_leaks):
    report = find_leaks(no_leaks, min_size=0)
    assert [leak.headline for leak in report.leaks if leak.retained_size > 1_000_000] == []
    assert report.leaks == []


def test_cli_json_contract_and_exit_code(all_leaks):
    result = cli("find-leaks", *map(str, all_leaks), "--json")
    assert result.returncode == 3, result.stderr
    data = json.loads(result.stdout)
    leak = data["leaks"][0]
    for key in ("category", "class", "count", "retained_size", "growth", "retainer_path",
                "location", "advice"):
        assert key in leak
    assert all({"node", "edge"} <= set(step) for step in leak["retainer_path"])
    sizes = [leak["retained_size"] for leak in data["leaks"]]
    assert sizes == sorted(sizes, reverse=True)


def test_cli_text_and_dir(all_leaks, no_leaks):
    result = cli("find-leaks", "--dir", str(all_leaks[0].parent))
    assert result.returncode == 3
    assert "unbounded-collection: 1,200 RequestEntry" in result.stdout
    assert "retained by requestLog in patterns.js" in result.stdout
    clean = cli("find-leaks", "--dir", str(no_leaks[0].parent))
    assert clean.returncode == 0 and "No leak found" in clean.stdout


def test_snapshots_of_different_processes_are_refused(all_leaks, no_leaks):
    with pytest.raises(HeapsightError, match="different processes"):
        find_leaks([no_leaks[0], all_leaks[1], all_leaks[2]])
    result = cli("find-leaks", str(no_leaks[0]), str(all_leaks[1]), str(all_leaks[2]))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "different processes" in result.stderr


def test_out_of_order_is_refused(all_leaks):
    with pytest.raises(HeapsightError, match="out of order"):
        find_leaks([all_leaks[1], all_leaks[0], all_leaks[2]])


def test_fewer_than_three_and_unreadable(all_leaks, tmp_path):
    with pytest.raises(UsageError):
        find_leaks(all_leaks[:2])
    assert cli("find-leaks", *map(str, all_leaks[:2])).returncode == 2
    broken = tmp_path / "broken.heapsnapshot"
    broken.write_bytes(all_leaks[2].read_bytes()[:5000])
    result = cli("find-leaks", str(all_leaks[0]), str(all_leaks[1]), str(broken))
    assert result.returncode == 1 and "truncated" in result.stderr
    assert "Traceback" not in result.stderr


def test_diff_by_class_and_new_objects(all_leaks):
    result = cli("diff", str(all_leaks[0]), str(all_leaks[2]), "--json", "--top", "1000",
                 "--class", "RequestEntry")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows = {row["class"]: row for row in data["classes"]}
    entry = rows["RequestEntry"]
    assert entry["new"] == 1200 and entry["deleted"] == 0 and entry["count_delta"] == 1200
    assert entry["allocated_size"] == entry["self_size_delta"] > 0
    assert entry["retained_size_delta"] >= entry["self_size_delta"]
    assert rows["ProfileEntry"]["new"] == rows["ProfileEntry"]["deleted"]  # bounded cache
    assert len(data["new_objects"]) == 20
    assert data["new_objects"][0]["retainer_path"][-2]["edge"] == "requestLog"
    assert data["total_delta"] == data["total_after"] - data["total_before"] > 0


def test_diff_refuses_different_processes(all_leaks, no_leaks):
    result = cli("diff", str(no_leaks[0]), str(all_leaks[2]))
    assert result.returncode == 1 and "different processes" in result.stderr
    for args, message in (((all_leaks[1], all_leaks[1]), "same snapshot"),
                          ((all_leaks[2], all_leaks[0]), "out of order")):
        result = cli("diff", *map(str, args))
        assert result.returncode == 1 and message in result.stderr, result.stderr


def test_diff_counts_every_class_as_two_full_graphs_do(all_leaks):
    """diff holds one graph at a time (the earlier snapshot cut to ids, classes and sizes);
    every row equals a count over both snapshots fully loaded, matched by id with sets."""
    from heapsight.analysis.diff import diff_snapshots
    from heapsight.snapshot import HeapSnapshot

    result = diff_snapshots(str(all_leaks[0]), str(all_leaks[2]), top=1_000_000)
    before, after = (HeapSnapshot.load(p) for p in (all_leaks[0], all_leaks[2]))
    ids_before, ids_after = set(before.node_id.tolist()), set(after.node_id.tolist())
    expected: dict[str, list[int]] = {}
    for side, snapshot, others in ((0, before, ids_after), (1, after, ids_before)):
        count, self_size, retained = snapshot.class_totals
        for ordinal, node_id in enumerate(snapshot.node_id.tolist()):
            row = expected.setdefault(snapshot.class_name(ordinal), [0] * 8)
            if node_id not in others:  # deleted (before) or new (after)
                row[2 + side] += 1
                row[4 + side] += int(snapshot.self_size[ordinal])
        for class_id, name in snapshot.class_names.items():
            expected[name][side] += int(count[class_id])
            expected[name][6] += (1 if side else -1) * int(self_size[class_id])
            expected[name][7] += (1 if side else -1) * int(retained[class_id])
    rows = {row.class_name: [row.count_before, row.count_after, row.deleted, row.new,
                             row.freed_size, row.allocated_size, row.self_size_delta,
                             row.retained_size_delta] for row in result.classes}
    changed = {name: row for name, row in expected.items() if any(row[2:])}
    assert rows == changed and len(rows) > 20
    assert result.total_before == before.total_size and result.total_after == after.total_size


def test_gzip_snapshots_are_read_as_streams(all_leaks, tmp_path):
    """find-leaks reads `.heapsnapshot.gz` as a stream: served through named pipes (which
    cannot seek, be mapped or be read twice) it finds what it finds in the plain files."""
    import gzip
    import threading

    pipes = []
    for path in all_leaks:
        pipe = tmp_path / (path.name + ".gz")
        os.mkfifo(pipe)
        pipes.append(pipe)

    def serve(path: Path, pipe: Path) -> None:
        with open(pipe, "wb") as out:
            out.write(gzip.compress(path.read_bytes(), compresslevel=1))

    writers = [threading.Thread(target=serve, args=pair, daemon=True)
               for pair in zip(all_leaks, pipes, strict=True)]
    for writer in writers:
        writer.start()
    streamed = find_leaks(pipes).to_json()
    for writer in writers:
        writer.join(timeout=60)
    plain = find_leaks(all_leaks).to_json()
    streamed.pop("snapshots"), plain.pop("snapshots")
    assert streamed == plain
    assert streamed["leaks"]


def test_diff_reads_a_later_snapshot_from_a_pipe(all_leaks, tmp_path):
    """diff reads a later snapshot twice when it can (light, then fully); from a pipe, which
    can be read only once, it gives the same result."""
    import threading

    pipe = tmp_path / "after.heapsnapshot"
    os.mkfifo(pipe)

    def serve() -> None:
        with open(pipe, "wb") as out:
            out.write(all_leaks[2].read_bytes())

    writer = threading.Thread(target=serve, daemon=True)
    writer.start()
    piped = cli("diff", str(all_leaks[0]), str(pipe), "--json", "--class", "RequestEntry")
    writer.join(timeout=60)
    plain = cli("diff", str(all_leaks[0]), str(all_leaks[2]), "--json", "--class", "RequestEntry")
    assert piped.returncode == plain.returncode == 0, piped.stderr
    piped_data, plain_data = json.loads(piped.stdout), json.loads(plain.stdout)
    piped_data.pop("after"), plain_data.pop("after")
    assert piped_data == plain_data and plain_data["new_objects"]


def test_earlier_snapshots_keep_ids_classes_and_fan_out(all_leaks):
    """What find-leaks keeps of an earlier snapshot answers as the light snapshot does."""
    import numpy as np

    from heapsight.analysis.compare import EarlierSnapshot
    from heapsight.snapshot import HeapSnapshot

    light = HeapSnapshot.load_light(all_leaks[0])
    kept = EarlierSnapshot(HeapSnapshot.load_light(all_leaks[0]))
    ids = light.node_id
    ordinals = kept.ordinals_of(ids)
    assert (ordinals >= 0).all() and kept.has_ids(ids).all()
    assert [kept.class_names[int(c)] for c in kept.class_id[ordinals]] == \
        [light.class_names[int(c)] for c in light.class_id]
    fan_out = light.columns.nodes["edge_count"]
    assert int((fan_out >= 15).sum()) > 10  # the overflow table is exercised
    wide = np.flatnonzero(fan_out >= 10)
    some = np.concatenate([wide, np.arange(0, fan_out.shape[0], 7)])
    assert [kept.fan_out(int(ordinals[i])) for i in some] == [int(fan_out[i]) for i in some]
    assert kept.ordinal_of(int(ids.max()) + 2) is None
    assert kept.ordinal_of(2**40) is None and kept.ordinal_of(-1) is None  # beyond uint32
    assert kept.total_size == light.total_size
    kept.release_classes()  # what the analysis asks after the same-process checks remains
    assert kept.class_id.size == 0
    assert kept.ordinal_of(int(ids[7])) == ordinals[7] and kept.has_ids(ids).all()
    assert kept.fan_out(int(ordinals[wide[0]])) == int(fan_out[wide[0]])


@pytest.mark.parametrize("kind", ["dense", "sparse", "even only", "empty"])
def test_id_sets_answer_as_a_sorted_array(kind):
    """IdSet (a bitmap over V8's odd ids, a sorted array for the rest, or for all of them
    when they are too sparse) gives the membership and rank a binary search gives."""
    import numpy as np

    from heapsight.analysis.compare import IdSet

    rng = np.random.default_rng(7)
    odd = np.arange(1, 400_001, 2, dtype=np.uint32)
    ids = {"dense": np.concatenate([odd[rng.random(odd.size) < 0.9],  # most odd numbers
                                    rng.integers(1, 2**31, 50).astype(np.uint32) * 2,
                                    np.array([1000, 5002, 399_998], np.uint32)]),
           "sparse": rng.choice(np.arange(1, 2**24, 2, dtype=np.uint32), 20_000, replace=False),
           "even only": np.arange(2, 2_000, 4, dtype=np.uint32),
           "empty": np.empty(0, np.uint32)}[kind]
    ids = np.unique(ids)
    kept = IdSet(ids)
    assert (kept.words.size > 0) == (kind == "dense")
    assert kept.nbytes < ids.nbytes / 8 if kind == "dense" else kept.nbytes <= ids.nbytes + 8
    asked = np.unique(np.concatenate([ids, ids + 1, ids + 2, rng.integers(0, 2**32, 10_000),
                                      [0, 1, 2**32 - 1]]).astype(np.uint32))
    assert np.array_equal(kept.contains(asked), np.isin(asked, ids))
    assert np.array_equal(kept.ranks(asked), np.searchsorted(ids, asked))
    assert np.array_equal(kept.sorted(), ids)
    odd_ids = ids[ids % 2 == 1]
    assert kept.largest_odd == (int(odd_ids[-1]) if odd_ids.size else 0)


def test_new_subtrees_follow_the_dominator_tree(all_leaks):
    """The rows clusters and the survivor filter read instead of arrays over every node agree
    with a walk up the dominator tree from every node: a node is in them when a new node is
    at or above it, its top is the highest of the run of new nodes nearest above it."""
    from heapsight.analysis.cluster import NewSubtrees
    from heapsight.analysis.compare import EarlierSnapshot, first_seen
    from heapsight.snapshot import HeapSnapshot

    final = HeapSnapshot.load(all_leaks[2])
    earlier = [EarlierSnapshot(HeapSnapshot.load_light(p)) for p in all_leaks[:2]]
    new = first_seen(final, earlier) >= 1
    subtrees = NewSubtrees.of(final, new)
    is_new = new.tolist()
    dominator = final.dominator.tolist()

    def top_of(node: int) -> int | None:
        while not is_new[node]:
            if dominator[node] == node:
                return None
            node = dominator[node]
        while dominator[node] != node and is_new[dominator[node]]:
            node = dominator[node]
        return node

    expected = {node: top for node in range(final.node_count)
                if (top := top_of(node)) is not None}
    nodes, parent, top = (a.tolist() for a in (subtrees.nodes, subtrees.parent, subtrees.top))
    assert sorted(nodes) == sorted(expected) and len(expected) > 1000
    preorder = [node for node in final.preorder.tolist() if node in expected]
    assert nodes == preorder
    row_of = {node: row for row, node in enumerate(nodes)}
    for row, node in enumerate(nodes):
        assert nodes[top[row]] == expected[node]
        assert parent[row] == row_of.get(dominator[node], -1) or dominator[node] == node
    first_child, children = subtrees.children()
    dominated: dict[int, list[int]] = {}
    for node in preorder:
        if dominator[node] != node:
            dominated.setdefault(dominator[node], []).append(node)
    for row, node in enumerate(nodes):
        below = [nodes[c] for c in children[first_child[row]:first_child[row + 1]]]
        assert below == dominated.get(node, [])
