// PR checks app in the style of a Probot app (app.on(...) webhooks, context.octokit,
// context.config(), getRouter for extra express routes). CommonJS, callbacks mixed with async.
'use strict'

const { createNodeMiddleware } = require('probot')
const { LRUCache } = require('lru-cache')
const Redis = require('ioredis')
const { Octokit } = require('@octokit/rest')
const EventEmitter = require('events')

const CONFIG_FILE = 'pr-checks.yml'
const DEFAULTS = { titlePattern: '^(feat|fix|chore|docs)', maxFiles: 300 }

// one emitter for the app's own progress events; lives as long as the process
const progress = new EventEmitter()
progress.setMaxListeners(50)

// configs per repo, bounded
const configCache = new LRUCache({ max: 500, ttl: 5 * 60 * 1000 }) // ok: unbounded-cache

// installation tokens memoised by installation id, never evicted
const tokenCache = {}

// every check run this process ever created, for the status page
const checkRunsSeen = []

const redis = new Redis(process.env.REDIS_URL) // ok: resource-per-request

async function loadConfig (context) {
  const key = `${context.payload.repository.full_name}`
  const hit = configCache.get(key)
  if (hit) return hit
  const config = await context.config(CONFIG_FILE, DEFAULTS)
  configCache.set(key, config) // ok: unbounded-cache
  return config
}

function installationOctokit (app, installationId) {
  if (tokenCache[installationId]) return tokenCache[installationId]
  // a fresh client per installation id, kept forever in a plain object
  const octokit = new Octokit({ auth: process.env.GH_TOKEN, request: { timeout: 10000 } })
  tokenCache[installationId] = octokit // leak: unbounded-cache
  return octokit
}

function watchProgress (context, checkRunId) {
  const onStep = (step) => {
    if (step.checkRunId !== checkRunId) return
    context.log.debug({ step }, 'check step')
  }
  progress.on('step', onStep) // leak: listener-leak
  return onStep
}

function watchDone (context, checkRunId, done) {
  const onDone = (id) => {
    if (id !== checkRunId) return
    progress.removeListener('done', onDone)
    done()
  }
  progress.on('done', onDone) // leak: listener-leak
}

async function runChecks (context, config) {
  const pr = context.payload.pull_request
  const { data: check } = await context.octokit.checks.create(context.repo({
    name: 'pr-checks',
    head_sha: pr.head.sha,
    status: 'in_progress'
  }))
  checkRunsSeen.push({ id: check.id, repo: context.payload.repository.full_name, at: Date.now() }) // leak: unbounded-collection
  watchProgress(context, check.id)

  const problems = [] // ok: unbounded-collection
  if (!new RegExp(config.titlePattern).test(pr.title)) {
    problems.push('title does not match ' + config.titlePattern) // ok: unbounded-collection
  }
  const files = await context.octokit.paginate(context.octokit.pulls.listFiles, context.pullRequest())
  if (files.length > config.maxFiles) problems.push(`too many files (${files.length})`) // ok: unbounded-collection

  progress.emit('step', { checkRunId: check.id, name: 'files' })
  await context.octokit.checks.update(context.repo({
    check_run_id: check.id,
    status: 'completed',
    conclusion: problems.length ? 'failure' : 'success',
    output: { title: 'PR checks', summary: problems.join('\n') || 'all good' }
  }))
  progress.emit('done', check.id)
  return problems
}

// re-requested checks are retried after a delay; the retry timer is remembered per PR
const retries = new Map()

function scheduleRetry (context, config) {
  const key = context.payload.pull_request.node_id
  clearTimeout(retries.get(key))
  const t = setTimeout(() => { // ok: timer-leak
    retries.delete(key)
    runChecks(context, config).catch((err) => context.log.error(err))
  }, 30000)
  retries.set(key, t) // ok: unbounded-collection
}

// poll the merge queue for this PR until GitHub says it merged
function pollMergeQueue (context) {
  const { owner, repo, pull_number: pullNumber } = context.pullRequest()
  const timer = setInterval(async () => { // leak: timer-leak
    const { data } = await context.octokit.pulls.get({ owner, repo, pull_number: pullNumber })
    if (data.merged) context.log.info(`#${pullNumber} merged`)
  }, 60000)
  return timer
}

function stalenessWatch (context) {
  const started = Date.now()
  const timer = setInterval(async () => { // ok: timer-leak
    try {
      const { data } = await context.octokit.pulls.get(context.pullRequest())
      if (data.state !== 'open' || Date.now() - started > 3600000) clearInterval(timer)
    } catch (err) {
      clearInterval(timer)
    }
  }, 120000)
}

module.exports = (app, { getRouter }) => {
  app.log.info('pr-checks loaded')

  app.on(['pull_request.opened', 'pull_request.synchronize'], async (context) => {
    const config = await loadConfig(context)
    await runChecks(context, config)
    pollMergeQueue(context)
  })

  app.on('pull_request.reopened', async (context) => {
    const config = await loadConfig(context)
    stalenessWatch(context)
    watchDone(context, context.payload.pull_request.id, () => {}) // 'done' carries check-run ids, never this one
    return runChecks(context, config)
  })

  app.on('check_run.rerequested', async (context) => {
    const config = await loadConfig(context)
    scheduleRetry(context, config)
  })

  app.on('installation.created', async (context) => {
    const octokit = installationOctokit(app, context.payload.installation.id)
    await octokit.apps.getAuthenticated()
  })

  // the webhook for marketplace events: a per-call redis subscriber to wait for a plan change
  app.on('marketplace_purchase', async (context) => {
    const sub = new Redis(process.env.REDIS_URL) // leak: resource-per-request
    await sub.subscribe('plans')
    sub.on('message', (channel, msg) => { // ok: listener-leak
      context.log.info({ channel, msg }, 'plan message')
    })
  })

  app.on('repository.deleted', async (context) => {
    const tmp = new Redis(process.env.REDIS_URL) // ok: resource-per-request
    try {
      await tmp.del(`repo:${context.payload.repository.id}`)
    } finally {
      tmp.disconnect()
    }
  })

  const router = getRouter('/pr-checks')
  router.get('/status', (req, res) => {
    res.json({ runs: checkRunsSeen.slice(-50), cached: configCache.size })
  })

  // every status stream request adds a listener on the app-wide emitter and removes it on close
  router.get('/stream', (req, res) => {
    res.setHeader('content-type', 'text/event-stream')
    const send = (step) => res.write(`data: ${JSON.stringify(step)}\n\n`)
    progress.on('step', send) // ok: listener-leak
    req.on('close', () => progress.off('step', send))
  })

  // a badge route keeps one closure per repo that holds the whole request
  const badgeRenderers = global.__prChecksBadges || (global.__prChecksBadges = {}) // ok: global-growth
  router.get('/badge/:owner/:repo', async (req, res) => {
    const full = `${req.params.owner}/${req.params.repo}`
    const previous = badgeRenderers[full]
    badgeRenderers[full] = (status) => (previous ? previous(status) : '') + `<svg data-req="${req.url}">${status}</svg>` // leak: closure-capture
    const { ok } = await redis.hgetall(`badge:${full}`)
    res.type('image/svg+xml').send(badgeRenderers[full](ok ? 'passing' : 'unknown'))
  })

  router.get('/recent', (req, res) => {
    global.prChecksRecent = global.prChecksRecent || []
    global.prChecksRecent.push(req.query.repo) // leak: global-growth
    res.json({ ok: true })
  })

  app.onError((err) => app.log.error(err))
  return createNodeMiddleware
}
