// The instance script of a Svelte component runs each time the component is
// rendered; in SSR that is on every request for every page that shows a post
// body or its revision history. DOMPurify is one instance for the process.
import DOMPurify from 'isomorphic-dompurify';

declare function filterUnsafeStyles(node: Element): void;

// the shared wrapper registers the hook once per process, guarded by a global symbol
const safeCssHookRegisteredKey = Symbol.for('angple.dompurify.safeCssHookRegistered');
const hookRegistry = globalThis as typeof globalThis & Record<symbol, boolean | undefined>;

if (!hookRegistry[safeCssHookRegisteredKey]) {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
        filterUnsafeStyles(node as unknown as Element);
    });
    hookRegistry[safeCssHookRegisteredKey] = true;
}

export function sanitizeServer(html: string): string {
    return DOMPurify.sanitize(html);
}

// markdown.svelte, instance script
export function Markdown(props: { content: string }): string {
    return DOMPurify.sanitize(props.content);
}

// revision-history.svelte, instance script
export function RevisionHistory(props: { revisions: string[] }): string[] {
    return props.revisions.map((r) => DOMPurify.sanitize(r));
}
