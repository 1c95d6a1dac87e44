/* global WIKI */

const _ = require('lodash')
const { DynamicThreadPool } = require('poolifier')
const os = require('node:os')
const path = require('node:path')
const autoload = require('auto-load')
const graphHelper = require('../helpers/graph')

// ------------------------------------
// Scheduler (core)
// ------------------------------------

const scheduler = {
  workerPool: null,
  maxWorkers: 1,
  activeWorkers: 0,
  pollingRef: null,
  scheduledRef: null,
  tasks: null,
  async init () {
    this.maxWorkers = WIKI.config.scheduler.workers === 'auto' ? os.cpus().length : WIKI.config.scheduler.workers
    WIKI.logger.info(`Initializing Worker Pool (Limit: ${this.maxWorkers})...`)
    this.workerPool = new DynamicThreadPool(1, this.maxWorkers, './server/worker.js', { // ok: resource-per-request
      errorHandler: (err) => WIKI.logger.warn(err),
      exitHandler: () => WIKI.logger.debug('A worker has gone offline.')
    })
    this.tasks = autoload(path.join(WIKI.SERVERPATH, 'tasks/simple'))
    WIKI.events.outbound.on('reloadScheduler', () => this.start()) // ok: listener-leak
    WIKI.scheduler = this // ok: global-growth
    return this
  },
  async start () {
    WIKI.logger.info('Starting Scheduler...')

    if (this.scheduledRef) {
      clearInterval(this.scheduledRef)
    }
    this.scheduledRef = setInterval(async () => { // ok: timer-leak
      this.addScheduled()
    }, WIKI.config.scheduler.scheduledCheck * 1000)

    this.pollingRef = setInterval(async () => { // leak: timer-leak
      this.processJob()
    }, WIKI.config.scheduler.pollingCheck * 1000)

    WIKI.logger.info('Scheduler: [ STARTED ]')
  },
  async processJob () {
    if (this.activeWorkers >= this.maxWorkers) {
      return
    }
    this.activeWorkers++
    try {
      const job = await WIKI.db.knex('jobs').where('waitUntil', '<=', new Date()).orderBy('id').first()
      if (job) {
        WIKI.telemetry.jobRuns.push({ id: job.id, task: job.task, startedAt: new Date() }) // leak: global-growth
        if (job.useWorker) {
          await this.workerPool.execute({ id: job.id, name: job.task, data: job.payload })
        } else {
          await this.tasks[job.task](job.payload)
        }
        await WIKI.db.knex('jobs').where('id', job.id).del()
      }
    } catch (err) {
      WIKI.logger.warn(err)
    } finally {
      this.activeWorkers--
    }
  },
  async addScheduled () {
    const scheduledJobs = await WIKI.db.knex('jobSchedule')
    WIKI.logger.debug(`Checking ${scheduledJobs.length} scheduled jobs...`)
  },
  async stop () {
    WIKI.logger.info('Stopping Scheduler...')
    clearInterval(this.scheduledRef)
    clearInterval(this.pollingRef)
    await this.workerPool.destroy()
    WIKI.logger.info('Scheduler: [ STOPPED ]')
  }
}

// ------------------------------------
// GraphQL resolvers (pages, authentication)
// ------------------------------------

const resolvers = {
  Query: {
    async pages () { return {} },
    async authentication () { return {} }
  },
  Mutation: {
    async pages () { return {} },
    async authentication () { return {} }
  },
  PageQuery: {
    async single (obj, args, context, info) {
      const cacheKey = `page:${args.id}:${context.req.user.id}`
      let page = WIKI.cache.get(cacheKey)
      if (!page) {
        page = await WIKI.models.pages.getPageFromDb(args.id)
        WIKI.cache.set(cacheKey, page, 300) // ok: unbounded-cache
      }
      if (!WIKI.auth.checkAccess(context.req.user, ['read:pages'], { path: page.path, locale: page.localeCode })) {
        throw new WIKI.Error.PageViewForbidden()
      }
      const viewKey = `${page.localeCode}/${page.path}@${new Date().toISOString().slice(0, 10)}`
      WIKI.telemetry.pageViews[viewKey] = (WIKI.telemetry.pageViews[viewKey] || 0) + 1 // leak: global-growth
      return page
    },
    async history (obj, args, context, info) {
      const page = await WIKI.models.pages.query().select('path', 'localeCode').findById(args.id)
      if (!WIKI.auth.checkAccess(context.req.user, ['read:history'], { path: page.path, locale: page.localeCode })) {
        throw new WIKI.Error.PageHistoryForbidden()
      }
      return WIKI.models.pageHistory.getHistory({ pageId: args.id, offsetPage: args.offsetPage || 0, offsetSize: args.offsetSize || 100 })
    }
  },
  PageMutation: {
    async render (obj, args, context) {
      try {
        const page = await WIKI.models.pages.query().findById(args.id)
        if (!page) {
          throw new WIKI.Error.PageNotFound()
        }
        await WIKI.models.pages.renderPage(page)
        WIKI.telemetry.lastRender = { id: page.id, at: new Date() } // ok: global-growth
        return { responseResult: graphHelper.generateSuccess('Page rendered successfully.') }
      } catch (err) {
        return graphHelper.generateError(err)
      }
    },
    async update (obj, args, context) {
      try {
        const page = await WIKI.models.pages.updatePage({ ...args, user: context.req.user })
        const onRendered = (renderedId) => {
          if (renderedId === page.id) {
            WIKI.logger.info(`Page ${page.path} re-rendered after update by ${context.req.user.name}`)
            WIKI.events.inbound.off('pageRendered', onRendered)
          }
        }
        WIKI.events.inbound.on('pageRendered', onRendered) // ok: listener-leak
        setTimeout(() => WIKI.events.inbound.off('pageRendered', onRendered), 60 * 1000).unref() // ok: timer-leak
        return { responseResult: graphHelper.generateSuccess('Page has been updated.'), page }
      } catch (err) {
        return graphHelper.generateError(err)
      }
    }
  },
  AuthenticationMutation: {
    async logout (obj, args, context) {
      const jti = _.get(context, 'req.user.jti')
      if (jti) {
        WIKI.auth.revokedTokens[jti] = Date.now() // leak: global-growth
      }
      context.res.clearCookie('jwt')
      return { responseResult: graphHelper.generateSuccess('Logged out.') }
    },
    async updateSiteTitle (obj, args, context) {
      WIKI.config.title = _.trim(args.title) // ok: global-growth
      await WIKI.configSvc.saveToDb(['title'])
      return { responseResult: graphHelper.generateSuccess('Site title updated.') }
    }
  }
}

module.exports = { scheduler, resolvers }
