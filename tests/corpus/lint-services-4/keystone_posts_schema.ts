import { config, list, graphql } from '@keystone-6/core';
import { allowAll, denyAll } from '@keystone-6/core/access';
import { text, relationship, timestamp, select, image, virtual } from '@keystone-6/core/fields';
import { document } from '@keystone-6/fields-document';
import { statelessSessions } from '@keystone-6/core/session';
import type { KeystoneContext } from '@keystone-6/core/types';
import { S3Client, PutObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { LRUCache } from 'lru-cache';
import slugify from '@sindresorhus/slugify';

import type { Lists, Context } from '.keystone/types';

declare global {
  // eslint-disable-next-line no-var
  var keystoneSessionSeen: Record<string, number>;
}
globalThis.keystoneSessionSeen ??= {}; // ok: global-growth

const s3 = new S3Client({ region: process.env.S3_REGION, forcePathStyle: true, endpoint: process.env.S3_ENDPOINT }); // ok: resource-per-request

const slugs = new Map<string, string>();
const excerpts = new LRUCache<string, string>({ max: 5000 });
const reindexers = new Map<string, () => void>();

function excerptOf(id: string, content: unknown): string {
  let cached = excerpts.get(id);
  if (!cached) {
    cached = JSON.stringify(content ?? '').replace(/[{}[\]"]/g, ' ').slice(0, 200);
    excerpts.set(id, cached); // ok: unbounded-cache
  }
  return cached;
}

function slugFor(title: string, id: string) {
  const key = `${title}::${id}`;
  let slug = slugs.get(key);
  if (!slug) {
    slug = `${slugify(title)}-${id.slice(-6)}`;
    slugs.set(key, slug); // leak: unbounded-cache
  }
  return slug;
}

async function scheduleReindex(listKey: string, context: KeystoneContext, originalItem: Record<string, unknown> | undefined) {
  const before = originalItem;
  const previous = reindexers.get(listKey);
  const describe = () => `${previous ? 'replacing' : 'first'} reindexer, ${Object.keys(before ?? {}).length} fields`;
  context.req?.log?.debug?.(`reindex ${listKey}: ${describe()}`);
  // one reindexer per list, but it shares its scope with describe(), which holds the previous
  // reindexer (and its original item): every operation lengthens the chain
  reindexers.set(listKey, () => console.log(`reindexing ${listKey}`)); // leak: closure-capture
}

export const lists = {
  User: list({
    access: allowAll,
    fields: {
      name: text({ validation: { isRequired: true } }),
      email: text({ validation: { isRequired: true }, isIndexed: 'unique' }),
      posts: relationship({ ref: 'Post.author', many: true }),
      createdAt: timestamp({ defaultValue: { kind: 'now' } }),
    },
  }),

  Post: list({
    access: allowAll,
    fields: {
      title: text({ validation: { isRequired: true } }),
      slug: virtual({
        field: graphql.field({
          type: graphql.String,
          resolve(item) {
            return slugFor(item.title, item.id);
          },
        }),
      }),
      status: select({
        options: [
          { label: 'Published', value: 'published' },
          { label: 'Draft', value: 'draft' },
        ],
        defaultValue: 'draft',
        ui: { displayMode: 'segmented-control' },
      }),
      content: document({ formatting: true, links: true, dividers: true }),
      excerpt: virtual({
        field: graphql.field({
          type: graphql.String,
          resolve(item) {
            return excerptOf(item.id, item.content);
          },
        }),
      }),
      cover: image({ storage: 'covers' }),
      publishDate: timestamp(),
      author: relationship({ ref: 'User.posts' }),
      tags: relationship({ ref: 'Tag.posts', many: true }),
    },
    hooks: {
      resolveInput: async ({ resolvedData, operation }) => {
        if (operation === 'create' && !resolvedData.publishDate && resolvedData.status === 'published') {
          return { ...resolvedData, publishDate: new Date() };
        }
        return resolvedData;
      },
      afterOperation: async ({ operation, item, originalItem, context, listKey }) => {
        await scheduleReindex(listKey, context, originalItem as Record<string, unknown>);
        if (operation === 'delete' && originalItem?.cover_id) {
          await s3.send(new DeleteObjectCommand({ Bucket: process.env.S3_BUCKET, Key: `covers/${originalItem.cover_id}` }));
        }
        if (operation !== 'delete' && item?.status === 'published') {
          // the CDN bucket lives in another account, with its own credentials
          const cdn = new S3Client({ region: process.env.CDN_REGION, credentials: { accessKeyId: process.env.CDN_KEY!, secretAccessKey: process.env.CDN_SECRET! } }); // leak: resource-per-request
          await cdn.send(new PutObjectCommand({ Bucket: process.env.CDN_BUCKET, Key: `posts/${item.id}.json`, Body: JSON.stringify(item) }));
        }
        const touched: string[] = []; // ok: unbounded-collection
        for (const tag of (await context.query.Tag.findMany({ where: { posts: { some: { id: { equals: item?.id } } } }, query: 'id' })) ?? []) {
          touched.push(tag.id); // ok: unbounded-collection
        }
        if (touched.length) await context.query.Tag.updateMany({ data: touched.map((id) => ({ where: { id }, data: { updatedAt: new Date() } })) });
      },
    },
  }),

  Tag: list({
    access: { operation: { query: allowAll, create: allowAll, update: allowAll, delete: denyAll } },
    ui: { isHidden: true },
    fields: {
      name: text(),
      posts: relationship({ ref: 'Post.tags', many: true }),
      updatedAt: timestamp(),
    },
  }),
} satisfies Lists;

const baseSession = statelessSessions({ secret: process.env.SESSION_SECRET!, maxAge: 60 * 60 * 24 * 30 });
const session = {
  ...baseSession,
  async get({ context }: { context: Context }) {
    const data = await baseSession.get({ context });
    if (data?.itemId) {
      globalThis.keystoneSessionSeen[`${data.itemId}:${context.req?.headers['user-agent'] ?? ''}`] = Date.now(); // leak: global-growth
    }
    return data;
  },
};

let purgeTimer: NodeJS.Timeout | undefined;

export default config({
  db: {
    provider: 'postgresql',
    url: process.env.DATABASE_URL!,
    onConnect: async (context) => {
      purgeTimer = setInterval(() => { // ok: timer-leak
        context.sudo().query.Post.deleteMany({ where: [] }).catch(() => undefined);
      }, 24 * 60 * 60 * 1000);
      process.once('SIGTERM', () => { // ok: listener-leak
        if (purgeTimer) clearInterval(purgeTimer);
      });
    },
  },
  lists,
  session,
  storage: {
    covers: {
      kind: 's3',
      type: 'image',
      bucketName: process.env.S3_BUCKET!,
      region: process.env.S3_REGION!,
      accessKeyId: process.env.S3_ACCESS_KEY_ID!,
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY!,
    },
  },
  server: {
    extendExpressApp: (app, commonContext) => {
      app.get('/rest/posts/:id', async (req, res) => {
        const context = await commonContext.withRequest(req, res);
        const post = await context.query.Post.findOne({ where: { id: req.params.id }, query: 'id title slug excerpt publishDate' });
        const onDone = () => reindexers.get('Post')?.();
        res.on('finish', onDone); // ok: listener-leak
        res.json(post);
      });
    },
  },
});
