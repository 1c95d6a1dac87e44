// A global bag reached through a TypeScript cast still lives on the global object.
;(globalThis as unknown as { __renderMarks: Record<string, number> }).__renderMarks =
  (globalThis as unknown as { __renderMarks: Record<string, number> }).__renderMarks || {}

export function markRender(pageId: string, variant: string) {
  (globalThis as any).__renderMarks[`${pageId}/${variant}`] = performance.now() // expect: global-collection-growth
}
