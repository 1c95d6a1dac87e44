// A retry kept per failed delivery, which takes itself out only when someone runs it again
// and it succeeds; stored inside a loop, under a key that mixes in the call's own order id.
// Sixth session; names and shapes are this file's own.
const retries = new Map<string, () => Promise<void>>();

export async function shipOrder(order: { id: string; lines: string[] }, carriers: { id: string }[]) {
  for (const carrier of carriers) {
    const book = async () => {
      await bookPickup(carrier.id, order);
      retries.delete(`${carrier.id}:${order.id}`);
    };
    try {
      await book();
    } catch {
      retries.set(`${carrier.id}:${order.id}`, book); // expect: closure-captures-request
    }
  }
}

export async function retryAll() {
  for (const run of Array.from(retries.values())) await run().catch(() => undefined);
}

// A table filled in a loop over a fixed list, under that list's keys: a copy, as big as it.
const formatters = new Map<string, (v: number) => string>();

export function loadUnits(units: { code: string; digits: number }[]) {
  for (const unit of units) {
    formatters.set(unit.code, (v) => v.toFixed(unit.digits));
  }
}

export function dropUnit(code: string) {
  formatters.delete(code);
}

async function bookPickup(_carrier: string, _order: object) {}
