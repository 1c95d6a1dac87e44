// ApostropheCMS 3 module style (modules/product/index.js in the A3 module format: extend
// '@apostrophecms/piece-type', init(self) once at start-up, methods(self), extendMethods(self)
// with _super, handlers(self) for server events such as 'beforeSave' and
// '@apostrophecms/page:serve', apiRoutes(self) with get/post per request, components(self) for
// async template components). `self` is the module singleton; `self.apos` the app.
const { EventEmitter } = require('events');
const fetch = require('node-fetch');
const https = require('https');
const LRU = require('lru-cache');

const priceEvents = new EventEmitter();

module.exports = {
  extend: '@apostrophecms/piece-type',
  alias: 'product',

  options: {
    label: 'Product',
    pluralLabel: 'Products',
    exchangeUrl: 'https://127.0.0.1:8443/rates'
  },

  fields: {
    add: {
      price: { type: 'float', label: 'Price' },
      sku: { type: 'string', label: 'SKU', required: true }
    },
    group: { basics: { fields: [ 'title', 'price', 'sku' ] } }
  },

  async init(self) {
    self.agent = new https.Agent({ keepAlive: true, maxSockets: 10 }); // ok: resource-per-request
    self.rateCache = new LRU({ max: 100, ttl: 10 * 60 * 1000 }); // ok: unbounded-cache
    self.skuIndex = new Map();
    self.viewLog = [];
    self.formatters = {};
    self.onPriceChange = null;
    self.renderHooks = [];
    self.stockTimers = new Map();

    // the whole module set, kept on the app for the shell and tests
    self.apos.productModule = self; // ok: global-growth
    global.APOS_PRODUCT_READY = true; // ok: global-growth

    // formatters made once at start-up, each closes over the module only
    for (const currency of [ 'EUR', 'USD', 'GBP' ]) {
      const fmt = new Intl.NumberFormat('en', { style: 'currency', currency });
      self.formatters[currency] = (value) => fmt.format(value); // ok: closure-capture
    }

    self.onPriceChange = (doc) => priceEvents.emit('changed', doc._id, doc.price); // ok: closure-capture

    self.refresher = setInterval(() => self.refreshRates().catch(self.apos.util.error), 10 * 60 * 1000); // ok: timer-leak
    self.apos.on?.('destroy', () => clearInterval(self.refresher)); // ok: listener-leak
  },

  handlers(self) {
    return {
      beforeSave: {
        indexSku(req, doc) {
          self.skuIndex.set(doc.sku, doc._id); // ok: unbounded-collection
        },
        announcePrice(req, doc) {
          if (self.onPriceChange) self.onPriceChange(doc);
        }
      },
      afterDelete: {
        unindexSku(req, doc) {
          self.skuIndex.delete(doc.sku);
          clearTimeout(self.stockTimers.get(doc._id));
          self.stockTimers.delete(doc._id);
        }
      },
      '@apostrophecms/page:serve': {
        logProductViews(req) {
          if (req.data.piece && req.data.piece.type === 'product') {
            self.viewLog.push({ id: req.data.piece._id, url: req.url, user: req.user && req.user._id }); // leak: unbounded-collection
          }
        },
        watchPrice(req) {
          if (!req.data.piece) return;
          const id = req.data.piece._id;
          priceEvents.on('changed', (changedId) => { // leak: listener-leak
            if (changedId === id) self.apos.util.log(`price of ${id} changed after a view`);
          });
        }
      },
      '@apostrophecms/doc-type:beforeSave': {
        rememberRenderer(req, doc) {
          if (doc.type !== 'product') return;
          const previous = self.onPriceChange;
          self.onPriceChange = (d) => { // leak: closure-capture
            if (previous) previous(d);
            self.apos.util.log(`${doc.title} (${req.user && req.user.username}) saved`);
          };
        }
      }
    };
  },

  methods(self) {
    return {
      async refreshRates() {
        const res = await fetch(self.options.exchangeUrl, { agent: self.agent });
        const rates = await res.json();
        for (const [ code, rate ] of Object.entries(rates)) self.rateCache.set(code, rate); // ok: unbounded-cache
      },

      async convert(req, price, currency) {
        let rate = self.rateCache.get(currency);
        if (!rate) {
          const agent = new https.Agent({ keepAlive: true }); // leak: resource-per-request
          const res = await fetch(`${self.options.exchangeUrl}?c=${currency}`, { agent });
          rate = (await res.json())[currency];
          self.rateCache.set(currency, rate); // ok: unbounded-cache
        }
        return price * rate;
      },

      scheduleStockCheck(req, id) {
        clearTimeout(self.stockTimers.get(id));
        self.stockTimers.set(id, setTimeout(() => { // ok: timer-leak
          self.stockTimers.delete(id);
          self.apos.util.log(`stock check for ${id}`);
        }, 30 * 1000));
      }
    };
  },

  extendMethods(self) {
    return {
      async find(_super, req, criteria, builders) {
        const query = _super(req, criteria, builders);
        return query.sort({ price: 1 });
      }
    };
  },

  apiRoutes(self) {
    return {
      get: {
        async bySku(req) {
          const id = self.skuIndex.get(self.apos.launder.string(req.query.sku));
          if (!id) throw self.apos.error('notfound');
          return self.find(req, { _id: id }).toObject();
        },
        async converted(req) {
          const product = await self.find(req, { _id: self.apos.launder.id(req.query.id) }).toObject();
          if (!product) throw self.apos.error('notfound');
          const currency = self.apos.launder.string(req.query.currency) || 'EUR';
          const value = await self.convert(req, product.price, currency);
          const fmt = self.formatters[currency] || ((v) => String(v));
          return { price: fmt(value) };
        },
        async priceStream(req) {
          // one answer per request: resolves on the first change or after 20s, removes on both paths
          return new Promise((resolve) => {
            const onChange = (id, price) => finish({ id, price });
            const timer = setTimeout(() => finish(null), 20 * 1000); // ok: timer-leak
            function finish(result) {
              clearTimeout(timer);
              priceEvents.removeListener('changed', onChange);
              resolve(result);
            }
            priceEvents.on('changed', onChange); // ok: listener-leak
          });
        }
      },
      post: {
        async stockCheck(req) {
          const id = self.apos.launder.id(req.body.id);
          self.scheduleStockCheck(req, id);
          return { scheduled: true };
        },
        async watch(req) {
          const id = self.apos.launder.id(req.body.id);
          const poll = setInterval(async () => { // leak: timer-leak
            const doc = await self.find(req, { _id: id }).toObject();
            if (doc) priceEvents.emit('changed', doc._id, doc.price);
          }, 15 * 1000);
          return { watching: Boolean(poll) };
        },
        async hook(req) {
          const label = self.apos.launder.string(req.body.label);
          self.renderHooks.push((html) => `${html}<!-- ${label} -->`); // leak: unbounded-collection
          return { hooks: self.renderHooks.length };
        },
        async tag(req) {
          global.APOS_PRODUCT_TAGS = global.APOS_PRODUCT_TAGS || new Set();
          global.APOS_PRODUCT_TAGS.add(self.apos.launder.string(req.body.tag)); // leak: global-growth
          return { ok: true };
        }
      }
    };
  },

  components(self) {
    return {
      async featured(req, data) {
        const products = await self.find(req, { featured: true }).limit(data.limit || 3).toArray();
        const cards = [];
        for (const p of products) cards.push({ title: p.title, price: self.formatters.EUR(p.price) }); // ok: unbounded-collection
        let html = '';
        for (const hook of self.renderHooks) html = hook(html);
        const render = (card) => `<li>${card.title} ${card.price}</li>`; // ok: closure-capture
        return { cards, html, items: cards.map(render) };
      }
    };
  }
};
