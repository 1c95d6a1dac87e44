// One sensor object per configured device, made at start-up by the platform (another file);
// the class has no way to end a sensor, so its poll runs for the life of the process by design.
export class HumiditySensor {
  private humidity = 0;

  constructor(private readonly read: () => Promise<number>, pollMs: number) {
    setInterval(async () => {
      this.humidity = await this.read();
    }, pollMs);
  }

  current(): number {
    return this.humidity;
  }
}
