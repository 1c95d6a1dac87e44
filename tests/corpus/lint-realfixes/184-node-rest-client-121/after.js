var http = require('http'),
	https = require('https'),
	util = require("util"),
	events = require("events");

// Applications often create a Client per outgoing call (or per incoming request).
exports.Client = function (options){
	var self = this;
	// each Client has its own manager, which goes away with it
	var connectManager = new ConnectManager();

	self.options = options || {};
	self.mimetypes = self.options.mimetypes || {};
	self.requestConfig = self.options.requestConfig || {};
	self.responseConfig = self.options.responseConfig || {};

	this.methods = {};

	var ClientRequest = function(){
		events.EventEmitter.call(this);
	};
	util.inherits(ClientRequest, events.EventEmitter);

	var Util = {
		connect: function(method, url, args, callback, clientRequest){
			var parsed = new URL(url);
			var options = {
				protocol: parsed.protocol === "http:" ? "http" : "https",
				host: parsed.hostname,
				port: parsed.port,
				path: parsed.pathname + parsed.search,
				method: method,
				headers: (args && args.headers) || {},
				clientRequest: clientRequest,
				requestConfig: self.requestConfig,
				responseConfig: self.responseConfig
			};
			connectManager.normal(options, callback);
		},
		mergeMimeTypes: function(mimetypes){
			if (mimetypes && typeof mimetypes === "object"){
				if (mimetypes.json instanceof Array && mimetypes.json.length > 0){
					connectManager.jsonctype = mimetypes.json;
				}
			}
		}
	};

	self.get = function(url, args, callback){
		var clientRequest = new ClientRequest();
		Util.connect("GET", url, args, callback, clientRequest);
		return clientRequest;
	};

	// handle ConnectManager events
	connectManager.on('error', function(err){
		self.emit('error', err);
	});

	Util.mergeMimeTypes(self.mimetypes);
};

var ConnectManager = function() {
	events.EventEmitter.call(this);
	this.jsonctype = ["application/json", "application/json;charset=utf-8"];
	this.handleEnd = function(res, buffer, callback){
		var data = Buffer.concat(buffer);
		var content = res.headers["content-type"] || "";
		if (this.jsonctype.indexOf(content.replace(/ /g, '')) >= 0){
			data = JSON.parse(data.toString());
		}
		callback(data, res);
	};
	this.normal = function(options, callback){
		var buffer = [],
			protocol = (options.protocol === "http") ? http : https,
			clientRequest = options.clientRequest,
			self = this;

		delete options.protocol;
		delete options.clientRequest;
		delete options.requestConfig;
		delete options.responseConfig;

		var request = protocol.request(options, function(res){
			res.on('data', function(chunk){
				buffer.push(Buffer.from(chunk));
			});
			res.on('end', function(){
				self.handleEnd(res, buffer, callback);
			});
		});

		request.on('error', function(err){
			if (clientRequest !== undefined && typeof clientRequest === 'object'){
				err.request = clientRequest;
				clientRequest.emit('error', err);
			}else{
				// general error handler
				self.emit('error', err);
			}
		});
		request.end();
	};
};

util.inherits(exports.Client, events.EventEmitter);
util.inherits(ConnectManager, events.EventEmitter);
