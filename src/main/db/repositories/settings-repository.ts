import type { SettingsStore } from '../../services/ports';
import type { Prisma } from '../generated/client.ts';
import type { Db } from './prisma-types';

export class PrismaSettingsRepository implements SettingsStore {
  constructor(private readonly db: Db) {}
  async all(): Promise<Record<string, unknown>> {
    const rows = await this.db.setting.findMany();
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
