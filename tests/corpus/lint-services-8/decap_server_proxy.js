'use strict';

// decap-server style (packages/decap-server: an express app started by `npx decap-server`, one
// POST /api/v1 endpoint whose body is { action, params }, a middleware per backend built once by
// registerLocalGit / registerLocalFs with the repo path and a winston logger, a mutex around git).
// CommonJS as the package publishes it. Plus the live-preview event stream a fork adds.

const path = require('path');
const { EventEmitter } = require('events');
const { promises: fs } = require('fs');

const express = require('express');
const chokidar = require('chokidar');
const simpleGit = require('simple-git');
const winston = require('winston');
const { LRUCache } = require('lru-cache');
const { Mutex } = require('async-mutex');

const { listRepoFiles, entriesFromFiles, readMediaFile, writeFile } = require('./utils/fs');

global.__decapLogger = global.__decapLogger || winston.createLogger({ // ok: global-growth
  level: process.env.LOG_LEVEL || 'info',
  transports: [new winston.transports.Console()],
});
global.__decapEntryLocks = global.__decapEntryLocks || {};

const repoEvents = new EventEmitter();
repoEvents.setMaxListeners(0);

function contentKey(collection, slug) {
  return `${collection}/${slug}`;
}

function withLockTimeout(mutex, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Request timed out')), ms); // ok: timer-leak
    mutex
      .acquire()
      .then(release => resolve(release), reject)
      .finally(() => clearTimeout(timer));
  });
}

