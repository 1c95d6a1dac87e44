// Each attempt opens a new log file stream and listens on it; the retry opens another one.
const fs = require('fs');

function openLog(paths, index, done) {
  if (index >= paths.length) return done();
  fs.createWriteStream(paths[index], { flags: 'a' })
    .on('error', () => openLog(paths, index + 1, done))
    .on('open', () => done());
}

module.exports = openLog;
