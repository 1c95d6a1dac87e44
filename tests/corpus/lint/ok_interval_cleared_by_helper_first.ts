// An auction restarts its nomination timer on every pick: a helper clears the old interval
// first (read from session 11's reviews of pokemon-showdown).
export class Auction {
  private nomTimer: ReturnType<typeof setInterval> | null = null;
  private left = 0;

  clearNomTimer() {
    if (this.nomTimer) clearInterval(this.nomTimer);
    this.nomTimer = null;
  }

  startNomTimer() {
    this.clearNomTimer();
    this.left = 30;
    this.nomTimer = setInterval(() => this.tick(), 1000);
  }

  next() {
    this.startNomTimer();
  }

  tick() {
    if (--this.left <= 0) this.clearNomTimer();
  }
}

export const auction = new Auction();
