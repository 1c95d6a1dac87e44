// heapsight's snapshot agent, evaluated once inside a Node.js process through its inspector.
//
// Why: V8 numbers heap objects in a map that it clears whenever an inspector session ends
// (the HeapProfiler agent's disable() calls ClearObjectIds), so snapshots taken in separate
// inspector sessions give the same object different ids and cannot be compared. The agent
// listens on a Unix socket (mode 0600, in heapsight's private runtime folder) and writes
// snapshots with v8.writeHeapSnapshot(), which needs no inspector session: every snapshot it
// takes numbers objects the same way, as --heapsnapshot-signal does.
//
// Protocol: one JSON line in ({"op": "hello"} or {"op": "snapshot", "path": FILE}), one JSON
// line out. The server is unref()ed: it never keeps the process alive.
((socketPath) => {
  const load = typeof require === 'function' ? require : process.getBuiltinModule;
  const net = load('net');
  const fs = load('fs');
  const v8 = load('v8');
  const key = Symbol.for('heapsight.agent');
  const existing = globalThis[key];
  if (existing && existing.path === socketPath && existing.server.listening &&
      fs.existsSync(socketPath)) {
    return JSON.stringify({ installed: false, pid: process.pid });
  }
  if (existing) existing.server.close();
  // Held for the life of the process: its id, the same in every snapshot while V8 keeps its
  // numbering, tells heapsight when something renumbered the heap between two snapshots.
  class HeapsightIdMarker {}
  const marker = existing ? existing.marker : new HeapsightIdMarker();
  const agent = { version: 1, path: socketPath, marker, server: null };

  function answer(socket, request) {
    const reply = { ok: true, pid: process.pid, version: agent.version };
    if (request.op === 'snapshot') {
      const file = String(request.path);
      // Only ever a new .heapsnapshot file: the agent never overwrites anything.
      if (!file.endsWith('.heapsnapshot') || fs.existsSync(file)) {
        throw new Error('refusing to write ' + JSON.stringify(file));
      }
      const started = process.hrtime.bigint();
      v8.writeHeapSnapshot(file);
      reply.pause = Number(process.hrtime.bigint() - started) / 1e9;
      reply.usage = process.memoryUsage();
      reply.limit = v8.getHeapStatistics().heap_size_limit;
    } else if (request.op !== 'hello') {
      throw new Error('unknown request ' + JSON.stringify(request.op));
    }
    socket.end(JSON.stringify(reply) + '\n');
  }

  const server = net.createServer((socket) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end < 0) {
        if (text.length > 65536) socket.destroy();
        return;
      }
      socket.removeAllListeners('data');
      try {
        answer(socket, JSON.parse(text.slice(0, end)));
      } catch (error) {
        socket.end(JSON.stringify({ ok: false, error: String(error && error.message || error) }) + '\n');
      }
    });
  });
  server.on('error', () => {});
  try { fs.unlinkSync(socketPath); } catch (error) { /* not there: fine */ }
  server.listen(socketPath, () => { try { fs.chmodSync(socketPath, 0o600); } catch (e) { /* gone */ } });
  server.unref();
  agent.server = server;
  Object.defineProperty(globalThis, key, { value: agent, configurable: true });
  return JSON.stringify({ installed: true, pid: process.pid });
})
