// Background workers: BullMQ, amqplib and kafkajs consumers in one worker process (TS).
import { Worker, Queue, QueueEvents, Job } from 'bullmq';
import amqp from 'amqplib';
import { Kafka, EachMessagePayload } from 'kafkajs';
import { Pool } from 'pg';
import nodemailer from 'nodemailer';

const connection = { host: '127.0.0.1', port: 6379 };
const pg = new Pool({ max: 5 }); // ok: resource-per-request
const transport = nodemailer.createTransport({ host: '127.0.0.1', port: 1025 }); // ok: resource-per-request

const processedIds: string[] = [];
const failuresByTenant = new Map<string, Error[]>();
const seenOffsets = new Set<string>();
const recentlyProcessed = new Set<string>();

export async function handleInvoice(job: Job<{ tenant: string; invoiceId: string }>): Promise<void> {
  const { tenant, invoiceId } = job.data;
  try {
    const { rows } = await pg.query('select * from invoices where id = $1', [invoiceId]);
    await transport.sendMail({ to: rows[0].email, subject: 'Invoice', text: 'attached' });
    processedIds.push(invoiceId); // leak: unbounded-collection
  } catch (err) {
    const list = failuresByTenant.get(tenant) ?? [];
    list.push(err as Error);
    failuresByTenant.set(tenant, list.slice(-20)); // ok: unbounded-collection
    throw err;
  }
}

const invoices = new Worker('invoices', handleInvoice, { connection, concurrency: 4 });
const invoiceEvents = new QueueEvents('invoices', { connection });

invoices.on('completed', (job) => { // ok: listener-leak
  recentlyProcessed.add(job.id as string); // ok: unbounded-collection
  if (recentlyProcessed.size > 10_000) recentlyProcessed.clear();
});

export async function enqueueReport(tenant: string): Promise<void> {
  const queue = new Queue('reports', { connection }); // leak: resource-per-request
  await queue.add('monthly', { tenant });
}

export async function waitForReport(jobId: string): Promise<unknown> {
  return new Promise((resolve) => {
    const onDone = ({ jobId: id, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      if (id !== jobId) return;
      invoiceEvents.off('completed', onDone);
      resolve(returnvalue);
    };
    invoiceEvents.on('completed', onDone); // leak: listener-leak
  });
}

async function startAmqp(): Promise<void> {
  const conn = await amqp.connect('amqp://127.0.0.1'); // ok: resource-per-request
  const channel = await conn.createChannel();
  await channel.assertQueue('emails');
  await channel.consume('emails', async (msg) => {
    if (!msg) return;
    const publisher = await conn.createChannel(); // leak: resource-per-request
    const payload = JSON.parse(msg.content.toString());
    publisher.sendToQueue('audit', Buffer.from(JSON.stringify({ sent: payload.to })));
    channel.ack(msg);
  });
  await channel.consume('webhooks', async (msg) => {
    if (!msg) return;
    const confirm = await conn.createConfirmChannel(); // ok: resource-per-request
    try {
      confirm.sendToQueue('audit', msg.content);
      await confirm.waitForConfirms();
    } finally {
      await confirm.close();
    }
    channel.ack(msg);
  });
}

async function startKafka(): Promise<void> {
  const kafka = new Kafka({ clientId: 'workers', brokers: ['127.0.0.1:9092'] }); // ok: resource-per-request
  const consumer = kafka.consumer({ groupId: 'workers' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'events', fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
      const key = `${topic}:${partition}:${message.offset}`;
      if (seenOffsets.has(key)) return;
      seenOffsets.add(key); // leak: unbounded-collection
      const body = message.value;
      setTimeout(() => console.log('late', body?.length), 30_000); // ok: timer-leak, closure-capture
    },
  });
  const shutdown = async () => {
    await consumer.disconnect();
    await invoices.close();
    await pg.end();
  };
  process.once('SIGINT', shutdown); // ok: listener-leak
}

void startAmqp();
void startKafka();
