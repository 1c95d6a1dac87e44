"""What every rule asks about one parsed file, computed once and shared (ruff's SemanticModel).

    SourceFile (parse: tree, queries, scopes)  ->  FileFacts (meaning)  ->  rules

A rule takes `(source, facts)` and reads facts; it never calls another rule. Each fact is a
cached property (or a memo on this object), so it costs one computation per file however many
rules ask:

- per_call: which functions run once per request, connection, message, job or render, and why;
- in_setup_code: which code runs once, at load or start-up;
- repeats: the function around a node that can run more than once (per object or process);
- shown_to_repeat / runs_again: the file shows a function running again (strong evidence; or
  that plus weaker call evidence, for rules whose other evidence is strong);
- functions_named: the file's functions by the name they can be called by;
- collection_growth: module-level collections that grow per event and are never trimmed;
- field_growth: collections on `this` of long-lived objects grown per call and never trimmed;
- implicit_globals: names a sloppy-mode script assigns without declaring (implicit.py);
- singleton: whether a class has one long-lived instance, and why (classes.py);
- unremoved_listeners: listeners added per call to long-lived emitters and never removed;
- futile_removals: removals of a function made at the removal, which remove nothing;
- rewrapped_functions: a method of an object handed in, wrapped again on every call;
- unforwarded_returns: iterator wrappers whose return() leaves the wrapped iterator open;
- long_lived_classes: classes whose one instance serves the whole process;
- interval_starts: intervals started in functions, and whether anything can clear them;
- overwritten_timers: timers whose handle replaces a pending one without clearing it;
- dropped_timeouts: operation timeouts started per call whose handle is thrown away;
- cleanup_not_called: per-call objects whose interval only a stop() nobody calls clears;
- this_fields: collections kept on `this` in classes;
- imports: what each module-level name was imported as (package, exported name).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from tree_sitter import Node

from heapsight.lint import percall
from heapsight.lint.classes import (
    FieldGrowth,
    assigned_value,
    field_growth,
    made_at_module_level,
    once_per_instance,
    owner_class,
    singleton_classes,
)
from heapsight.lint.implicit import ImplicitGlobal, implicit_globals
from heapsight.lint.imports import imported_as, is_package, module_imports
from heapsight.lint.listeners import (
    ListenerAdd,
    Rewrap,
    futile_removals,
    listener_adds,
    rewrapped_functions,
    unforwarded_returns,
    unremoved_listeners,
)
from heapsight.lint.project import ProjectFacts
from heapsight.lint.source import FUNCTIONS_QUERY, SourceFile, file_query, text
from heapsight.lint.timers import (
    CleanupNotCalled,
    DroppedTimeout,
    IntervalStart,
    TimerOverwrite,
    cleanup_not_called,
    cleared_handle_names,
    dropped_timeouts,
    interval_starts,
    overwritten_timers,
    rescheduling_methods,
)
from heapsight.lint.usage import Growth, scoped_collections, unbounded_growth

__all__ = ["Rewrap", "CleanupNotCalled", "DroppedTimeout", "FieldGrowth", "FileFacts", "Growth", "ImplicitGlobal", "IntervalStart", "ListenerAdd", "TimerOverwrite"]

_THIS_FIELDS = file_query("""
(assignment_expression
  left: (member_expression object: (this) property: [(property_identifier) (private_property_identifier)] @name)
  right: (_) @value)
