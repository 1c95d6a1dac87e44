// Telemetry ingest: MQTT (mqtt.js v5) device messages -> rolling state -> Redis streams.
import mqtt, { MqttClient } from 'mqtt';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

type DeviceState = { id: string; online: boolean; lastSeen: number; firmware?: string };
type TopicParts = { site: string; device: string; kind: string };

const broker: MqttClient = mqtt.connect(process.env.MQTT_URL ?? 'mqtt://localhost:1883', { // ok: resource-per-request
  clientId: `ingest-${randomUUID()}`,
  clean: false,
  reconnectPeriod: 2000,
});
const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379'); // ok: resource-per-request
const topicCache = new Map<string, TopicParts>();

function parseTopic(topic: string): TopicParts {
  let parts = topicCache.get(topic);
  if (!parts) {
    const [, site, device, kind] = topic.split('/');
    parts = { site, device, kind };
    topicCache.set(topic, parts); // leak: unbounded-cache
  }
  return parts;
}

class DeviceRegistry {
  private readonly devices = new Map<string, DeviceState>();
  private readonly readings: Record<string, number[]> = {};
  private readonly window: number[] = [];
  private readonly polls = new Map<string, NodeJS.Timeout>();
  private sweeper?: NodeJS.Timeout;

  start(): void {
    this.sweeper = setInterval(() => this.sweep(), 60_000); // ok: timer-leak
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.polls.values()) clearInterval(t);
    this.polls.clear();
  }

  seen(id: string, patch: Partial<DeviceState>): void {
    const prev = this.devices.get(id) ?? { id, online: true, lastSeen: 0 };
    this.devices.set(id, { ...prev, ...patch, lastSeen: Date.now() }); // ok: unbounded-collection
  }

  online(id: string, firmware: string): void {
    this.seen(id, { online: true, firmware });
    this.polls.set(id, setInterval(() => requestStatus(id), 30_000)); // leak: timer-leak
  }

  offline(id: string): void {
    const poll = this.polls.get(id);
    if (poll) clearInterval(poll);
    this.polls.delete(id);
    this.devices.delete(id);
    delete this.readings[id];
  }

  record(id: string, value: number): void {
    (this.readings[id] ??= []).push(value); // leak: unbounded-collection
    this.window.push(value); // ok: unbounded-collection
    if (this.window.length > 600) this.window.shift();
  }

  average(): number {
    return this.window.reduce((a, b) => a + b, 0) / Math.max(1, this.window.length);
  }

  private sweep(): void {
    const cutoff = Date.now() - 10 * 60_000;
    for (const [id, state] of this.devices) {
      if (state.lastSeen < cutoff) this.offline(id);
    }
  }
}

export const registry = new DeviceRegistry();

function requestStatus(deviceId: string): void {
  broker.publish(`cmd/${deviceId}/status`, '{}', { qos: 0 });
}

export function sendCommand(deviceId: string, command: object, onAck: (ok: boolean) => void): void {
  const ackTopic = `ack/${deviceId}`;
  broker.subscribe(ackTopic);
  broker.on('message', (topic, payload) => { // leak: listener-leak
    if (topic === ackTopic) onAck(JSON.parse(payload.toString()).ok === true);
  });
  broker.publish(`cmd/${deviceId}/run`, JSON.stringify(command), { qos: 1 });
}

export function sendCommandAndWait(deviceId: string, command: object, timeoutMs = 10_000): Promise<boolean> {
  const ackTopic = `ack/${deviceId}`;
  return new Promise((resolve, reject) => {
    const onMessage = (topic: string, payload: Buffer) => { // ok: closure-capture
      if (topic !== ackTopic) return;
      done();
      resolve(JSON.parse(payload.toString()).ok === true);
    };
    const timer = setTimeout(() => { done(); reject(new Error(`no ack from ${deviceId}`)); }, timeoutMs); // ok: timer-leak
    const done = () => {
      clearTimeout(timer);
      broker.removeListener('message', onMessage);
      broker.unsubscribe(ackTopic);
    };
    broker.on('message', onMessage); // ok: listener-leak
    broker.subscribe(ackTopic);
    broker.publish(`cmd/${deviceId}/run`, JSON.stringify(command), { qos: 1 });
  });
}

async function handleMessage(topic: string, payload: Buffer): Promise<void> {
  if (!topic.startsWith('tele/')) return;
  const { site, device, kind } = parseTopic(topic);
  const body = JSON.parse(payload.toString());
  switch (kind) {
    case 'online':
      registry.online(device, body.firmware);
      break;
    case 'offline':
      registry.offline(device);
      break;
    case 'reading':
      registry.record(device, Number(body.value));
      await redis.xadd(`readings:${site}`, 'MAXLEN', '~', '100000', '*', 'device', device, 'value', String(body.value));
      break;
    default:
      registry.seen(device, {});
  }
}

broker.on('connect', () => broker.subscribe('tele/+/+/+', { qos: 1 })); // ok: listener-leak
broker.on('message', (topic, payload) => { // ok: listener-leak
  handleMessage(topic, payload).catch((err) => console.error('telemetry', topic, err));
});
registry.start();

process.once('SIGINT', () => { // ok: listener-leak
  registry.stop();
  broker.end(false, {}, () => redis.quit().then(() => process.exit(0)));
});
