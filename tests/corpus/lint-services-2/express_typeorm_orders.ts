import 'reflect-metadata';
import express, { NextFunction, Request, Response, Router } from 'express';
import {
  Column, CreateDateColumn, DataSource, Entity, EntityManager, ManyToOne, OneToMany, PrimaryGeneratedColumn, Repository,
} from 'typeorm';

@Entity()
export class Customer {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column() email!: string;
  @OneToMany(() => Order, (o) => o.customer) orders!: Order[];
}

@Entity()
export class Order {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column() status!: 'draft' | 'placed' | 'cancelled';
  @Column('int') totalCents!: number;
  @CreateDateColumn() createdAt!: Date;
  @ManyToOne(() => Customer, (c) => c.orders) customer!: Customer;
  @OneToMany(() => OrderLine, (l) => l.order, { cascade: true }) lines!: OrderLine[];

  addLine(line: OrderLine): void {
    this.lines = this.lines ?? [];
    this.lines.push(line); // ok: unbounded-collection
    this.totalCents += line.quantity * line.unitCents;
  }
}

@Entity()
export class OrderLine {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column() sku!: string;
  @Column('int') quantity!: number;
  @Column('int') unitCents!: number;
  @ManyToOne(() => Order, (o) => o.lines) order!: Order;
}

const baseOptions = {
  type: 'postgres' as const,
  entities: [Customer, Order, OrderLine],
  synchronize: false,
};

export const AppDataSource = new DataSource({ ...baseOptions, url: process.env.DATABASE_URL }); // ok: resource-per-request

export class OrderRepository {
  private readonly repo: Repository<Order>;
  private readonly byCustomer = new Map<string, Order[]>();

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(Order);
  }

  async forCustomer(customerId: string): Promise<Order[]> {
    const hit = this.byCustomer.get(customerId);
    if (hit) return hit;
    const orders = await this.repo.find({ where: { customer: { id: customerId } }, relations: { lines: true } });
    this.byCustomer.set(customerId, orders); // leak: unbounded-cache
    return orders;
  }

  async save(order: Order, manager: EntityManager = this.dataSource.manager): Promise<Order> {
    const saved = await manager.save(order);
    this.byCustomer.delete(order.customer.id);
    return saved;
  }
}

export const orders = new OrderRepository(AppDataSource);

async function placeOrder(customerId: string, lines: Array<Pick<OrderLine, 'sku' | 'quantity' | 'unitCents'>>) {
  const runner = AppDataSource.createQueryRunner(); // ok: resource-per-request
  await runner.connect();
  await runner.startTransaction();
  try {
    const customer = await runner.manager.findOneByOrFail(Customer, { id: customerId });
    const order = runner.manager.create(Order, { customer, status: 'placed', totalCents: 0, lines: [] });
    for (const l of lines) order.addLine(runner.manager.create(OrderLine, l));
    const saved = await orders.save(order, runner.manager);
    await runner.commitTransaction();
    return saved;
  } catch (err) {
    await runner.rollbackTransaction();
    throw err;
  } finally {
    await runner.release();
  }
}

async function cancelOrder(orderId: string) {
  const runner = AppDataSource.createQueryRunner(); // leak: resource-per-request
  await runner.connect();
  await runner.startTransaction();
  const order = await runner.manager.findOneOrFail(Order, { where: { id: orderId }, relations: { customer: true } });
  if (order.status !== 'placed') throw new Error(`order ${orderId} is ${order.status}`);
  order.status = 'cancelled';
  await orders.save(order, runner.manager);
  await runner.commitTransaction();
  await runner.release();
  return order;
}

async function revenueReport(from: Date, to: Date) {
  const replica = new DataSource({ ...baseOptions, url: process.env.REPLICA_URL }); // leak: resource-per-request
  await replica.initialize();
  return replica.getRepository(Order)
    .createQueryBuilder('o')
    .select("date_trunc('day', o.createdAt)", 'day')
    .addSelect('sum(o.totalCents)', 'cents')
    .where('o.createdAt BETWEEN :from AND :to', { from, to })
    .groupBy('day')
    .getRawMany();
}

async function schemaIsCurrent(): Promise<boolean> {
  const probe = new DataSource({ ...baseOptions, url: process.env.DATABASE_URL }); // ok: resource-per-request
  await probe.initialize();
  try {
    return !(await probe.showMigrations());
  } finally {
    await probe.destroy();
  }
}

const wrap = (fn: (req: Request, res: Response) => Promise<unknown>) =>
  (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

export const router = Router();
router.use(express.json({ limit: '256kb' }));

router.get('/customers/:id/orders', wrap(async (req, res) => {
  res.json(await orders.forCustomer(req.params.id));
}));

router.post('/customers/:id/orders', wrap(async (req, res) => {
  res.status(201).json(await placeOrder(req.params.id, req.body.lines));
}));

router.post('/orders/:id/cancel', wrap(async (req, res) => {
  res.json(await cancelOrder(req.params.id));
}));

router.get('/reports/revenue', wrap(async (req, res) => {
  res.json(await revenueReport(new Date(String(req.query.from)), new Date(String(req.query.to))));
}));

router.get('/healthz', wrap(async (_req, res) => {
  res.json({ schema: (await schemaIsCurrent()) ? 'current' : 'pending' });
}));

export async function bootstrap(): Promise<express.Express> {
  await AppDataSource.initialize();
  const app = express();
  app.use('/api', router);
  return app;
}
