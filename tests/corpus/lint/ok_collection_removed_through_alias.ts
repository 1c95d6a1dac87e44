// Entries are taken out through a local that holds the table (`const timers = this.timers`).
export class TimerManager {
  private timers: Record<string, { timer: ReturnType<typeof setTimeout>; label: string }> = {};
  private seq = 0;

  set(label: string, fn: () => void, ms: number): string {
    const id = `t${++this.seq}`;
    const timer = setTimeout(() => { this.clear(id); fn(); }, ms);
    this.timers[id] = { timer, label };
    return id;
  }

  clear(id: string): void {
    const timers = this.timers;
    if (!timers[id]) return;
    clearTimeout(timers[id].timer);
    delete timers[id];
  }
}
