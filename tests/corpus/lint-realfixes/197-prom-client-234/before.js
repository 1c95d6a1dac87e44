'use strict';

const util = require('util');
const { globalRegistry } = require('./registry');
const { hashObject, isObject } = require('./util');
const { validateLabel } = require('./validation');
const timeWindowQuantiles = require('./timeWindowQuantiles');

// A Summary is created once (usually at module level) and observed on every
// request, e.g. a request-duration summary in an HTTP middleware.
class Summary {
	constructor(config) {
		if (!isObject(config)) {
			throw new TypeError('Summary needs a configuration object');
		}
		config = Object.assign(
			{ percentiles: [0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999], labelNames: [], registers: [globalRegistry] },
			config
		);

		this.maxAgeSeconds = config.maxAgeSeconds;
		this.ageBuckets = config.ageBuckets;
		this.name = config.name;
		this.help = config.help;
		this.percentiles = config.percentiles;
		this.labelNames = config.labelNames;
		this.hashMap = {};

		config.registers.forEach(registryInstance => registryInstance.registerMetric(this));
	}

	observe(labels, value) {
		observe.call(this, labels === 0 ? 0 : labels || {})(value);
	}
}

function convertLabelsAndValues(labels, value) {
	return isObject(labels) ? { labels, value } : { value: labels, labels: {} };
}

function observe(labels) {
	return value => {
		const labelValuePair = convertLabelsAndValues(labels, value);

		validateLabel(this.labelNames, labelValuePair.labels);
		if (!Number.isFinite(labelValuePair.value)) {
			throw new TypeError(`Value is not a valid number: ${util.format(labelValuePair.value)}`);
		}

		const hash = hashObject(labelValuePair.labels);
		let summaryOfLabel = this.hashMap[hash];
		if (!summaryOfLabel) {
			summaryOfLabel = {
				labels: labelValuePair.labels,
				td: new timeWindowQuantiles(this.maxAgeSeconds, this.ageBuckets),
				count: 0,
				sum: 0
			};
		}

		summaryOfLabel.td.push(labelValuePair.value); // leak: unbounded-collection
		summaryOfLabel.count++;
		summaryOfLabel.sum += labelValuePair.value;
		this.hashMap[hash] = summaryOfLabel;
	};
}

module.exports = Summary;
