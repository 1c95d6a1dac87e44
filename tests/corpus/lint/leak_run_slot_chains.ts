// Wrapper chains in slots that outlive the call, decided by the slot's lifetime rather than by
// who handed the object in: a field of an object whose async method runs per operation, a Map
// entry replaced while a sibling closure of the same scope holds the old one (V8 keeps one
// context per scope), and a property of an element of a module-level table. Seventh session.
const drafts: Record<string, { onSave?: (to: string) => void }> = {};
const renderers = new Map<string, () => string>();

export class ShelfService {
  private afterStock: (sku: string) => Promise<void> = async () => undefined;

  async restock(sku: string, count: number) {
    const before = this.afterStock;
    this.afterStock = async (s: string) => { // expect: closure-captures-request
      await before(s);
      console.log('restocked', sku, count);
    };
    await this.afterStock(sku);
  }
}

export function swapRenderer(page: string, body: string) {
  const old = renderers.get(page);
  const note = () => `${old ? 'replacing' : 'first'} renderer of ${body.length} bytes`;
  console.debug(note());
  renderers.set(page, () => `<main>${page}</main>`); // expect: closure-captures-request
}

export function chainSave(draftId: string, text: string) {
  const draft = drafts[draftId];
  if (!draft) return;
  const prior = draft.onSave;
  draft.onSave = (to: string) => { // expect: closure-captures-request
    if (prior) prior(to);
    console.log('saved', text.length, 'to', to);
  };
}
