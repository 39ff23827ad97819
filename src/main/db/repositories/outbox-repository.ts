import type { OutboxDraft, OutboxRecord, OutboxStore, OutboxWorkStore } from '../../services/ports';
import { Prisma, type OutboxMessage } from '../generated/client.ts';
import { columnList } from './columns';
import { utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';

const toOutbox = (row: OutboxMessage): OutboxRecord => ({
  id: row.id,
  key: row.key,
  kind: row.kind,
  bookingId: row.bookingId,
  payload: row.payload as Record<string, unknown>,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.nextAttemptAt,
  lastError: row.lastError,
  createdAt: row.createdAt,
  deliveredAt: row.deliveredAt,
});

/**
 * The drafts in their order, in one statement. A key is one effect: the same effect asked for twice
 * is still delivered once (ON CONFLICT DO NOTHING, as createMany's skipDuplicates).
 */
const ENQUEUE = `
INSERT INTO "OutboxMessage" ("key", "kind", "bookingId", "payload", "nextAttemptAt", "createdAt")
SELECT m.key, m.kind, m."bookingId", m.payload, m."nextAttemptAt", m."createdAt"
FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
  key text, kind text, "bookingId" integer, payload jsonb, "nextAttemptAt" timestamp(3), "createdAt" timestamp(3)
)) WITH ORDINALITY AS m(key, kind, "bookingId", payload, "nextAttemptAt", "createdAt", ord)
ORDER BY m.ord
ON CONFLICT DO NOTHING`;

/** Writing outbox rows (from transition effects, in the transition's transaction). */
export class PrismaOutboxRepository implements OutboxStore {
  constructor(private readonly db: Db) {}
  async enqueue(messages: readonly OutboxDraft[]): Promise<void> {
    if (messages.length === 0) return;
    // Times as Prisma's @default(now()) gives them: this process's clock, not the database's.
    const now = utcTimestamp(new Date());
    const rows = messages.map((message) => ({
      key: message.key,
      kind: message.kind,
      bookingId: message.bookingId,
      payload: message.payload,
      nextAttemptAt: message.notBefore ? utcTimestamp(message.notBefore) : now,
      createdAt: now,
    }));
    await this.db.$executeRawUnsafe(ENQUEUE, JSON.stringify(rows));
  }
  async listForBooking(bookingId: number): Promise<{ key: string; kind: string; status: string; payload: unknown }[]> {
    return this.db.outboxMessage.findMany({
      where: { bookingId },
      orderBy: { id: 'asc' },
      select: { key: true, kind: true, status: true, payload: true },
    });
  }
  async statusOf(key: string): Promise<OutboxRecord['status'] | null> {
    const row = await this.db.outboxMessage.findUnique({ where: { key }, select: { status: true } });
    return row?.status ?? null;
  }
}

const OUTBOX_COLUMNS = Prisma.raw(columnList(Prisma.OutboxMessageScalarFieldEnum, 'o'));

/** The worker's side: claiming due rows under a lease, and recording what happened. */
export class PrismaOutboxWorkRepository implements OutboxWorkStore {
  constructor(private readonly db: Db) {}

  async claimDue(now: Date, leaseMs: number, limit: number): Promise<OutboxRecord[]> {
    const until = new Date(now.getTime() + leaseMs);
    // The lease is written before the delivery runs and cleared by its outcome, so a lease still set
    // when the row is claimed again means a delivery died half-way (a crash): its effect may have
    // happened. The previous lease is returned for that.
    const rows = await this.db.$queryRaw<(OutboxMessage & { previousLease: Date | null })[]>`
      UPDATE "OutboxMessage" o SET "lockedUntil" = ${until}
      FROM (
        SELECT id, "lockedUntil" AS "previousLease" FROM "OutboxMessage"
        WHERE status = 'PENDING' AND "nextAttemptAt" <= ${now} AND ("lockedUntil" IS NULL OR "lockedUntil" < ${now})
        ORDER BY "nextAttemptAt", id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE o.id = due.id
      RETURNING ${OUTBOX_COLUMNS}, due."previousLease"`;
    return rows
      .sort((a, b) => a.id - b.id)
      .map(({ previousLease, ...row }) => ({ ...toOutbox(row), interrupted: previousLease !== null }));
  }
  async markDelivered(id: number, at: Date): Promise<void> {
    await this.db.outboxMessage.update({
      where: { id },
      data: { status: 'DELIVERED', deliveredAt: at, lockedUntil: null, lastError: null },
    });
  }
  async markFailed(
    id: number,
    error: string,
    nextAttemptAt: Date,
    giveUp: boolean,
    countAttempt = true,
  ): Promise<void> {
    await this.db.outboxMessage.update({
      where: { id },
      data: {
        status: giveUp ? 'FAILED' : 'PENDING',
        ...(countAttempt ? { attempts: { increment: 1 } } : {}),
        lastError: error.slice(0, 1000),
        nextAttemptAt,
        lockedUntil: null,
      },
    });
  }
  async retry(id: number, at: Date): Promise<OutboxRecord | null> {
    const updated = await this.db.outboxMessage.updateMany({
      where: { id, status: { in: ['FAILED', 'PENDING'] } },
      data: { status: 'PENDING', nextAttemptAt: at, lockedUntil: null },
    });
    if (updated.count === 0) return null;
    return this.find(id);
  }
  async failures(limit: number): Promise<OutboxRecord[]> {
    const rows = await this.db.outboxMessage.findMany({
      where: { OR: [{ status: 'FAILED' }, { status: 'PENDING', attempts: { gt: 0 } }] },
      orderBy: { id: 'desc' },
      take: limit,
    });
    return rows.map(toOutbox);
  }
  async find(id: number): Promise<OutboxRecord | null> {
    const row = await this.db.outboxMessage.findUnique({ where: { id } });
    return row ? toOutbox(row) : null;
  }
}
