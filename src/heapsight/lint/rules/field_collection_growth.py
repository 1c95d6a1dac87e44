"""field-collection-growth (unbounded-collection)."""

from __future__ import annotations

from collections.abc import Iterator

from heapsight.lint.facts import FileFacts
from heapsight.lint.model import Finding
from heapsight.lint.rule import Rule
from heapsight.lint.source import SourceFile, text


class FieldCollectionGrowth(Rule):
    """What it does:
    Finds a collection kept on an instance field (`this.pending = new Map()`, `this.queue = []`,
    `this.acks = {}`) that a method fills with an entry made for the call - a new object, a
    literal, or a value under a fresh id (`++this.seq`, a uuid) - while nothing in the file ever
    removes entries from a field of that name, resets it outside the constructor, or checks its
    size. A Set filled after a `has()` is a seen-set that only grows. A registration method
    (one statement that stores its argument) is reported where per-call code calls it. A
    removal that first makes the entry it removes from (`this.m[k] = this.m[k] || {}`) adds
    an empty entry for every key already gone. Timer handles kept so `close()` can clear
    them but taken out only where cleared, and a removal listener armed only after the
    entry was handed on (`emit` before `once('close')`), leave entries too. Removal on one
    path only counts as none: an entry kept in two fields under one key that a function
    ending it takes out of one field and leaves in the other (`confirm()` clears the timer
    entry and keeps the hold), or an entry one handler of the call's emitter takes out while
    another that also ends the call (an `'error'` handler that stops a timer, the other of a
    `once` pair) leaves it, or a removal that looks for another value than the one added
    (`push(wrapper)`, `splice(indexOf(listener), 1)`) with only a teardown reset besides. A
    count per key made from the old entry on a shared object grows one entry per distinct
    key. `other.field.add(x)` in a class that does not declare `field` grows that other
    object's collection, not one of this class. A class whose constructor hands a callback
    using `this` to an object that outlives it (`bus.on('x', (e) => this.record(e))`)
    lives as long as that object. A closure a timer runs again and again (`const beat = ()
    => { ...; setTimeout(beat, ms) }`) grows per tick whatever the method around it is
    called, and its pending timer keeps the object alive. A list per key fetched into a local,
    grown and stored back on a field (`const lines = this.m.get(k) ?? []; lines.push(x);
    this.m.set(k, lines)`) grows by the push, as for module-level collections. A field whose
    entries are never taken out (only their own lists trimmed), while the method that ends
    what a key stands for (`unregister(username)`) deletes that key from another field filled
    under it, keeps an entry for every key it ever saw.

    Why is this bad?
    Servers, clients, pools and exported singletons live as long as the process. A map of
    pending requests, callbacks by id or connections that is only ever added to keeps every
    entry - and everything each entry reaches - for good, usually because the removal was
    forgotten on one path (the reply, the timeout, close).

    Example:
    ```js
    class Rpc {
      constructor() { this.pending = new Map(); this.seq = 0; }
      call(method, params) {
        const id = ++this.seq;
        return new Promise((resolve) => this.pending.set(id, resolve));
      }
      onReply(msg) { this.pending.get(msg.id)(msg.result); }
    }
    ```

    Use instead:
    Remove the entry where its life ends - on the reply, on timeout, on close.
    ```js
      onReply(msg) {
        const resolve = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        resolve(msg.result);
      }
    ```
    """

    id = "field-collection-growth"
    category = "unbounded-collection"
    summary = "A collection on `this` grows per call and is never trimmed"
    fix = "Remove the entry where its life ends (reply, timeout, close), or cap the collection"

    def check(self, source: SourceFile, facts: FileFacts) -> Iterator[Finding]:
        for growth in facts.field_growth:
            function = source.enclosing_function(growth.grow)
            where = facts.describe(function) if function is not None else "a method"
            if growth.late_removal:
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` gets this entry, which only a listener on it removes, "
                    f"and that listener is registered after the object is handed to other code "
                    f"(an emit): a handler that ends it at once does so before the listener "
                    f"exists, and the entry stays; register the removal before handing it on")
                continue
            if growth.wrong_removal is not None:
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` gets this entry, but the removal on line "
                    f"{growth.wrong_removal.start_point[0] + 1} looks for another value "
                    f"(`{text(growth.wrong_removal)}`), so it never takes this one out, and "
                    f"the rest only empties it when the object is torn down: the list grows "
                    f"for as long as the object lives; remove the value you added")
                continue
            if growth.skipped_by is not None:
                shown = text(growth.skipped_by.child_by_field_name("function"))
                line = growth.skipped_by.start_point[0] + 1
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` gets an entry here that only one handler of this "
                    f"call takes out; the `{shown}(...)` handler on line {line} also ends the "
                    f"call but leaves the entry: every call that ends that way keeps it for "
                    f"good; remove it on every way out")
                continue
            if growth.left_at_end:
                remover = growth.why_long_lived.removeprefix("ended by ")
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` gets an entry here and none is ever taken out; "
                    f"{remover} ends what the key stands for - it deletes the key from "
                    f"`this.{growth.left_at_end}`, filled under the same key - but leaves "
                    f"`this.{growth.name}`'s entry: it keeps one for every key it ever saw; "
                    f"delete it there too")
                continue
            if growth.forgotten_with:
                remover = growth.why_long_lived.removeprefix("forgotten by ")
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` and `this.{growth.forgotten_with}` get an entry "
                    f"under the same key here, but {remover} takes the entry out of "
                    f"`{growth.forgotten_with}` and leaves it in `{growth.name}`: every call "
                    f"that ends that way leaves an entry nothing removes later; remove it from "
                    f"both wherever the entry's life ends")
                continue
            if growth.bucket_untrimmed:
                yield self.finding(
                    source, growth.grow,
                    f"each entry of `this.{growth.name}` is a list that grows here in {where} "
                    f"on every call, and the only removals drop a whole entry: nothing trims "
                    f"a list while its key lives, so it grows for as long as the key stays; "
                    f"cap each list (drop the oldest past a size)")
                continue
            if growth.timeout_leaves is not None:
                line = growth.timeout_leaves.start_point[0] + 1
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` gets an entry in {where} that the answer's path "
                    f"removes, but the timeout on line {line} ends the same call and leaves "
                    f"it: every call that times out keeps its entry for as long as the object "
                    f"lives; remove it in the timeout too")
                continue
            if growth.normal_end_only is not None:
                line = growth.normal_end_only.start_point[0] + 1
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` gets an entry in {where} that only the listener on "
                    f"line {line} takes out, for an event only a normal finish brings: a "
                    f"stream destroyed or errored emits 'close', not that one, and its entry "
                    f"stays for as long as the object lives; remove it on 'close'")
                continue
            if growth.success_only:
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` gets an entry in {where} that is removed only after "
                    f"an await on the success path: a call that throws or is abandoned keeps "
                    f"its entry for as long as the object lives ({growth.why_long_lived}); "
                    f"remove it in a finally")
                continue
            if growth.never_trimmed:
                yield self.finding(
                    source, growth.grow,
                    f"`{growth.name}` keeps every timer handle so they can be cleared, but "
                    f"nothing ever takes a handle out, not even when its timer fires: it gains "
                    f"one per call for as long as it lives; take the handle out in the timer's "
                    f"callback")
                continue
            if growth.fired_kept:
                yield self.finding(
                    source, growth.grow,
                    f"`this.{growth.name}` keeps every timer handle so they can be cleared, "
                    f"but a handle is taken out only where its timer is cleared: each timer "
                    f"that fires leaves its handle, and the list grows for as long as the "
                    f"object lives; take the handle out in the timer's callback too")
                continue
            if growth.recreated:
                yield self.finding(
                    source, growth.grow,
                    f"this removal first makes the entry it removes from (`this.{growth.name}"
                    f"[key] = ... || ...`): called for a key already gone (a late leave, a "
                    f"second delete), it adds an empty entry that nothing removes again; "
                    f"only remove when the entry exists")
                continue
            if growth.why_long_lived.startswith("typed"):
                yield self.finding(
                    source, growth.grow,
                    f"`{growth.name}` is {growth.why_long_lived}: a Map keeps its keys alive, so "
                    f"entries added in {where} stay until something deletes them, long after "
                    f"the objects they are keyed by are gone; make it the WeakMap it is typed as")
                continue
            holder = growth.name if growth.why_long_lived == "a static field" else (
                f"this.{growth.name}")
            if growth.per_key_list:
                # `lines = this.m.get(k) ?? []; lines.push(x); this.m.set(k, lines)`
                yield self.finding(
                    source, growth.grow,
                    f"`{holder}` ({growth.kind}) keeps a list per key, and the one for this "
                    f"call's key gets a new entry in {where} on every call; "
                    f"nothing in this file ever trims it; the object keeps all of them for as "
                    f"long as it lives ({growth.why_long_lived})")
                continue
            yield self.finding(
                source, growth.grow,
                f"`{holder}` ({growth.kind}) gets a new entry in {where} on every call, and "
                f"nothing in this file ever removes one or checks its size; the object keeps "
                f"all of them for as long as it lives ({growth.why_long_lived})")
