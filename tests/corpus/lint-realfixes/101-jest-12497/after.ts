// jest-worker: a Farm hands tasks to a fixed set of long-lived child process
// workers. Jest (and Metro, and other tools) call doWork() for every file
// they transform or test; results can be large (transformed source, test
// results with console output).
import type { ChildProcess } from 'child_process';

type OnStart = (worker: ChildProcessWorker) => void;
type OnEnd = (error: Error | null, result: unknown) => void;
type ChildMessage = [type: number, processed: boolean, method: string, args: unknown[]];

interface QueuedTask {
  request: ChildMessage;
  onStart: OnStart;
  onEnd: OnEnd;
}

export class ChildProcessWorker {
  private onProcessEnd: OnEnd | null = null;
  private request: ChildMessage | null = null;

  constructor(private readonly child: ChildProcess, private readonly workerId: number) {
    child.on('message', (response: [number, unknown]) => this.onMessage(response));
  }

  getWorkerId(): number {
    return this.workerId;
  }

  private onMessage(response: [number, unknown]): void {
    this.onProcessEnd?.(null, response[1]);
  }

  // Keeps the last task's end callback until the next task replaces it; an
  // idle worker holds it indefinitely.
  send(request: ChildMessage, onProcessStart: OnStart, onProcessEnd: OnEnd): void {
    onProcessStart(this);
    this.onProcessEnd = (...args) => {
      this.request = null;
      return onProcessEnd(...args);
    };
    this.request = request;
    this.child.send(request);
  }
}

export default class Farm {
  private readonly locks: boolean[] = [];
  private readonly queue: QueuedTask[] = [];

  constructor(private readonly workers: ChildProcessWorker[]) {}

  doWork(method: string, ...args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const request: ChildMessage = [0, false, method, args];
      const onEnd: OnEnd = (error, result) => (error ? reject(error) : resolve(result));
      this.queue.push({ request, onEnd, onStart: () => {} });
      this.workers.forEach((w) => this.process(w.getWorkerId()));
    });
  }

  private process(workerId: number): this {
    if (this.locks[workerId]) return this;
    const task = this.queue.shift();
    if (!task) return this;

    // Taken out of the task so the task itself is not retained, and dropped
    // once called so the worker's stored callback no longer reaches it.
    let taskOnEnd: OnEnd | null = task.onEnd;
    const onEnd: OnEnd = (error, result) => {
      if (taskOnEnd) {
        taskOnEnd(error, result);
      }
      taskOnEnd = null;
      this.locks[workerId] = false;
      this.process(workerId);
    };

    task.request[1] = true;
    this.locks[workerId] = true;
    this.workers[workerId].send(task.request, task.onStart, onEnd);
    return this;
  }
}
