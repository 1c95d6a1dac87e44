// Look-alikes found over installed packages: a browser global updated on purpose after a
// test for it, a type table a loader fills through a registration callback, and chunks a
// helper gathers for one result and hands on.
var loader = require('./loader');

function wrapHelpers(helpers) {
  return Object.assign({}, helpers, { wrapped: true });
}

if (typeof helpers == 'object' && helpers !== null) {
  helpers = wrapHelpers(helpers);
}

var parsers = {
  text: {},
  binary: {}
};

loader.each(function (oid, parse) {
  parsers.text[oid] = parse;
});

function parserFor(oid) {
  return parsers.text[oid] || parsers.binary[oid];
}

function collect(stream, done) {
  var pieces = [];
  stream.on('error', done);
  stream.on('data', function (piece) {
    pieces.push(piece);
  });
  stream.on('end', function () {
    done(null, Buffer.concat(pieces));
  });
}

module.exports = { wrapHelpers, parserFor, collect };
