// The same watcher: each tab's listener comes off when its socket closes.
import { WebSocketServer } from 'ws';
import chokidar from 'chokidar';

export function attachLiveReload(httpServer, folder) {
  const watcher = chokidar.watch(folder, { ignoreInitial: true });
  const wss = new WebSocketServer({ server: httpServer });
  wss.on('connection', (socket) => {
    const onChange = (file) => socket.send(JSON.stringify({ reload: file }));
    watcher.on('change', onChange);
    socket.once('close', () => watcher.off('change', onChange));
  });
  return () => watcher.close();
}
