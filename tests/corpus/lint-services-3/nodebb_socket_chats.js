'use strict';

const nconf = require('nconf');
const winston = require('winston');

const db = require('../database');
const redisDb = require('../database/redis');
const user = require('../user');
const meta = require('../meta');
const messaging = require('../messaging');
const plugins = require('../plugins');
const privileges = require('../privileges');
const pubsub = require('../pubsub');
const cacheCreate = require('../cache/lru');
const websockets = require('./index');

const SocketModules = module.exports;

SocketModules.chats = {};
SocketModules.settings = {};

const roomCache = cacheCreate({
	name: 'chat-rooms',
	max: 1000,
	ttl: 0,
});

const roomTitles = {};
const typingTimeouts = new Map();

// one listener for the whole process, set up when the module is required
pubsub.on('chats:roomUpdated', (data) => { // ok: listener-leak
	roomCache.del(String(data.roomId));
	websockets.in(`chat_room_${data.roomId}`).emit('event:chats.roomRename', data);
});

SocketModules.chats.getRaw = async function (socket, data) {
	if (!data || !data.hasOwnProperty('mid')) {
		throw new Error('[[error:invalid-data]]');
	}
	const roomId = await messaging.getMessageField(data.mid, 'roomId');
	const [isAdmin, hasMessage, inRoom] = await Promise.all([
		user.isAdministrator(socket.uid),
		db.isSortedSetMember(`uid:${socket.uid}:chat:room:${roomId}:mids`, data.mid),
		messaging.isUserInRoom(socket.uid, roomId),
	]);
	if (!isAdmin && (!inRoom || !hasMessage)) {
		throw new Error('[[error:not-allowed]]');
	}
	return await messaging.getMessageField(data.mid, 'content');
};

SocketModules.chats.getRoom = async function (socket, data) {
	const cacheKey = String(data.roomId);
	let room = roomCache.get(cacheKey);
	if (!room) {
		room = await messaging.getRoomData(data.roomId);
		roomCache.set(cacheKey, room); // ok: unbounded-cache
	}
	return room;
};

SocketModules.chats.getRoomTitle = async function (socket, data) {
	const key = `${data.roomId}:${socket.uid}`;
	if (!roomTitles.hasOwnProperty(key)) {
		const usernames = await messaging.getUsersInRoom(data.roomId, 0, 3);
		roomTitles[key] = usernames.filter(u => u.uid !== socket.uid).map(u => u.username).join(', '); // leak: unbounded-cache
	}
	return roomTitles[key];
};

SocketModules.chats.enter = async function (socket, roomId) {
	if (!await messaging.isUserInRoom(socket.uid, roomId)) {
		throw new Error('[[error:no-privileges]]');
	}
	socket.join(`chat_room_${roomId}`);

	pubsub.on(`chats:typing:${roomId}`, (data) => { // leak: listener-leak
		if (data.uid !== socket.uid) {
			socket.emit('event:chats.typing', data);
		}
	});
};

SocketModules.chats.leave = async function (socket, roomId) {
	socket.leave(`chat_room_${roomId}`);
};

SocketModules.chats.typing = async function (socket, data) {
	if (!data || !data.roomId) {
		throw new Error('[[error:invalid-data]]');
	}
	const key = `${data.roomId}:${socket.uid}`;
	clearTimeout(typingTimeouts.get(key));
	typingTimeouts.set(key, setTimeout(() => typingTimeouts.delete(key), 5000)); // ok: timer-leak
	pubsub.publish(`chats:typing:${data.roomId}`, { uid: socket.uid, roomId: data.roomId, typing: !!data.typing });
};

SocketModules.chats.watchRoom = async function (socket, data) {
	const canChat = await privileges.global.can('chat', socket.uid);
	if (!canChat) {
		throw new Error('[[error:no-privileges]]');
	}
	const subscriber = await redisDb.connect({ return_buffers: false }); // leak: resource-per-request
	await subscriber.subscribe(`chat:room:${data.roomId}:notify`);
	subscriber.on('message', (channel, message) => socket.emit('event:chats.notify', JSON.parse(message)));
};

SocketModules.chats.markRead = async function (socket, roomId) {
	if (!socket.uid || !roomId) {
		throw new Error('[[error:invalid-data]]');
	}
	const [uidsInRoom] = await Promise.all([
		messaging.getUidsInRoom(roomId, 0, -1),
		messaging.markRead(socket.uid, roomId),
	]);
	messaging.pushUnreadCount(socket.uid);
	websockets.in(`uid_${socket.uid}`).emit('event:chats.markedAsRead', { roomId: roomId });
	if (!uidsInRoom.includes(String(socket.uid))) {
		return;
	}
	await plugins.hooks.fire('action:messaging.read', { uid: socket.uid, roomId });
};

SocketModules.settings.get = async function (socket, data) {
	if (!data || !data.hash) {
		throw new Error('[[error:invalid-data]]');
	}
	const values = await meta.settings.get(data.hash);
	socket.previousSettings = socket.previousSettings || [];
	socket.previousSettings.push(data.hash); // ok: unbounded-collection
	if (socket.previousSettings.length > 20) {
		socket.previousSettings.shift();
	}
	return values;
};

SocketModules.chats.loadRecent = async function (socket, data) {
	const recent = await messaging.getRecentChats(socket.uid, socket.uid, data.after || 0, data.after + 20);
	if (nconf.get('isPrimary') && !meta.config.disableChat) {
		winston.verbose(`[socket.io] recent chats for uid ${socket.uid}: ${recent.rooms.length}`);
	}
	return recent;
};

require('../promisify')(SocketModules);
