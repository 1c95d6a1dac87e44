import { EventEmitter } from "events";

class Logger extends EventEmitter {
  constructor(private readonly name: string) {
    super();
    process.on("uncaughtException", (error) => this.log("error", String(error))); // leak: listener-leak
  }

  log(level: string, message: string): void {
    process.stderr.write(`[${level}] ${this.name}: ${message}\n`);
  }
}

export function getLogger(name: string): Logger {
  return new Logger(name);
}

export class Encoding {
  private logger = getLogger("Encoding");
  constructor(public readonly id: string) {}
  describe(): void {
    this.logger.log("debug", this.id);
  }
}
