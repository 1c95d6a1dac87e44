// NestJS service using kafkajs directly (the shape of order / fulfilment microservices built on
// @nestjs/common with a Kafka provider rather than the built-in transport): an @Injectable()
// singleton that owns one Kafka client, consumer and producer, connects in onModuleInit and
// disconnects in onApplicationShutdown, consumer.run({ eachMessage }) dispatching on topic,
// consumer instrumentation events, and an admin @Controller. TypeScript with decorators.

import { Controller, Get, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Param } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Kafka, type Consumer, type EachMessagePayload, type Producer } from 'kafkajs';
import { LRUCache } from 'lru-cache';

import { CustomersClient, type Customer } from './customers.client';
import { OrdersRepository, type Order } from './orders.repository';

type RetryPolicy = { attempts: number; onGiveUp: (err: Error) => void };

@Injectable()
export class OrdersConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OrdersConsumer.name);
  readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly customerCache = new Map<string, Customer>();
  private readonly productCache = new LRUCache<string, { sku: string; name: string }>({ max: 10_000, ttl: 3_600_000 });
  private readonly seenOrderIds = new Set<string>();
  private readonly paymentDeadlines = new Map<string, NodeJS.Timeout>();
  private readonly retryPolicy: RetryPolicy = { attempts: 3, onGiveUp: () => {} };
  private commitTimer?: NodeJS.Timeout;
  private statsTimer?: NodeJS.Timeout;

  constructor(
    config: ConfigService,
    private readonly orders: OrdersRepository,
    private readonly customers: CustomersClient,
  ) {
    this.kafka = new Kafka({ clientId: 'orders-service', brokers: config.getOrThrow<string>('KAFKA_BROKERS').split(',') });
    this.consumer = this.kafka.consumer({ groupId: 'orders-service' });
    this.producer = this.kafka.producer({ idempotent: true }); // ok: resource-per-request
    this.retryPolicy.onGiveUp = (err) => this.logger.error(`giving up: ${err.message}`); // ok: closure-capture
  }

  async onModuleInit() {
    await Promise.all([this.consumer.connect(), this.producer.connect()]);
    await this.consumer.subscribe({ topics: ['order.created', 'order.paid', 'order.refunded'], fromBeginning: false });

    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => { // ok: listener-leak
      this.logger.error(`consumer crashed: ${payload.error.message}`);
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => { // ok: listener-leak
      this.logger.log(`joined group as ${payload.memberId}`);
      this.commitTimer = setInterval(() => { // leak: timer-leak
        this.consumer.commitOffsets([]).catch(() => undefined);
      }, 5_000);
    });

    this.statsTimer = setInterval(() => { // ok: timer-leak
      this.logger.log(`customers=${this.customerCache.size} seen=${this.seenOrderIds.size}`);
    }, 60_000);

    await this.consumer.run({
      autoCommit: false,
      eachMessage: (payload) => this.handle(payload), // ok: closure-capture
    });
  }

  async onApplicationShutdown() {
    clearInterval(this.statsTimer);
    clearInterval(this.commitTimer);
    for (const timer of this.paymentDeadlines.values()) clearTimeout(timer);
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  private async customerOf(order: Order) {
    const cached = this.customerCache.get(order.customerId);
    if (cached) return cached;
    const customer = await this.customers.get(order.customerId);
    this.customerCache.set(order.customerId, customer); // leak: unbounded-cache
    return customer;
  }

  private async productOf(sku: string) {
    let product = this.productCache.get(sku);
    if (!product) {
      product = await this.orders.findProduct(sku);
      this.productCache.set(sku, product); // ok: unbounded-cache
    }
    return product;
  }

  private async handle({ topic, message }: EachMessagePayload) {
    const order = JSON.parse(message.value!.toString()) as Order;
    if (this.seenOrderIds.has(order.id + topic)) return;
    this.seenOrderIds.add(order.id + topic); // leak: unbounded-collection

    switch (topic) {
      case 'order.created': {
        const customer = await this.customerOf(order);
        const lines: string[] = [];
        for (const item of order.items) {
          lines.push(`${(await this.productOf(item.sku)).name} x${item.quantity}`); // ok: unbounded-collection
        }
        await this.orders.saveSummary(order.id, customer.email, lines);
        this.paymentDeadlines.set(order.id, setTimeout(() => { // ok: timer-leak
          this.paymentDeadlines.delete(order.id);
          void this.producer.send({ topic: 'order.expired', messages: [{ key: order.id, value: JSON.stringify({ id: order.id }) }] });
        }, 30 * 60_000));
        break;
      }
      case 'order.paid': {
        clearTimeout(this.paymentDeadlines.get(order.id));
        this.paymentDeadlines.delete(order.id);
        await this.producer.send({ topic: 'fulfilment.requested', messages: [{ key: order.id, value: JSON.stringify(order) }] });
        break;
      }
      case 'order.refunded': {
        const refunds = this.kafka.producer(); // leak: resource-per-request
        await refunds.connect();
        await refunds.send({ topic: 'payments.refund', messages: [{ key: order.id, value: JSON.stringify({ id: order.id, amount: order.total }) }] });
        const previousGiveUp = this.retryPolicy.onGiveUp;
        this.retryPolicy.onGiveUp = (err) => { // leak: closure-capture
          previousGiveUp(err);
          this.logger.warn(`refund for ${order.id} (${order.total}) may need manual handling: ${err.message}`);
        };
        break;
      }
      default:
        this.logger.warn(`unexpected topic ${topic}`);
    }
  }
}

@Controller('admin/kafka')
export class KafkaAdminController {
  constructor(private readonly orders: OrdersConsumer) {}

  @Get('lag/:group')
  async lag(@Param('group') group: string) {
    const admin = this.orders.kafka.admin(); // leak: resource-per-request
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: group, topics: ['order.created'] });
    await admin.disconnect();
    return offsets;
  }

  @Get('topics')
  async topics() {
    const admin = this.orders.kafka.admin(); // ok: resource-per-request
    await admin.connect();
    try {
      return await admin.listTopics();
    } finally {
      await admin.disconnect();
    }
  }
}
