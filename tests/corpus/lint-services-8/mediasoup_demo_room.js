'use strict';

// mediasoup-demo server style (server/lib/Room.js and server/server.js): a Room per roomId made
// by Room.create() over one mediasoup Router and a protoo Room, peers joining over protoo
// WebSocket, _handleProtooRequest() switching on request.method, peer.data holding transports,
// producers and consumers, an AudioLevelObserver per room, broadcasters over the HTTP API.
// CommonJS, tabs, braces on their own line, as the demo writes them.

const EventEmitter = require('events').EventEmitter;
const protoo = require('protoo-server');
const mediasoup = require('mediasoup');
const Logger = require('./Logger');
const config = require('../config');

const logger = new Logger('Room');

const capsCache = new Map();

global.__mediasoupWorkers = global.__mediasoupWorkers || [];
global.__roomStats = global.__roomStats || {}; // ok: global-growth

class Room extends EventEmitter
{
	static async create({ mediasoupWorker, roomId })
	{
		logger.info('create() [roomId:%s]', roomId);

		const protooRoom = new protoo.Room();
		const { mediaCodecs } = config.mediasoup.routerOptions;
		const mediasoupRouter = await mediasoupWorker.createRouter({ mediaCodecs });
		const audioLevelObserver = await mediasoupRouter.createAudioLevelObserver(
			{
				maxEntries : 1,
				threshold  : -80,
				interval   : 800
			});

		return new Room({ roomId, protooRoom, mediasoupRouter, audioLevelObserver });
	}

	constructor({ roomId, protooRoom, mediasoupRouter, audioLevelObserver })
	{
		super();
		this.setMaxListeners(Infinity);

		this._roomId = roomId;
		this._closed = false;
		this._protooRoom = protooRoom;
		this._broadcasters = new Map();
		this._mediasoupRouter = mediasoupRouter;
		this._audioLevelObserver = audioLevelObserver;
		this._chatHistory = [];
		this._codecsByKind = {};
		this._logStatusExtra = () => {}; // ok: closure-capture

		for (const codec of mediasoupRouter.rtpCapabilities.codecs)
		{
			this._codecsByKind[codec.kind] = codec.mimeType; // ok: unbounded-collection
		}

		this._logStatusTimer = setInterval(() => this.logStatus(), 120000); // ok: timer-leak

		this._handleAudioLevelObserver();
	}

	close()
	{
		logger.debug('close()');
		this._closed = true;
		clearInterval(this._logStatusTimer);
		this._protooRoom.close();
		this._mediasoupRouter.close();
		this.emit('close');
	}

	logStatus()
	{
		logger.info('logStatus() [roomId:%s, protoo Peers:%s]', this._roomId, this._protooRoom.peers.length);
		this._logStatusExtra();
	}

	handleProtooConnection({ peerId, consume, protooWebSocketTransport })
	{
		const existingPeer = this._protooRoom.getPeer(peerId);
		if (existingPeer)
		{
			logger.warn('handleProtooConnection() | there is already a protoo Peer with same peerId, closing it [peerId:%s]', peerId);
			existingPeer.close();
		}

		const peer = this._protooRoom.createPeer(peerId, protooWebSocketTransport);

		peer.data.consume = consume;
		peer.data.joined = false;
		peer.data.transports = new Map();
		peer.data.producers = new Map();
		peer.data.consumers = new Map();

		peer.on('request', (request, accept, reject) => // ok: listener-leak
		{
			this._handleProtooRequest(peer, request, accept, reject)
				.catch((error) => reject(error));
		});

		this.on('close', () => peer.close()); // leak: listener-leak

		peer.on('close', () => // ok: listener-leak
		{
			if (this._closed)
				return;
			clearInterval(peer.data.statsTimer);
			clearInterval(peer.data.pingTimer);
			for (const transport of peer.data.transports.values())
			{
				transport.close();
			}
			if (this._protooRoom.peers.length === 0)
			{
				this.close();
			}
		});
	}

	_handleAudioLevelObserver()
	{
		this._audioLevelObserver.on('volumes', (volumes) => // ok: listener-leak
		{
			const { producer, volume } = volumes[0];
			for (const peer of this._getJoinedPeers())
			{
				peer.notify('activeSpeaker', { peerId: producer.appData.peerId, volume }).catch(() => {});
			}
		});
	}

	_getJoinedPeers({ excludePeer = undefined } = {})
	{
		return this._protooRoom.peers.filter((peer) => peer.data.joined && peer !== excludePeer);
	}

	_canConsume(rtpCapabilities, producerId)
	{
		const key = `${producerId}:${JSON.stringify(rtpCapabilities)}`;
		if (!capsCache.has(key))
		{
			capsCache.set(key, this._mediasoupRouter.canConsume({ producerId, rtpCapabilities })); // leak: unbounded-cache
		}
		return capsCache.get(key);
	}

