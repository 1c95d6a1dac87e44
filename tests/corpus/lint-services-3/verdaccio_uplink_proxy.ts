import https from 'https';
import Stream from 'stream';
import URL from 'url';
import _ from 'lodash';
import request from 'request';
import { ErrorCode, isObject } from '@verdaccio/utils';
import { ReadTarball } from '@verdaccio/streams';
import { API_ERROR, HEADERS, HTTP_STATUS } from '@verdaccio/commons-api';
import { Callback, Config, Logger, UpLinkConf, IReadTarball } from '@verdaccio/types';
import { parseInterval } from './proxy-utils';
const LoggerApi = require('@verdaccio/logger');

const encode = function (thing): string {
  return encodeURIComponent(thing).replace(/^%40/, '@');
};

const setConfig = (config, key, def): any => {
  return _.isNil(config[key]) === false ? config[key] : def;
};

/**
 * One instance per uplink in config.yaml, created when the storage starts.
 */
class ProxyStorage {
  public config: UpLinkConf & { agent_options?: https.AgentOptions };
  public failed_requests: number;
  public logger: Logger;
  public url: any;
  public maxage: number;
  public timeout: number;
  public max_fails: number;
  public fail_timeout: number;
  public upname: string;
  private agent: https.Agent;
  private pendingMetadata: { [name: string]: Callback[] } = {};
  private tarballsInFlight: { [url: string]: IReadTarball } = {};

  public constructor(config: UpLinkConf, mainConfig: Config) {
    this.config = config;
    this.failed_requests = 0;
    this.logger = LoggerApi.logger.child({ sub: 'out' });
    this.url = URL.parse(this.config.url);
    this.config.url = this.config.url.replace(/\/$/, '');
    this.maxage = parseInterval(setConfig(this.config, 'maxage', '2m'));
    this.timeout = parseInterval(setConfig(this.config, 'timeout', '30s'));
    this.max_fails = Number(setConfig(this.config, 'max_fails', 2));
    this.fail_timeout = parseInterval(setConfig(this.config, 'fail_timeout', '5m'));
    this.upname = mainConfig.server_id;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 40, maxFreeSockets: 10, ...this.config.agent_options }); // ok: resource-per-request
  }

  private request(options: any, cb?: Callback): Stream.Readable {
    const headers = Object.assign({}, options.headers, { [HEADERS.ACCEPT]: HEADERS.JSON, [HEADERS.ACCEPT_ENCODING]: 'gzip' });
    const uri = options.uri_full || this.config.url + options.uri;
    const agent = options.strictSSL === false ? new https.Agent({ keepAlive: true, rejectUnauthorized: false }) : this.agent; // leak: resource-per-request

    const req = request({ url: uri, method: options.method || 'GET', headers, encoding: null, gzip: true, timeout: this.timeout, agent }, cb);

    req.on('response', (res): void => { // ok: listener-leak
      this.logger.warn({ request: { method: options.method || 'GET', url: uri }, level: 35, status: res.statusCode }, "@{!status}, req: '@{request.method} @{request.url}'");
    });
    req.on('error', (): void => {
      this.failed_requests++;
    });
    return req;
  }

  public getRemoteMetadata(name: string, options: any, callback: Callback): void {
    if (this.pendingMetadata[name]) {
      this.pendingMetadata[name].push(callback); // ok: closure-capture
      return;
    }
    this.pendingMetadata[name] = [callback]; // ok: unbounded-collection

    this.request({ uri: `/${encode(name)}`, json: true, req: options.req }, (err, res, body): void => {
      const waiting = this.pendingMetadata[name];
      delete this.pendingMetadata[name];
      if (err) {
        return waiting.forEach((waiter) => waiter(err));
      }
      if (res.statusCode === HTTP_STATUS.NOT_FOUND) {
        return waiting.forEach((waiter) => waiter(ErrorCode.getNotFound(API_ERROR.NOT_PACKAGE_UPLINK)));
      }
      const data = isObject(body) ? body : JSON.parse(body.toString('utf8'));
      waiting.forEach((waiter) => waiter(null, data, res.headers.etag));
    });
  }

  public fetchTarball(url: string): IReadTarball {
    if (this.tarballsInFlight[url]) {
      return this.tarballsInFlight[url];
    }
    const stream = new ReadTarball({});
    this.tarballsInFlight[url] = stream; // leak: unbounded-collection
    let current_length = 0;
    let expected_length;

    const onFreeSocket = (): void => this.logger.debug({ url }, 'uplink socket released after @{url}');
    this.agent.on('free', onFreeSocket); // ok: listener-leak

    const readStream = this.request({ uri_full: url, encoding: null, headers: { Accept: HEADERS.OCTET_STREAM } });

    readStream.on('response', function (res: any) { // ok: listener-leak
      if (res.statusCode === HTTP_STATUS.NOT_FOUND) {
        return stream.emit('error', ErrorCode.getNotFound(API_ERROR.NOT_FILE_UPLINK));
      }
      if (res.headers[HEADERS.CONTENT_LENGTH]) {
        expected_length = res.headers[HEADERS.CONTENT_LENGTH];
        stream.emit(HEADERS.CONTENT_LENGTH, expected_length);
      }
      readStream.pipe(stream);
    });
    readStream.on('error', (err) => {
      this.agent.removeListener('free', onFreeSocket);
      stream.emit('error', err);
    });
    readStream.on('data', function (data) {
      current_length += data.length;
    });
    readStream.on('end', () => {
      this.agent.removeListener('free', onFreeSocket);
      delete this.tarballsInFlight[url];
      if (expected_length && current_length != expected_length) {
        stream.emit('error', ErrorCode.getInternalError(API_ERROR.CONTENT_MISMATCH));
      }
    });
    return stream;
  }

  public search(options: any): Stream.Readable {
    const transformStream = new Stream.PassThrough({ objectMode: true });
    const requestStream = this.request({ uri: options.req.url, req: options.req, headers: { referer: options.req.headers.referer } });
    const onAbort = (): void => {
      requestStream.destroy();
      transformStream.emit('end');
    };
    options.req.once('close', onAbort); // ok: listener-leak
    requestStream.once('end', () => options.req.removeListener('close', onAbort));
    requestStream.pipe(transformStream);
    return transformStream;
  }
}

export default ProxyStorage;
