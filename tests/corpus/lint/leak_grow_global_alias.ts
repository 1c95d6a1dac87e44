// A module binding of the global object itself (so a hot reload finds the same state): what
// hangs off it is process-wide, and this list only grows.
type Shared = { recentSearches?: { term: string; at: number }[] };
const shared = globalThis as unknown as Shared;
shared.recentSearches ??= [];

export async function search(term: string): Promise<string[]> {
  shared.recentSearches!.push({ term, at: Date.now() }); // expect: global-collection-growth
  return [term];
}
