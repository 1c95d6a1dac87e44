import { EventEmitter } from 'events'

import WebSocket from 'ws'

import { ConnectionError, DisconnectedError, XrplError } from '../errors'

import ConnectionManager from './ConnectionManager'
import RequestManager from './RequestManager'

const INTENTIONAL_DISCONNECT_CODE = 4000

interface ConnectionOptions {
  timeout: number
  connectionTimeout: number
}

/**
 * One Connection per Client: applications create a Client, connect, run some
 * requests and disconnect, often many times over.
 */
export class Connection extends EventEmitter {
  private readonly url: string | undefined
  private ws: WebSocket | null = null
  private reconnectTimeoutID: null | NodeJS.Timeout = null
  private heartbeatIntervalID: null | NodeJS.Timeout = null
  private readonly config: ConnectionOptions
  private readonly requestManager = new RequestManager()
  private readonly connectionManager = new ConnectionManager()

  public constructor(url?: string, options: Partial<ConnectionOptions> = {}) {
    super()
    this.url = url
    this.config = { timeout: 20 * 1000, connectionTimeout: 5 * 1000, ...options }
  }

  private get state(): number {
    return this.ws ? this.ws.readyState : WebSocket.CLOSED
  }

  public async connect(): Promise<void> {
    if (!this.url) {
      return Promise.reject(new ConnectionError('Cannot connect because no server was specified'))
    }
    const connectionTimeoutID = setTimeout(() => {
      this.onConnectionFailed(new ConnectionError('connect() timed out'))
    }, this.config.connectionTimeout)
    this.ws = new WebSocket(this.url)
    this.ws.on('error', (error) => this.onConnectionFailed(error))
    this.ws.on('close', () => clearTimeout(connectionTimeoutID))
    this.ws.once('open', () => {
      void this.onceOpen(connectionTimeoutID)
    })
    return this.connectionManager.awaitConnection()
  }

  public async disconnect(): Promise<number | undefined> {
    // whatever state the socket is in, the heartbeat must not outlive the call
    this.clearHeartbeatInterval()
    if (this.reconnectTimeoutID !== null) {
      clearTimeout(this.reconnectTimeoutID)
      this.reconnectTimeoutID = null
    }
    if (this.state === WebSocket.CLOSED) {
      return Promise.resolve(undefined)
    }
    if (this.ws == null) {
      return Promise.resolve(undefined)
    }

    return new Promise((resolve) => {
      if (this.ws != null) {
        this.ws.once('close', (code) => resolve(code))
      }
      if (this.ws != null && this.state !== WebSocket.CLOSING) {
        this.ws.close(INTENTIONAL_DISCONNECT_CODE)
      }
    })
  }

  public async request(request: { command: string }): Promise<unknown> {
    if (!this.ws || this.state !== WebSocket.OPEN) {
      throw new DisconnectedError(JSON.stringify(request))
    }
    const [id, message, responsePromise] = this.requestManager.createRequest(request, this.config.timeout)
    this.ws.send(message)
    return responsePromise.finally(() => this.requestManager.resolve(id))
  }

  public async reconnect(): Promise<void> {
    await this.disconnect()
    await this.connect()
  }

  private async onceOpen(connectionTimeoutID: NodeJS.Timeout): Promise<void> {
    if (this.ws == null) {
      throw new XrplError('onceOpen: ws is null')
    }
    this.ws.removeAllListeners()
    clearTimeout(connectionTimeoutID)
    this.ws.once('close', (code) => {
      this.clearHeartbeatInterval()
      this.requestManager.rejectAll(new DisconnectedError('websocket was closed'))
      this.ws?.removeAllListeners()
      this.ws = null
      this.emit('disconnected', code)
    })
    try {
      this.startHeartbeatInterval()
      this.connectionManager.resolveAllAwaiting()
      this.emit('connected')
    } catch (error) {
      if (error instanceof Error) {
        this.connectionManager.rejectAllAwaiting(error)
        await this.disconnect().catch(() => {})
      }
    }
  }

  private clearHeartbeatInterval(): void {
    if (this.heartbeatIntervalID) {
      clearInterval(this.heartbeatIntervalID)
    }
  }

  // ping every `timeout` ms; reconnect when a ping fails
  private startHeartbeatInterval(): void {
    this.clearHeartbeatInterval()
    this.heartbeatIntervalID = setInterval(() => {
      void this.heartbeat()
    }, this.config.timeout)
  }

  private async heartbeat(): Promise<void> {
    this.request({ command: 'ping' }).catch(async () => {
      return this.reconnect().catch((error: Error) => {
        this.emit('error', 'reconnect', error.message, error)
      })
    })
  }

  private onConnectionFailed(errorOrCode: Error | number | null): void {
    if (this.ws) {
      this.ws.removeAllListeners()
      this.ws.on('error', () => {})
      this.ws.close()
      this.ws = null
    }
    this.connectionManager.rejectAllAwaiting(
      errorOrCode instanceof Error ? errorOrCode : new ConnectionError(String(errorOrCode)),
    )
  }
}
