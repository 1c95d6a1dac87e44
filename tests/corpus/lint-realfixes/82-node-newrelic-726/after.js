'use strict';

// New Relic agent, infinite tracing: a long-lived connection object streams
// spans to a trace observer over gRPC. When the stream ends or fails it
// disconnects and schedules connectSpans() again, for the life of the agent.
const EventEmitter = require('events');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_PATH = __dirname + '/endpoints/infinite-tracing/v1.proto';
const PROTO_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const DEFAULT_RECONNECT_DELAY_MS = 15 * 1000;

class GrpcConnection extends EventEmitter {
  constructor(traceObserverConfig, reconnectDelayMs) {
    super();
    this._endpoint = `${traceObserverConfig.host}:${traceObserverConfig.port}`;
    this._reconnectDelayMs = reconnectDelayMs || DEFAULT_RECONNECT_DELAY_MS;
    this._state = 'disconnected';
    this._client = null;
    this.stream = null;
  }

  connectSpans() {
    if (this._state !== 'disconnected') return;
    this._state = 'connecting';
    try {
      this.stream = this._connectSpans();
      this._state = 'connected';
      this.emit('connected', this.stream);
    } catch (err) {
      this._disconnect();
    }
  }

  _reconnect(delayMs = 0) {
    this._disconnect();
    setTimeout(this.connectSpans.bind(this), delayMs);
  }

  _disconnect() {
    if (this.stream) {
      const old = this.stream;
      old.removeAllListeners();
      old.on('status', () => old.removeAllListeners());
      old.on('error', () => {});
      old.end();
      this.stream = null;
    }
    this._state = 'disconnected';
  }

  _setupSpanStreamObservers(stream) {
    stream.on('status', (status) => {
      if (status.code === grpc.status.UNIMPLEMENTED) {
        this._disconnect();
      } else if (status.code === grpc.status.OK) {
        this._reconnect();
      } else {
        this._reconnect(this._reconnectDelayMs);
      }
    });
    stream.on('error', () => {});
  }

  _connectSpans() {
    // One client for the life of the connection; only the stream is new.
    if (!this._client) {
      this._client = this._createClient(this._endpoint);
    }
    const stream = this._client.recordSpan(new grpc.Metadata());
    this._setupSpanStreamObservers(stream);
    return stream;
  }

  _createClient(endpoint) {
    const packageDefinition = protoLoader.loadSync(PROTO_PATH, PROTO_OPTIONS);
    const traceApi = grpc.loadPackageDefinition(packageDefinition).com.newrelic.trace.v1;
    const credentials = grpc.credentials.createSsl();
    return new traceApi.IngestService(endpoint, credentials);
  }
}

module.exports = GrpcConnection;
