// Look-alikes of leak_call_services.ts: clients made once or closed on every path, listeners
// removed with the function that was added, start-up code.
import { Injectable, OnModuleInit, OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EventEmitter } from 'node:events';
import axios from 'axios';
import { Queue } from 'bullmq';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';

@Injectable()
export class AlertsService implements OnModuleInit, OnModuleDestroy {
  private readonly http = axios.create({ baseURL: process.env.ALERTS_URL });

  constructor(private readonly events: EventEmitter2) {}

  onModuleInit(): void {
    this.events.on('user.deleted', this.onUserDeleted);
  }

  onModuleDestroy(): void {
    this.events.off('user.deleted', this.onUserDeleted);
  }

  private readonly onUserDeleted = (userId: string): void => {
    console.log('deleted', userId);
  };

  async notify(userId: string, text: string): Promise<void> {
    await this.http.post('/alerts', { userId, text });
  }

  follow(userId: string, onAlert: (a: unknown) => void): () => void {
    this.events.on(`alert.${userId}`, onAlert);
    return () => this.events.off(`alert.${userId}`, onAlert);
  }
}

export class PaymentsClient extends EventEmitter {
  private readonly sagas: Array<() => void> = [];

  watch(customer: string, onPaid: (id: string) => void): () => void {
    const handler = (id: string) => { if (id === customer) onPaid(id); };
    this.on('paid', handler);
    return () => this.off('paid', handler);
  }

  charge(amount: number, request: { body: unknown; headers: object }): void {
    const size = JSON.stringify(request.body).length;
    this.sagas.push(() => console.log('charged', amount, size));
    if (this.sagas.length > 100) this.sagas.shift();
  }
}

export const payments = new PaymentsClient();

const queue = new Queue('exports', { connection: { host: '127.0.0.1' } });

export async function enqueueExport(tenant: string): Promise<void> {
  await queue.add('csv', { tenant });
}

export const sendMessage = async (event: { body: string }) => {
  const sqs = new SQSClient({});
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.body }));
  } finally {
    sqs.destroy();
  }
  return { statusCode: 202 };
};
