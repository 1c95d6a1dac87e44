// Serverless-style handlers (AWS Lambda, ESM): warm containers keep module state between invocations.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { EventEmitter } from 'node:events';

const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({})); // ok: resource-per-request
const telemetry = new EventEmitter();
const afterResponse = [];
const configByStage = new Map([['prod', { ttl: 300 }], ['dev', { ttl: 5 }]]);
const warmState = { invocations: 0, coldStart: Date.now() };

export const getItem = async (event) => {
  warmState.invocations += 1;
  const stage = configByStage.get(event.requestContext?.stage ?? 'dev'); // ok: unbounded-cache
  const res = await ddb.send(new GetCommand({ TableName: 'items', Key: { id: event.pathParameters.id } }));
  return { statusCode: res.Item ? 200 : 404, body: JSON.stringify({ item: res.Item, ttl: stage?.ttl }) };
};

export const putItem = async (event) => {
  const body = JSON.parse(event.body);
  await ddb.send(new PutCommand({ TableName: 'items', Item: body }));
  afterResponse.push(() => console.log('stored', body.id, event.headers)); // leak: closure-capture, unbounded-collection
  return { statusCode: 201, body: JSON.stringify({ id: body.id }) };
};

export const enqueue = async (event) => {
  const sqs = new SQSClient({}); // leak: resource-per-request
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.body }));
  return { statusCode: 202 };
};

export const enqueueCleanly = async (event) => {
  const sqs = new SQSClient({}); // ok: resource-per-request
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.body }));
  } finally {
    sqs.destroy();
  }
  return { statusCode: 202 };
};

export const traced = async (event, context) => {
  telemetry.on('flush', () => console.log('flush', context.awsRequestId, event.body)); // leak: listener-leak, closure-capture
  return { statusCode: 200 };
};

export const tracedCleanly = async (event, context) => {
  const onFlush = () => console.log('flush', context.awsRequestId);
  telemetry.once('flush', onFlush); // ok: listener-leak, closure-capture
  try {
    return { statusCode: 200, body: event.body };
  } finally {
    telemetry.off('flush', onFlush);
  }
};

export const withDeadline = async (event, context) => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), context.getRemainingTimeInMillis() - 500); // ok: timer-leak
  try {
    const res = await fetch(process.env.UPSTREAM_URL, { method: 'POST', body: event.body, signal: controller.signal });
    return { statusCode: res.status };
  } finally {
    clearTimeout(timer);
  }
};
