// One watcher for the process, and a per-request one closed when the client leaves.
const chokidar = require('chokidar');
const fs = require('fs');

const uploads = chokidar.watch('/srv/uploads', { ignoreInitial: true });

module.exports = function routes(app) {
  app.get('/uploads/count', (req, res) => {
    res.json({ watched: Object.keys(uploads.getWatched()).length });
  });

  app.get('/config/watch', (req, res) => {
    const handle = fs.watch('/etc/app/config.json', () => res.write('changed\n'));
    req.on('close', () => handle.close());
    res.write('watching\n');
  });
};
