// A process-wide registry with a register and an unregister function; the class in this file
// registers every instance and never unregisters it, so each instance stays reachable.
let lastHandle = 0;
const probes: Array<{ label: string; read: () => number } | undefined> = [];

export function addProbe(label: string, read: () => number): number {
  const handle = ++lastHandle;
  probes[handle] = { label, read };
  return handle;
}

export function dropProbe(handle: number): void {
  delete probes[handle];
}

export class UploadSession {
  private readonly probe: number;
  private bytes = 0;

  constructor(private readonly name: string) {
    this.probe = addProbe(name, () => this.bytes); // expect: module-collection-growth
  }

  write(chunk: Uint8Array): void {
    this.bytes += chunk.length;
  }

  finish(): void {
    this.bytes = 0;
  }
}
