type PendingWork = { id: string; payload: unknown; expiresAt?: number };
type NodeState = { itemsById: Map<string, PendingWork> };

const stateByNodeId = new Map<string, NodeState>();

function stateFor(nodeId: string): NodeState {
  let state = stateByNodeId.get(nodeId);
  if (!state) {
    state = { itemsById: new Map() };
    stateByNodeId.set(nodeId, state);
  }
  return state;
}

function pruneStateIfEmpty(nodeId: string, state: NodeState): void {
  if (state.itemsById.size === 0) stateByNodeId.delete(nodeId);
}

export function enqueueNodePendingWork(nodeId: string, item: PendingWork): void {
  stateFor(nodeId).itemsById.set(item.id, item);
}

export function acknowledgeNodePendingWork(nodeId: string, ids: string[]): void {
  const state = stateByNodeId.get(nodeId);
  if (!state) return;
  for (const id of ids) state.itemsById.delete(id);
  pruneStateIfEmpty(nodeId, state);
}

export function drainNodePendingWork(nodeId: string, now = Date.now()): PendingWork[] {
  const state = stateByNodeId.get(nodeId);
  if (!state) return [];
  for (const [id, item] of state.itemsById) {
    if (item.expiresAt !== undefined && item.expiresAt <= now) state.itemsById.delete(id);
  }
  pruneStateIfEmpty(nodeId, state);
  return [...state.itemsById.values()];
}
