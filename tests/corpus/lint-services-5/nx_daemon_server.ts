import { createServer, Server, Socket } from 'net';
import { Worker } from 'worker_threads';
import { performance } from 'perf_hooks';
import { join } from 'path';
import { readNxJson } from '../../config/nx-json';
import { hashArray } from '../../hasher/file-hasher';
import { retrieveProjectConfigurations } from '../../project-graph/utils/retrieve-workspace-files';
import { buildProjectGraphUsingProjectFileMap } from '../../project-graph/build-project-graph';
import { getPlugins } from '../../project-graph/plugins/get-plugins';
import { workspaceRoot } from '../../utils/workspace-root';
import { serverLogger } from './logger';
import { getFullOsSocketPath, killSocketOrPath } from '../socket-utils';
import { watchWorkspace, WatcherSubscription } from './watcher';

// After Nx's packages/nx/src/daemon/server: server.ts (one long-lived daemon per workspace, a
// message handler per client socket), project-graph-incremental-recomputation.ts,
// file-watching/file-watcher-sockets.ts and the isolated plugin workers.

type ProjectGraph = { nodes: Record<string, unknown>; dependencies: Record<string, unknown[]> };
type Listener = (graph: ProjectGraph) => void;

declare global {
  // eslint-disable-next-line no-var
  var NX_GRAPH_CREATION: boolean | undefined;
  // eslint-disable-next-line no-var
  var NX_DAEMON_PERF: { name: string; duration: number }[];
  // eslint-disable-next-line no-var
  var NX_PLUGIN_RESULTS: Record<string, unknown>;
}

global.NX_DAEMON_PERF = []; // ok: global-growth
global.NX_PLUGIN_RESULTS = {}; // ok: global-growth

let cachedSerializedProjectGraphPromise: Promise<{ projectGraph: ProjectGraph | null; error: Error | null; serialized: string | null }> | undefined;
const collectedUpdatedFiles = new Set<string>();
const collectedDeletedFiles = new Set<string>();
const projectGraphRecomputationListeners = new Set<Listener>();
let registeredFileWatcherSockets: { socket: Socket; globs: string[] }[] = [];
let scheduledTimeoutId: NodeJS.Timeout | undefined;
let waitPeriod = 100;
let watcherSubscription: WatcherSubscription | undefined;
let server: Server;

const requestLog = (msg: string) => serverLogger.requestLog(msg); // ok: closure-capture

async function processFilesAndCreateAndSerializeProjectGraph() {
  try {
    performance.mark('hash-watched-changes-start');
    const updatedFiles = [...collectedUpdatedFiles];
    const deletedFiles = [...collectedDeletedFiles];
    requestLog(`Updated workspace context based on watched changes, recomputing project graph...`);
    const nxJson = readNxJson(workspaceRoot);
    global.NX_GRAPH_CREATION = true; // ok: global-growth
    const plugins = await getPlugins();
    const configs = await retrieveProjectConfigurations(plugins, workspaceRoot, nxJson);
    const configHash = hashArray(Object.keys(configs.projects).sort());
    global.NX_PLUGIN_RESULTS[`${configHash}:${Date.now()}`] = configs.sourceMaps; // leak: global-growth
    const { projectGraph } = await buildProjectGraphUsingProjectFileMap(configs.projects, {}, updatedFiles, deletedFiles);
    delete global.NX_GRAPH_CREATION;
    collectedUpdatedFiles.clear();
    collectedDeletedFiles.clear();
    performance.mark('hash-watched-changes-end');
    const measure = performance.measure('recompute', 'hash-watched-changes-start', 'hash-watched-changes-end');
    global.NX_DAEMON_PERF.push({ name: measure.name, duration: measure.duration }); // ok: global-growth
    if (global.NX_DAEMON_PERF.length > 200) global.NX_DAEMON_PERF.splice(0, 100);
    return { projectGraph, error: null, serialized: JSON.stringify(projectGraph) };
  } catch (e) {
    delete global.NX_GRAPH_CREATION;
    return { projectGraph: null, error: e as Error, serialized: null };
  }
}

export async function getCachedSerializedProjectGraphPromise() {
  if (scheduledTimeoutId) {
    clearTimeout(scheduledTimeoutId);
    scheduledTimeoutId = undefined;
  }
  waitPeriod = 100;
  if (!cachedSerializedProjectGraphPromise || collectedUpdatedFiles.size > 0 || collectedDeletedFiles.size > 0) {
    cachedSerializedProjectGraphPromise = processFilesAndCreateAndSerializeProjectGraph(); // ok: closure-capture
  }
  return cachedSerializedProjectGraphPromise;
}

