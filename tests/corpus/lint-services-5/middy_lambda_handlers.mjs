// Lambda handlers wrapped with Middy, in the style of middyjs/middy's packages (util/index.js
// processCache, core's before/after/onError middlewares) and the handlers people build on them:
// module scope is the warm container and lives across invocations; the handler body runs per event.

import middy from "@middy/core";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import httpErrorHandler from "@middy/http-error-handler";
import sqsPartialBatchFailure from "@middy/sqs-partial-batch-failure";
import ssm from "@middy/ssm";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { SQSClient, ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";

const logger = new Logger({ serviceName: "orders" });
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({})); // ok: resource-per-request
const sqs = new SQSClient({}); // ok: resource-per-request

const IDEMPOTENCY = Symbol.for("orders.idempotency");
globalThis[IDEMPOTENCY] ??= new Set(); // ok: global-growth
globalThis.__ordersColdStart ??= Date.now(); // ok: global-growth
globalThis.__ordersInvocations = (globalThis.__ordersInvocations ?? 0) + 1; // ok: global-growth

// ---- small fetch cache, after @middy/util processCache ----
const cache = new Map();
const cacheMaxSize = 128;

const processCache = (cacheKey, cacheExpiry, fetch) => {
	const now = Date.now();
	const cached = cache.get(cacheKey);
	if (cached && cached.expiry > now) return cached.value;
	const value = fetch();
	if (cache.size >= cacheMaxSize && !cache.has(cacheKey)) {
		cache.delete(cache.keys().next().value);
	}
	clearTimeout(cached?.refresh);
	const refresh = setTimeout(() => cache.delete(cacheKey), cacheExpiry).unref(); // ok: timer-leak
	cache.set(cacheKey, { value, expiry: now + cacheExpiry, refresh }); // ok: unbounded-cache
	return value;
};

const responseCache = {};

let flushHooks = async () => {};

// ---- middlewares ----
const idempotency = () => ({
	before: async (request) => {
		const key = request.event.headers?.["idempotency-key"];
		if (!key) return;
		if (globalThis[IDEMPOTENCY].has(key)) {
			return { statusCode: 409, body: JSON.stringify({ message: "duplicate" }) };
		}
		globalThis[IDEMPOTENCY].add(key); // leak: global-growth
	},
});

const tracing = () => {
	const before = (request) => {
		request.internal.startedAt = Date.now();
	};
	const after = (request) => {
		const ms = Date.now() - request.internal.startedAt;
		globalThis.__ordersTimings ??= {};
		globalThis.__ordersTimings[request.context.awsRequestId] = ms; // leak: global-growth
	};
	return { before, after }; // ok: closure-capture
};

const flushOnEnd = () => ({
	after: async (request) => {
		const previous = flushHooks;
		const { event } = request;
		flushHooks = async () => { // leak: closure-capture
			await previous();
			logger.debug("flushed", { path: event.rawPath, bytes: event.body?.length });
		};
		await flushHooks();
	},
});

const logRequest = () => ({
	before: (request) => {
		const describe = () => `${request.event.requestContext?.http?.method} ${request.event.rawPath}`; // ok: closure-capture
		logger.info(describe());
	},
});

// ---- GET /orders/{id} ----
const getOrder = async (event, context) => {
	const { id } = event.pathParameters;
	const tenant = event.requestContext.authorizer?.jwt?.claims?.tenant ?? "default";
	const tableName = await processCache(`table:${tenant}`, 60_000, () => context.tableName ?? process.env.TABLE_NAME);
	const cacheKey = `${tenant}:${id}:${event.rawQueryString}`;
	if (responseCache[cacheKey]) return responseCache[cacheKey];

	const { Item } = await ddb.send(new GetCommand({ TableName: tableName, Key: { pk: `ORDER#${id}` } }));
	const response = Item ? { statusCode: 200, body: JSON.stringify(Item) } : { statusCode: 404, body: "{}" };
	responseCache[cacheKey] = response; // leak: unbounded-cache
	return response;
};

export const get = middy()
	.use(ssm({ fetchData: { tableName: "/orders/table" }, setToContext: true, cacheExpiry: 5 * 60 * 1000 })) // ok: unbounded-cache
	.use(tracing())
	.use(logRequest())
	.use(httpErrorHandler())
	.handler(getOrder);

// ---- POST /orders ----
const createOrder = async (event) => {
	const auditClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AUDIT_REGION })); // leak: resource-per-request
	const order = { pk: `ORDER#${event.body.id}`, ...event.body, createdAt: new Date().toISOString() };
	await ddb.send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: order }));
	await auditClient.send(new PutCommand({ TableName: process.env.AUDIT_TABLE, Item: { pk: order.pk, action: "create" } }));
	return { statusCode: 201, body: JSON.stringify(order) };
};

export const create = middy()
	.use(httpJsonBodyParser())
	.use(idempotency())
	.use(flushOnEnd())
	.use(httpErrorHandler())
	.handler(createOrder);

// ---- SQS consumer: long work keeps extending the message's visibility ----
const processRecord = async (record) => {
	const extend = setInterval(() => { // leak: timer-leak
		sqs.send(new ChangeMessageVisibilityCommand({
			QueueUrl: process.env.QUEUE_URL,
			ReceiptHandle: record.receiptHandle,
			VisibilityTimeout: 60,
		})).catch((err) => logger.warn("visibility", { err }));
	}, 30_000);
	const body = JSON.parse(record.body);
	if (!body.orderId) throw new Error("missing orderId");
	await ddb.send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: { pk: `SHIP#${body.orderId}`, status: "queued" } }));
	clearInterval(extend);
};

const processRecordGuarded = async (record) => {
	const controller = new AbortController();
	const deadline = setTimeout(() => controller.abort(), 25_000); // ok: timer-leak
	try {
		const body = JSON.parse(record.body);
		await ddb.send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: { pk: `NOTE#${body.orderId}` } }), { abortSignal: controller.signal });
	} finally {
		clearTimeout(deadline);
	}
};

const consume = async (event) => {
	const results = []; // ok: unbounded-collection
	for (const record of event.Records) {
		results.push(record.attributes?.MessageGroupId === "notes" ? processRecordGuarded(record) : processRecord(record)); // ok: unbounded-collection
	}
	return Promise.allSettled(results);
};

export const worker = middy().use(sqsPartialBatchFailure()).handler(consume);
