// Each waiter gets its own timeout controller; the abort listener goes on that controller's
// signal and dies with the waiter.
export class WaitQueue {
  private waiting: Array<{ done: () => void; controller: AbortController; timer?: ReturnType<typeof setTimeout> }> = [];

  wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const member = { done: resolve, controller: new AbortController() };
      member.controller.signal.addEventListener('abort', () => reject(new Error('timed out')));
      this.waiting.push(member);
      const timer = setTimeout(() => member.controller.abort(), ms);
      member.timer = timer;
    });
  }

  release(): void {
    const member = this.waiting.shift();
    if (member) { clearTimeout(member.timer); member.done(); }
  }
}
