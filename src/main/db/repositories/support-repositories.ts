import type {
  AuditDraft,
  AuditRecord,
  AuditStore,
  OutboxDraft,
  OutboxStore,
  SettingsStore,
} from '../../services/ports';
import type { Prisma } from '../generated/client.ts';
import type { Db } from './prisma-types';

export class PrismaOutboxRepository implements OutboxStore {
  constructor(private readonly db: Db) {}
  async enqueue(messages: readonly OutboxDraft[]): Promise<void> {
    if (messages.length === 0) return;
    await this.db.outboxMessage.createMany({
      data: messages.map((message) => ({
        key: message.key,
        kind: message.kind,
        bookingId: message.bookingId,
        payload: message.payload as Prisma.InputJsonObject,
      })),
    });
  }
  async listForBooking(bookingId: number): Promise<{ key: string; kind: string; status: string; payload: unknown }[]> {
    return this.db.outboxMessage.findMany({
      where: { bookingId },
      orderBy: { id: 'asc' },
      select: { key: true, kind: true, status: true, payload: true },
    });
  }
}

export class PrismaAuditRepository implements AuditStore {
  constructor(private readonly db: Db) {}
  async append(entry: AuditDraft): Promise<void> {
    await this.db.auditLog.create({
      data: { ...entry, data: (entry.data ?? {}) as Prisma.InputJsonObject },
    });
  }
  async list(query: {
    entity?: string | undefined;
    entityId?: string | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<AuditRecord[]> {
    return this.db.auditLog.findMany({
      where: {
        ...(query.entity ? { entity: query.entity } : {}),
        ...(query.entityId ? { entityId: query.entityId } : {}),
        ...(query.beforeId ? { id: { lt: query.beforeId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
  }
}

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
}
