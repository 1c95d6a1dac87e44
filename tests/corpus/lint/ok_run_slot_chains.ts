// Look-alikes: a builder method that returns `this` (configured once per object), a wrap
// guarded by a look at what the slot holds, and a Map entry replaced with nothing of the old
// one kept in the scope.
const renderers = new Map<string, () => string>();

export class Pipeline {
  private step: (x: number) => number = (x) => x;

  pipe(next: (x: number) => number) {
    const earlier = this.step;
    this.step = (x) => next(earlier(x));
    return this;
  }
}

type Hook = ((v: string) => void) & { wrapped?: boolean };
const hooks: Record<string, Hook> = {};

export function wrapHook(id: string, label: string) {
  const prev = hooks[id];
  if (!prev || prev.wrapped) return;
  const next: Hook = (v: string) => { prev(v); console.log(label, v); };
  next.wrapped = true;
  hooks[id] = next;
}

export function setRenderer(page: string) {
  const had = renderers.has(page);
  console.debug(had ? 'replacing' : 'first');
  renderers.set(page, () => `<main>${page}</main>`);
}
