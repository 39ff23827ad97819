import type { EventLogRecord, EventLogStore } from '../../services/ports';
import type { Prisma } from '../generated/client.ts';
import type { ReadQuery } from '../database';
import { utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';

/** The channel every host LISTENs on; a notification says "the event log has new rows". */
export const EVENT_CHANNEL = 'linguaflex_events';
export const EVENT_LOG_LOCK = 7_211_001;

/**
 * Who appends to the log: this process alone (the embedded database), or hosts sharing PostgreSQL,
 * each naming itself in its NOTIFYs so that it can skip its own (it announces those as it commits).
 */
export type EventLogWriters = { shared: false } | { shared: true; host: string };

/**
 * The log's insert as a CTE named `logged`, its rows from the JSON parameter `events`, in order. With
 * `lock` (a shared log), appenders take turns: ids must become visible in order, or a reader that saw
 * id 11 would skip 10 committing later, so the advisory lock is held to the end of the transaction;
 * the insert reads the lock's row, so the lock is taken before any id is drawn.
 */
export const logInsert = (events: string, lock: string | null): string => `
${lock === null ? '' : `turn AS (SELECT pg_advisory_xact_lock(${lock}::bigint) AS locked),`}
logged AS (
  INSERT INTO "DomainEventLog" ("type", "payload", "at")
  SELECT e.type, e.payload, e.at
  FROM ${lock === null ? '' : 'turn, '}ROWS FROM (jsonb_to_recordset(${events}::jsonb) AS (type text, payload jsonb, at timestamp(3)))
    WITH ORDINALITY AS e(type, payload, at, ord)
  ORDER BY e.ord
  RETURNING "id", "type", "payload", "at"
)`;

/** Joined to the statement's result: delivered when (and only if) the surrounding transaction commits. */
export const notifyOthers = (channel: string, host: string): string =>
  `(SELECT pg_notify(${channel}, ${host})) AS notified`;

/** One round trip for a shared log: take the appenders' turn, insert the rows in order, notify. */
const APPEND_SHARED = `
WITH ${logInsert('$2', '$1')}
SELECT logged."id", logged."type", logged."payload", logged."at"
FROM logged, ${notifyOthers('$3', '$4')}
ORDER BY logged."id"`;

/** Log rows as the services see them. */
export const toLogRecord = (row: { id: number; type: string; payload: unknown; at: Date }): EventLogRecord => ({
  ...row,
  payload: row.payload as Record<string, unknown>,
});

/** Events as the log's JSON parameter. */
export const logRows = (events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]): string =>
  JSON.stringify(events.map((event) => ({ type: event.type, payload: event.payload, at: utcTimestamp(event.at) })));

export class PrismaEventLogRepository implements EventLogStore {
  constructor(
    private readonly db: Db,
    private readonly writers: EventLogWriters,
    private readonly read?: ReadQuery,
  ) {}

  async append(events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]) {
    if (events.length === 0) return [];
    if (this.writers.shared) {
      const written = await this.db.$queryRawUnsafe<{ id: number; type: string; payload: unknown; at: Date }[]>(
        APPEND_SHARED,
        EVENT_LOG_LOCK,
        logRows(events),
        EVENT_CHANNEL,
        this.writers.host,
      );
      return written.map(toLogRecord);
    }
    // The embedded database runs one transaction at a time, so its ids are in commit order already.
    const rows = await this.db.domainEventLog.createManyAndReturn({
      data: events.map((event) => ({
        type: event.type,
        payload: event.payload as Prisma.InputJsonObject,
        at: event.at,
      })),
    });
    return rows.map(toLogRecord);
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
      ).map(toLogRecord);
    const rows = await this.db.domainEventLog.findMany({
      where: { id: { gt: id } },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map(toLogRecord);
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
