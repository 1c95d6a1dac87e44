'use strict';

// Telegraf v4 bot style (after the telegraf examples and shop bots built on it: one Telegraf
// instance, bot.use(session()), a Scenes.Stage of WizardScenes, bot.command / bot.action /
// bot.on handlers registered at start-up, ctx.reply with Markup keyboards, bot.launch() and
// process.once('SIGINT') shutdown). CommonJS with semicolons.

const { Telegraf, Scenes, session, Markup } = require('telegraf');
const { LRUCache } = require('lru-cache');
const puppeteer = require('puppeteer');

const catalog = require('./catalog');
const orders = require('./orders');

const bot = new Telegraf(process.env.BOT_TOKEN);

const carts = new Map();
const priceQuotes = new Map();
const productCache = new LRUCache({ max: 500, ttl: 15 * 60 * 1000 });
const rateLimit = new Map();

global.botStartedAt = global.botStartedAt || Date.now(); // ok: global-growth
global.activeChats = global.activeChats || new Set(); // ok: global-growth

const orderNotifier = {
  onPaid: async () => {},
};

orderNotifier.onPaid = async (order) => { // ok: closure-capture
  console.info('order paid', order.id);
};

setInterval(() => { // ok: timer-leak
  const cutoff = Date.now() - 60 * 1000;
  for (const [userId, at] of rateLimit) {
    if (at < cutoff) rateLimit.delete(userId);
  }
}, 60 * 1000).unref();

async function product(id) {
  let item = productCache.get(id);
  if (!item) {
    item = await catalog.find(id);
    productCache.set(id, item); // ok: unbounded-cache
  }
  return item;
}

const checkoutWizard = new Scenes.WizardScene(
  'checkout',
  async (ctx) => {
    ctx.wizard.state.reminder = setInterval(() => { // leak: timer-leak
      ctx.reply('Still there? Send your address to finish the order.').catch(() => {});
    }, 5 * 60 * 1000);
    await ctx.reply('Where should we deliver?');
    return ctx.wizard.next();
  },
  async (ctx) => {
    ctx.wizard.state.address = ctx.message && ctx.message.text;
    await ctx.reply('Confirm?', Markup.inlineKeyboard([Markup.button.callback('Pay', 'pay')]));
    return ctx.wizard.next();
  },
  async (ctx) => {
    if (!ctx.callbackQuery || ctx.callbackQuery.data !== 'pay') return undefined;
    const cart = carts.get(ctx.from.id) || [];
    const order = await orders.create(ctx.from.id, cart, ctx.wizard.state.address);
    clearInterval(ctx.wizard.state.reminder);
    carts.delete(ctx.from.id);

    const previous = orderNotifier.onPaid;
    orderNotifier.onPaid = async (paid) => { // leak: closure-capture
      await previous(paid);
      if (paid.id === order.id) await ctx.reply(`Payment received for order #${order.id}, thanks ${ctx.from.first_name}!`);
    };

    await ctx.reply(`Order #${order.id} created, pay here: ${order.paymentUrl}`);
    return ctx.scene.leave();
  }
);

const stage = new Scenes.Stage([checkoutWizard], { ttl: 3600 });

bot.use(session());
bot.use(stage.middleware());
bot.use(async (ctx, next) => {
  if (ctx.from) {
    const last = rateLimit.get(ctx.from.id);
    if (last && Date.now() - last < 300) return undefined;
    rateLimit.set(ctx.from.id, Date.now()); // ok: unbounded-collection
  }
  if (ctx.chat) global.activeChats.add(ctx.chat.id); // leak: global-growth
  return next();
});

bot.start((ctx) => ctx.reply('Welcome! /shop to browse, /cart to see your cart.'));

bot.command('shop', async (ctx) => {
  const items = await catalog.list();
  const rows = [];
  for (const item of items) {
    rows.push([Markup.button.callback(`${item.title} — ${item.price}€`, `add:${item.id}`)]); // ok: unbounded-collection
  }
  await ctx.reply('Our products:', Markup.inlineKeyboard(rows));
});

bot.action(/^add:(.+)$/, async (ctx) => { // ok: listener-leak
  const item = await product(ctx.match[1]);
  const cart = carts.get(ctx.from.id) || [];
  cart.push({ id: item.id, title: item.title, price: item.price });
  carts.set(ctx.from.id, cart); // leak: unbounded-collection
  await ctx.answerCbQuery(`${item.title} added`);
});

bot.command('cart', async (ctx) => { // ok: listener-leak
  const cart = carts.get(ctx.from.id) || [];
  if (cart.length === 0) return ctx.reply('Your cart is empty');
  const total = cart.reduce((sum, line) => sum + line.price, 0);
  return ctx.reply(`${cart.map((line) => line.title).join('\n')}\nTotal: ${total}€`, Markup.inlineKeyboard([Markup.button.callback('Checkout', 'checkout')]));
});

bot.action('checkout', (ctx) => ctx.scene.enter('checkout')); // ok: listener-leak

bot.command('price', async (ctx) => {
  const query = ctx.message.text.replace('/price', '').trim().toLowerCase();
  const key = `${ctx.from.language_code}:${query}`;
  if (!priceQuotes.has(key)) {
    priceQuotes.set(key, await catalog.search(query)); // leak: unbounded-cache
  }
  const found = priceQuotes.get(key);
  return ctx.reply(found.length ? found.map((p) => `${p.title}: ${p.price}€`).join('\n') : 'Nothing found');
});

bot.command('track', async (ctx) => {
  const orderId = ctx.message.text.split(' ')[1];
  await ctx.reply(`Tracking #${orderId}`, Markup.inlineKeyboard([Markup.button.callback('Refresh', `track:${orderId}`)]));
  bot.action(`track:${orderId}`, async (actionCtx) => { // leak: listener-leak
    const status = await orders.status(orderId);
    await actionCtx.answerCbQuery(status);
  });
});

bot.command('receipt', async (ctx) => {
  const orderId = ctx.message.text.split(' ')[1];
  const browser = await puppeteer.launch({ args: ['--no-sandbox'] }); // leak: resource-per-request
  const page = await browser.newPage();
  await page.goto(`${process.env.SHOP_URL}/receipts/${orderId}`, { waitUntil: 'networkidle0' });
  const pdf = await page.pdf({ format: 'A5' });
  await browser.close();
  await ctx.replyWithDocument({ source: pdf, filename: `receipt-${orderId}.pdf` });
});

bot.command('invoice', async (ctx) => {
  const orderId = ctx.message.text.split(' ')[1];
  const browser = await puppeteer.launch({ args: ['--no-sandbox'] }); // ok: resource-per-request
  try {
    const page = await browser.newPage();
    await page.goto(`${process.env.SHOP_URL}/invoices/${orderId}`, { waitUntil: 'networkidle0' });
    await ctx.replyWithDocument({ source: await page.pdf({ format: 'A4' }), filename: `invoice-${orderId}.pdf` });
  } finally {
    await browser.close();
  }
});

orders.events.on('paid', (order) => orderNotifier.onPaid(order)); // ok: listener-leak

bot.launch();
process.once('SIGINT', () => bot.stop('SIGINT')); // ok: listener-leak
process.once('SIGTERM', () => bot.stop('SIGTERM'));

module.exports = { bot };
