export class RemoteCommunity {
  private stopController = new AbortController();

  private sleep(ms: number): Promise<void> {
    const signal = this.stopController.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { // leak: listener-leak
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  async updateLoop(update: () => Promise<void>): Promise<void> {
    while (!this.stopController.signal.aborted) {
      await update();
      await this.sleep(1000);
    }
  }

  stop(): void {
    this.stopController.abort();
  }
}
