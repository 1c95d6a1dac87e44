'use strict';
// Orders API in the "everything is a class" style. Plain node http.
const http = require('http');

class AuditRecord { // eval: audit-trail
  constructor(orderId, action, payload) { // eval: audit-trail
    this.orderId = orderId;
    this.action = action;
    this.at = new Date().toISOString();
    this.payload = JSON.stringify(payload);
  }
}

class RecentOrder {
  constructor(id, total) {
    this.id = id;
    this.total = total;
    this.lines = new Array(16).fill(id);
  }
}

class PendingTicket {
  constructor(id) {
    this.id = id;
    this.startedAt = process.hrtime.bigint();
    this.notes = ['received', 'validated'];
  }
}

// A fixed ring of the last 64 orders for the dashboard.
class RecentOrders {
  constructor(size) {
    this.slots = new Array(size).fill(null);
    this.next = 0;
  }
  add(order) {
    this.slots[this.next] = order;
    this.next = (this.next + 1) % this.slots.length;
  }
}

class OrderService {
  constructor() {
    this.auditTrail = [];
    this.recent = new RecentOrders(64);
    this.inFlight = new Map();
    this.seq = 0;
  }

  place(req, res) {
    const id = ++this.seq;
    this.inFlight.set(id, new PendingTicket(id));
    res.on('finish', () => this.inFlight.delete(id));
    const order = { id, items: [{ sku: 'sku-' + (id % 50), qty: 1 + (id % 3) }], customer: 'c' + id };
    this.auditTrail.push(new AuditRecord(id, 'place', order)); // eval: audit-trail
    this.recent.add(new RecentOrder(id, 12.5 * (id % 7)));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id, ok: true }));
  }
}

const service = new OrderService();
const server = http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  service.place(req, res);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
