// Objects opened and closed on every path, checked out of a pool, or kept by their owner.
import { Router } from 'express';
import { Warehouse } from 'warehouse-kit';
import { Broker } from './broker';

const routes = Router();
const broker = new Broker();
const lender = broker.lender();

routes.get('/stock/:sku', async (req, res) => {
  const store = new Warehouse({ url: process.env.WAREHOUSE_URL });
  await store.initialize();
  try {
    res.json(await store.count(req.params.sku));
  } finally {
    await store.close();
  }
});

export async function drainTopic(topic: string): Promise<number> {
  const reader = broker.fork();
  await reader.open();
  try {
    return await reader.drain(topic);
  } catch (err) {
    await reader.close();
    throw err;
  } finally {
    await reader.close();
  }
}

export async function peek(topic: string): Promise<number> {
  const lent = await lender.connect();
  try {
    return await lent.peek(topic);
  } finally {
    lent.release();
  }
}

export async function wrap(socket: unknown): Promise<unknown> {
  const framed = new Warehouse(socket);
  await framed.open();
  return framed;
}

export default routes;
