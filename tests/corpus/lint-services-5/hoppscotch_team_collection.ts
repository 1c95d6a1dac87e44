import { Injectable, OnModuleInit, OnModuleDestroy, UseGuards } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { PubSub as LocalPubSub } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import * as E from 'fp-ts/Either';
import * as O from 'fp-ts/Option';
import { PrismaService } from '../prisma/prisma.service';
import { GqlAuthGuard } from '../guards/gql-auth.guard';
import { GqlTeamMemberGuard } from '../team/guards/gql-team-member.guard';
import { TopicDef } from '../pubsub/topicsDefs';
import { TeamCollection } from './team-collection.model';
import { TEAM_COLL_NOT_FOUND, TEAM_COLL_INVALID_JSON, TEAM_COL_REORDERING_FAILED } from '../errors';
import { SkipThrottle } from '@nestjs/throttler';

// After Hoppscotch's packages/hoppscotch-backend: pubsub/pubsub.service.ts,
// team-collection/team-collection.service.ts and team-collection.resolver.ts (NestJS + GraphQL,
// fp-ts Either/Option returns, a PubSubService singleton used by every service).

@Injectable()
export class PubSubService implements OnModuleInit, OnModuleDestroy {
  private pubsub: LocalPubSub | RedisPubSub;

  onModuleInit() {
    if (process.env.REDIS_URL) {
      this.pubsub = new RedisPubSub({ // ok: resource-per-request
        publisher: new Redis(process.env.REDIS_URL),
        subscriber: new Redis(process.env.REDIS_URL),
      });
    } else {
      this.pubsub = new LocalPubSub();
    }
  }

  async onModuleDestroy() {
    if (this.pubsub instanceof RedisPubSub) await this.pubsub.close();
  }

  asyncIterator<T>(topic: string | string[]): AsyncIterator<T> {
    return this.pubsub.asyncIterator(topic);
  }

  subscribe(topic: string, onMessage: (payload: any) => void): Promise<number> {
    return this.pubsub.subscribe(topic, onMessage);
  }

  unsubscribe(subId: number) {
    this.pubsub.unsubscribe(subId);
  }

  async publish<T extends keyof TopicDef>(topic: T, payload: TopicDef[T]) {
    await this.pubsub.publish(topic, payload);
  }
}

type ExportRecord = { teamID: string; getTeam: () => string };

