// An AdonisJS 6 app, several files in one: providers/app_provider.ts, app/services/post_service.ts,
// app/controllers/posts_controller.ts, app/middleware/server_timing_middleware.ts, start/routes.ts,
// start/events.ts
import { inject } from '@adonisjs/core'
import type { ApplicationService } from '@adonisjs/core/types'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import router from '@adonisjs/core/services/router'
import emitter from '@adonisjs/core/services/emitter'
import cache from '@adonisjs/cache/services/main'
import db from '@adonisjs/lucid/services/db'
import transmit from '@adonisjs/transmit/services/main'
import { LRUCache } from 'lru-cache'
import { marked } from 'marked'
import { createHash } from 'node:crypto'

import Post from '#models/post'
import { createPostValidator, updatePostValidator } from '#validators/post'

declare global {
  // eslint-disable-next-line no-var
  var __adonisTimings: Array<{ route: string; ms: number; at: number }>
  // eslint-disable-next-line no-var
  var __adonisBootedAt: number | undefined
}

/* ---------------- providers/app_provider.ts ---------------- */
export default class AppProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton(PostService, () => new PostService()) // ok: closure-capture
  }

  async boot() {
    globalThis.__adonisBootedAt = Date.now() // ok: global-growth
    globalThis.__adonisTimings = [] // ok: global-growth
    process.env.TZ = process.env.TZ || 'UTC' // ok: global-growth
  }

  async shutdown() {
    globalThis.__adonisTimings = []
  }
}

/* ---------------- app/services/post_service.ts ---------------- */
type PublishedHook = (post: Post) => Promise<void>

export class PostService {
  private formatters = new LRUCache<string, Intl.DateTimeFormat>({ max: 50 }) // ok: unbounded-cache
  private rendered = new Map<string, string>()
  private onPublished: PublishedHook = async () => {}

  dateFormatter(locale: string) {
    let formatter = this.formatters.get(locale)
    if (!formatter) {
      formatter = new Intl.DateTimeFormat(locale, { dateStyle: 'long' })
      this.formatters.set(locale, formatter) // ok: unbounded-cache
    }
    return formatter
  }

  renderMarkdown(post: Post, highlight: string | undefined) {
    // keyed by the post body and the highlighted search term the reader came with
    const key = createHash('sha1').update(post.body).digest('hex') + ':' + (highlight ?? '')
    let html = this.rendered.get(key)
    if (!html) {
      const body = highlight ? post.body.replaceAll(highlight, `**${highlight}**`) : post.body
      html = marked.parse(body) as string
      this.rendered.set(key, html) // leak: unbounded-cache
    }
    return html
  }

  async findBySlug(slug: string) {
    return cache.getOrSet({ // ok: unbounded-cache
      key: `post:${slug}`,
      ttl: '5m',
      factory: () => Post.query().where('slug', slug).preload('author').firstOrFail(), // ok: closure-capture
    })
  }

  async publish(post: Post, subscribersChannel: string) {
    await db.transaction(async (trx) => { // ok: closure-capture
      post.useTransaction(trx)
      post.publishedAt = new Date() as any
      await post.save()
    })
    // each publish wraps the hook chain once more, keeping every earlier post reachable
    const earlier = this.onPublished
    this.onPublished = async (published) => { // leak: closure-capture
      await earlier(published)
      transmit.broadcast(subscribersChannel, { id: post.id, title: post.title })
    }
    await this.onPublished(post)
    await cache.delete({ key: `post:${post.slug}` })
    await emitter.emit('post:published', post)
  }
}

/* ---------------- app/middleware/server_timing_middleware.ts ---------------- */
export class ServerTimingMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const started = process.hrtime.bigint()
    const output = await next()
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    ctx.response.header('Server-Timing', `app;dur=${ms.toFixed(1)}`)
    globalThis.__adonisTimings.push({ route: ctx.route?.pattern ?? ctx.request.url(), ms, at: Date.now() }) // leak: global-growth
    return output
  }
}

/* ---------------- app/controllers/posts_controller.ts ---------------- */
@inject()
export class PostsController {
  constructor(protected postService: PostService) {}

  async index({ request }: HttpContext) {
    const page = request.input('page', 1)
    const posts = await Post.query().whereNotNull('published_at').orderBy('published_at', 'desc').paginate(page, 20)
    const formatter = this.postService.dateFormatter(request.header('accept-language')?.split(',')[0] ?? 'en')
    const rows: Array<{ slug: string; title: string; date: string }> = [] // ok: unbounded-collection
    for (const post of posts.all()) {
      rows.push({ slug: post.slug, title: post.title, date: formatter.format(post.publishedAt as any) }) // ok: unbounded-collection
    }
    return { meta: posts.getMeta(), data: rows }
  }

  async show({ params, request }: HttpContext) {
    const post = await this.postService.findBySlug(params.slug)
    return { ...post.serialize(), html: this.postService.renderMarkdown(post, request.qs().q) }
  }

  async store({ request, auth, response }: HttpContext) {
    const payload = await request.validateUsing(createPostValidator)
    const post = await Post.create({ ...payload, authorId: auth.user!.id })
    return response.created(post)
  }

  async update({ params, request, bouncer }: HttpContext) {
    const post = await Post.findOrFail(params.id)
    await bouncer.authorize('editPost', post)
    post.merge(await request.validateUsing(updatePostValidator))
    await post.save()
    await cache.delete({ key: `post:${post.slug}` })
    return post
  }

  async publish({ params, bouncer }: HttpContext) {
    const post = await Post.findOrFail(params.id)
    await bouncer.authorize('editPost', post)
    await this.postService.publish(post, `authors/${post.authorId}/posts`)
    return { ok: true }
  }
}

/* ---------------- start/routes.ts ---------------- */
const PostsControllerLazy = () => import('#controllers/posts_controller') // ok: closure-capture

router
  .group(() => { // ok: closure-capture
    router.get('/posts', [PostsControllerLazy, 'index'])
    router.get('/posts/:slug', [PostsControllerLazy, 'show'])
    router.post('/posts', [PostsControllerLazy, 'store'])
    router.put('/posts/:id', [PostsControllerLazy, 'update'])
    router.post('/posts/:id/publish', [PostsControllerLazy, 'publish'])
  })
  .prefix('/api')

router.get('/__timings', async () => {
  const last = globalThis.__adonisTimings.slice(-50)
  return { count: globalThis.__adonisTimings.length, last }
})

/* ---------------- start/events.ts ---------------- */
emitter.on('post:published', async (post: Post) => { // ok: listener-leak
  await transmit.broadcast('posts', { id: post.id, slug: post.slug })
})

emitter.on('http:request_completed', (event) => { // ok: listener-leak
  if (event.duration[0] > 2) console.warn(`slow request ${event.ctx.request.url()}`)
})
