// Connection (lib/connection.js) and the parts of Query and Execute
// (lib/commands/query.js, lib/commands/execute.js) that look parsers up.
var EventEmitter = require('events').EventEmitter;
var util = require('util');

var Command = require('./commands/command.js');
var compileTextParser = require('./compile_text_parser.js');
var compileBinaryParser = require('./compile_binary_parser.js');

// A pooled connection lives as long as the pool keeps it open.
function Connection(opts) {
  EventEmitter.call(this);
  this.config = opts.config;

  // key is field.name + ':' + field.columnType + ':' field.flags + '/'
  this.textProtocolParsers = {};
  this.binaryProtocolParsers = {};
}
util.inherits(Connection, EventEmitter);

Connection.prototype.keyFromFields = function keyFromFields(fields, options) {
  var res =
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
};

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

// once per result set: the row parser is compiled (new Function) for the
// result's exact columns and kept on the connection under that shape
Query.prototype.readField = function(packet, connection) {
  this._receivedFieldsCount++;
  var field = packet.readField();
  this._fields[this._resultIndex].push(field);

  if (this._receivedFieldsCount == this._fieldCount) {
    var fields = this._fields[this._resultIndex];
    this.emit('fields', fields);
    var parserKey = connection.keyFromFields(fields, this.options);
    this._rowParser = connection.textProtocolParsers[parserKey];
    if (!this._rowParser) {
      this._rowParser = compileTextParser(fields, this.options, connection.config);
      connection.textProtocolParsers[parserKey] = this._rowParser; // leak: unbounded-cache
    }
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
  var parserKey = connection.keyFromFields(fields, this.options);
  var parser = connection.binaryProtocolParsers[parserKey];
  if (!parser) {
    parser = compileBinaryParser(fields, this.options, connection.config);
    connection.binaryProtocolParsers[parserKey] = parser; // leak: unbounded-cache
  }
  return parser;
};

module.exports = { Connection: Connection, Query: Query, Execute: Execute };
