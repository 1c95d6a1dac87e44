// A per-sensor poll kept in a Map entry: a sensor that reports "up" twice without a "down"
// in between gets a second interval, and the first can no longer be cleared.
export class SensorPolls {
  private readonly polls = new Map<string, NodeJS.Timeout>();

  up(sensor: string, poll: (sensor: string) => void): void {
    this.polls.set(sensor, setInterval(() => poll(sensor), 10_000)); // expect: timer-overwritten
  }

  down(sensor: string): void {
    clearInterval(this.polls.get(sensor));
    this.polls.delete(sensor);
  }
}