function localGitMiddleware({ repoPath, logger, collections }) {
  const git = simpleGit(repoPath); // ok: resource-per-request
  const mutex = new Mutex();
  const entryCache = new Map();
  const mediaCache = new LRUCache({ max: 300, ttl: 5 * 60 * 1000 });
  const collectionSettings = new Map();
  const recentUploads = [];
  const recentErrors = [];
  let autoPull = null;

  for (const collection of collections) {
    collectionSettings.set(collection.name, collection); // ok: unbounded-cache
  }

  const rootWatcher = chokidar.watch(repoPath, { ignored: /(^|[/\\])\.git/, ignoreInitial: true }); // ok: resource-per-request
  rootWatcher.on('all', (event, file) => { // ok: listener-leak
    entryCache.delete(path.relative(repoPath, file));
    repoEvents.emit('change', { event, file: path.relative(repoPath, file) });
  });

  async function readEntry(branch, file) {
    const key = `${branch}:${file}`;
    if (entryCache.has(key)) {
      return entryCache.get(key);
    }
    const [entry] = await entriesFromFiles(repoPath, [{ path: file }]);
    entryCache.set(key, entry); // leak: unbounded-cache
    return entry;
  }

  async function handle(body, res) {
    const { action, params = {} } = body;
    switch (action) {
      case 'info': {
        if (process.env.DECAP_AUTO_PULL) {
          autoPull = setInterval(() => { // leak: timer-leak
            git.pull().catch(err => logger.warn(`auto pull failed: ${err.message}`));
          }, 60 * 1000);
        }
        return res.json({
          repo: path.basename(repoPath),
          publish_modes: ['simple', 'editorial_workflow'],
          type: 'local_git',
        });
      }
      case 'entriesByFolder': {
        const { folder, extension, depth } = params;
        const folderWatcher = chokidar.watch(path.join(repoPath, folder), { depth }); // leak: resource-per-request
        folderWatcher.on('change', file => entryCache.delete(path.relative(repoPath, file)));
        const files = await listRepoFiles(repoPath, folder, extension, depth);
        return res.json(await entriesFromFiles(repoPath, files.map(file => ({ path: file }))));
      }
      case 'getEntry': {
        return res.json(await readEntry(params.branch, params.path));
      }
      case 'persistEntry': {
        const { entry, options } = params;
        const key = contentKey(options.collectionName, entry.slug);
        global.__decapEntryLocks[key] = { since: Date.now(), by: options.author || 'local' }; // leak: global-growth
        await writeFile(path.join(repoPath, entry.path), entry.raw);
        await git.add('.');
        await git.commit(options.commitMessage, undefined, { '--no-verify': null });
        entryCache.delete(`${params.branch}:${entry.path}`);
        return res.json({ message: 'entry persisted' });
      }
      case 'publishUnpublishedEntry': {
        const key = contentKey(params.collection, params.slug);
        await git.mergeFromTo(`cms/${key}`, params.branch);
        delete global.__decapEntryLocks[key];
        return res.json({ message: `branch cms/${key} merged` });
      }
      case 'deleteUnpublishedEntry': {
        await git.branch(['-D', `cms/${contentKey(params.collection, params.slug)}`]);
        return res.json({ message: 'deleted' });
      }
      case 'getMedia': {
        const files = await listRepoFiles(repoPath, params.mediaFolder, '', 1);
        const media = [];
        for (const file of files) {
          let item = mediaCache.get(file);
          if (!item) {
            item = await readMediaFile(repoPath, file);
            mediaCache.set(file, item); // ok: unbounded-cache
          }
          media.push(item); // ok: unbounded-collection
        }
        return res.json(media);
      }
      case 'persistMedia': {
        const { asset, options } = params;
        await writeFile(path.join(repoPath, asset.path), Buffer.from(asset.content, asset.encoding));
        await git.add('.');
        await git.commit(options.commitMessage, undefined, { '--no-verify': null });
        recentUploads.push({ path: asset.path, at: Date.now() }); // leak: unbounded-collection
        return res.json(await readMediaFile(repoPath, asset.path));
      }
      case 'recentUploads': {
        return res.json(recentUploads.slice(-20));
      }
      case 'deleteFile': {
        await fs.unlink(path.join(repoPath, params.path));
        await git.add('.');
        await git.commit(params.options.commitMessage, undefined, { '--no-verify': null });
        mediaCache.delete(params.path);
        return res.json({ message: `deleted file ${params.path}` });
      }
      default:
        return res.status(422).json({ error: `Unknown action ${action}` });
    }
  }

  const middleware = async function (req, res) {
    let release;
    try {
      release = await withLockTimeout(mutex, 3000);
      await handle(req.body, res);
    } catch (err) {
      recentErrors.push({ message: err.message, at: Date.now() }); // ok: unbounded-collection
      if (recentErrors.length > 50) {
        recentErrors.shift();
      }
      logger.error(`Error during local git action ${req.body && req.body.action}: ${err.message}`);
      res.status(500).json({ error: err.message });
    } finally {
      if (release) {
        release();
      }
    }
  };

  middleware.close = async () => { // ok: closure-capture
    clearInterval(autoPull);
    await rootWatcher.close();
  };
  return middleware;
}

function registerPreviewEvents(app) {
  app.get('/api/v1/events', (req, res) => {
    res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.flushHeaders();

    const push = change => res.write(`data: ${JSON.stringify(change)}\n\n`);
    repoEvents.on('change', push); // leak: listener-leak

    const ping = setInterval(() => res.write(': ping\n\n'), 15000); // ok: timer-leak
    res.on('close', () => { // ok: listener-leak
      clearInterval(ping);
    });
  });
}

async function start() {
  const port = process.env.PORT || 8081;
  const repoPath = path.resolve(process.env.GIT_REPO_DIRECTORY || process.cwd());
  const collections = JSON.parse(await fs.readFile(path.join(repoPath, '.decap-collections.json'), 'utf8'));
  const logger = global.__decapLogger;

  const app = express();
  app.use(express.json({ limit: '50mb' }));
  const gitMiddleware = localGitMiddleware({ repoPath, logger, collections });
  app.post('/api/v1', gitMiddleware);
  registerPreviewEvents(app);

  const server = app.listen(port, () => logger.info(`Decap CMS Proxy Server listening on port ${port}`));
  server.on('error', err => logger.error(`proxy server error: ${err.message}`)); // ok: listener-leak
  process.once('SIGINT', async () => { // ok: listener-leak
    await gitMiddleware.close();
    server.close();
  });
}

module.exports = { localGitMiddleware, registerPreviewEvents, start };
