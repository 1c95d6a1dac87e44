// memjs, a memcached client: header.js encodes and decodes the 24-byte
// binary-protocol header. toBuffer() runs for every request the client
// sends (get, set, delete, increment...).

var fromBuffer = function (headerBuf) {
  if (!headerBuf) {
    return {};
  }
  return {
    magic: headerBuf.readUInt8(0),
    opcode: headerBuf.readUInt8(1),
    keyLength: headerBuf.readUInt16BE(2),
    extrasLength: headerBuf.readUInt8(4),
    dataType: headerBuf.readUInt8(5),
    status: headerBuf.readUInt16BE(6),
    totalBodyLength: headerBuf.readUInt32BE(8),
    opaque: headerBuf.readUInt32BE(12),
    cas: headerBuf.slice(16, 24),
  };
};

var toBuffer = function (header) {
  var headerBuf = Buffer.alloc(24);
  headerBuf.writeUInt8(header.magic, 0);
  headerBuf.writeUInt8(header.opcode, 1);
  headerBuf.writeUInt16BE(header.keyLength, 2);
  headerBuf.writeUInt8(header.extrasLength, 4);
  headerBuf.writeUInt8(header.dataType || 0, 5);
  headerBuf.writeUInt16BE(header.status || 0, 6);
  headerBuf.writeUInt32BE(header.totalBodyLength, 8);
  headerBuf.writeUInt32BE(header.opaque || 0, 12);
  if (header.cas) {
    header.cas.copy(headerBuf, 16);
  } else {
    headerBuf.fill(0, 16);
  }
  return headerBuf;
};

// utils.js: builds the request packet for every command.
var makeRequestBuffer = function (opcode, key, extras, value, opaque) {
  key = Buffer.from(key);
  extras = Buffer.from(extras);
  value = Buffer.from(value);
  var buf = Buffer.alloc(24 + key.length + extras.length + value.length);
  toBuffer({
    magic: 0x80,
    opcode: opcode,
    keyLength: key.length,
    extrasLength: extras.length,
    totalBodyLength: key.length + value.length + extras.length,
    opaque: opaque,
  }).copy(buf);
  extras.copy(buf, 24);
  key.copy(buf, 24 + extras.length);
  value.copy(buf, 24 + extras.length + key.length);
  return buf;
};

exports.fromBuffer = fromBuffer;
exports.toBuffer = toBuffer;
exports.makeRequestBuffer = makeRequestBuffer;
