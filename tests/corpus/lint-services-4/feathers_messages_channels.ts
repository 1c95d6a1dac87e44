// For more information about this file see https://dove.feathersjs.com/guides/cli/service.html
import type { Params, HookContext, RealTimeConnection } from '@feathersjs/feathers'
import type { AuthenticationResult } from '@feathersjs/authentication'
import { authenticate } from '@feathersjs/authentication'
import { KnexService } from '@feathersjs/knex'
import type { KnexAdapterParams, KnexAdapterOptions } from '@feathersjs/knex'
import { hooks as schemaHooks } from '@feathersjs/schema'
import '@feathersjs/transport-commons'
import { LRUCache } from 'lru-cache'
import crypto from 'crypto'

import type { Application } from '../../declarations'
import { logger } from '../../logger'
import { fetchLinkPreview } from '../../lib/link-preview'
import { messageDataValidator, messageDataResolver, messageExternalResolver, messageResolver } from './messages.schema'
import type { Message, MessageData, MessagePatch, MessageQuery } from './messages.schema'

declare global {
  // eslint-disable-next-line no-var
  var __chatLastSeen: Record<string, number>
}
globalThis.__chatLastSeen = globalThis.__chatLastSeen || {} // ok: global-growth

export type { Message, MessageData, MessagePatch, MessageQuery }

export interface MessageParams extends KnexAdapterParams<MessageQuery> {}

// By default calls the standard Knex adapter service methods but can be customized with your own functionality.
export class MessageService<ServiceParams extends Params = MessageParams> extends KnexService<
  Message,
  MessageData,
  MessageParams,
  MessagePatch
> {
  app!: Application
  private typing = new Map<number, NodeJS.Timeout>()
  private previews = new LRUCache<string, object>({ max: 1000, ttl: 60 * 60 * 1000 })
  private avatarUrls = new Map<string, string>()
  private sweepTimer?: NodeJS.Timeout

  async setup(app: Application) {
    this.app = app
    app.service('users').on('removed', this.onUserRemoved) // ok: listener-leak
    this.sweepTimer = setInterval(() => this.sweepOrphans(), 10 * 60 * 1000) // ok: timer-leak
  }

  async teardown() {
    this.app.service('users').removeListener('removed', this.onUserRemoved)
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    for (const timer of this.typing.values()) clearTimeout(timer)
    this.typing.clear()
  }

  onUserRemoved = async (user: { id: number }) => {
    await this.remove(null, { query: { userId: user.id } })
  }

  async sweepOrphans() {
    const removed = await this.getModel().where('userId', null).delete()
    logger.info(`removed ${removed} orphaned messages`)
  }

  // custom method exposed as `messages.typing`
  async typingStarted(_data: unknown, params: ServiceParams & { user?: { id: number } }) {
    const userId = params.user!.id
    const previous = this.typing.get(userId)
    if (previous) clearTimeout(previous)
    this.typing.set(userId, setTimeout(() => { // ok: unbounded-collection
      this.typing.delete(userId)
      this.emit('typing', { userId, typing: false })
    }, 5000))
    this.emit('typing', { userId, typing: true })
    return { ok: true }
  }

  async previewFor(url: string) {
    let preview = this.previews.get(url)
    if (!preview) {
      preview = await fetchLinkPreview(url)
      this.previews.set(url, preview) // ok: unbounded-cache
    }
    return preview
  }

  avatarFor(email: string, size: number) {
    const key = `${email}:${size}`
    let url = this.avatarUrls.get(key)
    if (!url) {
      const hash = crypto.createHash('md5').update(email.toLowerCase().trim()).digest('hex')
      url = `https://s.gravatar.com/avatar/${hash}?s=${size}`
      this.avatarUrls.set(key, url) // leak: unbounded-cache
    }
    return url
  }
}

export const getOptions = (app: Application): KnexAdapterOptions => {
  return {
    paginate: app.get('paginate'),
    Model: app.get('postgresqlClient'),
    name: 'messages'
  }
}

const notifyMentions = async (context: HookContext<Application>) => {
  const message = context.result as Message
  const users = context.app.service('users')
  // re-render the author badge when the author's profile changes
  users.on('patched', (user: { id: number; name: string }) => { // leak: listener-leak
    if (user.id === message.userId) {
      context.app.service('messages').emit('author-changed', { messageId: message.id, name: user.name })
    }
  })
}

const attachPreview = async (context: HookContext<Application>) => {
  const service = context.service as MessageService
  const data = context.data as MessageData
  const match = /https?:\/\/\S+/.exec(data.text)
  if (match) {
    data.preview = await service.previewFor(match[0])
  }
  data.avatar = service.avatarFor(context.params.user.email, Number(context.params.query?.avatarSize ?? 60))
}

export const messagePath = 'messages'
export const messageMethods = ['find', 'get', 'create', 'patch', 'remove', 'typingStarted'] as const

export const message = (app: Application) => {
  app.use(messagePath, new MessageService(getOptions(app)), {
    methods: messageMethods,
    events: ['typing', 'author-changed']
  })
  app.service(messagePath).hooks({
    around: {
      all: [
        authenticate('jwt'),
        schemaHooks.resolveExternal(messageExternalResolver),
        schemaHooks.resolveResult(messageResolver)
      ]
    },
    before: {
      create: [schemaHooks.validateData(messageDataValidator), attachPreview, schemaHooks.resolveData(messageDataResolver)]
    },
    after: {
      create: [notifyMentions]
    }
  })
}

// channels.ts
export const channels = (app: Application) => {
  const online = new Map<string, RealTimeConnection>()
  const everyLogin: Array<{ userId: number; at: number }> = []

  app.on('connection', (connection: RealTimeConnection) => { // ok: listener-leak
    app.channel('anonymous').join(connection)
  })

  app.on('login', (authResult: AuthenticationResult, { connection }: Params) => { // ok: listener-leak
    if (connection) {
      const user = authResult.user
      app.channel('anonymous').leave(connection)
      app.channel('authenticated').join(connection)
      app.channel(`userIds/${user.id}`).join(connection)
      online.set(`${user.id}:${authResult.authentication.accessToken}`, connection) // ok: unbounded-collection
      everyLogin.push({ userId: user.id, at: Date.now() }) // leak: unbounded-collection
      globalThis.__chatLastSeen[authResult.authentication.accessToken] = Date.now() // leak: global-growth
    }
  })

  app.on('disconnect', (connection: RealTimeConnection) => { // ok: listener-leak
    for (const [key, value] of online) {
      if (value === connection) online.delete(key)
    }
  })

  app.publish((_data: unknown, context: HookContext) => {
    if (context.path === 'messages' && context.method === 'typingStarted') {
      return app.channel('authenticated').filter((c) => c.user.id !== context.params.user?.id)
    }
    return app.channel('authenticated')
  })
}
