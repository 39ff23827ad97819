import type {
  DeliveryRecord,
  EventLogRecord,
  OutboxDraft,
  OutboxRecord,
  OutboxStore,
  OutboxWorkStore,
} from '../../services/ports';
import type { DirectQuery } from '../database';
import { Prisma, type OutboxMessage } from '../generated/client.ts';
import { columnList } from './columns';
import {
  EVENT_CHANNEL,
  EVENT_LOG_LOCK,
  logInsert,
  logRows,
  notifyOthers,
  toLogRecord,
  type EventLogWriters,
  type LogRow,
} from './event-log-repository';
import { recordEmails } from './delivery-repository';
import { outboxInsert, outboxRows, type PendingWrites } from './pending-writes';
import { jsonRows, utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';
import { runStatement } from './statement';

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

/** The drafts in their order, in one statement (outside a transaction). */
const ENQUEUE = outboxInsert('$1');

const STATUS_OF = 'SELECT "status"::text AS "status" FROM "OutboxMessage" WHERE "key" = $1';

/** Writing outbox rows (from transition effects, in the transition's transaction). */
export class PrismaOutboxRepository implements OutboxStore {
  /**
   * `direct`: outside a transaction, the hot statements go through the driver (see
   * Database.directQuery). `pending`: in a transaction, its rows are held to ride on its last write.
   */
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
    private readonly pending?: PendingWrites,
  ) {}
  async enqueue(messages: readonly OutboxDraft[]): Promise<void> {
    if (messages.length === 0) return;
    const rows = outboxRows(messages, new Date());
    if (this.pending) this.pending.addOutbox(rows);
    else await this.db.$executeRawUnsafe(ENQUEUE, JSON.stringify(rows));
  }
  async listForBooking(bookingId: number): Promise<{ key: string; kind: string; status: string; payload: unknown }[]> {
    await this.pending?.flush(this.db);
    return this.db.outboxMessage.findMany({
      where: { bookingId },
      orderBy: { id: 'asc' },
      select: { key: true, kind: true, status: true, payload: true },
    });
  }
  async statusOf(key: string): Promise<OutboxRecord['status'] | null> {
    await this.pending?.flush(this.db);
    const [row] = await runStatement<{ status: OutboxRecord['status'] }>(this.db, this.direct, STATUS_OF, [key], true);
    return row?.status ?? null;
  }
}

/**
 * $1 the lease's end, $2 now, $3 how many. The lease is written before the delivery runs and cleared
 * by its outcome, so a lease still set when the row is claimed again means a delivery died half-way
 * (a crash): its effect may have happened. The previous lease is returned for that.
 */
const CLAIM_DUE = `
UPDATE "OutboxMessage" o SET "lockedUntil" = $1::timestamp(3)
FROM (
  SELECT id, "lockedUntil" AS "previousLease" FROM "OutboxMessage"
  WHERE status = 'PENDING' AND "nextAttemptAt" <= $2::timestamp(3)
    AND ("lockedUntil" IS NULL OR "lockedUntil" < $2::timestamp(3))
  ORDER BY "nextAttemptAt", id
  LIMIT $3::int
  FOR UPDATE SKIP LOCKED
) due
WHERE o.id = due.id
RETURNING ${columnList(Prisma.OutboxMessageScalarFieldEnum, 'o')}, due."previousLease"`;

/**
 * A delivery's outcome in one statement, so no transaction is opened around it (on PGlite an
 * interactive transaction of these three writes cost 4–6× the CPU of this statement). Each record
 * kind has its JSON parameter (an empty array writes nothing), so the text is fixed and prepared
 * once: $3 the email sent (recordEmails: once per outbox row), $4 the meeting made (a
 * second one for the booking fails the statement, as the unique booking id says), $5 the meeting
 * moved; $6 the log's rows.
 */
const settleStatement = (shared: boolean) => `
WITH delivered AS (
  UPDATE "OutboxMessage" SET "status" = 'DELIVERED', "deliveredAt" = $2::timestamp(3), "lockedUntil" = NULL, "lastError" = NULL
  WHERE "id" = $1
  RETURNING "id"
),
emailed AS (${recordEmails('$3')}),
made AS (
  INSERT INTO "Meeting" ("bookingId", "zoomMeetingId", "topic", "startsAt", "minutes", "timezone", "joinUrl", "startUrl", "password", "createdAt")
  SELECT m."bookingId", m."zoomMeetingId", m.topic, m."startsAt", m.minutes, m.timezone, m."joinUrl", m."startUrl", m.password, $2::timestamp(3)
  FROM jsonb_to_recordset($4::jsonb) AS m(
    "bookingId" integer, "zoomMeetingId" text, topic text, "startsAt" timestamp(3), minutes integer, timezone text,
    "joinUrl" text, "startUrl" text, password text
  )
  RETURNING "id"
),
moved AS (
  UPDATE "Meeting" SET "startsAt" = x."startsAt", "minutes" = x.minutes
  FROM jsonb_to_recordset($5::jsonb) AS x("bookingId" integer, "startsAt" timestamp(3), minutes integer)
  WHERE "Meeting"."bookingId" = x."bookingId"
  RETURNING "Meeting"."id"
),${logInsert('$6', shared ? '$7' : null)}
SELECT logged."id", logged."type", logged."payload", logged."at"
FROM logged${shared ? `, ${notifyOthers('$8', '$9')}` : ''}
ORDER BY logged."id"`;
const SETTLE_SHARED = settleStatement(true);
const SETTLE_ALONE = settleStatement(false);

