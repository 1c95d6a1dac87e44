import { EventEmitter } from "events";

class Logger extends EventEmitter {
  constructor() {
    super();
    process.on("uncaughtException", (error) => this.log("error", "process", String(error)));
  }

  log(level: string, name: string, message: string): void {
    process.stderr.write(`[${level}] ${name}: ${message}\n`);
  }
}

const shared = new Logger();

class SubLogger {
  constructor(private readonly name: string) {}
  log(level: string, message: string): void {
    shared.log(level, this.name, message);
  }
}

export function getLogger(name: string): SubLogger {
  return new SubLogger(name);
}

export class Encoding {
  private logger = getLogger("Encoding");
  constructor(public readonly id: string) {}
  describe(): void {
    this.logger.log("debug", this.id);
  }
}
