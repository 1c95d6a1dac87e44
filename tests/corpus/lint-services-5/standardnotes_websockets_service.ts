import * as https from 'https'
import axios, { AxiosInstance } from 'axios'
import Redis from 'ioredis'
import { Container, inject, injectable } from 'inversify'
import { Consumer } from 'sqs-consumer'
import { SQSClient } from '@aws-sdk/client-sqs'
import { Logger } from 'winston'
import { Result, UseCaseInterface } from '@standardnotes/domain-core'
import { DomainEventHandlerInterface, WebSocketMessageRequestedEvent } from '@standardnotes/domain-events'
import { SQSEventMessageHandler } from '@standardnotes/domain-events-infra'
import { Env } from './Env'
import TYPES from './Types'
import { createLogger } from './Logger'

// After Standard Notes' server monorepo, packages/websockets: Bootstrap/Container.ts (inversify
// bindings made once), Domain/UseCase/{AddWebSocketsConnection,RemoveWebSocketsConnection,
// SendMessageToClient}, Domain/Handler/WebSocketMessageRequestedEventHandler.ts and the
// Infra/WebSockets messenger. Use cases are bound as constant values: one instance each.

export interface AddWebSocketsConnectionDTO {
  userUuid: string
  sessionUuid: string
  connectionId: string
  expiresAt: number
}

@injectable()
export class InMemoryWebSocketsConnectionRepository {
  private connectionsByUser = new Map<string, Set<string>>()
  private userByConnection = new Map<string, string>()

  async saveConnection(userUuid: string, connectionId: string): Promise<void> {
    const set = this.connectionsByUser.get(userUuid) ?? new Set<string>()
    set.add(connectionId) // ok: unbounded-collection
    this.connectionsByUser.set(userUuid, set) // ok: unbounded-collection
    this.userByConnection.set(connectionId, userUuid) // leak: unbounded-collection
  }

  async removeConnection(connectionId: string): Promise<void> {
    const userUuid = this.userByConnection.get(connectionId)
    if (!userUuid) {
      return
    }
    const set = this.connectionsByUser.get(userUuid)
    set?.delete(connectionId)
    if (set && set.size === 0) {
      this.connectionsByUser.delete(userUuid)
    }
  }

  async findAllByUserUuid(userUuid: string): Promise<string[]> {
    return [...(this.connectionsByUser.get(userUuid) ?? [])]
  }
}

export class AddWebSocketsConnection implements UseCaseInterface<void> {
  private expiryChecks = new Map<string, NodeJS.Timeout>()

  constructor(
    private repository: InMemoryWebSocketsConnectionRepository,
    private redis: Redis,
    private logger: Logger,
  ) {}

  async execute(dto: AddWebSocketsConnectionDTO): Promise<Result<void>> {
    try {
      await this.repository.saveConnection(dto.userUuid, dto.connectionId)
      await this.redis.set(`ws:${dto.connectionId}`, dto.userUuid, 'PX', Math.max(1, dto.expiresAt - Date.now())) // ok: unbounded-cache

      const check = setInterval(async () => { // leak: timer-leak
        if (Date.now() > dto.expiresAt) {
          this.logger.debug(`Connection ${dto.connectionId} expired`)
          await this.repository.removeConnection(dto.connectionId)
        }
      }, 60_000)
      this.expiryChecks.set(dto.connectionId, check) // leak: unbounded-collection

      return Result.ok()
    } catch (error) {
      return Result.fail(`Could not persist web socket connection: ${(error as Error).message}`)
    }
  }
}

export class RemoveWebSocketsConnection implements UseCaseInterface<void> {
  constructor(
    private repository: InMemoryWebSocketsConnectionRepository,
    private redis: Redis,
  ) {}

  async execute(dto: { connectionId: string }): Promise<Result<void>> {
    await this.repository.removeConnection(dto.connectionId)
    await this.redis.del(`ws:${dto.connectionId}`)
    return Result.ok()
  }
}

type Failure = { userUuid: string; describe: () => string }

export class SendMessageToClient implements UseCaseInterface<void> {
  private lastFailure: Failure | undefined

  constructor(
    private repository: InMemoryWebSocketsConnectionRepository,
    private httpClient: AxiosInstance,
    private webSocketsApiUrl: string,
    private logger: Logger,
  ) {}

