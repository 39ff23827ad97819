import type { AuditDraft, OutboxDraft } from '../../services/ports';
import { jsonRows, utcTimestamp } from './json-rows';
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
 * Outbox rows from the JSON parameter `param` (outboxRows), in their order: a statement, or a CTE's
 * body. A key is one effect: the same effect asked for twice is still delivered once (ON CONFLICT DO
 * NOTHING, as createMany's skipDuplicates).
 */
export const outboxInsert = (param: string): string => `
INSERT INTO "OutboxMessage" ("key", "kind", "bookingId", "payload", "nextAttemptAt", "createdAt")
SELECT m.key, m.kind, m."bookingId", m.payload, m."nextAttemptAt", m."createdAt"
FROM ROWS FROM (jsonb_to_recordset(${param}::jsonb) AS (
  key text, kind text, "bookingId" integer, payload jsonb, "nextAttemptAt" timestamp(3), "createdAt" timestamp(3)
)) WITH ORDINALITY AS m(key, kind, "bookingId", payload, "nextAttemptAt", "createdAt", ord)
ORDER BY m.ord
ON CONFLICT DO NOTHING`;

type OutboxRow = {
  key: string;
  kind: string;
  bookingId: number | null;
  payload: Record<string, unknown>;
  nextAttemptAt: string;
  createdAt: string;
};

/**
 * Drafts as outbox rows, timed as Prisma's @default(now()) times them (this process's clock, not the
 * database's) when they are asked for, not when they are written.
 */
export const outboxRows = (drafts: readonly OutboxDraft[], now: Date): OutboxRow[] => {
  const at = utcTimestamp(now);
  return drafts.map((draft) => ({
    key: draft.key,
    kind: draft.kind,
    bookingId: draft.bookingId,
    payload: draft.payload,
    nextAttemptAt: draft.notBefore ? utcTimestamp(draft.notBefore) : at,
    createdAt: at,
  }));
};

/** A transaction's held writes, both at once: $1 audit entries, $2 outbox rows. */
const FLUSH = `WITH audited AS (${auditInsert('$1')}), enqueued AS (${outboxInsert('$2')}) SELECT 1 AS "flushed"`;

/**
 * A transaction's audit entries and outbox rows, held so that they ride on its last write: the event
 * log's statement (every use case's transaction that changes something ends by logging it) takes
 * them, and the unit of work writes any left just before the commit. A read of the audit log or of
 * the outbox in the transaction writes them first. Nothing reads an audit entry's or an outbox row's
 * id, so holding them changes no answer — up to two statements fewer per transaction. The outbox's
 * worker is told of new rows after the commit, as before.
 */
export class PendingWrites {
  private audit: AuditDraft[] = [];
  private outbox: OutboxRow[] = [];
  /** Whether the transaction enqueued outbox rows (kept after they are written, for after its commit). */
  private enqueued = false;

  /** Set once the transaction's last statement took what was held: a write held after it would be lost. */
  private closed = false;

  addAudit(entry: AuditDraft): void {
    this.refuseWhenClosed();
    this.audit.push(entry);
  }

  addOutbox(rows: readonly OutboxRow[]): void {
    this.refuseWhenClosed();
    this.outbox.push(...rows);
    if (rows.length > 0) this.enqueued = true;
  }

  /** The transaction's last statement takes what is held; nothing may be held after it. */
  close(): void {
    this.closed = true;
  }

  private refuseWhenClosed(): void {
    if (this.closed)
      throw new Error('The transaction ended with its last statement: nothing more can be written in it');
  }

  get enqueuedOutbox(): boolean {
    return this.enqueued;
  }

  /** The held audit entries and outbox rows as `auditInsert`'s and `outboxInsert`'s parameters (`[]` when none), no longer held. */
  take(): { audit: string; outbox: string } {
    const taken = { audit: auditRows(this.audit), outbox: JSON.stringify(this.outbox) };
    this.audit = [];
    this.outbox = [];
    return taken;
  }

  async flush(db: Db): Promise<void> {
    if (this.audit.length === 0 && this.outbox.length === 0) return;
    const { audit, outbox } = this.take();
    await db.$queryRawUnsafe(FLUSH, audit, outbox);
  }
}
