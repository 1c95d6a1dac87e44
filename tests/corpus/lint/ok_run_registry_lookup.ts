// Look-alike: a lookup by the call's own value (`scope.lookup(payload.topic)`) may hand out a
// new object per call, and this subscriber takes its listener off at the end anyway.
export async function receiptIssued({ payload, scope }: { payload: { id: string; topic: string }; scope: { lookup(k: string): any } }) {
  const feed = scope.lookup(payload.topic);
  feed.on('receipt.voided', (voided: { id: string }) => console.log(voided.id, payload.id));
  const notifier = scope.lookup('notifier');
  const onVoided = (voided: { id: string }) => console.log(voided.id);
  notifier.on('receipt.voided', onVoided);
  await Promise.resolve();
  notifier.off('receipt.voided', onVoided);
}