  async execute(dto: { userUuid: string; message: string; originatingSessionUuid?: string }): Promise<Result<void>> {
    const connections = await this.repository.findAllByUserUuid(dto.userUuid)
    for (const connectionId of connections) {
      const response = await this.httpClient.request({
        method: 'POST',
        url: `${this.webSocketsApiUrl}/${connectionId}`,
        headers: { Accept: 'text/plain', 'Content-Type': 'text/plain' },
        data: dto.message,
        validateStatus: (status: number) => status >= 200 && status < 500, // ok: closure-capture
      })
      if (response.status !== 200) {
        const previous = this.lastFailure
        const message = dto.message
        const report = () =>
          `${connectionId}: ${message.length} bytes, previous failure ${previous ? previous.describe() : 'none'}`
        this.logger.error(report())
        this.lastFailure = { userUuid: dto.userUuid, describe: () => dto.userUuid } // leak: closure-capture
      }
    }
    return Result.ok()
  }
}

export class SendMessageToClientDirect implements UseCaseInterface<void> {
  constructor(private webSocketsApiUrl: string, private logger: Logger) {}

  async execute(dto: { connectionId: string; message: string }): Promise<Result<void>> {
    const client = axios.create({
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 10 }), // leak: resource-per-request
      timeout: 5000,
    })
    try {
      await client.post(`${this.webSocketsApiUrl}/${dto.connectionId}`, dto.message)
      return Result.ok()
    } catch (error) {
      this.logger.warn(`Direct send failed: ${(error as Error).message}`)
      return Result.fail('direct send failed')
    }
  }
}

export class WebSocketMessageRequestedEventHandler implements DomainEventHandlerInterface {
  constructor(
    private sendMessageToClient: SendMessageToClient,
    private consumer: Consumer,
    private logger: Logger,
  ) {}

  async handle(event: WebSocketMessageRequestedEvent): Promise<void> {
    this.consumer.on('message_processed', () => { // leak: listener-leak
      this.logger.debug(`delivered message for ${event.payload.userUuid}`)
    })
    const result = await this.sendMessageToClient.execute({
      userUuid: event.payload.userUuid,
      message: event.payload.message,
      originatingSessionUuid: event.payload.originatingSessionUuid,
    })
    if (result.isFailed()) {
      this.logger.error(`Could not send message to user. Error: ${result.getError()}`, { userId: event.payload.userUuid })
    }
  }
}

export class ContainerConfigLoader {
  async load(): Promise<Container> {
    const env: Env = new Env()
    env.load()
    const container = new Container()

    const logger = createLogger(env)
    container.bind<Logger>(TYPES.Logger).toConstantValue(logger)

    const redis = new Redis(env.get('REDIS_URL')) // ok: resource-per-request
    container.bind<Redis>(TYPES.Redis).toConstantValue(redis)

    const httpClient = axios.create({ httpsAgent: new https.Agent({ keepAlive: true }) }) // ok: resource-per-request
    container.bind<AxiosInstance>(TYPES.HTTPClient).toConstantValue(httpClient)

    const repository = new InMemoryWebSocketsConnectionRepository()
    const sendMessageToClient = new SendMessageToClient(repository, httpClient, env.get('WEBSOCKETS_API_URL'), logger)
    container.bind(TYPES.AddWebSocketsConnection).toConstantValue(new AddWebSocketsConnection(repository, redis, logger))
    container.bind(TYPES.RemoveWebSocketsConnection).toConstantValue(new RemoveWebSocketsConnection(repository, redis))
    container.bind(TYPES.SendMessageToClient).toConstantValue(sendMessageToClient)

    const eventHandlers: Map<string, DomainEventHandlerInterface> = new Map()
    const sqsClient = new SQSClient({ region: env.get('SQS_AWS_REGION') }) // ok: resource-per-request
    const consumer = Consumer.create({
      queueUrl: env.get('SQS_QUEUE_URL'),
      sqs: sqsClient,
      handleMessage: async (message) => {
        await new SQSEventMessageHandler(eventHandlers, logger).handleMessage(message.Body as string)
      },
    })
    eventHandlers.set('WEB_SOCKET_MESSAGE_REQUESTED', new WebSocketMessageRequestedEventHandler(sendMessageToClient, consumer, logger)) // ok: unbounded-collection
    consumer.on('error', (error) => logger.error(`SQS consumer error: ${error.message}`)) // ok: listener-leak
    consumer.on('processing_error', (error) => logger.error(`SQS processing error: ${error.message}`)) // ok: listener-leak
    container.bind<Consumer>(TYPES.SQSConsumer).toConstantValue(consumer)

    const shutdown = async () => {
      consumer.stop()
      await redis.quit()
      process.exit(0)
    }
    process.once('SIGTERM', shutdown) // ok: listener-leak

    return container
  }
}
