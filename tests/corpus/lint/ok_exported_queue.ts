// Drained by the worker in another module.
export const queue: string[] = [];

export function submit(job: string): void {
  queue.push(job);
}
