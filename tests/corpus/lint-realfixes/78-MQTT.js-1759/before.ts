// MQTT.js: on (re)connect the client replays the packets left in its
// outgoing store. When packets are still unacknowledged at the end of a
// pass, it starts another pass over a new store stream.
import { EventEmitter } from 'events';
import { Readable } from 'stream';

interface Packet {
  messageId: number;
}

interface Store {
  createStream(): Readable;
}

export class MqttClient extends EventEmitter {
  connected = false;
  private storeProcessing = false;
  private packetIdsDuringStoreProcessing: Record<number, boolean> = {};
  private storeProcessingQueue: Array<() => void> = [];

  constructor(private readonly outgoingStore: Store) {
    super();
  }

  private flushStoreProcessingQueue(): void {
    this.storeProcessingQueue.splice(0).forEach((cb) => cb());
  }

  private sendPacket(packet: Packet, done: () => void): void {
    this.packetIdsDuringStoreProcessing[packet.messageId] = true;
    setImmediate(done);
  }

  onConnect(connack: unknown): void {
    this.connected = true;

    const startStreamProcess = () => {
      let outStore: Readable | null = this.outgoingStore.createStream();

      const clearStoreProcessing = () => {
        this.storeProcessing = false;
        this.packetIdsDuringStoreProcessing = {};
      };

      // Drops this pass's stream if the connection closes.
      const remove = () => {
        outStore?.destroy();
        outStore = null;
        this.flushStoreProcessingQueue();
        clearStoreProcessing();
      };

      // Every pass adds one; only the last pass (all processed) removes its own.
      this.once('close', remove); // leak: listener-leak
      outStore.on('error', (err: Error) => {
        clearStoreProcessing();
        this.flushStoreProcessingQueue();
        this.removeListener('close', remove);
        this.emit('error', err);
      });

      const storeDeliver = () => {
        if (!outStore) return;
        const packet = outStore.read(1) as Packet | null;
        if (!packet) {
          outStore.once('readable', storeDeliver);
          return;
        }
        this.storeProcessing = true;
        if (this.packetIdsDuringStoreProcessing[packet.messageId]) {
          storeDeliver();
          return;
        }
        this.packetIdsDuringStoreProcessing[packet.messageId] = false;
        this.sendPacket(packet, storeDeliver);
      };

      outStore.on('end', () => {
        let allProcessed = true;
        for (const id in this.packetIdsDuringStoreProcessing) {
          if (!this.packetIdsDuringStoreProcessing[id]) {
            allProcessed = false;
            break;
          }
        }
        if (allProcessed) {
          clearStoreProcessing();
          this.removeListener('close', remove);
          this.emit('connect', connack);
        } else {
          startStreamProcess();
        }
      });
      storeDeliver();
    };

    startStreamProcess();
  }
}
