import { Request, Response, NextFunction } from 'express'
import { StatusCodes } from 'http-status-codes'
import { Pool } from 'pg'
import { createClient, RedisClientType } from 'redis'
import { IServerSideEventStreamer, ICommonObject, INodeData } from 'flowise-components'
import { getRunningExpressApp } from '../utils/getRunningExpressApp'
import { InternalFlowiseError } from '../errors/internalFlowiseError'
import { utilBuildChatflow } from '../utils/buildChatflow'
import { getErrorMessage } from '../errors/utils'
import logger from '../utils/logger'

// After Flowise packages/server: utils/SSEStreamer.ts, queue/RedisEventSubscriber.ts, CachePool.ts,
// controllers/predictions, and a vector store node from packages/components (Postgres).
// One App instance (getRunningExpressApp()) holds sseStreamer, cachePool, redisSubscriber.

type Client = {
    clientType: 'INTERNAL' | 'EXTERNAL'
    response: Response
    started?: boolean
}

export class SSEStreamer implements IServerSideEventStreamer {
    clients: { [id: string]: Client } = {}

    addExternalClient(chatId: string, res: Response) {
        this.clients[chatId] = { clientType: 'EXTERNAL', response: res, started: false } // leak: unbounded-collection
    }

    addClient(chatId: string, res: Response) {
        this.clients[chatId] = { clientType: 'INTERNAL', response: res, started: false } // ok: unbounded-collection
    }

    removeClient(chatId: string) {
        const client = this.clients[chatId]
        if (client) {
            client.response.write('message:\ndata:' + JSON.stringify({ event: 'end', data: '[DONE]' }) + '\n\n')
            client.response.end()
            delete this.clients[chatId]
        }
    }

    streamTokenEvent(chatId: string, data: string) {
        const client = this.clients[chatId]
        if (client) {
            client.response.write('message:\ndata:' + JSON.stringify({ event: 'token', data }) + '\n\n')
        }
    }

    streamEndEvent(chatId: string) {
        // the external client is ended by the caller after metadata
        const client = this.clients[chatId]
        if (client && client.clientType === 'INTERNAL') this.removeClient(chatId)
    }

    streamErrorEvent(chatId: string, msg: string) {
        const client = this.clients[chatId]
        if (client) client.response.write('message:\ndata:' + JSON.stringify({ event: 'error', data: msg }) + '\n\n')
    }
}

export class RedisEventSubscriber {
    private redisSubscriber: RedisClientType
    private subscribed = new Set<string>()

    constructor(private sseStreamer: SSEStreamer) {
        this.redisSubscriber = createClient({ url: process.env.REDIS_URL }) // ok: resource-per-request
    }

    async connect() {
        await this.redisSubscriber.connect()
        this.redisSubscriber.on('error', (err) => logger.error(`[RedisEventSubscriber] ${getErrorMessage(err)}`)) // ok: listener-leak
    }

    subscribe(channel: string) {
        if (this.subscribed.has(channel)) return
        this.subscribed.add(channel) // ok: unbounded-collection
        this.redisSubscriber.subscribe(channel, (message) => this.handleEvent(message))
    }

    async unsubscribe(channel: string) {
        this.subscribed.delete(channel)
        await this.redisSubscriber.unsubscribe(channel)
    }

    watchProgress(chatId: string) {
        this.redisSubscriber.on('message', (channel: string, message: string) => { // leak: listener-leak
            if (channel === chatId) this.handleEvent(message)
        })
    }

    private handleEvent(message: string) {
        const { chatId, eventType, data } = JSON.parse(message)
        if (eventType === 'token') this.sseStreamer.streamTokenEvent(chatId, data)
        else if (eventType === 'error') this.sseStreamer.streamErrorEvent(chatId, data)
        else if (eventType === 'end') this.sseStreamer.streamEndEvent(chatId)
    }

    async disconnect() {
        await this.redisSubscriber.quit()
    }
}

export class CachePool {
    activeLLMCache: ICommonObject = {}
    activeEmbeddingCache: ICommonObject = {}

    addLLMCache(cacheKey: string, value: unknown) {
        this.activeLLMCache[cacheKey] = value // leak: unbounded-cache
    }

    addEmbeddingCache(cacheKey: string, value: unknown) {
        this.activeEmbeddingCache[cacheKey] = value // ok: unbounded-cache
        const keys = Object.keys(this.activeEmbeddingCache)
        if (keys.length > 100) delete this.activeEmbeddingCache[keys[0]]
    }

    getLLMCache(cacheKey: string) {
        return this.activeLLMCache[cacheKey]
    }
}

// packages/components/nodes/vectorstores/Postgres: init() runs on every prediction of the flow
class Postgres_VectorStores {
    label = 'Postgres'
    name = 'postgres'
    private static sharedPools: Map<string, Pool> = new Map()

