// memcache client: handle_* run for every reply read from the server socket.
var crlf = "\r\n";
var crlf_len = crlf.length;

var Client = function (port, host) {
	this.port = port || 11211;
	this.host = host || 'localhost';
	this.buffer = '';
	this.callbacks = [];
};

function readLine(string) {
	var line_len = string.indexOf(crlf);
	return string.substr(0, line_len);
}

Client.prototype.handle_simple = function (buffer) {
	var line = readLine(buffer);
	return [line, (line.length + crlf_len), null];
};

Client.prototype.handle_error = function (buffer) {
	var line = readLine(buffer);
	return [null, (line.length + crlf_len), line];
};

exports.Client = Client;
