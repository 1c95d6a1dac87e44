"""What a detector sees of one leak cluster, and the shape of a detector."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import numpy as np

from heapsight.analysis.cluster import Cluster
from heapsight.analysis.detectors.libraries import library_advice
from heapsight.analysis.paths import PathStepView
from heapsight.analysis.retention import ClosureFacts, Library, closure_capture, library_holder
from heapsight.snapshot import HeapSnapshot

_SAMPLE = 50


BACKING_STORES = ("table", "properties", "elements")


@dataclass
class LeakEvidence:
    """A cluster in the words detectors need: who holds it, how, and what it holds."""
    snapshot: HeapSnapshot
    cluster: Cluster
    holder_path: list[PathStepView]           # GC root ... holder
    path_ordinals: list[int] = field(default_factory=list)
    example_path: list[PathStepView] = field(default_factory=list)  # GC root ... payload
    is_new: np.ndarray | None = None           # per node: made after the baseline

    @property
    def holder(self) -> int:
        return self.cluster.holder

    @cached_property
    def _owner_steps(self) -> int:
        """1 when the holder is a backing store (a Map's table, a dictionary's properties):
        the collection the user knows is its owner, one step up."""
        path = self.holder_path
        if len(path) >= 2 and path[-1].edge in BACKING_STORES and \
                path[-1].type in ("array", "hidden"):
            return 1
        return 0

    @cached_property
    def holder_class(self) -> str:
        if self._owner_steps:
            return self.snapshot.class_name(self.path_ordinals[-2])
        return self.snapshot.class_name(self.holder)

    @property
    def holder_edge(self) -> str:
        """The name the holder is known by (`requestLog`), or '' for a root."""
        path = self.holder_path[:len(self.holder_path) - self._owner_steps]
        return path[-1].edge or "" if path else ""

    @cached_property
    def path_edges(self) -> list[str]:
        path = self.holder_path[:len(self.holder_path) - self._owner_steps]
        return [step.edge for step in path if step.edge]

    @cached_property
    def captured(self) -> bool:
        """The example is reached from the holder through a closure's context: what leaks
        is what a callback captured."""
        below = self.example_path[len(self.holder_path):]
        return any(before.type == "closure" and after.edge == "context"
                   for before, after in zip(below, below[1:], strict=False))

    @cached_property
    def owner_class(self) -> str:
        """The class of the object that owns the holder (`ReportCache` for its `entries` Map,
        `MemoryStore` for its `sessions`), or ''."""
        index = len(self.path_ordinals) - 2 - self._owner_steps
        return self.snapshot.class_name(self.path_ordinals[index]) if index >= 0 else ""

    @cached_property
    def closure(self) -> ClosureFacts | None:
        """The per-call closure whose shared Context keeps most of the leaked objects."""
        if self.is_new is None:
            return None
        return closure_capture(self.snapshot, self.cluster.payload_sample, self.is_new)

    @cached_property
    def library(self) -> Library | None:
        """The npm package whose object holds the leak, when it is not the user's own code."""
        return library_holder(self.snapshot, self.path_ordinals)

    @cached_property
    def payload_fields(self) -> set[str]:
        """Property names of a sampled payload instance (`ttl`, `expires`...)."""
        return {edge.name for edge in self.snapshot.edges_of(self.cluster.example)
                if edge.type == "property"}

    @cached_property
    def payload_class(self) -> str:
        return self.snapshot.class_name_of(self.cluster.payload_class)

    @cached_property
    def payload_type(self) -> str:
        return self.snapshot.type_name(self.cluster.example)

    @cached_property
    def top_classes(self) -> Counter[str]:
        sample = self.cluster.top_nodes[:_SAMPLE]
        return Counter(self.snapshot.class_name(int(n)) for n in sample)

    def top_is(self, *class_names: str) -> bool:
        common = self.top_classes.most_common(1)
        return bool(common) and common[0][0] in class_names

    @cached_property
    def repeating_timers(self) -> int:
        """How many sampled top nodes are timers that repeat: setInterval (Node sets `_repeat`
        to null for setTimeout, to a number, a Smi so no edge, for setInterval), or a
        setTimeout whose callback re-arms itself."""
        repeating = 0
        for node in self.cluster.top_nodes[:_SAMPLE]:
            node = int(node)
            if self.snapshot.class_name(node) != "Timeout":
                continue
            repeat = [e for e in self.snapshot.edges_of(node) if e.name == "_repeat"]
            if not repeat or self.snapshot.type_name(repeat[0].target) == "number" or \
                    self._rearms(node):
                repeating += 1
        return repeating

    def _rearms(self, timeout: int) -> bool:
        """A one-shot timer whose callback schedules itself again: the callback's own scope
        (its context) holds the callback (`const run = () => { ...; setTimeout(run, t) }`)."""
        callback = next((e.target for e in self.snapshot.edges_of(timeout)
                         if e.name == "_onTimeout"), None)
        if callback is None or self.snapshot.type_name(callback) != "closure":
            return False
        context = next((e.target for e in self.snapshot.edges_of(callback)
                        if e.name == "context"), None)
        return context is not None and any(
            e.target == callback for e in self.snapshot.edges_of(context))


class Detector:
    """One leak pattern. Subclasses document What it finds / Why it leaks / Example / Fix."""

    category: ClassVar[str]
    advice: ClassVar[str]

    def matches(self, evidence: LeakEvidence) -> bool:
        raise NotImplementedError

    def advice_for(self, evidence: LeakEvidence) -> str:
        """The fix; inside a known library, in terms of that library's own options."""
        library = evidence.library
        if library is None:
            return self.advice
        return library_advice(library.package, self.category) or self.advice


def name_matches(pattern: re.Pattern[str], *names: str) -> bool:
    return any(pattern.search(name) for name in names if name)