    async init(nodeData: INodeData, _: string, options: ICommonObject) {
        const cfg = {
            host: nodeData.inputs?.host as string,
            database: nodeData.inputs?.database as string,
            user: options.user,
            password: options.password
        }
        const pool = new Pool(cfg) // leak: resource-per-request
        const { rows } = await pool.query(`SELECT id, content FROM ${nodeData.inputs?.tableName} LIMIT $1`, [nodeData.inputs?.topK ?? 4])
        return rows
    }

    async upsert(nodeData: INodeData, _: string, options: ICommonObject) {
        const key = `${nodeData.inputs?.host}/${nodeData.inputs?.database}`
        let pool = Postgres_VectorStores.sharedPools.get(key)
        if (!pool) {
            pool = new Pool({ host: nodeData.inputs?.host as string, user: options.user, password: options.password }) // ok: resource-per-request
            Postgres_VectorStores.sharedPools.set(key, pool) // ok: unbounded-cache
        }
        const client = await pool.connect() // ok: resource-per-request
        try {
            await client.query('BEGIN')
            await client.query(`INSERT INTO ${nodeData.inputs?.tableName} (content) VALUES ($1)`, [nodeData.inputs?.document])
            await client.query('COMMIT')
        } finally {
            client.release()
        }
    }
}

// controllers/predictions
const createPrediction = async (req: Request, res: Response, next: NextFunction) => {
    const appServer = getRunningExpressApp()
    const chatId = (req.body.chatId as string) ?? req.params.id
    const streamable = req.body.streaming === true || req.body.streaming === 'true'
    try {
        if (!req.params.id) {
            throw new InternalFlowiseError(StatusCodes.PRECONDITION_FAILED, 'Error: predictionsController.createPrediction - id not provided!')
        }
        if (streamable) {
            res.setHeader('Content-Type', 'text/event-stream')
            res.setHeader('Cache-Control', 'no-cache')
            res.flushHeaders()
            appServer.sseStreamer.addExternalClient(chatId, res)
            if (process.env.MODE === 'queue') {
                appServer.redisSubscriber.subscribe(chatId)
                appServer.redisSubscriber.watchProgress(chatId)
            }
            const apiResponse = await utilBuildChatflow(req, true)
            appServer.sseStreamer.streamTokenEvent(chatId, JSON.stringify({ metadata: apiResponse }))
            appServer.sseStreamer.removeClient(chatId)
            if (process.env.MODE === 'queue') await appServer.redisSubscriber.unsubscribe(chatId)
        } else {
            const apiResponse = await utilBuildChatflow(req)
            return res.json(apiResponse)
        }
    } catch (error) {
        if (streamable) {
            appServer.sseStreamer.streamErrorEvent(chatId, getErrorMessage(error))
            if (process.env.MODE === 'queue') await appServer.redisSubscriber.unsubscribe(chatId)
            res.end()
        } else {
            next(error)
        }
    }
}

// internal-predictions: the canvas chat, always removes the client
const createInternalPrediction = async (req: Request, res: Response, next: NextFunction) => {
    const appServer = getRunningExpressApp()
    const chatId = req.body.chatId as string
    res.setHeader('Content-Type', 'text/event-stream')
    appServer.sseStreamer.addClient(chatId, res)
    const keepAlive = setInterval(() => res.write(':\n\n'), 20000) // ok: timer-leak
    try {
        const apiResponse = await utilBuildChatflow(req, true)
        appServer.sseStreamer.streamTokenEvent(chatId, JSON.stringify({ metadata: apiResponse }))
    } catch (error) {
        appServer.sseStreamer.streamErrorEvent(chatId, getErrorMessage(error))
        next(error)
    } finally {
        clearInterval(keepAlive)
        appServer.sseStreamer.removeClient(chatId)
    }
}

// upsert-vector through the queue: wait for the job by polling its state
const upsertVectorMiddleware = async (req: Request, res: Response, next: NextFunction) => {
    const appServer = getRunningExpressApp()
    const job = await appServer.queueManager.getQueue('upsert').addJob({ chatflowid: req.params.id, body: req.body })
    const llmKey = `${req.params.id}:${req.body.overrideConfig?.sessionId ?? ''}`
    if (!appServer.cachePool.getLLMCache(llmKey)) appServer.cachePool.addLLMCache(llmKey, { createdAt: Date.now() })
    const poll = setInterval(async () => { // leak: timer-leak
        const state = await job.getState()
        if (state === 'completed') {
            clearInterval(poll)
            res.json(job.returnvalue)
        } else if (state === 'failed') {
            res.status(500).json({ message: job.failedReason })
        }
    }, 500)
    req.once('close', () => logger.debug(`[upsert] client left ${job.id}`)) // ok: listener-leak
}

export default { createPrediction, createInternalPrediction, upsertVectorMiddleware, Postgres_VectorStores }
