import fs from 'node:fs/promises';
import { Buffer } from 'node:buffer';

import express from 'express';
import { LRUCache } from 'lru-cache';

import { SyncProtoBuf } from '@actual-app/crdt';

import { getAccountDb } from './account-db.js';
import { FileNotFound } from './app-sync/errors.js';
import { validateSessionMiddleware, errorMiddleware, requestLoggerMiddleware } from './util/middlewares.js';
import { getPathForUserFile, getPathForGroupFile } from './util/paths.js';
import { openDatabase } from './db.js';
import { sync } from './sync-simple.js';
import { config } from './load-config.js';

const app = express();
app.use(requestLoggerMiddleware);
app.use(express.raw({ type: 'application/actual-sync', limit: `${config.upload.fileSizeSyncLimitMB}mb` }));
app.use(express.raw({ type: 'application/encrypted-file', limit: `${config.upload.syncEncryptedFileSizeLimitMB}mb` }));
app.use(express.json({ limit: `${config.upload.fileSizeLimitMB}mb` }));
app.use(validateSessionMiddleware);
export { app as handlers };

const filesService = {
  get(fileId) {
    return getAccountDb().first('SELECT * FROM files WHERE id = ?', [fileId]); // ok: resource-per-request
  },
};

// every sync request ever served, kept for the /sync/stats admin page
const syncHistory = [];
// file metadata per session token, so a client polling /get-user-file-info is cheap
const fileInfoByToken = {};
const groupInfo = new LRUCache({ max: 200, ttl: 60 * 1000 });

global.__actualUploads = global.__actualUploads || new Map(); // ok: global-growth

setInterval(async () => { // ok: timer-leak
  const cutoff = Date.now() - 24 * 60 * 60 * 1000;
  for (const [id, upload] of global.__actualUploads) {
    if (upload.startedAt < cutoff) global.__actualUploads.delete(id);
  }
}, 60 * 60 * 1000).unref();

app.post('/sync', async (req, res) => {
  let requestPb;
  try {
    requestPb = SyncProtoBuf.SyncRequest.deserializeBinary(req.body);
  } catch (e) {
    res.status(500).send({ status: 'error', reason: 'internal-error' });
    return;
  }

  const fileId = requestPb.getFileid() || null;
  const groupId = requestPb.getGroupid() || null;
  const keyId = requestPb.getKeyid() || null;
  const since = requestPb.getSince() || null;
  const messages = requestPb.getMessagesList();

  if (!since) {
    return res.status(422).send({ details: 'since-required', reason: 'unprocessable-entity', status: 'error' });
  }

  const currentFile = filesService.get(fileId);
  if (!currentFile) {
    return res.status(400).send('file-not-found');
  }

  // the group database is opened here and closed at the end; a mismatch returns before that
  const groupDb = openDatabase(getPathForGroupFile(groupId)); // leak: resource-per-request
  if (currentFile.group_id !== groupId) {
    return res.status(400).send('file-has-reset');
  }
  if (keyId !== currentFile.encrypt_keyid) {
    return res.status(400).send('file-has-new-key');
  }

  const { trie, newMessages } = sync(groupDb, messages, since, groupId);
  groupDb.close();

  syncHistory.push({ fileId, groupId, at: Date.now(), count: messages.length }); // leak: unbounded-collection

  const responsePb = new SyncProtoBuf.SyncResponse();
  responsePb.setMerkle(JSON.stringify(trie));
  newMessages.forEach(msg => responsePb.addMessages(msg));
  res.set('Content-Type', 'application/actual-sync');
  res.set('X-ACTUAL-SYNC-METHOD', 'simple');
  res.send(Buffer.from(responsePb.serializeBinary()));
});

