// The policy engine is one module-level instance; serialize() runs for every
// model returned by every API response. Sequelize's Model.scope() returns a
// brand-new subclass on each call, and endpoints load documents through scopes.
type Constructor = new (...args: any[]) => object;
type Model = { constructor: Function };

export class CanCan {
  private abilities = new Map<Constructor, Map<string, { target: Constructor }[]>>();

  private actionsByClass: Map<Function | null, Map<Function | null, Set<string>>> = new Map();

  allow(performer: Constructor, action: string, target: Constructor): void {
    let byAction = this.abilities.get(performer);
    if (!byAction) {
      byAction = new Map();
      this.abilities.set(performer, byAction);
    }
    const list = byAction.get(action) ?? [];
    list.push({ target });
    byAction.set(action, list);
  }

  serialize = (performer: Model, target: Model | null): Record<string, boolean> => {
    const output: Record<string, boolean> = {};
    const performerClass = performer?.constructor ?? null;
    const targetClass = target?.constructor ?? null;

    let byTargetClass = this.actionsByClass.get(performerClass);
    if (!byTargetClass) {
      byTargetClass = new Map();
      this.actionsByClass.set(performerClass, byTargetClass);
    }
    let actions = byTargetClass.get(targetClass);
    if (!actions) {
      actions = new Set<string>();
      for (const [model, actionMap] of this.abilities.entries()) {
        if (performer instanceof model) {
          for (const [action, list] of actionMap.entries()) {
            if (list.some((a) => target instanceof a.target)) actions.add(action);
          }
        }
      }
      byTargetClass.set(targetClass, actions); // leak: unbounded-cache
    }
    actions.forEach((action) => {
      output[action] = true;
    });
    return output;
  };
}

export const cancan = new CanCan();
