// SNMP session: readUint runs for every integer in every response received;
// cancelRequests runs when a session is closed or its socket fails.
var events = require ("events");
var util = require ("util");

function readUint (buffer, isSigned) {
	buffer.readByte ();
	var length = buffer.readByte ();
	var value = 0;
	var signedBitSet = false;

	if (length > 5)
		throw new RangeError ("Integer too long '" + length + "'");

	for (var i = 0; i < length; i++) {
		value *= 256;
		value += buffer.readByte ();
		if (isSigned && i <= 0 && (value & 0x80) == 0x80)
			signedBitSet = true;
	}
	if (signedBitSet)
		value -= (1 << (i * 8));
	return value;
}

var Session = function (target) {
	this.target = target;
	this.reqs = {};
	events.EventEmitter.call (this);
};

util.inherits (Session, events.EventEmitter);

Session.prototype.unregisterRequest = function (id) {
	delete this.reqs[id];
};

Session.prototype.cancelRequests = function (error) {
	var id;
	for (id in this.reqs) {
		var req = this.reqs[id];
		this.unregisterRequest (req.id);
		req.responseCb (error);
	}
};

exports.readUint = readUint;
exports.Session = Session;
