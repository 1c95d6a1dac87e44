import { MongoClient } from 'mongodb';

export const handler = async (event: { id: string }) => {
  const client = new MongoClient(process.env.MONGO_URL!); // expect: client-per-request
  const doc = await client.db('app').collection('items').findOne({ id: event.id });
  return { statusCode: 200, body: JSON.stringify(doc) };
};
