// Connections the code itself opens (`connect()`, `initialize()`, `open()`) on an object it
// just made, whatever library made it; and a close that a throwing `await` skips.
import { Router } from 'express';
import { Warehouse } from 'warehouse-kit';
import { Broker } from './broker';

const routes = Router();
const broker = new Broker();

routes.get('/stock/:sku', async (req, res) => {
  const store = new Warehouse({ url: process.env.WAREHOUSE_URL }); // expect: client-per-request
  await store.initialize();
  res.json(await store.count(req.params.sku));
});

export async function drainTopic(topic: string): Promise<number> {
  const reader = broker.fork(); // expect: client-per-request
  await reader.open();
  const n = await reader.drain(topic);
  await reader.close();
  return n;
}

export async function moveStock(sku: string, repo: { move(s: string, m: unknown): Promise<void> }) {
  const session = broker.session(); // expect: client-per-request
  await session.connect();
  await repo.move(sku, session.handle);
  await session.close();
}

export default routes;
