// Look-alike: the same memo helper, called with a fixed set of labels.
type Ctor<T = object> = new (...args: any[]) => T;

export function WithMemo<TBase extends Ctor>(Base: TBase) {
  return class extends Base {
    private readonly results = new Map<string, unknown>();

    protected once<T>(label: string, make: () => T): T {
      if (this.results.has(label)) return this.results.get(label) as T;
      const made = make();
      this.results.set(label, made);
      return made;
    }
  };
}

export class Directory extends WithMemo(class {}) {
  constructor(private readonly people: string[]) {
    super();
  }

  sorted(): string[] {
    return this.once('sorted', () => [...this.people].sort());
  }
}
