// A client class the project extends is still a client: each `new` of the subclass opens its
// own connections. Sixth session; names and shapes are this file's own.
import { MongoClient } from 'mongodb';

class TenantStore extends MongoClient {
  tenant(id: string) {
    return this.db(`tenant_${id}`);
  }
}

export async function countInvoices(tenantId: string): Promise<number> {
  const store = new TenantStore(process.env.MONGO_URL as string); // expect: client-per-request
  return store.tenant(tenantId).collection('invoices').countDocuments();
}

export async function countPayments(tenantId: string): Promise<number> {
  const store = new TenantStore(process.env.MONGO_URL as string);
  try {
    return await store.tenant(tenantId).collection('payments').countDocuments();
  } finally {
    await store.close();
  }
}
