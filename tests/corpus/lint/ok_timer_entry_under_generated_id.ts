// Each pending question gets an id from nextQuestionId(), which counts up: no entry is ever
// replaced, and each entry's timer is cleared when the answer or the deadline comes.
export class Asker {
  private questionId = 0;
  private pending = new Map<number, { timer: ReturnType<typeof setTimeout>; done: (a: string) => void }>();

  ask(send: (id: number) => void, done: (a: string) => void): void {
    const id = this.nextQuestionId();
    const timer = setTimeout(() => this.settle(id, 'timeout'), 5000);
    this.pending.set(id, { timer, done });
    send(id);
  }

  settle(id: number, answer: string): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    entry.done(answer);
  }

  private nextQuestionId(): number {
    return ++this.questionId;
  }
}
