"""What two or more snapshots of one process say together: which objects are the same (V8
object ids are stable within a process), when each object was first seen, and class names
that mean the same thing in every snapshot."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from heapsight.errors import HeapsightError
from heapsight.snapshot import HeapSnapshot

_SAMPLE = 4000


class IdSet:
    """A set of V8 object ids that says, for any id, whether it is in the set and its rank
    (how many ids of the set are smaller: its ordinal in increasing order).

    V8 numbers heap objects with odd ids from one counter, so a snapshot's odd ids fill most
    of the odd numbers below its largest: they are kept as a bitmap over the odd numbers with
    the count of ids before each 64-bit word (1.5 bits a number, under 2 bits an id, instead
    of 32). Even ids (embedder nodes, numbered apart) and odd ids too sparse for a bitmap to
    pay (allocation tracking numbers every allocation, and most die) stay a sorted array."""

    _CHUNK = 1 << 23  # bitmap positions made or decoded at a time (a byte each meanwhile)

    def __init__(self, sorted_ids: np.ndarray) -> None:
        """sorted_ids: unsigned, unique, in increasing order."""
        self.dtype = sorted_ids.dtype
        self.count = int(sorted_ids.shape[0])
        odd = (sorted_ids & 1).astype(bool)
        positions = sorted_ids[odd] >> 1  # odd id 2p+1 is bit p
        self.largest_odd = int(positions[-1]) * 2 + 1 if positions.size else 0
        words = (int(positions[-1]) + 64) // 64 if positions.size else 0
        if words * 12 < positions.size * 4:  # bitmap and counts: 12 bytes per 64 numbers
            self.rest = sorted_ids[~odd]
            self.words = self._bitmap(positions, words)
            self.before = np.zeros(words + 1, np.uint32 if self.count < 1 << 32 else np.int64)
            np.cumsum(_popcount(self.words), dtype=self.before.dtype, out=self.before[1:])
        else:
            self.rest = sorted_ids.copy()
            self.words = np.zeros(0, np.uint64)
            self.before = np.zeros(1, np.uint32)

    @classmethod
    def _bitmap(cls, positions: np.ndarray, words: int) -> np.ndarray:
        packed = np.zeros(words * 8, np.uint8)
        for start in range(0, words * 64, cls._CHUNK):
            low, high = np.searchsorted(positions, [start, start + cls._CHUNK])
            bits = np.zeros(min(cls._CHUNK, words * 64 - start), bool)
            bits[positions[low:high] - start] = True
            packed[start // 8:(start + bits.shape[0]) // 8] = np.packbits(bits, bitorder="little")
        return packed.view("<u8")

    @property
    def nbytes(self) -> int:
        return int(self.rest.nbytes + self.words.nbytes + self.before.nbytes)

    def _in_bitmap(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(which ids are odd numbers the bitmap covers, their words, their bits)."""
        position = ids >> 1
        word = position >> 6
        covered = ((ids & 1) == 1) & (word < self.words.shape[0])
        return covered, word[covered], (position[covered] & 63).astype(np.uint64)

    def contains(self, ids: np.ndarray) -> np.ndarray:
        """For each id (of the set's unsigned type), whether it is in the set."""
        covered, word, bit = self._in_bitmap(ids)
        found = np.zeros(ids.shape[0], bool)
        found[covered] = ((self.words[word] >> bit) & np.uint64(1)).astype(bool)
        if self.rest.shape[0]:
            other = ids[~covered]
            at = np.minimum(np.searchsorted(self.rest, other), self.rest.shape[0] - 1)
            found[~covered] = self.rest[at] == other
        return found

    def ranks(self, ids: np.ndarray) -> np.ndarray:
        """For each id (of the set's unsigned type), how many ids of the set are smaller."""
        covered, word, bit = self._in_bitmap(ids)
        ranks = np.searchsorted(self.rest, ids).astype(np.int64)
        # the odd ids below: every one of the bitmap's below its end, else those before
        # the word and the bits below in the word
        ranks[~covered & (ids >> 7 >= self.words.shape[0])] += int(self.before[-1])
        inside = ~covered & (ids >> 7 < self.words.shape[0])
        if inside.any():  # even ids inside the bitmap: its odd ids below them
            at = (ids[inside] >> 1).astype(np.int64)
            ranks[inside] += self._below(at >> 6, (at & 63).astype(np.uint64))
        ranks[covered] += self._below(word, bit)
        return ranks

    def _below(self, word: np.ndarray, bit: np.ndarray) -> np.ndarray:
        below = self.words[word] & ((np.uint64(1) << bit) - np.uint64(1))
        return self.before[word].astype(np.int64) + _popcount(below)

    def sorted(self) -> np.ndarray:
        """Every id in increasing order (decoded: 4 bytes an id)."""
        if not self.words.shape[0]:
            return self.rest.copy()
        packed = self.words.view(np.uint8)
        odd = np.empty(int(self.before[-1]), self.dtype)
        done = 0
        for start in range(0, packed.shape[0], self._CHUNK // 8):
            positions = np.flatnonzero(np.unpackbits(packed[start:start + self._CHUNK // 8],
                                                     bitorder="little"))
            odd[done:done + positions.shape[0]] = positions + start * 8
            done += positions.shape[0]
        odd = odd * self.dtype.type(2) + self.dtype.type(1)
        return np.insert(odd, np.searchsorted(odd, self.rest), self.rest)


def _popcount(words: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (int64 counts)."""
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.bitwise_count(words).astype(np.int64)
    table = np.array([bin(byte).count("1") for byte in range(256)], np.int64)
    return table[words.view(np.uint8)].reshape(-1, 8).sum(axis=1)


class EarlierSnapshot:
    """What comparing needs of a snapshot taken before the final one, and nothing more: its
    object ids (an IdSet: a node's ordinal here is its rank by id), each one's class and
    fan-out, its class names, marker ids and total size. About 2.7 bytes a node (under 1 once
    the classes are released), so the earlier snapshots fit beside the final one's graph."""

    # fan-out is kept in 4 bits (two nodes a byte); 15 and more (a few nodes in 10,000: V8
    # objects hold their map, properties, elements and a few fields) is looked up in a table
    _WIDE = 15

    def __init__(self, light: HeapSnapshot, fan_out: bool = True, self_sizes: bool = False):
        """Cut a light snapshot down (or a full one whose graph was released); this empties
        it (its columns go as each is used, so cutting costs little more memory than the
        light snapshot itself). fan_out: keep each node's (find-leaks asks it of holders);
        self_sizes: keep each node's self size too (diff counts the bytes freed)."""
        self.source, self.file_size = light.source, light.file_size
        self.node_count = light.node_count
        self.total_size = light.total_size
        self.markers = marker_ids(light)
        nodes = light.columns.nodes
        class_id = light.class_id
        self_size = light.self_size
        del light.class_id, light.node_type, light.node_name, light.self_size  # type: ignore[misc]
        for name in ("type", "name", "self_size"):
            nodes.pop(name, None)
        per_class = np.bincount(class_id, minlength=light.class_count)
        present = np.flatnonzero(per_class)
        self.class_instance_counts = per_class[present]
        self.class_self_sizes = _self_size_by_class(class_id, self_size,
                                                    light.class_count)[present]
        if not self_sizes:
            del self_size
        code = np.zeros(light.class_count, np.uint16 if present.size <= 1 << 16 else np.int32)
        code[present] = np.arange(present.size)
        codes = code[class_id]
        del class_id
        self.class_count = int(present.size)
        self.class_names = {i: light.class_name_of(int(c)) for i, c in enumerate(present)}
        order = np.argsort(light.node_id, kind="stable").astype(np.int32)
        sorted_ids = light.node_id[order]
        del light.node_id  # type: ignore[misc]
        nodes.pop("id")
        self.ids = IdSet(sorted_ids)
        del sorted_ids
        self.largest_odd = self.ids.largest_odd
        self.class_id = codes[order]
        del codes
        self.self_size = self_size[order] if self_sizes else np.empty(0, np.uint32)
        edge_count = nodes.pop("edge_count")[order] if fan_out else np.empty(0, np.uint32)
        del order
        nibbles = np.zeros(edge_count.shape[0] + 1, np.uint8)
        np.minimum(edge_count, self._WIDE, out=nibbles[:-1], casting="unsafe")
        self._fan_out = nibbles[0:-1:2] | (nibbles[1::2] << 4)
        del nibbles
        self._wide = np.flatnonzero(edge_count >= self._WIDE).astype(np.int32)  # sorted
        self._wide_fan_out = edge_count[self._wide]

    def release_classes(self) -> None:
        """Drop the class of each id once the same-process checks have read them (the class
        counts and self sizes were taken while cutting): the analysis after asks only ids
        and fan-out of an earlier snapshot."""
        self.class_id = np.empty(0, self.class_id.dtype)
        self.self_size = np.empty(0, self.self_size.dtype)

    @property
    def sorted_ids(self) -> np.ndarray:
        """Every id, in increasing order: decoded (4 bytes an id) for the checks of two
        earlier snapshots, made before the final one is read."""
        return self.ids.sorted()

    def fan_out(self, ordinal: int) -> int:
        nibble = (int(self._fan_out[ordinal >> 1]) >> 4 * (ordinal & 1)) & 15
        if nibble < self._WIDE:
            return nibble
        return int(self._wide_fan_out[np.searchsorted(self._wide, ordinal)])

    def ordinal_of(self, node_id: int) -> int | None:
        if not 0 <= node_id <= np.iinfo(self.ids.dtype).max:
            return None
        ids = np.array([node_id], self.ids.dtype)
        return int(self.ids.ranks(ids)[0]) if self.ids.contains(ids)[0] else None

    def ordinals_of(self, node_ids: np.ndarray) -> np.ndarray:
        node_ids = node_ids.astype(self.ids.dtype, copy=False)
        return np.where(self.ids.contains(node_ids), self.ids.ranks(node_ids), -1)

    def has_ids(self, node_ids: np.ndarray) -> np.ndarray:
        return self.ids.contains(node_ids.astype(self.ids.dtype, copy=False))


Comparable = HeapSnapshot | EarlierSnapshot


def class_names(snapshot: Comparable) -> dict[int, str]:
    """Name of every class id present (class ids are string indices, which differ per file)."""
    return snapshot.class_names


def class_instance_counts(snapshot: Comparable) -> np.ndarray:
    """Live instances of each class id (as class_names numbers them): counted while an
    earlier snapshot was cut, and part of the final snapshot's class totals (a bincount over
    every node would copy its class ids to int64)."""
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.class_instance_counts
    return snapshot.class_totals[0]


def class_self_sizes(snapshot: Comparable) -> np.ndarray:
    """Bytes of self size of each class id (as class_names numbers them): taken while an
    earlier snapshot was cut, and part of the final snapshot's class totals."""
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.class_self_sizes
    return snapshot.class_totals[1]


def _self_size_by_class(class_id: np.ndarray, self_size: np.ndarray, count: int) -> np.ndarray:
    """Summed in blocks, so the float weights bincount needs stay small beside big columns."""
    totals = np.zeros(count, np.int64)
    step = 1 << 20
    for start in range(0, class_id.shape[0], step):
        totals += np.bincount(class_id[start:start + step],
                              weights=self_size[start:start + step],
                              minlength=count).astype(np.int64)
    return totals


# V8 forgets its object ids when an inspector session ends; this is why, and what to do.
RENUMBERED = ("V8 renumbers every object when an inspector session ends (DevTools, a debugger, "
              "`heapsight hunt`/`watch` through the inspector), so snapshots with a session "
              "ending between them cannot be compared; take them with `heapsight snapshot --pid` "
              "(which keeps the numbering), in one `heapsight hunt`, or with node's "
              "--heapsnapshot-signal")
MARKER_CLASS = "HeapsightIdMarker"  # held by heapsight's snapshot agent (live/agent.js)


def marker_ids(snapshot: Comparable) -> set[int]:
    """Ids of the snapshot agent's marker objects (the same in every snapshot it takes while
    V8 keeps its numbering)."""
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.markers
    name = snapshot.strings.index_of(MARKER_CLASS)
    if name < 0:
        return set()
    objects = (snapshot.node_name == name) & \
        (snapshot.node_type == snapshot.meta.node_type("object"))
    return {int(i) for i in snapshot.node_id[objects]}


def check_same_process(earlier: Comparable, later: Comparable) -> None:
    """Refuse snapshots that cannot be compared by object id: the same file twice, from
    different processes (no ids in common, or the common ids name different classes),
    renumbered by V8 in between, or given out of order."""
    where = f"{earlier.source} and {later.source}"
    if _same_file(earlier.source, later.source) or (
            earlier.node_count == later.node_count and earlier.file_size == later.file_size
            and np.array_equal(_sorted_ids(earlier), _sorted_ids(later))):
        raise HeapsightError(f"{where} are the same snapshot; give snapshots taken one after "
                             "another (baseline, target, final)")
    markers_a, markers_b = marker_ids(earlier), marker_ids(later)
    if markers_a and markers_b and not markers_a & markers_b:
        raise HeapsightError(f"{where} cannot be compared: the objects were renumbered between "
                             f"them. {RENUMBERED}")
    # ids 1..~100 are the synthetic roots, the same in every process
    later_ids = _ids_in_order(later)
    sample = _common_sample(earlier, later_ids, above=200, most=_SAMPLE)
    if sample.size == 0:
        raise HeapsightError(f"{where} come from different processes (no object in common); "
                             "compare snapshots taken from one running process")
    a = _classes_of(earlier, earlier.ordinals_of(later_ids[sample]))
    del later_ids
    b = _classes_of(later, sample)
    same = np.mean([_class_name(earlier, int(x)) == _class_name(later, int(y))
                    for x, y in zip(a, b, strict=True)])
    if same < 0.9:
        raise HeapsightError(f"{where} do not match: the same object ids name different "
                             "objects. Either they come from different processes, or V8 "
                             f"renumbered the objects in between: {RENUMBERED}")
    # V8 numbers heap objects with odd ids, in the order it first sees them (embedder nodes
    # get even ids from a counter of their own), so a later snapshot's largest odd id is larger.
    if _largest_odd_of(later) < _largest_odd_of(earlier):
        raise HeapsightError(f"{where} look out of order: {later.source} is older; "
                             "give the snapshots in the order they were taken")


_BLOCK = 1 << 16  # ids looked up at a time: the lookups' temporaries stay at 2 MiB


def held_ids(snapshot: Comparable, node_ids: np.ndarray) -> np.ndarray:
    """For each id, whether the snapshot holds it; in blocks, so that no temporary as long as
    node_ids (int64 positions) exists beside a big graph."""
    held = np.empty(node_ids.shape[0], bool)
    for start in range(0, node_ids.shape[0], _BLOCK):
        held[start:start + _BLOCK] = snapshot.has_ids(node_ids[start:start + _BLOCK])
    return held


def _ids_in_order(snapshot: Comparable) -> np.ndarray:
    """A snapshot's ids by ordinal: a final snapshot's column, an earlier one's decoded."""
    return snapshot.sorted_ids if isinstance(snapshot, EarlierSnapshot) else snapshot.node_id


def _common_sample(earlier: Comparable, later_ids: np.ndarray, above: int,
                   most: int) -> np.ndarray:
    """Ordinals, in the later snapshot (whose ids are later_ids), of every k-th of its objects
    with an id over `above` that `earlier` holds too (k such that about `most` are left; empty
    when none is held): a mask per block of ids, kept as bits, so that no array of every
    common object exists."""
    masks = []
    total = 0
    for start in range(0, later_ids.shape[0], _BLOCK):
        ids = later_ids[start:start + _BLOCK]
        mask = earlier.has_ids(ids) & (ids > above)
        total += int(np.count_nonzero(mask))
        masks.append(np.packbits(mask))
    step = max(1, total // most)
    picked, seen = [np.empty(0, np.int64)], 0
    for index, bits in enumerate(masks):
        ordinals = np.flatnonzero(np.unpackbits(bits))
        picked.append(ordinals[(-seen) % step::step] + index * _BLOCK)
        seen += ordinals.shape[0]
    return np.concatenate(picked)


def _class_name(snapshot: Comparable, class_id: int) -> str:
    """One class id's name, without listing every class of a final snapshot (that would
    make its class totals, early)."""
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.class_names[class_id]
    return snapshot.class_name_of(class_id)


def _classes_of(snapshot: Comparable, ordinals: np.ndarray) -> np.ndarray:
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.class_id[ordinals]
    return snapshot.classes_of(ordinals)


def _sorted_ids(snapshot: Comparable) -> np.ndarray:
    """A final snapshot's sorted ids are not kept for this one comparison."""
    if isinstance(snapshot, HeapSnapshot) and "sorted_ids" not in vars(snapshot):
        return np.sort(snapshot.node_id)
    return snapshot.sorted_ids


HUNT_NAMES = {"baseline": 0, "target": 1, "final": 2}  # what `heapsight hunt` writes


def taken_order(paths: list[Path]) -> list[Path]:
    """Snapshots in the order they were taken: baseline, target, final when they carry the
    names `heapsight hunt` gives them, else natural name order (s2 before s10)."""
    def stem(path: Path) -> str:
        return path.name.removesuffix(".gz").removesuffix(".heapsnapshot")

    if paths and all(stem(p) in HUNT_NAMES for p in paths):
        return sorted(paths, key=lambda p: HUNT_NAMES[stem(p)])

    def natural(path: Path) -> list:
        return [(0, int(part), "") if part.isdigit() else (1, 0, part)
                for part in re.split(r"(\d+)", path.name)]
    return sorted(paths, key=natural)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _largest_odd_of(snapshot: Comparable) -> int:
    if isinstance(snapshot, EarlierSnapshot):
        return snapshot.largest_odd
    largest = 0
    for start in range(0, snapshot.node_count, _BLOCK):
        block = snapshot.node_id[start:start + _BLOCK]
        odd = block[(block & 1) == 1]
        if odd.size:
            largest = max(largest, int(odd.max()))
    return largest


def first_seen(final: HeapSnapshot, earlier: list[EarlierSnapshot]) -> np.ndarray:
    """For each node of `final`, the index of the first snapshot that holds its id
    (len(earlier) when the node is new in final). V8 never reuses an id, so an object
    present in two snapshots lived throughout."""
    return first_seen_of_new(final, earlier, new_since(final, earlier[0]))


def new_since(final: HeapSnapshot, baseline: EarlierSnapshot) -> np.ndarray:
    """For each node of `final`, whether the baseline does not hold its id."""
    held = held_ids(baseline, final.node_id)
    return np.logical_not(held, out=held)


def first_seen_of_new(final: HeapSnapshot, earlier: list[EarlierSnapshot],
                      is_new: np.ndarray) -> np.ndarray:
    """first_seen, made in the memory of is_new (new_since's answer, which this consumes):
    0 for the nodes the baseline holds, and only the new nodes' ids are looked up in the
    later snapshots (the most recent first, so the earliest that holds an id wins)."""
    new = np.flatnonzero(is_new)
    phase = is_new.view(np.int8)
    phase[new] = len(earlier)
    for index in range(len(earlier) - 1, 0, -1):
        held = held_ids(earlier[index], final.node_id[new])
        phase[new[held]] = index
    return phase
