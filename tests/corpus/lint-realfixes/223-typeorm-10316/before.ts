// src/entity-manager/MongoEntityManager.ts of TypeORM 0.3.17, cut to the cursor helpers.
// Every find()/findOne()/stream on a MongoDB repository goes through createEntityCursor().
import type { FindCursor, AggregationCursor, Filter } from "mongodb"

type ObjectLiteral = Record<string, any>
interface EntityMetadata { tableName: string }
interface Broadcaster {
    broadcast(event: "Load", metadata: EntityMetadata, entities: unknown[]): Promise<void>
}
interface MongoQueryRunner {
    broadcaster: Broadcaster
    cursor(collectionName: string, query: ObjectLiteral): FindCursor<any>
}
declare class DocumentToEntityTransformer {
    transformAll(documents: ObjectLiteral[], metadata: EntityMetadata): any[]
    transform(document: ObjectLiteral, metadata: EntityMetadata): any
}

export class MongoEntityManager {
    constructor(
        private mongoQueryRunner: MongoQueryRunner,
        private getMetadata: (target: unknown) => EntityMetadata,
    ) {}

    async findOne<Entity extends ObjectLiteral>(target: unknown, query: Filter<Entity>): Promise<Entity | null> {
        const cursor = this.createEntityCursor<Entity>(target, query)
        return cursor.limit(1).next()
    }

    createCursor<Entity, T = any>(target: unknown, query: ObjectLiteral = {}): FindCursor<T> {
        const metadata = this.getMetadata(target)
        return this.mongoQueryRunner.cursor(metadata.tableName, query)
    }

    createEntityCursor<Entity extends ObjectLiteral>(target: unknown, query: ObjectLiteral = {}): FindCursor<Entity> {
        const metadata = this.getMetadata(target)
        const cursor = this.createCursor<Entity, Entity>(target, query)
        this.applyEntityTransformationToCursor(metadata, cursor)
        return cursor
    }

    /**
     * Overrides cursor's toArray and next methods to convert results to entity automatically.
     */
    protected applyEntityTransformationToCursor<Entity extends ObjectLiteral>(
        metadata: EntityMetadata,
        cursor: FindCursor<Entity> | AggregationCursor<Entity>,
    ) {
        const queryRunner = this.mongoQueryRunner
        cursor.toArray = () =>
            cursor
                .clone()
                .toArray()
                .then(async (results: Entity[]) => {
                    const transformer = new DocumentToEntityTransformer()
                    const entities = transformer.transformAll(results, metadata)
                    // broadcast "load" events
                    await queryRunner.broadcaster.broadcast(
                        "Load",
                        metadata,
                        entities,
                    )
                    return entities
                })

        cursor.next = () =>
            cursor
                .clone() // leak: resource-per-request
                .next()
                .then(async (result: Entity | null) => {
                    if (!result) {
                        return result
                    }
                    const transformer = new DocumentToEntityTransformer()
                    const entity = transformer.transform(result, metadata)
                    // broadcast "load" events
                    await queryRunner.broadcaster.broadcast("Load", metadata, [
                        entity,
                    ])
                    return entity
                })
    }
}
