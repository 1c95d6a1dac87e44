import { randomUUID } from 'crypto';

interface TaskRequest { requestId: string; taskType: string; data: unknown }

export class TaskRequester {
  private taskResolvers = new Map<string, (result: unknown) => void>();

  constructor(private readonly broker: { requestTask(req: { requestId: string; taskType: string }): void }) {}

  async startTask(taskType: string, data: unknown): Promise<unknown> {
    const request: TaskRequest = { requestId: randomUUID(), taskType, data };
    this.broker.requestTask({ requestId: request.requestId, taskType });
    return new Promise((resolve) => this.taskResolvers.set(request.requestId, resolve));
  }

  taskDone(requestId: string, result: unknown): void {
    const resolve = this.taskResolvers.get(requestId);
    this.taskResolvers.delete(requestId);
    resolve?.(result);
  }
}
