import Fastify, { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';

const fastify = Fastify();

fastify.get('/counter/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
  const redis = new Redis(process.env.REDIS_URL!); // expect: client-per-request
  const value = await redis.incr(`counter:${request.params.id}`);
  return reply.send({ value });
});

fastify.get('/watch', async (request: FastifyRequest, reply: FastifyReply) => {
  const watcher = setInterval(() => { // expect: interval-not-cleared, closure-captures-request
    reply.raw.write(`${request.id} still here\n`);
  }, 10_000);
  return reply;
});

fastify.listen({ port: 3000 });
