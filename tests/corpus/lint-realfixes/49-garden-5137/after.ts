import { Memoize } from 'typescript-memoize';
import type { Garden } from '../garden';
import type { Action, ActionState } from '../actions/types';

export interface ResolveProcessDependenciesParams {
  status: { state: ActionState } | null;
}

export abstract class BaseTask {
  protected skipDependencies = false;

  constructor(protected garden: Garden, protected action: Action) {}

  abstract resolveProcessDependencies(params: ResolveProcessDependenciesParams): BaseTask[];

  // called by the solver for every task on every graph walk, each time with a fresh params object
  @Memoize((params: ResolveProcessDependenciesParams) => (params.status ? params.status.state : null))
  getProcessDependencies(params: ResolveProcessDependenciesParams): BaseTask[] {
    if (this.skipDependencies) {
      return [];
    }
    return this.resolveProcessDependencies(params).filter((t) => !t.skipDependencies);
  }
}
