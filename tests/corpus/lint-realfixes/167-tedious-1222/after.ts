import { EventEmitter } from 'events';
import { Readable } from 'stream';

import Message from './message';
import MessageIO from './message-io';
import Request from './request';
import { RequestError } from './errors';
import { TYPE } from './packet';

/**
 * A Connection lives as long as the pool keeps it; a prepared Request is
 * typically kept by the application and executed again and again.
 */
class Connection extends EventEmitter {
  messageIo!: MessageIO;
  request: Request | undefined;
  resetConnectionOnNextRequest = false;
  loggedIn = false;
  requestTimer: NodeJS.Timeout | undefined;

  execute(request: Request, parameters?: { [key: string]: unknown }) {
    const executeParameters = request.executeParameters(parameters);
    this.makeRequest(request, TYPE.RPC_REQUEST, executeParameters);
  }

  execSql(request: Request) {
    this.makeRequest(request, TYPE.RPC_REQUEST, request.sqlPayload());
  }

  makeRequest(request: Request, packetType: number, payload: Iterable<Buffer> & { toString: (indent?: string) => string }) {
    if (!this.loggedIn) {
      request.callback(new RequestError('Requests can only be made in the LoggedIn state', 'EINVALIDSTATE'));
    } else if (request.canceled) {
      process.nextTick(() => {
        request.callback(new RequestError('Canceled.', 'ECANCEL'));
      });
    } else {
      this.request = request;
      request.connection = this;
      request.rowCount = 0;
      request.rows = [];
      request.rst = [];

      let message: Message;

      const onCancel = () => {
        // only reachable while the message is being sent: set the ignore bit and end it
        message.ignore = true;
        message.end();

        this.clearRequestTimer();
        this.createCancelTimer();

        if (request.paused) {
          request.resume();
        }
      };

      request.once('cancel', onCancel);

      this.createRequestTimer();

      message = new Message({ type: packetType, resetConnection: this.resetConnectionOnNextRequest });
      this.messageIo.outgoingMessageStream.write(message);

      message.once('finish', () => {
        this.resetConnectionOnNextRequest = false;
        if (request.paused) {
          this.pauseRequest(request);
        }
      });

      Readable.from(payload).pipe(message);

      message.once('finish', () => {
        request.removeListener('cancel', onCancel);
      });
    }
  }

  createRequestTimer() {
    this.clearRequestTimer();
    this.requestTimer = setTimeout(() => this.emit('requestTimeout'), 15000);
  }

  clearRequestTimer() {
    if (this.requestTimer) {
      clearTimeout(this.requestTimer);
      this.requestTimer = undefined;
    }
  }

  createCancelTimer() {
    setTimeout(() => this.emit('cancelTimeout'), 5000);
  }

  pauseRequest(request: Request) {
    this.messageIo.pause();
    request.paused = true;
  }
}

export default Connection;
