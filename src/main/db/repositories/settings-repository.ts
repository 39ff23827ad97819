import type { SettingsStore } from '../../services/ports';
import type { DirectQuery } from '../database';
import { utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';
import { runStatement } from './statement';

/** Read by every use case that prices or times something: once in most transactions. */
const ALL = 'SELECT "key", "value" FROM "Setting"';

/* The writes run in transactions (on the driver, sql-transaction.ts), so they are SQL. */

/** $1 key, $2 the value as JSON text, $3 who, $4 when. */
const SET = `
INSERT INTO "Setting" ("key", "value", "updatedById", "updatedAt")
VALUES ($1::text, $2::jsonb, $3::int, $4::timestamp(3))
ON CONFLICT ("key") DO UPDATE SET
  "value" = EXCLUDED."value", "updatedById" = EXCLUDED."updatedById", "updatedAt" = EXCLUDED."updatedAt"`;
const INSERT_IF_ABSENT = `
INSERT INTO "Setting" ("key", "value", "updatedAt") VALUES ($1::text, $2::jsonb, now())
ON CONFLICT ("key") DO NOTHING`;
/** A statement of its own after the insert: it sees a value another host committed while the insert waited. */
const VALUE_OF = 'SELECT "value" FROM "Setting" WHERE "key" = $1::text';

export class PrismaSettingsRepository implements SettingsStore {
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
  ) {}
  async all(): Promise<Record<string, unknown>> {
    const rows = await runStatement<{ key: string; value: unknown }>(this.db, this.direct, ALL, [], true);
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }
  async set(key: string, value: unknown, updatedById: number | null): Promise<void> {
    await this.db.$executeRawUnsafe(SET, key, JSON.stringify(value), updatedById, utcTimestamp(new Date()));
  }
  async setIfAbsent(key: string, value: unknown): Promise<unknown> {
    await this.db.$executeRawUnsafe(INSERT_IF_ABSENT, key, JSON.stringify(value));
    const [row] = await this.db.$queryRawUnsafe<{ value: unknown }[]>(VALUE_OF, key);
    // As Prisma's findUniqueOrThrow: the row was just inserted or was there.
    if (!row) throw new Error(`Setting ${key} does not exist`);
    return row.value;
  }
}
