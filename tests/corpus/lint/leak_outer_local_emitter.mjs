// A file watcher made once when the dev server starts; every browser tab that connects adds
// its own listener to it, and none is ever taken off.
import { WebSocketServer } from 'ws';
import chokidar from 'chokidar';

export function attachLiveReload(httpServer, folder) {
  const watcher = chokidar.watch(folder, { ignoreInitial: true });
  const wss = new WebSocketServer({ server: httpServer });
  wss.on('connection', (socket) => {
    watcher.on('change', (file) => socket.send(JSON.stringify({ reload: file }))); // expect: listener-not-removed
  });
  return () => watcher.close();
}
