'use strict';

const debug = require('debug')('log4js:file');
const path = require('path');
const streams = require('streamroller');
const os = require('os');

const eol = os.EOL || '\n';

function openTheStream(file, fileSize, numFiles, options) {
  const stream = new streams.RollingFileStream(file, fileSize, numFiles, options);
  stream.on('error', (err) => {
    console.error('log4js.fileAppender - could not write to %s', file, err); //eslint-disable-line
  });
  return stream;
}

// Called once per file appender every time log4js.configure() runs; the
// appender's shutdown() is called by log4js.shutdown().
function fileAppender(file, layout, logSize, numBackups, options, timezoneOffset) {
  file = path.normalize(file);
  numBackups = numBackups === undefined ? 5 : numBackups;
  numBackups = numBackups === 0 ? 1 : numBackups;

  debug('Creating file appender (', file, ', ', logSize, ', ', numBackups, ')');

  const writer = openTheStream(file, logSize, numBackups, options);

  const app = function (loggingEvent) {
    writer.write(layout(loggingEvent, timezoneOffset) + eol, 'utf8');
  };

  app.reopen = function () {
    writer.closeTheStream(writer.openTheStream.bind(writer));
  };

  app.shutdown = function (complete) {
    writer.write('', 'utf-8', () => {
      writer.end(complete);
    });
  };

  // logrotate sends SIGHUP: close and reopen the file
  process.on('SIGHUP', () => { // leak: listener-leak
    debug('SIGHUP handler called.');
    app.reopen();
  });

  return app;
}

function configure(config, layouts) {
  let layout = layouts.basicLayout;
  if (config.layout) {
    layout = layouts.layout(config.layout.type, config.layout);
  }

  return fileAppender(
    config.filename,
    layout,
    config.maxLogSize,
    config.backups,
    config,
    config.timezoneOffset
  );
}

module.exports.configure = configure;