@Injectable()
export class TeamCollectionService {
  private lastExport: ExportRecord | undefined;
  private readonly orderLocks = new Map<string, Promise<unknown>>();
  private readonly reorderFailures = new Map<string, { at: number; reason: string }[]>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly pubsub: PubSubService,
  ) {}

  private async buildTree(teamID: string, parentID: string | null): Promise<any[]> {
    const children = await this.prisma.teamCollection.findMany({ where: { teamID, parentID }, orderBy: { orderIndex: 'asc' } });
    const result = []; // ok: unbounded-collection
    for (const coll of children) {
      const requests = await this.prisma.teamRequest.findMany({ where: { teamID, collectionID: coll.id } });
      result.push({ ...coll, requests, folders: await this.buildTree(teamID, coll.id) }); // ok: unbounded-collection
    }
    return result;
  }

  async exportCollectionsToJSON(teamID: string): Promise<E.Either<string, string>> {
    const previous = this.lastExport;
    const tree = await this.buildTree(teamID, null);
    const describe = () => {
      if (previous) console.debug(`previous export for ${previous.teamID}`);
      return `${tree.length} root collections`;
    };
    console.debug(describe());
    this.lastExport = { teamID, getTeam: () => teamID }; // leak: closure-capture
    return E.right(JSON.stringify(tree));
  }

  async importCollectionsFromJSON(jsonString: string, teamID: string, parentID: string | null) {
    let collections: any[];
    try {
      collections = JSON.parse(jsonString);
    } catch {
      return E.left(TEAM_COLL_INVALID_JSON);
    }
    const subId = await this.pubsub.subscribe(`team_coll/${teamID}/coll_added`, (coll) => { // ok: listener-leak
      console.debug(`imported ${coll.id}`);
    });
    try {
      for (const coll of collections) {
        const created = await this.prisma.teamCollection.create({ data: { title: coll.name, teamID, parentID } });
        this.pubsub.publish(`team_coll/${teamID}/coll_added`, created);
      }
    } finally {
      this.pubsub.unsubscribe(subId);
    }
    return E.right(true);
  }

  async waitForSync(teamID: string, collectionID: string) {
    // a client asked to be told when another member's reorder lands
    await this.pubsub.subscribe(`team_coll/${teamID}/coll_order_updated`, (payload) => { // leak: listener-leak
      if (payload.collection.id === collectionID) console.debug(`synced ${collectionID}`);
    });
    return E.right(true);
  }

  async updateCollectionOrder(collectionID: string, destCollID: string | null) {
    const collection = await this.prisma.teamCollection.findUnique({ where: { id: collectionID } });
    if (!collection) return E.left(TEAM_COLL_NOT_FOUND);

    const key = `${collection.teamID}/${collection.parentID ?? 'root'}`;
    const waitFor = this.orderLocks.get(key) ?? Promise.resolve();
    const run = waitFor.then(() =>
      this.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT "orderIndex" FROM "TeamCollection" WHERE "teamID" = ${collection.teamID} FOR UPDATE`;
        await tx.teamCollection.update({ where: { id: collectionID }, data: { orderIndex: destCollID ? 0 : 1 } });
      }),
    );
    this.orderLocks.set(key, run); // leak: unbounded-collection
    try {
      await run;
    } catch (e) {
      // the lock entry of a failed run stays for the next caller to chain on
      const failures = this.reorderFailures.get(collectionID) ?? [];
      failures.push({ at: Date.now(), reason: String(e) }); // ok: unbounded-collection
      if (this.reorderFailures.size >= 500) this.reorderFailures.clear();
      this.reorderFailures.set(collectionID, failures.slice(-10)); // ok: unbounded-cache
      return E.left(TEAM_COL_REORDERING_FAILED);
    }
    this.pubsub.publish(`team_coll/${collection.teamID}/coll_order_updated`, { collection, nextCollection: destCollID });
    return E.right(true);
  }

  async getCollection(collectionID: string) {
    const coll = await this.prisma.teamCollection.findUnique({ where: { id: collectionID } });
    return coll ? O.some(coll) : O.none;
  }
}

@Resolver(() => TeamCollection)
export class TeamCollectionResolver {
  constructor(
    private readonly teamCollectionService: TeamCollectionService,
    private readonly pubsub: PubSubService,
  ) {}

  @Query(() => String, { description: 'Returns the JSON string giving the collections and their contents of the team' })
  @UseGuards(GqlAuthGuard, GqlTeamMemberGuard)
  async exportCollectionsToJSON(@Args({ name: 'teamID', type: () => ID }) teamID: string) {
    const jsonString = await this.teamCollectionService.exportCollectionsToJSON(teamID);
    if (E.isLeft(jsonString)) throw new Error(jsonString.left);
    return jsonString.right;
  }

  @Mutation(() => Boolean)
  @UseGuards(GqlAuthGuard, GqlTeamMemberGuard)
  async updateCollectionOrder(
    @Args({ name: 'collectionID', type: () => ID }) collectionID: string,
    @Args({ name: 'destCollID', type: () => ID, nullable: true }) destCollID: string,
  ) {
    const res = await this.teamCollectionService.updateCollectionOrder(collectionID, destCollID);
    if (E.isLeft(res)) throw new Error(res.left);
    return res.right;
  }

  @Mutation(() => Boolean)
  @UseGuards(GqlAuthGuard, GqlTeamMemberGuard)
  async watchCollectionSync(
    @Args({ name: 'teamID', type: () => ID }) teamID: string,
    @Args({ name: 'collectionID', type: () => ID }) collectionID: string,
  ) {
    const res = await this.teamCollectionService.waitForSync(teamID, collectionID);
    return E.isRight(res);
  }

  @Subscription(() => TeamCollection, { description: 'Listen to when a collection has been added to a team.', resolve: (value) => value })
  @SkipThrottle()
  @UseGuards(GqlAuthGuard, GqlTeamMemberGuard)
  teamCollectionAdded(@Args({ name: 'teamID', type: () => ID }) teamID: string) {
    const label = `team_coll/${teamID}/coll_added`;
    const topics: string[] = []; // ok: unbounded-collection
    topics.push(label); // ok: unbounded-collection
    return this.pubsub.asyncIterator(topics); // ok: listener-leak
  }

  @Subscription(() => TeamCollection, { resolve: (value) => value })
  @SkipThrottle()
  @UseGuards(GqlAuthGuard, GqlTeamMemberGuard)
  collectionOrderUpdated(@Args({ name: 'teamID', type: () => ID }) teamID: string) {
    return this.pubsub.asyncIterator(`team_coll/${teamID}/coll_order_updated`); // ok: listener-leak
  }
}
