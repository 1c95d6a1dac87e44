// The same wrapper made once per container, outside the handler; and one made per call that
// is destroyed when the call ends.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const docs = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));

export const handler = async (event: { pathParameters: { id: string } }) => {
  const found = await docs.send(new GetCommand({ TableName: 'orders', Key: { id: event.pathParameters.id } }));
  return { statusCode: 200, body: JSON.stringify(found.Item ?? null) };
};

export const audit = async (event: { table: string }) => {
  const scoped = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  try {
    return await scoped.send(new GetCommand({ TableName: event.table, Key: { id: 'audit' } }));
  } finally {
    scoped.destroy();
  }
};