export function addUpdatedAndDeletedFiles(createdFiles: string[], updatedFiles: string[], deletedFiles: string[]) {
  for (const f of [...createdFiles, ...updatedFiles]) {
    collectedDeletedFiles.delete(f);
    collectedUpdatedFiles.add(f); // ok: unbounded-collection
  }
  for (const f of deletedFiles) {
    collectedUpdatedFiles.delete(f);
    collectedDeletedFiles.add(f); // ok: unbounded-collection
  }
  notifyFileWatcherSockets(createdFiles, updatedFiles, deletedFiles);
  if (!scheduledTimeoutId) {
    scheduledTimeoutId = setTimeout(async () => { // ok: timer-leak
      scheduledTimeoutId = undefined;
      if (waitPeriod < 4000) waitPeriod *= 2;
      cachedSerializedProjectGraphPromise = processFilesAndCreateAndSerializeProjectGraph();
      const { projectGraph } = await cachedSerializedProjectGraphPromise;
      if (projectGraph) for (const listener of projectGraphRecomputationListeners) listener(projectGraph);
    }, waitPeriod);
  }
}

function notifyFileWatcherSockets(created: string[], updated: string[], deleted: string[]) {
  const changed = [...created, ...updated, ...deleted];
  for (const { socket, globs } of registeredFileWatcherSockets) {
    const matching = changed.filter((f) => globs.some((g) => f.startsWith(g.replace('/**', '')))); // ok: closure-capture
    if (matching.length > 0) socket.write(JSON.stringify({ changedFiles: matching }) + String.fromCodePoint(4));
  }
}

const pluginWorkers = new Map<string, Worker>();

async function runPluginInWorker(pluginPath: string, payload: unknown): Promise<unknown> {
  let worker = pluginWorkers.get(pluginPath);
  if (!worker) {
    worker = new Worker(join(__dirname, 'plugin-worker.js'), { workerData: { pluginPath } }); // ok: resource-per-request
    pluginWorkers.set(pluginPath, worker); // ok: unbounded-cache
    worker.once('exit', () => pluginWorkers.delete(pluginPath)); // ok: listener-leak
  }
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { result?: unknown; error?: string }) => {
      worker!.off('message', onMessage);
      return msg.error ? reject(new Error(msg.error)) : resolve(msg.result);
    };
    worker!.on('message', onMessage); // ok: listener-leak
    worker!.postMessage(payload);
  });
}

async function runPluginOnce(pluginPath: string, payload: unknown): Promise<unknown> {
  const worker = new Worker(join(__dirname, 'plugin-worker.js'), { workerData: { pluginPath } }); // leak: resource-per-request
  return new Promise((resolve) => worker.once('message', (msg) => resolve(msg.result))); // ok: listener-leak
}

const handlers: Record<string, (socket: Socket, payload: any) => Promise<unknown>> = { // ok: closure-capture
  REQUEST_PROJECT_GRAPH: async () => {
    const result = await getCachedSerializedProjectGraphPromise();
    return result.error ? { error: result.error.message } : result.serialized;
  },
  REGISTER_FILE_WATCHER: async (socket, payload) => {
    registeredFileWatcherSockets.push({ socket, globs: payload.globs ?? [] }); // ok: unbounded-collection
    socket.once('close', () => { // ok: listener-leak
      registeredFileWatcherSockets = registeredFileWatcherSockets.filter((s) => s.socket !== socket);
    });
    return { registered: true };
  },
  REGISTER_PROJECT_GRAPH_LISTENER: async (socket) => {
    projectGraphRecomputationListeners.add((graph) => { // leak: listener-leak
      if (!socket.destroyed) socket.write(JSON.stringify({ projectGraph: graph }) + String.fromCodePoint(4));
    });
    return { registered: true };
  },
  RUN_PLUGIN: async (_socket, payload) => runPluginInWorker(payload.pluginPath, payload.data),
  RUN_PLUGIN_ISOLATED: async (_socket, payload) => runPluginOnce(payload.pluginPath, payload.data),
};

async function handleMessage(socket: Socket, data: string) {
  const payload = JSON.parse(data);
  const handler = handlers[payload.type];
  const response = handler ? await handler(socket, payload) : { error: `Unknown message type ${payload.type}` };
  socket.write((typeof response === 'string' ? response : JSON.stringify(response)) + String.fromCodePoint(4));
}

export async function startServer(): Promise<Server> {
  killSocketOrPath();
  server = createServer(async (socket) => { // ok: listener-leak
    let buffered = '';
    socket.on('data', (chunk) => { // ok: listener-leak
      buffered += chunk.toString();
      let idx: number;
      while ((idx = buffered.indexOf(String.fromCodePoint(4))) >= 0) {
        const message = buffered.slice(0, idx);
        buffered = buffered.slice(idx + 1);
        handleMessage(socket, message).catch((e) => serverLogger.log(`Error handling message: ${e.message}`));
      }
    });
  });
  watcherSubscription = await watchWorkspace(server, (err, events) => {
    if (err) return serverLogger.log(err.message);
    addUpdatedAndDeletedFiles(events.created, events.updated, events.deleted);
  });
  server.listen(getFullOsSocketPath());
  process.once('SIGTERM', () => stopServer()); // ok: listener-leak
  return server;
}

async function stopServer() {
  clearTimeout(scheduledTimeoutId);
  await watcherSubscription?.unsubscribe();
  for (const worker of pluginWorkers.values()) await worker.terminate();
  server.close();
  process.exit(0);
}