const OUTBOX_COLUMNS = columnList(Prisma.OutboxMessageScalarFieldEnum);
const FIND = `SELECT ${OUTBOX_COLUMNS} FROM "OutboxMessage" WHERE "id" = $1::int`;
/** $1 id, $2 the new status, $3 whether the attempt counts, $4 the error, $5 the next attempt's time. */
const MARK_FAILED = `
UPDATE "OutboxMessage" SET
  "status" = $2::text::"OutboxStatus",
  "attempts" = "attempts" + CASE WHEN $3::boolean THEN 1 ELSE 0 END,
  "lastError" = $4::text,
  "nextAttemptAt" = $5::timestamp(3),
  "lockedUntil" = NULL
WHERE "id" = $1::int
RETURNING "id"`;
/** A row not delivered yet is due again at $2, and comes back as it is now; none when delivered or absent. */
const RETRY = `
UPDATE "OutboxMessage" SET "status" = 'PENDING', "nextAttemptAt" = $2::timestamp(3), "lockedUntil" = NULL
WHERE "id" = $1::int AND "status" IN ('FAILED', 'PENDING')
RETURNING ${OUTBOX_COLUMNS}`;

/**
 * The worker's side: claiming due rows under a lease, and recording what happened. Its claims and
 * outcomes run outside transactions, through the driver (`direct`): several per seed flow.
 */
export class PrismaOutboxWorkRepository implements OutboxWorkStore {
  constructor(
    private readonly db: Db,
    private readonly writers: EventLogWriters,
    private readonly direct?: DirectQuery,
  ) {}

  async claimDue(now: Date, leaseMs: number, limit: number): Promise<OutboxRecord[]> {
    const until = new Date(now.getTime() + leaseMs);
    const rows = await runStatement<OutboxMessage & { previousLease: Date | null }>(
      this.db,
      this.direct,
      CLAIM_DUE,
      [utcTimestamp(until), utcTimestamp(now), limit],
      true,
    );
    return rows
      .sort((a, b) => a.id - b.id)
      .map(({ previousLease, ...row }) => ({ ...toOutbox(row), interrupted: previousLease !== null }));
  }
  async settle(
    id: number,
    at: Date,
    record: DeliveryRecord | undefined,
    events: readonly { type: string; payload: Record<string, unknown>; at: Date }[],
  ): Promise<EventLogRecord[]> {
    const args = [
      id,
      utcTimestamp(at),
      jsonRows(record?.kind === 'email' ? [record.email] : []),
      jsonRows(record?.kind === 'meeting' ? [record.meeting] : []),
      jsonRows(record?.kind === 'meeting_moved' ? [record] : []),
      logRows(events),
    ];
    // Nothing logged, no turn to take: the log's order is only at stake for rows it gets.
    const rows =
      this.writers.shared && events.length > 0
        ? await runStatement<LogRow>(
            this.db,
            this.direct,
            SETTLE_SHARED,
            [...args, EVENT_LOG_LOCK, EVENT_CHANNEL, this.writers.host],
            true,
          )
        : await runStatement<LogRow>(this.db, this.direct, SETTLE_ALONE, args, true);
    return rows.map(toLogRecord);
  }
  async markFailed(
    id: number,
    error: string,
    nextAttemptAt: Date,
    giveUp: boolean,
    countAttempt = true,
  ): Promise<void> {
    const rows = await this.db.$queryRawUnsafe<{ id: number }[]>(
      MARK_FAILED,
      id,
      giveUp ? 'FAILED' : 'PENDING',
      countAttempt,
      error.slice(0, 1000),
      utcTimestamp(nextAttemptAt),
    );
    // As Prisma's update refused a missing row (P2025): the worker claimed this row.
    if (rows.length === 0) throw new Error(`Outbox message ${id} does not exist`);
  }
  async retry(id: number, at: Date): Promise<OutboxRecord | null> {
    // Staff's retry runs in a transaction (on the driver, sql-transaction.ts): SQL, the row from the UPDATE itself.
    const [row] = await this.db.$queryRawUnsafe<OutboxMessage[]>(RETRY, id, utcTimestamp(at));
    return row ? toOutbox(row) : null;
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
    const [row] = await this.db.$queryRawUnsafe<OutboxMessage[]>(FIND, id);
    return row ? toOutbox(row) : null;
  }
}
