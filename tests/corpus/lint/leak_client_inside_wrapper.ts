// A document client per invocation, built around a fresh low-level client: neither is ever
// destroyed, and each keeps its own connection pool.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

export const handler = async (event: { pathParameters: { id: string } }) => {
  const docs = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })); // expect: client-per-request
  const found = await docs.send(new GetCommand({ TableName: 'orders', Key: { id: event.pathParameters.id } }));
  return { statusCode: 200, body: JSON.stringify(found.Item ?? null) };
};
