// A method that puts the function its caller hands in onto an app-wide emitter, with no way to
// take it off: every caller (a panel opened again, an extension reloaded) adds one more.
// Sixth session; names and shapes are this file's own.
import { EventEmitter } from 'node:events';

const appBus = new EventEmitter();

export class ExtensionHost {
  constructor(private readonly name: string) {}

  watchTheme(onTheme: (theme: string) => void): void {
    appBus.on('theme', onTheme); // expect: listener-not-removed
  }
}

let busy = false;

// A busy flag is not a done flag: it is reset, so the listener goes on at every start.
export function startImport(source: EventEmitter, log: (line: string) => void): void {
  if (busy) return;
  busy = true;
  appBus.on('import-progress', (line: string) => log(line)); // expect: listener-not-removed (known miss: since session 10 a function named like start-up code needs the file to call it again)
  source.once('end', () => { busy = false; });
}
