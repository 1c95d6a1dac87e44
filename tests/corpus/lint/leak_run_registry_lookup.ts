// A subscriber run per event looks its bus up by a fixed key in the container it is handed:
// a registry hands out the one bus it keeps, which outlives the call, so the listener added
// per event stays. Seventh session; this file's own names and shape.
const Keys = { NOTIFIER: 'notifier' };

export async function invoiceIssued({ payload, scope }: { payload: { id: string }; scope: { lookup(k: string): any } }) {
  const notifier = scope.lookup(Keys.NOTIFIER);
  notifier.on('invoice.voided', async (voided: { id: string }) => { // expect: listener-not-removed, closure-captures-request
    if (voided.id === payload.id) console.log('voided after issue', payload.id);
  });
}
