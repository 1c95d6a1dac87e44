import type { IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import * as redis from 'redis';
import * as util from 'util';

export class Redis implements INodeType {
  // runs once per workflow execution (for example once per webhook call)
  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return new Promise(async (resolve, reject) => {
      const credentials = await this.getCredentials('redis');
      const redisOptions: redis.ClientOpts = {
        host: credentials.host as string,
        port: credentials.port as number,
        db: credentials.database as number,
      };

      const client = redis.createClient(redisOptions); // leak: resource-per-request
      const operation = this.getNodeParameter('operation', 0) as string;

      client.on('error', (err: Error) => {
        reject(err);
      });

      client.on('ready', async () => {
        try {
          if (operation === 'info') {
            const clientInfo = util.promisify(client.info).bind(client);
            const result = await clientInfo();
            resolve(this.prepareOutputData([{ json: { info: result } }]));
            client.quit();
          } else {
            const items = this.getInputData();
            const returnItems: INodeExecutionData[] = [];
            for (let i = 0; i < items.length; i++) {
              const key = this.getNodeParameter('key', i) as string;
              if (operation === 'get') {
                const clientGet = util.promisify(client.get).bind(client);
                returnItems.push({ json: { [key]: await clientGet(key) } });
              } else if (operation === 'set') {
                const value = this.getNodeParameter('value', i) as string;
                const clientSet = util.promisify(client.set).bind(client);
                await clientSet(key, value);
                returnItems.push(items[i]);
              }
            }
            resolve(this.prepareOutputData(returnItems));
          }
        } catch (error) {
          reject(error);
        }
      });
    });
  }
}
