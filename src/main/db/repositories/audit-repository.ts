import type { AuditDraft, AuditRecord, AuditStore } from '../../services/ports';
import type { Prisma } from '../generated/client.ts';
import type { Db } from './prisma-types';

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