app.post('/reset-user-file', async (req, res) => {
  const { fileId } = req.body;
  const files = getAccountDb().all('SELECT group_id FROM files WHERE id = ?', [fileId]);
  if (files.length === 0) {
    res.status(400).send('User or file not found');
    return;
  }
  const { group_id: groupId } = files[0];
  getAccountDb().mutate('UPDATE files SET group_id = NULL WHERE id = ?', [fileId]);

  if (groupId) {
    const groupDb = openDatabase(getPathForGroupFile(groupId)); // ok: resource-per-request
    try {
      groupDb.mutate('DELETE FROM messages_binary');
      groupDb.mutate('DELETE FROM messages_merkles');
    } finally {
      groupDb.close();
    }
    groupInfo.delete(groupId);
  }
  res.send({ status: 'ok', data: null });
});

app.post('/upload-user-file', async (req, res) => {
  const name = decodeURIComponent(req.headers['x-actual-name']);
  const fileId = req.headers['x-actual-file-id'];
  const uploadId = `${fileId}:${Date.now()}`;
  global.__actualUploads.set(uploadId, { fileId, startedAt: Date.now(), size: req.body.length }); // ok: global-growth

  req.on('aborted', () => global.__actualUploads.delete(uploadId)); // ok: listener-leak
  try {
    await fs.writeFile(getPathForUserFile(fileId), req.body);
    const row = filesService.get(fileId);
    if (!row) {
      getAccountDb().mutate('INSERT INTO files (id, name, deleted) VALUES (?, ?, FALSE)', [fileId, name]);
    } else {
      getAccountDb().mutate('UPDATE files SET name = ? WHERE id = ?', [name, fileId]);
    }
    res.send({ status: 'ok', groupId: row?.group_id ?? null });
  } catch (err) {
    console.log('Error writing file', err);
    res.status(500).send('Error uploading file');
  } finally {
    global.__actualUploads.delete(uploadId);
  }
});

app.get('/download-user-file', async (req, res) => {
  const fileId = req.headers['x-actual-file-id'];
  if (typeof fileId !== 'string') {
    return res.status(400).send('Single file ID is required');
  }
  try {
    const chunks = []; // ok: unbounded-collection
    const handle = await fs.open(getPathForUserFile(fileId)); // ok: resource-per-request
    try {
      for await (const chunk of handle.createReadStream()) chunks.push(chunk); // ok: unbounded-collection
    } finally {
      await handle.close();
    }
    res.setHeader('Content-Disposition', `attachment;filename=${fileId}`);
    res.send(Buffer.concat(chunks));
  } catch (e) {
    if (e.code === 'ENOENT') throw new FileNotFound();
    throw e;
  }
});

app.get('/get-user-file-info', (req, res) => {
  const token = req.headers['x-actual-token'];
  const fileId = req.headers['x-actual-file-id'];
  const key = `${token}:${fileId}`;
  let info = fileInfoByToken[key];
  if (!info) {
    const row = filesService.get(fileId);
    if (!row) return res.status(400).send({ status: 'error', reason: 'file-not-found' });
    info = { deleted: row.deleted, fileId: row.id, groupId: row.group_id, name: row.name, encryptMeta: row.encrypt_meta ? JSON.parse(row.encrypt_meta) : null };
    fileInfoByToken[key] = info; // leak: unbounded-cache
  }
  res.send({ status: 'ok', data: info });
});

app.get('/group-info/:groupId', (req, res) => {
  let info = groupInfo.get(req.params.groupId);
  if (!info) {
    const files = getAccountDb().all('SELECT id, name FROM files WHERE group_id = ?', [req.params.groupId]);
    info = { files: files.map(f => ({ id: f.id, name: f.name })) };
    groupInfo.set(req.params.groupId, info); // ok: unbounded-cache
  }
  res.send({ status: 'ok', data: info });
});

app.get('/sync/stats', (req, res) => {
  const last = syncHistory.slice(-100);
  res.send({ status: 'ok', data: { total: syncHistory.length, last } });
});

app.use(errorMiddleware);
