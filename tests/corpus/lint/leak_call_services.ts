// Per-call code that no route table names: injectable services, a singleton SDK client,
// exported async functions and serverless handlers (issue 11, modes 1, 2, 3 and 5).
import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EventEmitter } from 'node:events';
import axios from 'axios';
import { Queue } from 'bullmq';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';

@Injectable()
export class AlertsService {
  constructor(private readonly events: EventEmitter2) {}

  async notify(userId: string, text: string): Promise<void> {
    const http = axios.create({ baseURL: process.env.ALERTS_URL }); // expect: client-per-request
    await http.post('/alerts', { userId, text });
  }

  follow(userId: string, onAlert: (a: unknown) => void): void {
    this.events.on(`alert.${userId}`, onAlert); // expect: listener-not-removed
  }

  unfollow(userId: string, onAlert: (a: unknown) => void): void {
    // the removal below passes a new function: reported once, at the add above, naming this line
    this.events.off(`alert.${userId}`, (a: unknown) => onAlert(a));
  }
}

export class PaymentsClient extends EventEmitter {
  private readonly sagas: Array<() => void> = [];

  watch(customer: string, onPaid: (id: string) => void): void {
    this.on('paid', (id: string) => { // expect: listener-not-removed
      if (id === customer) onPaid(id);
    });
  }

  charge(amount: number, request: { body: unknown; headers: object }): void {
    this.sagas.push(() => console.log('charged', amount, request.body)); // expect: closure-captures-request, field-collection-growth
  }
}

export const payments = new PaymentsClient();

export async function enqueueExport(tenant: string): Promise<void> {
  const queue = new Queue('exports', { connection: { host: '127.0.0.1' } }); // expect: client-per-request
  await queue.add('csv', { tenant });
}

export const sendMessage = async (event: { body: string }) => {
  const sqs = new SQSClient({}); // expect: client-per-request
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.body }));
  return { statusCode: 202 };
};
