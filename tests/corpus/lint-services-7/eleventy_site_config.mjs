// Eleventy 2/3 config style (eleventy.config.mjs of sites built on it, after the eleventy-base-blog
// starter and plugins such as @11ty/eleventy-img and eleventy-plugin-rss): one exported function
// receiving eleventyConfig, run once per `eleventy --serve` process and again when the config file
// itself changes; addFilter/addShortcode/addAsyncShortcode/addTransform callbacks run per template
// render; eleventyConfig.on('eleventy.before'|'eleventy.after') runs once per build, and `--serve`
// rebuilds on every saved file. Dev-server options with a middleware per request.
import path from 'node:path'
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import Image from '@11ty/eleventy-img'
import pluginRss from '@11ty/eleventy-plugin-rss'
import markdownIt from 'markdown-it'
import { LRUCache } from 'lru-cache'

const buildBus = new EventEmitter()

// kept on globalThis so a config reload in the same process finds them again
globalThis.__siteBuildInfo ??= { startedAt: Date.now(), builds: 0 } // ok: global-growth
globalThis.__siteImageCache ??= new LRUCache({ max: 300 }) // ok: global-growth

export default function (eleventyConfig) {
  const md = markdownIt({ html: true, typographer: true })
  const excerptMemo = new Map()
  const renderedUrls = []
  const shortcodeStats = {}
  let afterBuild = () => {}
  let serveTimer = null

  eleventyConfig.addPlugin(pluginRss)
  eleventyConfig.setLibrary('md', md)
  eleventyConfig.addPassthroughCopy({ 'src/static': '/' })

  // filters and shortcodes: closures made once here, called per render
  const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' })
  eleventyConfig.addFilter('readableDate', (d) => dateFormat.format(d)) // ok: closure-capture
  eleventyConfig.addFilter('slugHash', (s) => createHash('md5').update(String(s)).digest('hex').slice(0, 6)) // ok: closure-capture
  for (const size of ['sm', 'md', 'lg']) {
    eleventyConfig.addFilter(`clamp_${size}`, (text) => String(text).slice(0, { sm: 80, md: 160, lg: 320 }[size])) // ok: closure-capture
  }

  eleventyConfig.addFilter('excerpt', function (content) {
    const key = this.page && this.page.inputPath
    if (key && excerptMemo.has(key)) return excerptMemo.get(key)
    const text = String(content).replace(/<[^>]+>/g, '').slice(0, 200)
    if (key) excerptMemo.set(key, text) // ok: unbounded-cache
    return text
  })

  eleventyConfig.addAsyncShortcode('image', async function (src, alt, widths = [400, 800]) {
    const full = path.join('src', src)
    const cached = globalThis.__siteImageCache.get(`${full}:${widths}`)
    if (cached) return cached
    const metadata = await Image(full, { widths, formats: ['avif', 'jpeg'], outputDir: '_site/img/' })
    const html = Image.generateHTML(metadata, { alt, sizes: '100vw', loading: 'lazy' })
    globalThis.__siteImageCache.set(`${full}:${widths}`, html) // ok: unbounded-cache
    return html
  })

  eleventyConfig.addShortcode('year', () => `${new Date().getFullYear()}`) // ok: closure-capture

  eleventyConfig.addShortcode('callout', function (kind) {
    shortcodeStats[kind] = (shortcodeStats[kind] || 0) + 1 // ok: unbounded-collection
    const classes = ['callout', `callout-${kind}`]
    return `<aside class="${classes.join(' ')}">`
  })

  eleventyConfig.addShortcode('tracked', function (label) {
    const page = this.page
    const previous = afterBuild
    afterBuild = (results) => { // leak: closure-capture
      previous(results)
      console.log(`[tracked] ${label} on ${page.url} (${results.length} outputs)`)
    }
    return `<span data-tracked="${label}"></span>`
  })

  eleventyConfig.addTransform('collect-urls', function (content) {
    if (this.page.outputPath && this.page.outputPath.endsWith('.html')) {
      renderedUrls.push({ url: this.page.url, html: content }) // leak: unbounded-collection
    }
    return content
  })

  eleventyConfig.addTransform('minify-comments', function (content) {
    const kept = []
    for (const line of String(content).split('\n')) if (!line.trim().startsWith('<!--')) kept.push(line) // ok: unbounded-collection
    return kept.join('\n')
  })

  eleventyConfig.on('eleventy.before', async ({ runMode }) => { // ok: listener-leak
    globalThis.__siteBuildInfo.builds += 1 // ok: global-growth
    globalThis.__siteBuildInfo.lastMode = runMode // ok: global-growth
    excerptMemo.clear()
    buildBus.on('page-written', (url) => { // leak: listener-leak
      if (runMode === 'serve') console.debug(`[build] wrote ${url}`)
    })
  })

  eleventyConfig.on('eleventy.after', async ({ results, runMode }) => { // ok: listener-leak
    for (const r of results) buildBus.emit('page-written', r.url)
    afterBuild(results)
    const onlyNow = (r) => r.url && r.url.endsWith('/') // ok: closure-capture
    const indexPages = results.filter(onlyNow)
    globalThis.__siteBuildHistory ??= []
    globalThis.__siteBuildHistory.push({ at: Date.now(), pages: indexPages.map((r) => r.url), results }) // leak: global-growth
    if (runMode === 'serve') {
      clearInterval(serveTimer)
      serveTimer = setInterval(() => { // ok: timer-leak
        console.log(`[serve] ${renderedUrls.length} urls rendered so far`)
      }, 60_000)
      serveTimer.unref()
    }
    if (runMode === 'serve' && results.length > 500) {
      const warn = setInterval(() => console.warn('[serve] large site, consider --incremental'), 30_000) // leak: timer-leak
      warn.unref()
    }
  })

  eleventyConfig.setServerOptions({
    port: 8080,
    watch: ['_site/css/**/*.css'],
    middleware: [
      function (req, res, next) {
        if (req.url === '/__build') {
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify(globalThis.__siteBuildInfo))
          return
        }
        if (req.url === '/__build/stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream' })
          const send = (url) => res.write(`data: ${url}\n\n`)
          buildBus.on('page-written', send) // ok: listener-leak
          req.on('close', () => buildBus.off('page-written', send)) // ok: listener-leak
          return
        }
        if (req.url.startsWith('/__preview/')) {
          const id = req.url.slice('/__preview/'.length)
          globalThis.__sitePreviews ??= {}
          globalThis.__sitePreviews[id] = { at: Date.now(), headers: req.headers } // leak: global-growth
        }
        next()
      }
    ]
  })

  return {
    dir: { input: 'src', includes: '_includes', data: '_data', output: '_site' },
    markdownTemplateEngine: 'njk',
    htmlTemplateEngine: 'njk',
    templateFormats: ['md', 'njk', 'html']
  }
}
