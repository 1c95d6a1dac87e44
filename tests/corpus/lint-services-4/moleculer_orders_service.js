"use strict";

const DbService = require("moleculer-db");
const MongoAdapter = require("moleculer-db-adapter-mongo");
const { MoleculerClientError } = require("moleculer").Errors;
const Redis = require("ioredis");
const { LRUCache } = require("lru-cache");

const RateMixin = require("../mixins/rate.mixin");

/**
 * @typedef {import('moleculer').Context} Context Moleculer's Context
 */

module.exports = {
	name: "orders",
	version: 1,

	mixins: [DbService, RateMixin],
	adapter: new MongoAdapter(process.env.MONGO_URI || "mongodb://localhost/orders"),
	collection: "orders",

	settings: {
		rest: "/orders",
		fields: ["_id", "customer", "items", "total", "currency", "status", "createdAt"],
		redis: { host: process.env.REDIS_HOST || "127.0.0.1", port: 6379 },
		outboxLimit: 1000,
		entityValidator: {
			customer: "string",
			items: { type: "array", items: "object", min: 1 },
			currency: { type: "string", length: 3 }
		}
	},

	dependencies: ["v1.customers", "v1.pricing"],

	actions: {
		create: {
			rest: "POST /",
			params: {
				customer: "string",
				items: { type: "array", min: 1 },
				currency: { type: "string", default: "EUR" }
			},
			/** @param {Context} ctx */
			async handler(ctx) {
				const customer = await this.getCustomer(ctx, ctx.params.customer);
				const prices = new Map(); // ok: unbounded-collection
				for (const item of ctx.params.items) {
					prices.set(item.sku, await this.priceOf(ctx, item.sku, ctx.params.currency)); // ok: unbounded-collection
				}
				const total = ctx.params.items.reduce((sum, item) => sum + prices.get(item.sku) * item.qty, 0);
				const tx = await this.adapter.client.startSession(); // ok: resource-per-request
				try {
					let doc;
					await tx.withTransaction(async () => {
						doc = await this.adapter.insert({ customer: customer._id, items: ctx.params.items, total, currency: ctx.params.currency, status: "new", createdAt: new Date() });
					});
					const order = await this.transformDocuments(ctx, {}, doc);
					this.enqueueEvent("order.created", order);
					return order;
				} finally {
					await tx.endSession();
				}
			}
		},

		quote: {
			rest: "GET /quote",
			params: { sku: "string", currency: "string", at: { type: "string", optional: true } },
			async handler(ctx) {
				return { sku: ctx.params.sku, price: await this.priceOf(ctx, ctx.params.sku, ctx.params.currency, ctx.params.at) };
			}
		},

		ship: {
			rest: "POST /:id/ship",
			params: { id: "string", carrier: "string" },
			async handler(ctx) {
				const order = await this.getById(ctx.params.id);
				if (!order) throw new MoleculerClientError("Order not found", 404, "NOT_FOUND");

				// a connection per shipment, to publish on the carrier channel
				const pub = new Redis(this.settings.redis); // leak: resource-per-request
				await pub.publish(`carrier:${ctx.params.carrier}`, JSON.stringify({ id: order._id, items: order.items }));

				this.broker.localBus.on("$node.disconnected", ({ node }) => { // leak: listener-leak
					if (node.id === ctx.nodeID) this.logger.warn("Shipping node left before confirming", order._id);
				});
				return this.adapter.updateById(order._id, { $set: { status: "shipped" } });
			}
		},

		setFormatOverrides: {
			rest: "PUT /format",
			params: { overrides: "object" },
			async handler(ctx) {
				// every call wraps the previous formatter; the chain keeps all older overrides alive
				const previous = this.formatOrder;
				this.formatOrder = (order) => previous.call(this, Object.assign({}, order, ctx.params.overrides)); // leak: closure-capture
				return { ok: true };
			}
		},

		audit: {
			rest: "POST /audit",
			async handler(ctx) {
				// serialise audit writes: each link is released once it settles
				this.auditChain = this.auditChain.then(() => this.adapter.collection.db.collection("audit").insertOne({ meta: ctx.meta, at: new Date() })); // ok: closure-capture
				return this.auditChain;
			}
		}
	},

	events: {
		"customers.updated"(ctx) {
			this.customerCache.delete(ctx.params.id);
		},
		"pricing.changed": {
			handler(ctx) {
				this.logger.info("Price list changed", ctx.params.list);
			}
		}
	},

	methods: {
		async getCustomer(ctx, id) {
			let customer = this.customerCache.get(id);
			if (!customer) {
				customer = await ctx.call("v1.customers.get", { id });
				this.customerCache.set(id, customer); // ok: unbounded-cache
			}
			return customer;
		},

		async priceOf(ctx, sku, currency, at) {
			const key = `${sku}:${currency}:${at || Date.now()}`;
			if (this.priceCache.has(key)) return this.priceCache.get(key);
			const price = await ctx.call("v1.pricing.price", { sku, currency, at });
			this.priceCache.set(key, price); // leak: unbounded-cache
			return price;
		},

		formatOrder(order) {
			return { ...order, total: Math.round(order.total * 100) / 100 };
		},

		enqueueEvent(name, payload) {
			if (this.outbox.length >= this.settings.outboxLimit) this.outbox.shift();
			this.outbox.push({ name, payload }); // ok: unbounded-collection
		},

		async flushOutbox() {
			const batch = this.outbox.splice(0, this.outbox.length);
			for (const { name, payload } of batch) {
				await this.broker.emit(name, this.formatOrder(payload));
			}
		},

		onNodeDisconnected({ node }) {
			this.logger.info("Node disconnected, dropping its reservations", node.id);
		}
	},

	created() {
		this.priceCache = new Map();
		this.customerCache = new LRUCache({ max: 500, ttl: 5 * 60 * 1000 });
		this.outbox = [];
		this.auditChain = Promise.resolve();
	},

	async started() {
		this.redis = new Redis(this.settings.redis); // ok: resource-per-request
		this.broker.localBus.on("$node.disconnected", this.onNodeDisconnected); // ok: listener-leak
		this.flushTimer = setInterval(() => this.flushOutbox().catch(err => this.logger.error(err)), 2000); // ok: timer-leak
	},

	async stopped() {
		clearInterval(this.flushTimer);
		this.broker.localBus.off("$node.disconnected", this.onNodeDisconnected);
		await this.flushOutbox();
		await this.redis.quit();
	}
};
