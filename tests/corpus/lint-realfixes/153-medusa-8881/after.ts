// The link-module migrations planner: createPlan() runs on every `db:sync-links`
// and server migration run, and opens one MikroORM connection per link entity.
import { MikroORM, EntitySchema } from "@mikro-orm/core"

type Action = { action: "create" | "update" | "noop" | "delete"; tableName: string; sql?: string }

declare function mikroOrmCreateConnection(config: object, entities: EntitySchema[]): Promise<MikroORM>

export class MigrationsExecutionPlanner {
  constructor(private dbConfig: object, private linksEntities: { entity: EntitySchema }[]) {}

  protected async createORM(entities: EntitySchema[] = []) {
    return await mikroOrmCreateConnection(this.dbConfig, entities)
  }

  protected async getEntityMigrationPlan(entity: EntitySchema, tracked: string[]): Promise<Action> {
    const tableName = entity.meta.collection
    const orm = await this.createORM([entity])

    // every return and every throw goes through the finally
    try {
      const generator = orm.getSchemaGenerator()

      if (!tracked.includes(tableName)) {
        return { action: "create", tableName, sql: await generator.getCreateSchemaSQL() }
      }

      const updateSQL = await generator.getUpdateSchemaSQL()
      if (!updateSQL.length) {
        return { action: "noop", tableName }
      }

      return { action: "update", tableName, sql: updateSQL }
    } finally {
      await orm.close(true)
    }
  }

  async createPlan(): Promise<Action[]> {
    const orm = await this.createORM()
    try {
      const tracked: string[] = (await orm.em.getConnection().execute(
        `SELECT table_name FROM link_module_migrations`
      )).map((r: { table_name: string }) => r.table_name)

      const actions: Action[] = []
      for (const { entity } of this.linksEntities) {
        actions.push(await this.getEntityMigrationPlan(entity, tracked))
      }
      return actions
    } finally {
      await orm.close(true)
    }
  }
}
