// Look-alikes: a static cache with a bound, and a WeakMap that is one.
export class Geocoder {
  static readonly byAddress = new Map<string, { lat: number; lng: number }>();

  async locate(address: string): Promise<{ lat: number; lng: number }> {
    const known = Geocoder.byAddress.get(address);
    if (known) return known;
    const found = await fetch(`http://127.0.0.1:9/geo?q=${address}`).then((r) => r.json());
    if (Geocoder.byAddress.size > 1000) Geocoder.byAddress.clear();
    Geocoder.byAddress.set(address, found);
    return found;
  }
}

class PageState {
  constructor(readonly page: object) {}
}

export class PageTracker {
  private readonly states: WeakMap<object, PageState> = new WeakMap();

  track(page: object): PageState {
    let state = this.states.get(page);
    if (!state) {
      state = new PageState(page);
      this.states.set(page, state);
    }
    return state;
  }
}
