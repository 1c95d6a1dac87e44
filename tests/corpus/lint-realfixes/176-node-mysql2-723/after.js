// Connection (lib/connection.js), the new parser cache (lib/parsers/parser_cache.js)
// and the parts of Query and Execute that look parsers up.
var EventEmitter = require('events').EventEmitter;
var util = require('util');
var LRU = require('lru-cache');

var Command = require('./commands/command.js');
var compileTextParser = require('./compile_text_parser.js');
var compileBinaryParser = require('./compile_binary_parser.js');

// one cache for every connection, with a ceiling
var parserCache = new LRU({
  max: 15000
});

function keyFromFields(type, fields, options) {
  var res =
    type +
    '/' +
    typeof options.nestTables +
    '/' +
    options.nestTables +
    '/' +
    options.rowsAsArray +
    options.supportBigNumbers +
    '/' +
    options.bigNumberStrings +
    '/' +
    typeof options.typeCast;
  for (var i = 0; i < fields.length; ++i) {
    res +=
      '/' + fields[i].name + ':' + fields[i].columnType + ':' + fields[i].flags;
  }
  return res;
}

function getParser(type, fields, options, config, compiler) {
  var key = keyFromFields(type, fields, options);
  var parser = parserCache.get(key);

  if (parser) {
    return parser;
  }

  parser = compiler(fields, options, config);
  parserCache.set(key, parser);
  return parser;
}

// A pooled connection lives as long as the pool keeps it open.
function Connection(opts) {
  EventEmitter.call(this);
  this.config = opts.config;
}
util.inherits(Connection, EventEmitter);

function Query(options, callback) {
  Command.call(this);
  this.options = options;
  this.onResult = callback;
  this._fields = [];
  this._resultIndex = 0;
  this._receivedFieldsCount = 0;
  this._fieldCount = 0;
  this._rowParser = null;
}
util.inherits(Query, Command);

Query.prototype.readField = function(packet, connection) {
  this._receivedFieldsCount++;
  var field = packet.readField();
  this._fields[this._resultIndex].push(field);

  if (this._receivedFieldsCount === this._fieldCount) {
    var fields = this._fields[this._resultIndex];
    this.emit('fields', fields);
    this._rowParser = getParser('text', fields, this.options, connection.config, compileTextParser);
    return Query.prototype.fieldsEOF;
  }
  return Query.prototype.readField;
};

Query.prototype.fieldsEOF = function() {
  return Query.prototype.row;
};

function Execute(options, callback) {
  Command.call(this);
  this.options = options;
  this.onResult = callback;
}
util.inherits(Execute, Command);

Execute.prototype.buildParserFromFields = function(fields, connection) {
  return getParser('binary', fields, this.options, connection.config, compileBinaryParser);
};

module.exports = { Connection: Connection, Query: Query, Execute: Execute };
