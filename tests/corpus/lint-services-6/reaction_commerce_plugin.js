// API plugin in the style of Reaction Commerce / Open Commerce v3 (api-plugin-*: an index.js
// calling app.registerPlugin({ functionsByType: { startup, preStartup, shutdown }, graphQL:
// { resolvers, schemas }, mutations, queries }), context.appEvents.on(...) subscriptions
// set up in startup, context.collections for MongoDB, mutations receiving (context, input)).
// ESM with async/await and plain objects.
import { createRequire } from "module";
import Logger from "@reactioncommerce/logger";
import { MongoClient } from "mongodb";
import nodemailer from "nodemailer";
import QuickLRU from "quick-lru";

const require = createRequire(import.meta.url);
const pkg = require("../package.json");

// ---- util/state.js: module state shared by the plugin's functions
const rateCache = new QuickLRU({ maxSize: 1000, maxAge: 10 * 60 * 1000 }); // ok: unbounded-cache
// shipping quotes per cart, written by the quote query, removed only when the order is placed
const quotesByCart = new Map();
// shop settings, one entry per shop (a deployment has a handful), read on every request
const settingsByShop = {};
let transport;
let reportInterval;
const onOrderPlacedHandlers = [];

// ---- startup.js: runs once when the API starts
async function startup(context) {
  const { appEvents, collections } = context;
  transport = nodemailer.createTransport({ host: "127.0.0.1", port: 2525, pool: true }); // ok: resource-per-request

  appEvents.on("afterOrderCreate", async ({ order }) => { // ok: listener-leak
    quotesByCart.delete(order.cartId);
    for (const handler of onOrderPlacedHandlers) await handler(order);
  });

  appEvents.on("afterCartUpdate", async ({ cart }) => { // ok: listener-leak
    if (!cart.items.length) quotesByCart.delete(cart._id);
  });

  reportInterval = setInterval(async () => { // ok: timer-leak
    const count = await collections.Orders.countDocuments({ "workflow.status": "new" });
    Logger.info({ count }, "open orders");
  }, 15 * 60 * 1000);

  onOrderPlacedHandlers.push(async (order) => Logger.debug(`order ${order._id}`)); // ok: unbounded-collection
}

async function shutdown() {
  clearInterval(reportInterval);
  transport?.close();
}

// ---- queries/getShippingQuote.js (GraphQL query, per request)
async function getShippingQuote(context, { cartId, address }) {
  const key = `${address.postal}:${address.country}`;
  let rates = rateCache.get(key);
  if (!rates) {
    rates = await context.queries.getFulfillmentRates(context, { address });
    rateCache.set(key, rates); // ok: unbounded-cache
  }
  quotesByCart.set(cartId, { rates, at: Date.now() }); // leak: unbounded-collection
  return rates;
}

// ---- queries/shopSettings.js
async function shopSettings(context, shopId) {
  if (!settingsByShop[shopId]) {
    settingsByShop[shopId] = await context.collections.AppSettings.findOne({ shopId }); // ok: unbounded-cache
  }
  return settingsByShop[shopId];
}

// ---- mutations/sendOrderEmail.js
async function sendOrderEmail(context, { orderId, to }) {
  const order = await context.collections.Orders.findOne({ _id: orderId });
  const settings = await shopSettings(context, order.shopId);
  // the email job waits for the order to be shipped; the listener stays if it never ships
  context.appEvents.on("afterOrderUpdate", async ({ order: updated }) => { // leak: listener-leak
    if (updated._id !== orderId || updated.workflow.status !== "shipped") return;
    await transport.sendMail({ from: settings.email, to, subject: "Shipped", text: `Order ${orderId}` });
  });
  return { ok: true };
}

// ---- mutations/registerOrderHook.js: lets other plugins add a hook at runtime
async function registerOrderHook(context, { name, template }) {
  const prev = onOrderPlacedHandlers.pop();
  onOrderPlacedHandlers.push(async (order) => { // leak: closure-capture
    if (prev) await prev(order);
    Logger.info({ name, template, ctx: context.accountId }, "order hook");
  });
  return { ok: true };
}

// ---- mutations/exportOrders.js: a separate client per export to the reporting replica
async function exportOrders(context, { shopId }) {
  const client = new MongoClient(process.env.REPORTING_MONGO_URL); // leak: resource-per-request
  await client.connect();
  const rows = await client.db().collection("Orders").find({ shopId }).limit(10000).toArray();
  return { count: rows.length };
}

async function exportOrdersSafe(context, { shopId }) {
  const client = new MongoClient(process.env.REPORTING_MONGO_URL); // ok: resource-per-request
  try {
    await client.connect();
    return { count: await client.db().collection("Orders").countDocuments({ shopId }) };
  } finally {
    await client.close();
  }
}

// ---- mutations/watchInventory.js: change stream per mutation call, closed when done
async function watchInventory(context, { productId }) {
  const stream = context.collections.SimpleInventory.watch([{ $match: { "fullDocument.productConfiguration.productId": productId } }]); // ok: resource-per-request
  const timer = setTimeout(() => stream.close(), 60000); // ok: timer-leak
  stream.on("change", (change) => context.appEvents.emit("inventoryChanged", change)); // ok: listener-leak
  stream.once("close", () => clearTimeout(timer)); // ok: listener-leak
  return { watching: true };
}

// ---- mutations/startRestockPoll.js
async function startRestockPoll(context, { productId }) {
  setInterval(async () => { // leak: timer-leak
    const inv = await context.collections.SimpleInventory.findOne({ "productConfiguration.productId": productId });
    if (inv?.inventoryInStock > 0) context.appEvents.emit("productRestocked", { productId });
  }, 60000);
  return { ok: true };
}

// ---- resolvers: a per-request DataLoader-ish map is fine
const resolvers = {
  Query: {
    shippingQuote: (_, args, context) => getShippingQuote(context, args),
    cartsWithQuotes: async (_, { ids }, context) => {
      const byId = new Map(); // ok: unbounded-collection
      for (const id of ids) byId.set(id, quotesByCart.get(id)); // ok: unbounded-collection
      return [...byId.values()];
    },
  },
  Mutation: {
    sendOrderEmail: (_, { input }, context) => sendOrderEmail(context, input),
    registerOrderHook: (_, { input }, context) => registerOrderHook(context, input),
    exportOrders: (_, { input }, context) => exportOrders(context, input),
    exportOrdersSafe: (_, { input }, context) => exportOrdersSafe(context, input),
    watchInventory: (_, { input }, context) => watchInventory(context, input),
    startRestockPoll: (_, { input }, context) => startRestockPoll(context, input),
    trackView: async (_, { input }) => {
      globalThis.__productViews ??= new Map();
      globalThis.__productViews.set(`${input.productId}:${input.sessionId}`, Date.now()); // leak: global-growth
      return true;
    },
  },
};

// ---- index.js
export default async function register(app) {
  globalThis.__shippingQuotesPlugin = pkg.version; // ok: global-growth
  await app.registerPlugin({
    label: "Shipping Quotes",
    name: "shipping-quotes",
    version: pkg.version,
    functionsByType: { startup: [startup], shutdown: [shutdown] },
    graphQL: { resolvers, schemas: [] },
    queries: { getShippingQuote, shopSettings },
    mutations: { sendOrderEmail, registerOrderHook, exportOrders, exportOrdersSafe, watchInventory, startRestockPoll },
  });
}
