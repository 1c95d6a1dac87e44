'use strict';

const path = require('path');
const { EventEmitter } = require('events');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync(path.join(__dirname, 'proto', 'pricing.proto'), {
  keepCase: false, longs: String, defaults: true,
});
const pricing = grpc.loadPackageDefinition(definition).pricing.v1;
const rates = grpc.loadPackageDefinition(definition).rates.v1;

const inventory = new pricing.Inventory(process.env.INVENTORY_ADDR, grpc.credentials.createInsecure()); // ok: resource-per-request
const priceFeed = new EventEmitter();
priceFeed.setMaxListeners(1000);

function ratesClient(region) {
  const addr = process.env[`RATES_ADDR_${region.toUpperCase()}`] || process.env.RATES_ADDR;
  return new rates.Rates(addr, grpc.credentials.createInsecure()); // leak: resource-per-request
}

function promisify(client, method) {
  return (request, deadlineMs = 2000) => new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + deadlineMs }, (err, reply) => (err ? reject(err) : resolve(reply)));
  });
}

class QuoteMemo {
  constructor(maxEntries, ttlMs) {
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.entries = new Map();
  }

  get(key) {
    const entry = this.entries.get(key);
    if (!entry || entry.expires < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key, value) {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value);
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs }); // ok: unbounded-cache
  }
}

class PricingService {
  constructor() {
    this.memo = new QuoteMemo(10000, 30 * 1000);
    this.auditLog = [];
    this.warmers = {};
  }

  withAudit(name, handler) {
    return (call, callback) => {
      this.auditLog.push({ method: name, peer: call.getPeer(), at: Date.now() }); // leak: unbounded-collection
      return handler.call(this, call, callback);
    };
  }

  warm(region) {
    this.warmers[region] = setInterval(() => { // leak: timer-leak
      priceFeed.emit('tick', { region, at: Date.now() });
    }, 10 * 1000);
  }

  async getQuote(call, callback) {
    const { sku, region, quantity } = call.request;
    const key = `${sku}:${region}:${quantity}`;
    try {
      let quote = this.memo.get(key);
      if (!quote) {
        const stock = await promisify(inventory, 'getStock')({ sku });
        const rate = await promisify(ratesClient(region), 'getRate')({ region });
        quote = { sku, unitCents: Math.round(stock.baseCents * rate.multiplier), available: stock.available };
        this.memo.set(key, quote);
        this.warm(region);
      }
      callback(null, quote);
    } catch (err) {
      callback({ code: grpc.status.UNAVAILABLE, message: err.message });
    }
  }

  pushTick(call, tick) {
    if (call.request.regions.includes(tick.region)) call.write(tick);
  }

  watchPrices(call) {
    priceFeed.on('tick', this.pushTick.bind(this, call)); // leak: listener-leak
    call.on('cancelled', () => {
      priceFeed.removeListener('tick', this.pushTick.bind(this, call));
    });
  }

  watchStock(call) {
    const onTick = (tick) => call.write({ sku: call.request.sku, region: tick.region }); // ok: closure-capture
    const deadline = setTimeout(() => call.end(), 10 * 60 * 1000); // ok: timer-leak
    const cleanup = () => {
      clearTimeout(deadline);
      priceFeed.removeListener('tick', onTick);
    };
    priceFeed.on('tick', onTick); // ok: listener-leak
    call.on('cancelled', cleanup); // ok: listener-leak
    call.on('error', cleanup);
    call.on('finish', cleanup);
  }

  negotiate(call) {
    const offers = [];
    call.on('data', (offer) => { // ok: listener-leak
      offers.push(offer); // ok: unbounded-collection
      if (offers.length > 20) {
        call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, message: 'too many offers' });
        return;
      }
      call.write({ counter: Math.round(offer.cents * 1.05) });
    });
    call.on('end', () => call.end());
  }
}

function main() {
  const service = new PricingService();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 1024 * 1024 });
  server.addService(pricing.Pricing.service, {
    getQuote: service.withAudit('getQuote', service.getQuote),
    watchPrices: service.withAudit('watchPrices', service.watchPrices),
    watchStock: service.withAudit('watchStock', service.watchStock),
    negotiate: service.withAudit('negotiate', service.negotiate),
  });
  server.bindAsync(`0.0.0.0:${process.env.PORT || 50051}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) throw err;
  });
  process.once('SIGTERM', () => { // ok: listener-leak
    for (const timer of Object.values(service.warmers)) clearInterval(timer);
    server.tryShutdown(() => inventory.close());
  });
}

main();
