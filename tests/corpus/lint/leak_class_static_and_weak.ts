// A static field lives as long as the process; a Map typed as a WeakMap keeps its keys.
export class Geocoder {
  static readonly byAddress = new Map<string, { lat: number; lng: number }>();

  async locate(address: string): Promise<{ lat: number; lng: number }> {
    const known = Geocoder.byAddress.get(address);
    if (known) return known;
    const found = await fetch(`http://127.0.0.1:9/geo?q=${address}`).then((r) => r.json());
    Geocoder.byAddress.set(address, found); // expect: cache-without-eviction
    return found;
  }
}

class PageState {
  constructor(readonly page: object) {}
}

export class PageTracker {
  private readonly states: WeakMap<object, PageState> = new Map();

  track(page: object): PageState {
    let state = this.states.get(page);
    if (!state) {
      state = new PageState(page);
      this.states.set(page, state); // expect: field-collection-growth
    }
    return state;
  }

  untrack(page: object): void {
    this.states.delete(page);
  }
}
