export class PendingRequestMap<T> {
  private map = new Map<string, { resolve: (v: T) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();

  waitFor(requestId: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { // leak: timer-leak
        this.map.delete(requestId);
        reject(new Error(`request ${requestId} timed out`));
      }, timeoutMs);
      this.map.set(requestId, { resolve, reject, timer });
    });
  }

  resolve(requestId: string, result: T): boolean {
    const pending = this.map.get(requestId);
    if (!pending) return false;
    clearTimeout(pending.timer);
    this.map.delete(requestId);
    pending.resolve(result);
    return true;
  }
}
