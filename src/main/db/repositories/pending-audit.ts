import type { AuditDraft } from '../../services/ports';
import { jsonRows } from './json-rows';
import type { Db } from './prisma-types';

/** Audit entries from the JSON parameter `param`, in their order: a statement, or a CTE's body. */
export const auditInsert = (param: string): string => `
INSERT INTO "AuditLog" ("at", "actorStaffId", "actorRole", "action", "entity", "entityId", "data")
SELECT a.at, a."actorStaffId", a."actorRole", a.action, a.entity, a."entityId", a.data
FROM ROWS FROM (jsonb_to_recordset(${param}::jsonb) AS (
  at timestamp(3), "actorStaffId" integer, "actorRole" text, action text, entity text, "entityId" text, data jsonb
)) WITH ORDINALITY AS a(at, "actorStaffId", "actorRole", action, entity, "entityId", data, ord)
ORDER BY a.ord`;

/** Entries as `auditInsert`'s JSON parameter; an entry without data records `{}`. */
export const auditRows = (entries: readonly AuditDraft[]): string =>
  jsonRows(entries.map((entry) => ({ ...entry, data: entry.data ?? {} })));

/**
 * A transaction's audit entries, held so that they ride on its last write: the event log's statement
 * (every use case's transaction ends by logging what it changed) takes them, and the unit of work
 * writes any left just before the commit. A read of the audit log in the transaction writes them
 * first. Nothing reads an entry's id, so holding them changes no answer — one statement fewer per
 * transaction.
 */
export class PendingAudit {
  private entries: AuditDraft[] = [];

  add(entry: AuditDraft): void {
    this.entries.push(entry);
  }

  /** The held entries as `auditInsert`'s parameter (`[]` when none), no longer held. */
  take(): string {
    const taken = this.entries;
    this.entries = [];
    return auditRows(taken);
  }

  async flush(db: Db): Promise<void> {
    if (this.entries.length === 0) return;
    await db.$executeRawUnsafe(auditInsert('$1'), this.take());
  }
}
