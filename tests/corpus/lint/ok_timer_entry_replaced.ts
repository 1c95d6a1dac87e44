// Look-alikes: the old interval is cleared before the entry is replaced; an entry keyed by
// an object every caller makes anew.
import { EventEmitter } from 'node:events';

export class SensorPolls {
  private readonly polls = new Map<string, NodeJS.Timeout>();

  up(sensor: string, poll: (sensor: string) => void): void {
    clearInterval(this.polls.get(sensor));
    this.polls.set(sensor, setInterval(() => poll(sensor), 10_000));
  }

  down(sensor: string): void {
    clearInterval(this.polls.get(sensor));
    this.polls.delete(sensor);
  }
}

export function supervise(spawn: () => EventEmitter & { id: number }) {
  const pings = new Map<number, NodeJS.Timeout>();
  const watch = (child: EventEmitter & { id: number }) => {
    pings.set(child.id, setInterval(() => child.emit('ping'), 5_000));
    child.once('exit', () => {
      clearInterval(pings.get(child.id));
      pings.delete(child.id);
      watch(spawn());
    });
  };
  watch(spawn());
}
