import type { SettingsStore } from '../../services/ports';
import type { Prisma } from '../generated/client.ts';
import type { DirectQuery } from '../database';
import type { Db } from './prisma-types';
import { runStatement } from './statement';

/** Read by every use case that prices or times something: once in most transactions. */
const ALL = 'SELECT "key", "value" FROM "Setting"';

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
    const json = value as Prisma.InputJsonValue;
    await this.db.setting.upsert({
      where: { key },
      create: { key, value: json, updatedById },
      update: { value: json, updatedById },
    });
  }
  async setIfAbsent(key: string, value: unknown): Promise<unknown> {
    const json = value as Prisma.InputJsonValue;
    await this.db
      .$executeRaw`INSERT INTO "Setting" (key, value, "updatedAt") VALUES (${key}, ${JSON.stringify(json)}::jsonb, now()) ON CONFLICT (key) DO NOTHING`;
    return (await this.db.setting.findUniqueOrThrow({ where: { key } })).value;
  }
}
