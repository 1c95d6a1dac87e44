"""What the other files of the project say about a file's code: who makes its classes, and who
calls its functions.

A file alone cannot tell a service the program makes once (by a DI container, in a bootstrap
file, by a framework) from a per-operation object made elsewhere (an error, a query builder, a
result merger): both are classes the file never instantiates. Nor can it tell a `start()` the
program's entry point calls once from a method called per request. The rest of the project
can. One cheap pass over every file records:

- which class names it makes inside functions, and which class extends which: lint treats a
  class as made per call when the project makes it, or a subclass of it, inside a function;
- where each function is called (`f()`, `x.f()`, `new F()`) and from what: module-level code, a
  named function or method, or code that repeats whatever calls it (a listener or route
  callback, a `while` loop). Anonymous functions that run once where they are written (an
  IIFE, a `.then()` or `forEach` callback, a promise's executor, a timeout, an error-first
  callback handed to anything but a registration: `db.connect(err => ...)`) count as the code
  around them. A function is *called only at start-up* when every call of it is at module
  level or in functions themselves called only at start-up, and no file hands it around as a
  value (a callback, `.bind()`): lint drops findings in such code, which runs a fixed number
  of times however long the process lives.

A call `f()` is matched to the file's own `f` or, through `require`/`import` of a project file,
to that file's `f` (`import run from './x'; run()` to its default export, or to the function
`export default start` names). Classes are matched by their last name (`new lib.Merger()` makes
`Merger`). A method is its class's (`Notifier.run`; a class field holding an arrow function is
a method too), and a call of it reaches that class's method when the file shows the object's
class: `const n = new Notifier(); n.run()`, `this.notifier.run()` where the class stores a `new
Notifier()` there (or TypeScript declares it a Notifier), `this.run()` inside Notifier; the
method it inherits, and the overrides of the subclasses, count too. Any other `x.run()` may call
every `run` method: a call per request of it keeps them all from being start-up code. Only such
calls in a file that defines or imports a method of that name count, which keeps that to
classes close to each other. A function with no call the pass can see (a framework's hook, a
library's API) is not start-up code.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from tree_sitter import Node

from heapsight.lint.imports import WHOLE, is_package, module_imports
from heapsight.lint.listeners import LISTENING
from heapsight.lint.source import (
    FIELD_TYPES,
    FUNCTION_TYPES,
    SourceFile,
    field_name,
    last_name,
    outer,
    parameter_names,
    text,
    unwrap,
)
from heapsight.lint.tsconfig import TsConfigs
from heapsight.lint.usage import RUN_ONCE_CALLS

_CALLED = """
(new_expression constructor: (_) @made)
(call_expression function: [(identifier) @called
                            (member_expression property: (property_identifier) @called)])
(new_expression constructor: [(identifier) @called
                              (member_expression property: (property_identifier) @called)])
