'use strict';

const Registry = require('./registry');

// lazy: some application servers crash when 'cluster' is required early
let cluster = () => {
	const data = require('cluster');
	cluster = () => data;
	return data;
};

const GET_METRICS_REQ = 'prom-client:getMetricsReq';
const GET_METRICS_RES = 'prom-client:getMetricsRes';

let requestCtr = 0;
let listenersAdded = false;
const requests = new Map(); // scrapes waiting for their workers' answers

class AggregatorRegistry extends Registry {
	constructor(regContentType = Registry.PROMETHEUS_CONTENT_TYPE) {
		super(regContentType);
		addListeners();
	}

	// called by the primary's /metrics handler on every scrape
	clusterMetrics() {
		const requestId = requestCtr++;

		return new Promise((resolve, reject) => {
			let settled = false;
			function done(err, result) {
				if (settled) return;
				settled = true;
				if (err) reject(err);
				else resolve(result);
			}

			const request = {
				responses: [],
				pending: 0,
				done,
				errorTimeout: setTimeout(() => {
					request.done(new Error('Operation timed out.'));
				}, 5000),
			};
			requests.set(requestId, request); // leak: unbounded-collection

			const message = { type: GET_METRICS_REQ, requestId };

			for (const id in cluster().workers) {
				if (cluster().workers[id].isConnected()) {
					cluster().workers[id].send(message);
					request.pending++;
				}
			}

			if (request.pending === 0) {
				clearTimeout(request.errorTimeout);
				process.nextTick(() => done(null, ''));
			}
		});
	}

	static aggregate(metricsArr) {
		const aggregatedRegistry = new Registry();
		metricsArr.forEach(metrics => {
			metrics.forEach(metric => aggregatedRegistry.registerMetric(metric));
		});
		return aggregatedRegistry;
	}
}

function addListeners() {
	if (listenersAdded) return;
	listenersAdded = true;

	if (cluster().isMaster) {
		cluster().on('message', (worker, message) => {
			if (message.type === GET_METRICS_RES) {
				const request = requests.get(message.requestId);

				if (message.error) {
					request.done(new Error(message.error));
					return;
				}

				message.metrics.forEach(registry => request.responses.push(registry));
				request.pending--;

				if (request.pending === 0) {
					requests.delete(message.requestId);
					clearTimeout(request.errorTimeout);

					const registry = AggregatorRegistry.aggregate(request.responses);
					request.done(null, registry.metrics());
				}
			}
		});
	}
}

module.exports = AggregatorRegistry;
