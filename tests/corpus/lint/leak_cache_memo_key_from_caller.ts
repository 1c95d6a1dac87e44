// A memo helper of a mixin, keyed by whatever its caller passes; the caller builds the key
// from the search text, so every distinct search keeps its result.
type Ctor<T = object> = new (...args: any[]) => T;

export function WithMemo<TBase extends Ctor>(Base: TBase) {
  return class extends Base {
    private readonly results = new Map<string, unknown>();

    protected once<T>(label: string, make: () => T): T {
      if (this.results.has(label)) return this.results.get(label) as T;
      const made = make();
      this.results.set(label, made); // expect: cache-without-eviction
      return made;
    }
  };
}

export class Directory extends WithMemo(class {}) {
  constructor(private readonly people: string[]) {
    super();
  }

  find(text: string): string[] {
    return this.once(`find:${text}`, () => this.people.filter((p) => p.includes(text)));
  }
}
