'use strict';
// Fastify plugin for uploads and thumbnails (CommonJS, fastify-plugin, async hooks).
const fp = require('fastify-plugin');
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const sharp = require('sharp');
const { Agent } = require('undici');

const s3 = new S3Client({ region: process.env.AWS_REGION }); // ok: resource-per-request
const pendingThumbs = new Map();
const thumbnailCallbacks = [];

async function uploadsPlugin(fastify, opts) {
  const uploads = [];

  fastify.addHook('onClose', async () => {
    s3.destroy();
  });

  fastify.post('/uploads', async (request, reply) => {
    const body = await request.file();
    const buffer = await body.toBuffer();
    const key = `${Date.now()}-${body.filename}`;
    await s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: key, Body: buffer }));
    uploads.push({ key, size: buffer.length, by: request.user && request.user.id }); // leak: unbounded-collection
    thumbnailCallbacks.push(() => sharp(buffer).resize(200).toBuffer()); // leak: closure-capture, unbounded-collection
    reply.code(201).send({ key });
  });

  fastify.post('/uploads/:key/thumbnail', async (request, reply) => {
    const { key } = request.params;
    const job = { key, startedAt: Date.now() };
    pendingThumbs.set(key, job); // ok: unbounded-collection
    try {
      const original = await fetchObject(key);
      const thumb = await sharp(original).resize(200).toBuffer();
      await s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: `thumbs/${key}`, Body: thumb }));
      return { key, size: thumb.length };
    } finally {
      pendingThumbs.delete(key);
    }
  });

  fastify.get('/uploads/proxy', async (request, reply) => {
    const dispatcher = new Agent({ keepAliveTimeout: 10_000 }); // leak: resource-per-request
    const res = await fetch(request.query.url, { dispatcher });
    reply.send(Buffer.from(await res.arrayBuffer()));
  });

  fastify.get('/uploads/proxy2', async (request, reply) => {
    const dispatcher = new Agent({ keepAliveTimeout: 10_000 }); // ok: resource-per-request
    try {
      const res = await fetch(request.query.url, { dispatcher });
      reply.send(Buffer.from(await res.arrayBuffer()));
    } finally {
      await dispatcher.close();
    }
  });

  fastify.get('/uploads/stats', async () => ({ total: uploads.length, pending: pendingThumbs.size }));
}

async function fetchObject(key) {
  return Buffer.from(key);
}

module.exports = fp(uploadsPlugin, { name: 'uploads' });
