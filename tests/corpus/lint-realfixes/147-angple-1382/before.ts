// The instance script of a Svelte component runs each time the component is
// rendered; in SSR that is on every request for every page that shows a post
// body or its revision history. DOMPurify is one instance for the process.
import DOMPurify from 'isomorphic-dompurify';

declare function filterUnsafeStyles(node: Element): void;

// server sanitizer module: registered once, when the module is loaded
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    filterUnsafeStyles(node as unknown as Element);
});

export function sanitizeServer(html: string): string {
    return DOMPurify.sanitize(html);
}

// markdown.svelte, instance script
export function Markdown(props: { content: string }): string {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => { // leak: listener-leak
        filterUnsafeStyles(node as unknown as Element);
    });
    return DOMPurify.sanitize(props.content);
}

// revision-history.svelte, instance script
export function RevisionHistory(props: { revisions: string[] }): string[] {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => { // leak: listener-leak
        filterUnsafeStyles(node as unknown as Element);
    });
    return props.revisions.map((r) => DOMPurify.sanitize(r));
}
