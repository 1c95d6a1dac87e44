// A watcher per request to follow one upload folder; nothing ever closes it.
const chokidar = require('chokidar');
const fs = require('fs');

module.exports = function routes(app) {
  app.post('/uploads/:id/follow', (req, res) => {
    const watcher = chokidar.watch(`/srv/uploads/${req.params.id}`, { ignoreInitial: true }); // expect: client-per-request
    watcher.on('add', (file) => req.log.info('arrived', file));
    res.sendStatus(202);
  });

  app.get('/config/watch', (req, res) => {
    const handle = fs.watch('/etc/app/config.json'); // expect: client-per-request
    handle.on('change', () => res.write('changed\n'));
    res.write('watching\n');
  });
};
