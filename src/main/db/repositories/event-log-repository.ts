import type { EventLogRecord, EventLogStore } from '../../services/ports';
import type { Prisma } from '../generated/client.ts';
import type { ReadQuery } from '../database';
import { utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';

/** The channel every host LISTENs on; a notification says "the event log has new rows". */
export const EVENT_CHANNEL = 'linguaflex_events';
const EVENT_LOG_LOCK = 7_211_001;

const toRecord = (row: { id: number; type: string; payload: unknown; at: Date }): EventLogRecord => ({
  ...row,
  payload: row.payload as Record<string, unknown>,
});

/**
 * Who appends to the log: this process alone (the embedded database), or hosts sharing PostgreSQL,
 * each naming itself in its NOTIFYs so that it can skip its own (it announces those as it commits).
 */
export type EventLogWriters = { shared: false } | { shared: true; host: string };

/**
 * One round trip for a shared log: take the appenders' turn, insert the rows in order, notify. Ids
 * must become visible in order, or a reader that saw id 11 would skip 10 committing later, so
 * appenders take turns until they commit (the advisory lock is held to the end of the transaction);
 * the insert reads the lock's row, so the lock is taken before any id is drawn. The NOTIFY is
 * delivered when (and only if) the surrounding transaction commits.
 */
const APPEND_SHARED = `
WITH turn AS (SELECT pg_advisory_xact_lock($1::bigint) AS locked),
rows AS (
  INSERT INTO "DomainEventLog" ("type", "payload", "at")
  SELECT e.type, e.payload, e.at
  FROM turn, ROWS FROM (jsonb_to_recordset($2::jsonb) AS (type text, payload jsonb, at timestamp(3)))
    WITH ORDINALITY AS e(type, payload, at, ord)
  ORDER BY e.ord
  RETURNING "id", "type", "payload", "at"
)
SELECT rows."id", rows."type", rows."payload", rows."at"
FROM rows, (SELECT pg_notify($3, $4)) AS notified
ORDER BY rows."id"`;

export class PrismaEventLogRepository implements EventLogStore {
  constructor(
    private readonly db: Db,
    private readonly writers: EventLogWriters,
    private readonly read?: ReadQuery,
  ) {}

  async append(events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]) {
    if (events.length === 0) return [];
    if (this.writers.shared) {
      const rows = events.map((event) => ({ type: event.type, payload: event.payload, at: utcTimestamp(event.at) }));
      const written = await this.db.$queryRawUnsafe<{ id: number; type: string; payload: unknown; at: Date }[]>(
        APPEND_SHARED,
        EVENT_LOG_LOCK,
        JSON.stringify(rows),
        EVENT_CHANNEL,
        this.writers.host,
      );
      return written.map(toRecord);
    }
    // The embedded database runs one transaction at a time, so its ids are in commit order already.
    const rows = await this.db.domainEventLog.createManyAndReturn({
      data: events.map((event) => ({
        type: event.type,
        payload: event.payload as Prisma.InputJsonObject,
        at: event.at,
      })),
    });
    return rows.map(toRecord);
  }
  async after(id: number, limit: number): Promise<EventLogRecord[]> {
    // Read after every commit on every host: straight through the driver when outside a transaction.
    if (this.read)
      return (
        await this.read<{ id: number; type: string; payload: unknown; at: Date }>(
          'SELECT "id", "type", "payload", "at" FROM "DomainEventLog" WHERE "id" > $1 ORDER BY "id" LIMIT $2',
          [id, limit],
          true,
        )
      ).map(toRecord);
    const rows = await this.db.domainEventLog.findMany({
      where: { id: { gt: id } },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map(toRecord);
  }
  async latestId(): Promise<number> {
    return (await this.db.domainEventLog.aggregate({ _max: { id: true } }))._max.id ?? 0;
  }
  async oldestId(): Promise<number | null> {
    return (await this.db.domainEventLog.aggregate({ _min: { id: true } }))._min.id;
  }
  async pruneBefore(at: Date): Promise<number> {
    return (await this.db.domainEventLog.deleteMany({ where: { at: { lt: at } } })).count;
  }
}
