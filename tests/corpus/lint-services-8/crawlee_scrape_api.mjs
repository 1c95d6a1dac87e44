// Crawlee scraping service style (after the crawlee templates and the HTTP services built on them:
// createPlaywrightRouter() with addDefaultHandler / addHandler(label), a PlaywrightCrawler made per
// job with requestHandler, failedRequestHandler and maxRequestsPerCrawl, Dataset / KeyValueStore,
// the global event manager from Configuration, plus an express API that starts jobs and serves
// results and screenshots). ESM, 4-space indent as crawlee writes it.

import { randomUUID } from 'node:crypto';

import express from 'express';
import { chromium } from 'playwright';
import { Configuration, Dataset, EventType, PlaywrightCrawler, createPlaywrightRouter } from 'crawlee';
import { LRUCache } from 'lru-cache';
import robotsParser from 'robots-parser';

const app = express();
app.use(express.json());

const events = Configuration.getEventManager();
const jobs = new Map();
const robotsCache = new Map();
const metaCache = new LRUCache({ max: 1000, ttl: 10 * 60_000 });
const waiting = [];
let sharedBrowser;

globalThis.__crawlStats ??= {}; // ok: global-growth

async function browser() {
    sharedBrowser ??= chromium.launch({ headless: true }); // ok: resource-per-request
    return sharedBrowser;
}

async function allowedByRobots(url) {
    const { origin } = new URL(url);
    let robots = robotsCache.get(origin);
    if (!robots) {
        const res = await fetch(`${origin}/robots.txt`).catch(() => null);
        robots = robotsParser(`${origin}/robots.txt`, res && res.ok ? await res.text() : '');
        robotsCache.set(origin, robots); // leak: unbounded-cache
    }
    return robots.isAllowed(url, 'heapsight-crawler') !== false;
}

function makeRouter(job) {
    const router = createPlaywrightRouter();

    router.addDefaultHandler(async ({ request, page, enqueueLinks, log }) => { // ok: listener-leak
        const { hostname } = new URL(request.loadedUrl ?? request.url);
        globalThis.__crawlStats[hostname] = (globalThis.__crawlStats[hostname] ?? 0) + 1; // leak: global-growth
        log.info(`job ${job.id}: ${request.url}`);
        await enqueueLinks({ globs: job.globs, label: 'DETAIL' });
    });

    router.addHandler('DETAIL', async ({ request, page }) => {
        const title = await page.title();
        const headings = [];
        for (const h of await page.locator('h1, h2').allTextContents()) {
            headings.push(h.trim()); // ok: unbounded-collection
        }
        job.results.push({ url: request.url, title, headings }); // ok: unbounded-collection
        await Dataset.pushData({ job: job.id, url: request.url, title });
    });

    return router;
}

async function runJob(job) {
    const crawler = new PlaywrightCrawler({ // ok: resource-per-request
        requestHandler: makeRouter(job),
        maxRequestsPerCrawl: job.limit,
        failedRequestHandler: async ({ request }) => { // ok: closure-capture
            job.failed.push(request.url); // ok: unbounded-collection
        },
    });

    const onPersist = () => { job.checkpoint = crawler.stats.state.requestsFinished; };
    events.on(EventType.PERSIST_STATE, onPersist); // ok: listener-leak

    const onMigrating = () => { job.status = 'migrating'; };
    events.on(EventType.MIGRATING, onMigrating); // leak: listener-leak

    const progress = setInterval(() => { // leak: timer-leak
        job.progress = { finished: crawler.stats.state.requestsFinished, failed: crawler.stats.state.requestsFailed };
    }, 2000);

    try {
        await crawler.run(job.startUrls);
        clearInterval(progress);
        job.status = 'done';
    } finally {
        events.off(EventType.PERSIST_STATE, onPersist);
        await crawler.teardown();
    }
}

app.post('/jobs', async (req, res) => {
    const { startUrls, globs = [], limit = 50 } = req.body;
    const allowed = [];
    for (const url of startUrls) {
        if (await allowedByRobots(url)) allowed.push(url); // ok: unbounded-collection
    }
    const job = { id: randomUUID(), startUrls: allowed, globs, limit, status: 'running', results: [], failed: [], createdAt: Date.now() };
    jobs.set(job.id, job); // leak: unbounded-collection
    runJob(job).catch((err) => {
        job.status = 'failed';
        job.error = err.message;
    });
    res.status(202).json({ id: job.id });
});

app.get('/jobs/:id', (req, res) => {
    const job = jobs.get(req.params.id);
    if (!job) return res.status(404).end();
    return res.json({ status: job.status, progress: job.progress, results: job.results.length });
});

app.get('/jobs/:id/stream', (req, res) => {
    const job = jobs.get(req.params.id);
    if (!job) return res.status(404).end();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const tick = setInterval(() => res.write(`data: ${JSON.stringify(job.progress ?? {})}\n\n`), 1000); // ok: timer-leak
    req.on('close', () => clearInterval(tick)); // ok: listener-leak
});

app.get('/meta', async (req, res) => {
    const url = String(req.query.url);
    const hit = metaCache.get(url);
    if (hit) return res.json(hit);
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), 8000); // ok: timer-leak
    try {
        const html = await (await fetch(url, { signal: controller.signal })).text();
        const meta = { title: /<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? null };
        metaCache.set(url, meta); // ok: unbounded-cache
        return res.json(meta);
    } finally {
        clearTimeout(timeout);
    }
});

app.get('/screenshot', async (req, res) => {
    const instance = await chromium.launch({ headless: true }); // leak: resource-per-request
    const page = await instance.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(String(req.query.url), { waitUntil: 'load', timeout: 20_000 });
    const png = await page.screenshot({ fullPage: false });
    await page.close();
    res.type('png').send(png);
});

app.get('/thumbnail', async (req, res) => {
    const context = await (await browser()).newContext({ viewport: { width: 640, height: 400 } });
    try {
        const page = await context.newPage();
        await page.goto(String(req.query.url), { waitUntil: 'load', timeout: 20_000 });
        res.type('png').send(await page.screenshot());
    } finally {
        await context.close();
    }
});

app.post('/queue', (req, res) => {
    waiting.push(req.body.url); // ok: unbounded-collection
    if (waiting.length > 500) waiting.shift();
    res.status(202).end();
});

const server = app.listen(Number(process.env.PORT ?? 8080));
process.once('SIGTERM', async () => { // ok: listener-leak
    server.close();
    if (sharedBrowser) await (await sharedBrowser).close();
});
