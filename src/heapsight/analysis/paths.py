"""Retainer paths in the user's words: GC root first, each step an edge name and the object."""

from __future__ import annotations

from dataclasses import dataclass, field

from heapsight.results import NOT_JSON, Result
from heapsight.snapshot import HeapSnapshot

_LABEL_MAX = 60


@dataclass(frozen=True)
class PathStepView(Result):
    node: str          # readable label: class, closure name, root name or a short string
    edge: str | None   # how the previous step holds this one (None for the first step)
    id: int
    type: str
    ordinal: int = field(metadata=NOT_JSON)  # the node's position in its snapshot


def node_label(snapshot: HeapSnapshot, ordinal: int) -> str:
    """How a person recognises a node: a root by its name, a closure by its function name,
    a string by its text, an object by its class."""
    kind = snapshot.type_name(ordinal)
    if kind in ("synthetic", "hidden", "object", "native", "array"):
        name = snapshot.name(ordinal).removesuffix(" / ")  # V8's "global / <no url>"
        return name or snapshot.class_name(ordinal)
    if kind == "closure":
        return f"{snapshot.name(ordinal) or '(anonymous)'}()"
    if kind in ("string", "concatenated string", "sliced string"):
        text = snapshot.name(ordinal).replace("\n", " ")
        return '"' + (text if len(text) <= _LABEL_MAX else text[:_LABEL_MAX] + "…") + '"'
    return snapshot.class_name(ordinal)


def retainer_path(snapshot: HeapSnapshot, ordinal: int) -> list[PathStepView]:
    """The shortest path from the GC roots to the node, without the synthetic top root."""
    steps = snapshot.retainer_path(ordinal)
    if len(steps) > 1 and int(steps[0].node) == 0:
        steps = steps[1:]  # the synthetic root itself: the path starts at a GC root
        steps[0] = type(steps[0])(steps[0].node, None)
    return [PathStepView(node_label(snapshot, s.node), s.edge.name if s.edge else None,
                         int(snapshot.node_id[s.node]), snapshot.type_name(s.node), int(s.node))
            for s in steps]


def format_path(steps: list[PathStepView]) -> str:
    """`(GC roots) > ... > requestLog (Array) > [17] > RequestEntry` style, one line."""
    parts: list[str] = []
    previous_type = None
    for step in steps:
        if step.edge is None or (previous_type == "synthetic" and step.edge.startswith("[")) \
                or step.node in (step.edge, f"{step.edge}()"):
            parts.append(step.node)  # the edge adds nothing a reader needs
        elif step.edge.startswith("["):
            parts.append(f"{step.edge} > {step.node}")
        else:
            parts.append(f"{step.edge} ({step.node})")
        previous_type = step.type
    return " > ".join(parts)