	async _handleProtooRequest(peer, request, accept, reject)
	{
		switch (request.method)
		{
			case 'join':
			{
				const { displayName, device, rtpCapabilities } = request.data;
				peer.data.joined = true;
				peer.data.displayName = displayName;
				peer.data.device = device;
				peer.data.rtpCapabilities = rtpCapabilities;

				this._audioLevelObserver.on('silence', () => // leak: listener-leak
				{
					peer.notify('activeSpeaker', { peerId: null }).catch(() => {});
				});

				const previousExtra = this._logStatusExtra;
				this._logStatusExtra = () => // leak: closure-capture
				{
					previousExtra();
					logger.info('  peer %s (%s) on %o', peer.id, displayName, device);
				};

				const peerInfos = this._getJoinedPeers({ excludePeer: peer })
					.map((joinedPeer) => ({ id: joinedPeer.id, displayName: joinedPeer.data.displayName, device: joinedPeer.data.device }));
				accept({ peers: peerInfos, chat: this._chatHistory.slice(-50) });
				break;
			}

			case 'createWebRtcTransport':
			{
				const transport = await this._mediasoupRouter.createWebRtcTransport(
					{
						...config.mediasoup.webRtcTransportOptions,
						appData : { producing: request.data.producing, consuming: request.data.consuming }
					});

				transport.on('dtlsstatechange', (dtlsState) => // ok: listener-leak
				{
					if (dtlsState === 'failed' || dtlsState === 'closed')
						logger.warn('WebRtcTransport "dtlsstatechange" event [dtlsState:%s]', dtlsState);
				});

				peer.data.transports.set(transport.id, transport); // ok: unbounded-collection
				transport.observer.once('close', () => peer.data.transports.delete(transport.id)); // ok: listener-leak

				accept(
					{
						id             : transport.id,
						iceParameters  : transport.iceParameters,
						iceCandidates  : transport.iceCandidates,
						dtlsParameters : transport.dtlsParameters
					});
				break;
			}

			case 'consume':
			{
				const { transportId, producerId } = request.data;
				if (!this._canConsume(peer.data.rtpCapabilities, producerId))
					return reject(new Error('cannot consume'));
				const transport = peer.data.transports.get(transportId);
				const consumer = await transport.consume({ producerId, rtpCapabilities: peer.data.rtpCapabilities, paused: true });
				peer.data.consumers.set(consumer.id, consumer); // ok: unbounded-collection
				consumer.on('transportclose', () => peer.data.consumers.delete(consumer.id)); // ok: listener-leak
				consumer.on('producerclose', () => peer.data.consumers.delete(consumer.id)); // ok: listener-leak
				accept({ id: consumer.id, kind: consumer.kind, rtpParameters: consumer.rtpParameters });
				break;
			}

			case 'chatMessage':
			{
				const message = { peerId: peer.id, text: String(request.data.text).slice(0, 2000), at: Date.now() };
				this._chatHistory.push(message); // leak: unbounded-collection
				for (const other of this._getJoinedPeers({ excludePeer: peer }))
				{
					other.notify('chatMessage', message).catch(() => {});
				}
				accept();
				break;
			}

			case 'enableStats':
			{
				peer.data.statsTimer = setInterval(async () => // leak: timer-leak
				{
					for (const transport of peer.data.transports.values())
					{
						peer.notify('transportStats', await transport.getStats()).catch(() => {});
					}
				}, request.data.interval || 2000);
				accept();
				break;
			}

			case 'enablePing':
			{
				clearInterval(peer.data.pingTimer);
				peer.data.pingTimer = setInterval(() => peer.notify('ping', {}).catch(() => {}), 10000); // ok: timer-leak
				accept();
				break;
			}

			default:
				reject(500, `unknown request.method "${request.method}"`);
		}
	}

	async deleteBroadcaster({ broadcasterId })
	{
		const broadcaster = this._broadcasters.get(broadcasterId);
		if (!broadcaster)
			throw new Error(`broadcaster with id "${broadcasterId}" does not exist`);
		for (const transport of broadcaster.data.transports.values())
		{
			transport.close();
		}
		this._broadcasters.delete(broadcasterId);
	}
}

// ---- server.js: workers and rooms ----

const rooms = new Map();
let nextWorkerIdx = 0;

async function runMediasoupWorkers()
{
	for (let i = 0; i < config.mediasoup.numWorkers; ++i)
	{
		const worker = await mediasoup.createWorker(config.mediasoup.workerSettings);
		worker.on('died', () => setTimeout(() => process.exit(1), 2000)); // ok: listener-leak
		global.__mediasoupWorkers.push(worker); // ok: global-growth
	}

	setInterval(() => // ok: timer-leak
	{
		for (const [roomId, room] of rooms)
		{
			global.__roomStats[roomId] = { peers: room._protooRoom.peers.length, at: Date.now() }; // leak: global-growth
		}
	}, 30000);
}

async function getOrCreateRoom({ roomId })
{
	let room = rooms.get(roomId);
	if (!room)
	{
		const worker = global.__mediasoupWorkers[nextWorkerIdx];
		nextWorkerIdx = (nextWorkerIdx + 1) % global.__mediasoupWorkers.length;
		room = await Room.create({ mediasoupWorker: worker, roomId });
		rooms.set(roomId, room); // ok: unbounded-collection
		room.once('close', () => rooms.delete(roomId)); // ok: listener-leak
	}
	return room;
}

module.exports = { Room, runMediasoupWorkers, getOrCreateRoom };