(call_expression function: (call_expression function: (identifier) @require
                                            arguments: (arguments . (string) @loaded))
  (#eq? @require "require"))
(variable_declarator name: (identifier) value: [(call_expression) (member_expression)] @bound)
(variable_declarator name: (identifier) @made_as value: (new_expression))
(decorator [(identifier) @called (member_expression property: (property_identifier) @called)])
"""
# Places where a function is handed around as a value rather than called: whoever receives it
# may call it any number of times.
_NAME = "[(identifier) @value (member_expression property: (property_identifier) @value)]"
_HANDED = f"""
(arguments {_NAME})
(pair value: {_NAME})
(shorthand_property_identifier) @value
(array {_NAME})
(variable_declarator value: {_NAME})
(assignment_expression right: {_NAME})
(return_statement {_NAME})
(member_expression object: {_NAME} property: (property_identifier) @use
  (#match? @use "^(bind|call|apply)$"))
"""
# What a file defines: functions, and classes (what they extend)
_DEFINED = """
[(function_declaration) (generator_function_declaration) (function_expression) (arrow_function)
 (method_definition) (generator_function)] @function
[(class_declaration name: (_) @class) (class name: (_) @class)]
[(class_declaration (class_heritage) @heritage) (class (class_heritage) @heritage)]
(export_statement value: (identifier) @default)
(assignment_expression left: (member_expression) @exports right: (identifier) @default
  (#eq? @exports "module.exports"))
"""
# Calls whose callback runs once where it is written (or once per item, at the caller's
# pace): their callbacks run as often as the code around them.
_RUN_IN_PLACE = RUN_ONCE_CALLS | {"findIndex", "sort", "listen", "Promise"}
# Registrations: their callbacks run at every event, whatever their parameters are called
_LISTENING = re.compile(LISTENING)
_ERROR_FIRST = frozenset({"err", "error", "er"})
# Loops, and class fields (spelled differently by the two grammars)
_BLOCKS = {
    "javascript": "[(while_statement) (do_statement) (for_statement)] @loop "
                  "(field_definition) @field",
    "typescript": "[(while_statement) (do_statement) (for_statement)] @loop "
                  "(public_field_definition) @field "
                  "[(required_parameter pattern: (identifier) @made_as "
                  "type: (type_annotation (type_identifier)))]",
}
_PROJECT = {language: _CALLED + _HANDED + _DEFINED + blocks for language, blocks in _BLOCKS.items()}
_EXTENDS = re.compile(r"extends\s+([\w$.]+)")
_PROTOTYPE = re.compile(r"^([\w$]+)\.prototype\.[\w$]+$")


@dataclass
class ProjectFacts:
    # class name -> the files that make one inside a function
    made_in_functions: dict[str, set[str]] = field(default_factory=dict)
    # class name -> the names of the classes that extend it
    subclasses: dict[str, set[str]] = field(default_factory=dict)
    # what each call calls, and where it runs (Contexts); what is handed around as a value
    # (a callback, `.bind()`): anything may call that
    _calls: list[tuple[Target, Key | None, str]] = field(default_factory=list)
    _handed: list[Target] = field(default_factory=list)
    # method and class name -> the files defining one; file -> what it imports by a path
    _defined: dict[str, set[str]] = field(default_factory=dict)
    # method name -> the class-qualified names it is defined under (`Notifier.start`); class ->
    # the class it extends
    _methods: dict[str, set[str]] = field(default_factory=dict)
    _bases: dict[str, str] = field(default_factory=dict)
    _imported: dict[str, set[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    # (importer, specifier) -> the project file it loads
    _loads: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # file -> the function its default export names (`export default start`,
    # `module.exports = start`)
    _default_names: dict[str, str] = field(default_factory=dict)
    # (file, exported name) -> what it re-exports of another project file
    _reexports: dict[Key, Target] = field(default_factory=dict)
    # calls of decorator factories (`@onStartup()`), whose result runs where they are written
    _decorations: list[tuple[Target, Key | None, str]] = field(default_factory=list)
    _start_up: frozenset[Key] | None = None
    _incomplete: bool = False  # a file's calls could not be read: no code is start-up-only
    # TypeScript's path aliases (`@app/config`), read from tsconfig.json beside the files
    aliases: TsConfigs | None = None

    def add_file(self, path: str, data: bytes, language: str) -> None:
        source = SourceFile(path, data, language, batched=False)
        found = source.captures(_PROJECT[_grammar(language)])  # one walk answers all below
        self._start_up = None
        self._loads.clear()
        self.files.add(path)
        for node in found.get("made", []):
            name = _class_name(text(node))
            if name[:1].isupper() and _in_function(node):
                self.made_in_functions.setdefault(name, set()).add(path)
        for node in found.get("heritage", []):
            extends = _EXTENDS.search(text(node))
            declaration = node.parent
            named = declaration.child_by_field_name("name") if declaration is not None else None
            if extends and named is not None:
                base = _class_name(extends.group(1))
                self.subclasses.setdefault(base, set()).add(text(named))
                self._bases[text(named)] = base
                # making a subclass runs the base class's constructor
                self._calls.append((("", base), ("", text(named)), path))
        try:
            self._add_calls(source, found)
        except Exception:  # a bug here must not cost the user the run
            # a file's calls half recorded could make code look start-up-only: trust none
            self._incomplete = True

    def made_per_call_elsewhere(self, name: str, path: str) -> str:
        """A file other than `path` makes a `name` inside a function, or any file makes a
        subclass of it there: the file where it was made, or ""."""
        for made in (self.made_in_functions.get(name, set()) - {path}):
            return made
        seen = {name}
        pending = list(self.subclasses.get(name, ()))
        while pending:
            sub = pending.pop()
            if sub in seen:
                continue
            seen.add(sub)
            for made in self.made_in_functions.get(sub, ()):
                return made
            pending.extend(self.subclasses.get(sub, ()))
        return ""

    def _add_calls(self, source: SourceFile, found: dict[str, list[Node]]) -> None:
        functions = found.get("function", [])
        source.index_functions(functions)
        contexts = Contexts(source, found)
        here = _Names(source, functions, found.get("bound", []), found.get("made_as", []),
                      self.aliases)
        for called in found.get("called", []):
            site = called.parent
            owner = None
            if site is not None and site.type == "member_expression":
                owner = site.child_by_field_name("object")
                site = site.parent
            if owner is not None and owner.type == "super":
                continue  # an override calling the method it overrides
            made = site is not None and site.type == "new_expression"
            target = here.target(text(called), owner, made, called)
            if target is not None:
                self._calls.append((target, contexts.of(called), source.path))
                if site is not None and site.parent is not None and (
                        site.parent.type == "decorator"):
                    # `@onStartup()`: the class's definition calls what onStartup() returns
                    self._decorations.append((target, contexts.of(called), source.path))
        for loaded in found.get("loaded", []):  # `require('./install')(Plugins)`
            specifier = text(loaded).strip("'\"`")
            if not is_package(specifier):
                self._calls.append(((_IMPORT, source.path, specifier, DEFAULT),
                                    contexts.of(loaded), source.path))
        self._imported[source.path] = {specifier for specifier, _ in here.imports.values()
                                       if not is_package(specifier)}
        for function in functions:
            key = contexts.of_function(function)
            if key is not None and not key[0]:
                method = _method_name(key)
                self._defined.setdefault(method, set()).add(source.path)
                if method != key[1]:
                    self._methods.setdefault(method, set()).add(key[1])
        for name in found.get("class", []):
            self._defined.setdefault(text(name), set()).add(source.path)
        for name in found.get("default", []):
            if text(name) in here.local:
                self._default_names[source.path] = text(name)
        for value in found.get("value", []):
            owner = value.parent.child_by_field_name("object") if (
                value.type == "property_identifier" and value.parent is not None) else None
            if _required(owner) and _bound_to_local(value):
                continue  # `const start = require('./x').default`: its calls are followed
            target = here.target(text(value), owner, False, value)
            if target is not None and not _exported_here(value):
                self._handed.append(target)
            elif target is not None and len(target) == 4 and owner is None:
                exported = _exported_as(value)  # `module.exports = { cachegoose: cachegooseFn }`
                if exported:
                    self._reexports[source.path, exported] = target

    def start_up_keys(self) -> frozenset[Key]:
        """Functions every call of which is at load or in functions themselves called only at
        start-up, and which no file hands around as a value."""
        if self._start_up is None and self._incomplete:
            self._start_up = frozenset()
        if self._start_up is None:
            callers: dict[Key, set[Key | None]] = {}
            reached: dict[Key, set[str]] = {}  # the files calls of a method or class are in
            calls: dict[Key, int] = {}
            for target, context, path in self._calls:
                for key in self._resolve(target):
                    callers.setdefault(key, set()).add(context)
                    calls[key] = calls.get(key, 0) + 1
                    if not key[0]:
                        reached.setdefault(key, set()).add(path)
            self._add_decorations(callers, reached, calls)
            # a call of `x.start()` on an object of unknown class may call any `start`
            for method, qualified in self._methods.items():
                for name in qualified:
                    callers.setdefault(("", name), set()).update(callers.get(("", method), ()))
                    reached.setdefault(("", name), set()).update(reached.get(("", method), ()))
            handed = {key for target in self._handed for key in self._resolve(target)}
            candidates = {key: sites for key, sites in callers.items()
                          if key not in handed
                          and (key[0] or ("", _method_name(key)) not in handed)
                          and (key[0] or self._plausible(key, reached.get(key, set())))}
            # a key is once when each of its callers is load-time code or a key already once
            waiting: dict[Key, set[Key]] = {}
            waited_by: dict[Key, list[Key]] = {}
            for key, sites in candidates.items():
                if None in sites or key in sites:
                    continue  # called from repeating code, or by itself
                waiting[key] = {site for site in sites if site is not None and site != AT_LOAD}
                for site in waiting[key]:
                    waited_by.setdefault(site, []).append(key)
            ready = [key for key, sites in waiting.items() if not sites]
            once: set[Key] = set()
            while ready:
                key = ready.pop()
                once.add(key)
                for caller in waited_by.get(key, ()):
                    waiting[caller].discard(key)
                    if not waiting[caller]:
                        ready.append(caller)
            self._start_up = frozenset(once)
        return self._start_up

    def _add_decorations(self, callers: dict[Key, set[Key | None]],
                         reached: dict[Key, set[str]], calls: dict[Key, int]) -> None:
        """The function a decorator factory returns (`return (target, name) => {...}`) is
        called where the factory is applied, `@onStartup()`, when the class is defined - if
        every call of the factory is such an application; a result kept by other code may be
        called any number of times."""
        applied: dict[Key, list[tuple[Key | None, str]]] = {}
        for target, context, path in self._decorations:
            for key in self._resolve(target):
                applied.setdefault(key, []).append((context, path))
        for key, sites in applied.items():
            if len(sites) == calls.get(key):
                result = (key[0], key[1] + RESULT)
                callers.setdefault(result, set()).update(context for context, _ in sites)
                if not key[0]:
                    reached.setdefault(result, set()).update(path for _, path in sites)

    def runs_only_at_start_up(self, where: Contexts, node: Node) -> bool:
        """The project calls the function around `node` only while the program starts: a fixed
        number of times however long it runs. Module-level code itself is not asked about
        (findings there are about declarations)."""
        context = where.of(node)
        return context is not None and context != AT_LOAD and context in self.start_up_keys()

    def _plausible(self, key: Key, callers: set[str]) -> bool:
        """Some call of a method or class by name is in a file that defines one of that name
        or imports such a file: `n.start()` in server.js, which requires './notifier', can be a
        call of Notifier's start(); a `cfg.start()` in an unrelated file says nothing of it."""
        defined = self._defined.get(_method_name(key), set())
        return bool(defined) and any(path in defined or any(
            resolved in defined for specifier in self._imported.get(path, ())
            for resolved in self._file_of(path, specifier)) for path in callers)

    def _resolve(self, target: Target, depth: int = 0) -> list[Key]:
        """The keys a call target names: itself, or for a name imported from a file of the
        project (`require('./metrics')`), that file's function of that name."""
        if len(target) == 2:
            return self._dispatch(target)  # type: ignore[arg-type]
        kind, importer, specifier, name = target
        # `mod.f()` may call a method of an object the module exports as well as its `f`
        keys = [("", name)] if kind == _MEMBER else []
        found = []
        for path in self._file_of(importer, specifier):
            key = (path, self._default_names.get(path, name) if name == DEFAULT else name)
            onward = self._reexports.get(key)
            if onward is not None and depth < 4:
                found.extend(self._resolve(onward, depth + 1))  # an index file's re-export
            else:
                found.append(key)
        return found + keys

    def _dispatch(self, key: Key) -> list[Key]:
        """The methods `x.f()` on an object of a known class C calls (key `("", "C.f")`): C's
        own `f` or the one it inherits, and the overrides of C's subclasses; any `f`, when no
        class of the project by that name has one."""
        made, _, method = key[1].rpartition(".")
        if key[0] or not made:
            return [key]
        defined = self._methods.get(method, set())
        found: list[Key] = []
        owner, seen = made, set()
        while owner and owner not in seen:
            seen.add(owner)
            if f"{owner}.{method}" in defined:
                found.append(("", f"{owner}.{method}"))
                break
            owner = self._bases.get(owner, "")
        if not found:
            return [("", method)]
        pending = list(self.subclasses.get(made, ()))
        while pending:
            sub = pending.pop()
            if sub not in seen:
                seen.add(sub)
                if f"{sub}.{method}" in defined:
                    found.append(("", f"{sub}.{method}"))
                pending.extend(self.subclasses.get(sub, ()))
        return found

    def _file_of(self, importer: str, specifier: str) -> list[str]:
        """The project file `require(specifier)` in `importer` loads, if it is one."""
        if (importer, specifier) not in self._loads:
            base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
            stem = base[:-3] if base.endswith(".js") else base
            self._loads[importer, specifier] = next(
                ([candidate] for candidate in (base, *(stem + suffix for suffix in _SUFFIXES),
                                               *(f"{base}/index{suffix}" for suffix in _SUFFIXES))
                 if candidate in self.files), [])
        return self._loads[importer, specifier]


Key = tuple[str, str]  # (file, function name), or ("", name): any method or class of that name
# a key, or (_IMPORT or _MEMBER, importer, specifier, name) for `f()` or `mod.f()` of an import
Target = tuple[str, ...]
_IMPORT, _MEMBER = "import", "member"
_BUILT_INS = frozenset({"console", "Math", "JSON", "Object", "Array", "Promise", "Reflect",
                        "Number", "String", "Symbol", "Date", "Buffer", "process", "Error"})
AT_LOAD: Key = ("", "")  # the context of module-level code
RESULT = "()"  # `f()` is the key of the function f returns
DEFAULT = "default"  # the name of a module's default export, and of `module.exports = f`
_SUFFIXES = (".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", ".mts", ".cts")


class _Names:
    """What a name called or handed around in one file refers to."""

    def __init__(self, source: SourceFile, functions: list[Node],
                 bound: Iterable[Node] = (), made_as: Iterable[Node] = (),
                 aliases: TsConfigs | None = None) -> None:
        self.source = source
        self.path = source.path
        # names some function binds to what it requires: `const start = require('./x').default`
        self.required_here = {text(value.parent.child_by_field_name("name")) for value in bound
                              if value.parent is not None and _require_of(value)}
        self.imports = module_imports(source)
        if aliases is not None:  # `import { x } from '@app/config'`: a file of the project
            for local, (specifier, name) in self.imports.items():
                if is_package(specifier):
                    file = aliases.resolve(source.path, specifier)
                    if file:
                        self.imports[local] = (file, name)
        self.fields: dict[tuple[str, str], str] = {}  # (class, field) -> the class it holds
        # names some declaration gives a class: `const x = new C()`, `(x: C) => ...`; only
        # their calls are worth a lookup of what the name holds
        self.typed = {text(name) for name in made_as}
        self._module_declarators: dict[str, Node] | None = None
        self.local = {source.function_name(function) for function in functions
                      if function.type != "method_definition"} | {
            text(declarator.child_by_field_name("name"))
            for declarator in source.module_declarators()}

    def target(self, name: str, owner: Node | None, made: bool,
               at: Node | None = None) -> Target | None:
        """`f()`: this file's `f`, or `f` of the project file it was imported from (None for a
        package's, a global or a parameter); `mod.f()` of an imported project file: its `f`;
        `x.f()`, `new F()`: every method or class of that name; nothing for what a package or
        a built-in object holds (`new WebSocket.Server()`, `JSON.parse()`)."""
        loaded = _required(owner)
        if loaded and not is_package(loaded):
            return (_MEMBER, self.path, loaded, name)  # `require('./cache').cachegoose()`
        if owner is not None and owner.type != "identifier":
            return ("", self._method(owner, name))
        imported = self.imports.get(text(owner) if owner is not None else name) or (
            self._required_locally(owner if owner is not None else at))
        if (imported is not None and is_package(imported[0])) or (
                owner is not None and text(owner) in _BUILT_INS):
            return None
        if made:
            return ("", name)
        relative = imported is not None and not is_package(imported[0])
        if owner is not None:
            if relative and imported is not None and imported[1] == WHOLE:
                return (_MEMBER, self.path, imported[0], name)
            return ("", name if imported is not None else self._method(owner, name))
        if relative and imported is not None:
            return (_IMPORT, self.path, imported[0],
                    DEFAULT if imported[1] == WHOLE else imported[1])
        if name in self.local:
            return (self.path, name)
        return None

    def _method(self, owner: Node, name: str) -> str:
        """`Notifier.start` for `x.start()` when the file shows `x` is a Notifier (`const x =
        new Notifier()`, `this.x = new Notifier()`, `x: Notifier`, `this.start()` in a method
        of Notifier); the bare method name when it does not."""
        made = self._class_of_value(unwrap(owner))
        return f"{made}.{name}" if made else name

    def _class_of_value(self, value: Node) -> str:
        if value.type == "this":
            return _this_class(value)
        if value.type == "member_expression":
            base = value.child_by_field_name("object")
            if base is None or base.type != "this":
                return ""
            made = _this_class(base)
            slot = text(value.child_by_field_name("property"))
            if made and (made, slot) not in self.fields:
                self.fields[made, slot] = self._field_class(base, slot)
            return self.fields.get((made, slot), "") if made else ""
        if value.type != "identifier" or text(value) not in self.typed:
            return ""
        name = text(value)
        function = self.source.enclosing_function(value)
        while function is not None:  # the nearest function declaring the name decides
            if name in parameter_names(function):
                return _annotated(function.child_by_field_name("parameters"), name)
            for declarator in self.source.declarators(name, function):
                if self.source.enclosing_function(declarator) == function:
                    return _made_by(declarator.child_by_field_name("value"))
            function = self.source.enclosing_function(function)
        if self._module_declarators is None:
            self._module_declarators = {text(declarator.child_by_field_name("name")): declarator
                                        for declarator in self.source.module_declarators()}
        declared = self._module_declarators.get(name)
        return _made_by(declared.child_by_field_name("value")) if declared is not None else ""

    def _field_class(self, this: Node, name: str) -> str:
        """The class of every value the class around `this` stores in its field `name`: `this.x
        = new C()`, `x = new C()`, `x: C`, `constructor(private x: C)`; "" when they differ or
        one is something else."""
        body = _class_body(this)
        if body is None:
            return ""
        made = set()
        for spot in self.source.property_names(name):
            if not body.start_byte <= spot.start_byte < body.end_byte:
                continue
            parent = spot.parent
            if parent is not None and parent.type in FIELD_TYPES:
                value = parent.child_by_field_name("value")
                made.add(_made_by(value) if value is not None else _type_name(parent))
            elif parent is not None and parent.type == "member_expression" and (
                    text(parent.child_by_field_name("object")) == "this"):
                assigned = parent.parent
                if assigned is not None and assigned.type == "assignment_expression" and (
                        assigned.child_by_field_name("left") == parent):
                    made.add(_made_by(assigned.child_by_field_name("right")))
        for spot in self.source.identifiers(name, body):  # TypeScript's parameter properties
            parent = spot.parent
            if parent is not None and parent.type in ("required_parameter", "optional_parameter") and any(
                    child.type in ("accessibility_modifier", "readonly") for child in parent.children):
                made.add(_type_name(parent))
        return made.pop() if len(made) == 1 else ""

    def _required_locally(self, name: Node | None) -> tuple[str, str] | None:
        """(specifier, name) for a local of a function bound to what it requires (`const cache
        = require('./cache')`, `const start = require('./x').default`), or None."""
        if name is None or name.type != "identifier" or text(name) not in self.required_here:
            return None
        function = self.source.enclosing_function(name)
        while function is not None:
            declarator = next(self.source.declarators(text(name), function), None)
            if declarator is not None:
                value = declarator.child_by_field_name("value")
                return _require_of(unwrap(value)) if value is not None else None
            function = self.source.enclosing_function(function)
        return None


class Contexts:
    """Where code of one file runs, as call-graph keys: AT_LOAD for module-level code, the key
    of the named function it is in (a constructor: its class's), or None inside code that
    repeats whatever calls it (a loop, or a callback handed to anything but a run-in-place
    call). Functions are found through the file's function index and loops by their byte
    ranges, not by climbing parents (tree-sitter finds a parent by walking down from the root).
    """

    def __init__(self, source: SourceFile, found: dict[str, list[Node]] | None = None) -> None:
        self.source = source
        found = found if found is not None else source.captures(
            _BLOCKS[_grammar(source.language)])
        # (start, end) of every loop that runs until something breaks it, by start
        self.loops = sorted((loop.start_byte, loop.end_byte) for loop in found.get("loop", [])
                            if loop.type != "for_statement" or _endless(loop))
        self.starts = [first for first, _ in self.loops]
        self.fields = found.get("field", [])
        self.memo: dict[int, Key | None] = {}

    def of(self, node: Node) -> Key | None:
        function = self.source.enclosing_function(node)
        floor = function.start_byte if function is not None else -1
        start, end = node.start_byte, node.end_byte
        index = bisect_right(self.starts, start) - 1
        while index >= 0 and self.loops[index][0] > floor:
            if self.loops[index][1] >= end:
                return None  # in a loop inside the function
            index -= 1
        for initialiser in self.fields:
            if floor < initialiser.start_byte <= start and end <= initialiser.end_byte:
                return _class_of(initialiser)  # a class field's initialiser: once per object
        if function is None:
            return AT_LOAD
        if function.id not in self.memo:
            self.memo[function.id] = self.of_function(function)
        return self.memo[function.id]

    def of_function(self, function: Node) -> Key | None:
        """The key of `function` itself when it has a name (or is a constructor or a default
        export); for an anonymous function run where it is written (an IIFE, a `.then()`
        callback), the key of the code around it; None for any other callback."""
        source = self.source
        name = source.function_name(function)
        if function.type == "method_definition":
            if name == "constructor":
                return _class_of(function)
            made = _class_of(function) if function.parent is not None and (
                function.parent.type == "class_body") else None
            return ("", f"{made[1]}.{name}" if made is not None else name)
        wrapped = outer(function)
        parent = wrapped.parent
        if parent is not None and (_default_export(parent) or (
                parent.type == "assignment_expression"
                and text(parent.child_by_field_name("left")) == "module.exports")):
            return (source.path, DEFAULT)  # what `import run from './x'; run()` calls
        if parent is not None and parent.type in FIELD_TYPES:
            made = _class_of(parent)  # `run = () => {...}` in a class body: a method
            if made is not None and field_name(parent):
                return ("", f"{made[1]}.{field_name(parent)}")
        if name and parent is not None:
            if parent.type == "pair":
                return ("", name)  # a method of an object literal
            if parent.type == "assignment_expression":
                left = text(parent.child_by_field_name("left"))
                prototype = _PROTOTYPE.match(left)
                if prototype:
                    return ("", f"{prototype.group(1)}.{name}")  # `Foo.prototype.f = ...`
                if "." in left and not left.startswith(("exports.", "module.exports.")):
                    return ("", name)  # `this.f = ...`, `obj.f = ...`
            return (source.path, name)
        if parent is not None and parent.type == "call_expression" and (
                parent.child_by_field_name("function") == wrapped):
            return self.of(parent)  # an IIFE
        if parent is not None and (parent.type == "return_statement" or (
                parent.type == "arrow_function"
                and parent.child_by_field_name("body") == wrapped)):
            maker = source.enclosing_function(function)  # `return (target, name) => ...`
            made = self.of_function(maker) if maker is not None else None
            return (made[0], made[1] + RESULT) if made is not None and made[1] else None
        if parent is not None and parent.type == "arguments" and parent.parent is not None:
            call = parent.parent
            callee = call.child_by_field_name("function") or call.child_by_field_name(
                "constructor")
            method = last_name(callee) if callee is not None else ""
            if method in _RUN_IN_PLACE or (
                    _completion(function) and not _LISTENING.match(method)):
                return self.of(call)
        return None


def _method_name(key: Key) -> str:
    """`start` for the key of `Notifier.start` (or of any `start`)."""
    return key[1].rpartition(".")[2]


def _completion(function: Node) -> bool:
    """`(err, result) => ...` handed to a call other than a registration: Node's callback
    convention, called once when the operation it was handed to ends (`start(err => ...)`)."""
    names = parameter_names(function)
    return bool(names) and names[0] in _ERROR_FIRST


def _grammar(language: str) -> str:
    return "javascript" if language == "javascript" else "typescript"  # tsx is typescript's


def _default_export(node: Node | None) -> bool:
    return node is not None and node.type == "export_statement" and any(
        child.type == "default" for child in node.children)


def _endless(loop: Node) -> bool:
    condition = loop.child_by_field_name("condition")
    return condition is None or text(condition).strip(" ;") in ("", "true", "1")


def _class_of(node: Node) -> Key | None:
    """The name a class's objects are made by (`new Name`), for the class around `node`."""
    current = node.parent
    while current is not None and current.type not in ("class_declaration", "class",
                                                        "abstract_class_declaration"):
        current = current.parent
    if current is None:
        return None
    named = current.child_by_field_name("name")
    if named is None and current.parent is not None and (
            current.parent.type == "variable_declarator"):
        named = current.parent.child_by_field_name("name")
    return ("", text(named)) if named is not None else None


def _this_class(this: Node) -> str:
    """The class whose object `this` is: the class of the method (or class field) it is in, or
    `Foo` for a function assigned to `Foo.prototype.f`; "" inside any other function."""
    current = this.parent
    while current is not None and current.type not in ("class_body", "program"):
        if current.type == "method_definition":
            if current.parent is None or current.parent.type != "class_body":
                return ""  # a method of an object literal: `this` is the literal
            break
        if current.type in FUNCTION_TYPES and current.type != "arrow_function":
            assigned = outer(current).parent
            left = assigned.child_by_field_name("left") if assigned is not None and (
                assigned.type == "assignment_expression") else None
            prototype = _PROTOTYPE.match(text(left)) if left is not None else None
            return prototype.group(1) if prototype else ""
        current = current.parent
    named = _class_of(this) if current is not None and current.type != "program" else None
    return named[1] if named is not None else ""


def _class_body(node: Node) -> Node | None:
    current = node.parent
    while current is not None and current.type != "class_body":
        current = current.parent
    return current


def _made_by(value: Node | None) -> str:
    """`C` for `new C(...)` (`new lib.C()`), else ""."""
    value = unwrap(value) if value is not None else None
    if value is None or value.type != "new_expression":
        return ""
    made = value.child_by_field_name("constructor")
    return _class_name(text(made)) if made is not None else ""


def _type_name(node: Node) -> str:
    """`C` for a TypeScript declaration annotated `: C` (a field, a parameter), else ""."""
    annotation = node.child_by_field_name("type")
    named = annotation.named_children[0] if annotation is not None and (
        annotation.named_children) else None
    return text(named) if named is not None and named.type == "type_identifier" else ""


def _annotated(parameters: Node | None, name: str) -> str:
    """The class the parameter `name` is annotated with, or ""."""
    for parameter in parameters.named_children if parameters is not None else ():
        pattern = parameter.child_by_field_name("pattern")
        if pattern is not None and text(pattern) == name:
            return _type_name(parameter)
    return ""


def _required(node: Node | None) -> str:
    """The specifier of `require('<specifier>')`, or ""."""
    if node is None or node.type != "call_expression":
        return ""
    callee = node.child_by_field_name("function")
    arguments = node.child_by_field_name("arguments")
    first = arguments.named_children[0] if arguments is not None and (
        arguments.named_children) else None
    if callee is None or text(callee) != "require" or first is None or first.type != "string":
        return ""
    return text(first).strip("'\"`")


def _require_of(value: Node) -> tuple[str, str] | None:
    """(specifier, name) a value takes from `require`: `require('./x')` (the module whole) or
    `require('./x').name`; None for anything else."""
    if _required(value):
        return (_required(value), WHOLE)
    owner = value.child_by_field_name("object") if value.type == "member_expression" else None
    return (_required(owner), last_name(value)) if _required(owner) else None


def _bound_to_local(value: Node) -> bool:
    """`value` (`require('./x').default`'s `default`) is what a variable is declared with."""
    member = value.parent
    declarator = member.parent if member is not None else None
    return declarator is not None and declarator.type == "variable_declarator" and (
        declarator.child_by_field_name("value") == member)


def _exported_as(value: Node) -> str:
    """The name `value` is exported under in `module.exports = { name: value }` (or `{ value
    }`), or ""."""
    pair = value.parent
    if value.type == "shorthand_property_identifier":
        pair, name = value, text(value)
    elif pair is not None and pair.type == "pair" and pair.child_by_field_name("value") == value:
        name = text(pair.child_by_field_name("key")).strip("'\"")
    else:
        return ""
    literal = pair.parent
    assignment = literal.parent if literal is not None else None
    if assignment is None or assignment.type != "assignment_expression" or text(
            assignment.child_by_field_name("left")) != "module.exports":
        return ""
    return name


def _exported_here(value: Node) -> bool:
    """`module.exports = { start }`, `exports.start = start`, `export { start }`: what the
    project's other files import and call, not a callback handed to unknown code."""
    current = value.parent
    while current is not None and current.type not in FUNCTION_TYPES:
        if current.type in ("export_statement", "export_clause"):
            return True
        if current.type == "assignment_expression":
            left = text(current.child_by_field_name("left"))
            if left.startswith(("module.exports", "exports.")):
                return True
        if current.type.endswith("statement"):
            return current.parent is not None and current.parent.type == "export_statement"
        current = current.parent
    return False


def project_facts(files: Iterable[tuple[str, bytes, str]]) -> ProjectFacts:
    project = ProjectFacts()
    for path, data, language in files:
        project.add_file(path, data, language)
    return project


def _class_name(made: str) -> str:
    """`Merger` for `Merger`, `lib.Merger`, and TypeScript's compiled `Merger_1.default`."""
    parts = made.split(".")
    if len(parts) > 1 and parts[-1] == "default":
        return re.sub(r"_\d+$", "", parts[-2])
    return parts[-1]


def _in_function(node: Node) -> bool:
    """Inside a function, or a class field's initialiser (which runs per object made)."""
    parent = node.parent
    while parent is not None:
        if parent.type in FUNCTION_TYPES or parent.type in FIELD_TYPES:
            return True
        parent = parent.parent
    return False