""")
# Class fields are spelled differently by the two grammars.
_JS_FIELD = file_query("""
(field_definition property: [(property_identifier) (private_property_identifier)] @name value: (_) @value)
""", ("javascript",))
_TS_FIELD = file_query("""
(public_field_definition name: [(property_identifier) (private_property_identifier)] @name value: (_) @value)
""", ("typescript", "tsx"))


class FileFacts:
    """The facts of one file; build one per SourceFile and hand it to every rule."""

    def __init__(self, source: SourceFile, resources: Iterable[str] = (),
                 project: ProjectFacts | None = None) -> None:
        self.source = source
        self.project = project or ProjectFacts()
        self._load_only: dict[int, bool] = {}
        self._once_per_object: dict[int, bool] = {}
        self._shown_to_repeat: dict[int, bool] = {}
        self._runs_again: dict[int, bool] = {}
        self._singletons: dict[str, str] = {}
        # constructor and factory names the project adds to the resource table (settings)
        self.extra_resources = frozenset(resources)

    # -- what runs per call, what runs once --------------------------------------------------
    @cached_property
    def per_call(self) -> dict[int, str]:
        """Node id of every per-call function -> why it is one ("request handler", ...)."""
        return percall.per_call_functions(self.source, self)

    @cached_property
    def long_lived_classes(self) -> dict[int, str]:
        """Class body id -> why one instance serves the whole process (an injectable, a class
        made once at load): its fields and `this` outlive every call of its methods."""
        return percall.long_lived_classes(self.source)

    def per_call_reason(self, function: Node) -> str | None:
        return self.per_call.get(function.id)

    @staticmethod
    def per_call_is_inferred(reason: str) -> bool:
        """The reason was inferred from what the function is (exported and async, a method of
        a singleton, a job or interval callback), not from a framework calling it per
        request: it runs many times, but maybe not with traffic-shaped arguments."""
        return percall.inferred(reason)

    def per_call_scope(self, node: Node) -> tuple[Node, str] | None:
        """The nearest enclosing per-call function of `node` and why it is one."""
        for function in self.source.enclosing_functions(node):
            reason = self.per_call.get(function.id)
            if reason is not None:
                return function, reason
        return None

    def repeatable_scope(self, node: Node) -> Node | None:
        """The nearest named function around `node` that may run many times though nothing
        marks it per-call (a method, a named function that is not start-up code)."""
        return percall.repeatable_function(self.source, self, node)

    def exported_function(self, function: Node) -> bool:
        """`export function f`, `export const f = () =>`, `exports.f = function`: the
        module's users call it, any number of times."""
        return percall._is_exported(function) or self.source.function_name(function) in (
            self._exported_names)

    @cached_property
    def _exported_names(self) -> frozenset[str]:
        return frozenset(percall.exported_names(self.source))

    def handed_to_users(self, function: Node) -> bool:
        """Exported, a public method of an exported class, or a function of the object an
        exported factory returns: the module's users may call it any number of times."""
        return percall.handed_to_users(self.source, function, self._exported_names)

    def runs_once_at_start_up(self, node: Node) -> bool:
        """`node` is in a function named like start-up code (or a callback inside one) that
        the file neither calls again nor exports, and that is no local helper of another
        function (`function init()` inside a constructor runs once per object made)."""
        return any(self.named_like_start_up(function) and not self.runs_again(function)
                   and not self.exported_function(function) and not (
                       function.type == "function_declaration"
                       and self.source.enclosing_function(function) is not None)
                   for function in self.source.enclosing_functions(node))

    def named_like_start_up(self, function: Node) -> bool:
        """`start`, `init`, `setupRoutes`, `registerX`...: by its name, a function that runs
        once (a constructor is judged by the objects made, not by this)."""
        return bool(percall.START_UP.match(self.source.function_name(function)))

    def repeats(self, node: Node, per_object: bool = False) -> Node | None:
        """The function around `node` that can run more than once, judged from the file's
        structure, not from names: anything but a constructor, module-level code, a function
        only called while the module loads, a method only called from the constructor, or a
        lazy `if (!x) x = ...`. With `per_object`, a constructor counts as once (what matters
        for `this` and its fields); without, it runs once per object made (what matters for a
        module-level emitter or `process`), unless the file makes the object only at load."""
        return percall.repeating_function(self.source, node, self._load_only,
                                          self._once_per_object, per_object, self.per_call)

    def one_object(self, class_body: Node) -> bool:
        """The file makes no object of the class, or makes them only while the module loads:
        objects are long-lived unless the file shows otherwise."""
        return percall.one_object(self.source, class_body, self._load_only)

    def outlives_calls(self, class_body: Node) -> str:
        """Why the class's objects outlive each call of their methods, or "": neither this
        file nor any other file of the project makes one (or one of a subclass) inside a
        function, so what makes them is start-up code, a container or a framework."""
        if not self.one_object(class_body):
            return ""
        declaration = class_body.parent
        named = declaration.child_by_field_name("name") if declaration is not None else None
        if named is None or self.project.made_per_call_elsewhere(text(named), self.source.path):
            return ""
        return "no file of the project makes one per call"

    def shown_to_repeat(self, function: Node) -> bool:
        """The file shows `function` running again: it retries itself (directly or from a
        callback it registers), or a listener or interval callback, per-call code or another
        such function calls it. Stronger than `repeats`, which only asks that nothing shows it
        running once; for rules whose only evidence is a missing removal."""
        return percall.shown_to_repeat(self.source, function, self.per_call,
                                       self._shown_to_repeat)

    def runs_again(self, function: Node) -> bool:
        """The file shows `function` running more than once, by strong evidence (see
        shown_to_repeat) or weaker: it is called from two places, from any callback handed to
        a call (a listener, a timer, one run per item), or from an exported function. For
        rules whose other evidence is strong (a timer handle replaced, a field cleared
        elsewhere); `connect`, `init` and `start` run again in real code, whatever their
        names say."""
        key = function.id
        if key not in self._runs_again:
            self._runs_again[key] = self.shown_to_repeat(function) or percall.called_again(
                self.source, self, function)
        return self._runs_again[key]

    def runs_per_call_or_async(self, node: Node) -> bool:
        """In per-call code, or in an async function: where caches meet unbounded keys.

        A synchronous memo outside request paths (a regex per pattern, a prototype per node
        type) is keyed by a small fixed domain; async lookups and per-request code are keyed by
        user data, which is what makes a cache without eviction leak.
        """
        scope = self.per_call_scope(node)
        if scope is not None and not percall.per_chunk(scope[1]):
            return True  # a stream's per-chunk code is keyed by its format, not by users
        return any(child.type == "async" for function in self.source.enclosing_functions(node)
                   for child in function.children)

    def in_setup_code(self, node: Node) -> bool:
        """Inside start-up code: an `init`/`register...`-style function, or one only called
        while the module loads (see percall.py)."""
        scope = self.per_call_scope(node)
        if scope is not None and not scope[1].startswith(("called", "constructed")):
            return False  # a handler or listener, whatever its name says (`setupConnection`)
        return percall.in_setup_code(self.source, node, self._load_only)

    def describe(self, function: Node) -> str:
        """How messages name a function: `getUser()`, `handle() (called per request ...)`,
        or `a route handler` for an anonymous one."""
        name = self.source.function_name(function)
        reason = self.per_call_reason(function)
        if name and reason and (reason.startswith(("called", "constructed"))
                                or percall.inferred(reason)):
            return f"{name}() ({reason})"
        if name:
            return f"{name}()"
        return f"a {reason}" if reason else "an anonymous function"

    @cached_property
    def _functions_by_name(self) -> dict[str, list[Node]]:
        table: dict[str, list[Node]] = {}
        for found in self.source.matches(FUNCTIONS_QUERY):
            function = found["function"][0]
            own = self.source.function_name(function)
            if own and function.type != "method_definition":
                table.setdefault(own, []).append(function)
        return table

    def functions_named(self, name: str) -> list[Node]:
        """Functions in this file that can be called as `name(...)` (methods excluded)."""
        return self._functions_by_name.get(name, [])

    @cached_property
    def imports(self) -> dict[str, tuple[str, str]]:
        """Module-level name -> (package, exported name or `*`), from import and require."""
        return module_imports(self.source)

    def imported_from_package(self, callee: Node) -> tuple[str, str] | None:
        """(package, exported name or `*`) that `callee` (`Pool`, `pg.Pool`) names through an
        import of a package (not a file of the project); None otherwise."""
        found = imported_as(self.imports, callee)
        return found if found is not None and is_package(found[0]) else None

    def imported_from_project(self, callee: Node) -> bool:
        """`callee` names something a file of the project exports (`require('../lib/knex')`)."""
        found = imported_as(self.imports, callee)
        return found is not None and not is_package(found[0])

    # -- what grows, what is added and removed -----------------------------------------------
    @cached_property
    def collection_growth(self) -> list[Growth]:
        return unbounded_growth(self.source, self)

    @cached_property
    def scoped_collections(self) -> dict[Node, Node]:
        """Collections declared in a set-up function (a plugin, a factory) -> that function:
        they live as long as the closures it registers or returns."""
        return scoped_collections(self.source, self)

    @cached_property
    def field_growth(self) -> list[FieldGrowth]:
        return field_growth(self.source, self)

    @cached_property
    def _injected_classes(self) -> dict[str, str]:
        return singleton_classes(self.source)

    def singleton(self, name: str) -> str:
        """Why class `name` has one instance for the life of the process ("@Injectable()",
        "made once at module level"), or "" when this file does not say so."""
        if not name:
            return ""
        if name not in self._singletons:
            self._singletons[name] = self._injected_classes.get(name) or (
                "made once at module level" if made_at_module_level(self.source, name) else "")
        return self._singletons[name]

    def in_singleton_method(self, node: Node) -> bool:
        """In a method of a class with one shared instance, other than its constructor and
        start-up or lifecycle methods: code the program runs per operation."""
        function = self.source.enclosing_function(node)
        return function is not None and function.type == "method_definition" and (
            bool(self.singleton(owner_class(node)))) and (
            not once_per_instance(self.source.function_name(function)))

    def assigned_value(self, name: str, function: Node, before: Node | None = None
                       ) -> Node | None:
        """The value `name` last got in `function` before `before`, or was declared with."""
        return assigned_value(self.source, name, function, before)

    @cached_property
    def implicit_globals(self) -> list[ImplicitGlobal]:
        """Names a sloppy-mode script assigns in functions without declaring (implicit.py)."""
        return implicit_globals(self.source)

    @cached_property
    def unremoved_listeners(self) -> list[ListenerAdd]:
        return unremoved_listeners(self.source, self)

    @cached_property
    def rewrapped_functions(self) -> list[Rewrap]:
        """`obj.fn = (...) => previous(...)` on an object handed in, by code that runs again:
        a chain of wrappers that grows per call (listeners.py)."""
        return rewrapped_functions(self.source, self)

    @cached_property
    def listener_adds(self) -> list[Node]:
        """Every `x.on(...)`-style registration call, wherever it runs."""
        return listener_adds(self.source)

    @cached_property
    def futile_removals(self) -> list[Node]:
        """`off(event, <a function made right there>)` calls: they remove nothing."""
        return futile_removals(self.source)

    @cached_property
    def unforwarded_returns(self) -> list[Node]:
        """Iterator `return()`s that never end the iterator they wrap (first statement)."""
        return unforwarded_returns(self.source)

    @cached_property
    def interval_starts(self) -> list[IntervalStart]:
        return interval_starts(self.source, self)

    @cached_property
    def overwritten_timers(self) -> list[TimerOverwrite]:
        return overwritten_timers(self.source, self)

    @cached_property
    def cleanup_not_called(self) -> list[CleanupNotCalled]:
        return cleanup_not_called(self.source, self)

    @cached_property
    def dropped_timeouts(self) -> list[DroppedTimeout]:
        return dropped_timeouts(self.source, self)

    @cached_property
    def rescheduling_methods(self) -> frozenset[str]:
        """Methods a timer callback runs (directly or one `this.x()` call away)."""
        return rescheduling_methods(self.source)

    @cached_property
    def cleared_handle_names(self) -> frozenset[str]:
        return cleared_handle_names(self.source)

    @cached_property
    def this_fields(self) -> list[dict[str, list[Node]]]:
        """`this.x = <value>` assignments and class field definitions, each with @name and
        @value."""
        field = _JS_FIELD if self.source.language == "javascript" else _TS_FIELD
        return self.source.matches(_THIS_FIELDS) + self.source.matches(field)
