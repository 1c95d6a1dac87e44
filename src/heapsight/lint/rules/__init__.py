"""The registry: every lint rule, one per file, in the order the docs list them."""

from __future__ import annotations

from heapsight.lint.rule import Rule
from heapsight.lint.rules.cleanup_not_called import CleanupNeverCalled
from heapsight.lint.rules.closure_capture import ClosureCapturesRequest
from heapsight.lint.rules.field_collection_growth import FieldCollectionGrowth
from heapsight.lint.rules.global_growth import GlobalCollectionGrowth
from heapsight.lint.rules.global_patch_chain import GlobalPatchChain
from heapsight.lint.rules.implicit_global import ImplicitGlobal
from heapsight.lint.rules.listener_leak import ListenerNotRemoved
from heapsight.lint.rules.resource_per_request import ClientPerRequest
from heapsight.lint.rules.timeout_not_cleared import TimeoutNotCleared
from heapsight.lint.rules.timer_leak import IntervalNotCleared
from heapsight.lint.rules.timer_overwritten import TimerOverwritten
from heapsight.lint.rules.unbounded_cache import CacheWithoutEviction
from heapsight.lint.rules.unbounded_collection import ModuleCollectionGrowth

RULES: tuple[type[Rule], ...] = (
    ModuleCollectionGrowth,
    FieldCollectionGrowth,
    ListenerNotRemoved,
    IntervalNotCleared,
    TimerOverwritten,
    TimeoutNotCleared,
    CleanupNeverCalled,
    ClosureCapturesRequest,
    CacheWithoutEviction,
    ClientPerRequest,
    GlobalCollectionGrowth,
    GlobalPatchChain,
    ImplicitGlobal,
)

RULES_BY_ID: dict[str, type[Rule]] = {rule.id: rule for rule in RULES}


def rules_reference() -> str:
    """Markdown for every rule, built from the docstrings (docs/lint.md includes this text)."""
    parts: list[str] = []
    for rule in RULES:
        parts.append(f"### `{rule.id}` ({rule.category})\n\n{rule.markdown()}\n")
    return "\n".join(parts)
