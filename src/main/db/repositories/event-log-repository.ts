import type { EventLogRecord, EventLogStore } from '../../services/ports';
import type { DirectQuery } from '../database';
import { jsonRows, utcTimestamp } from './json-rows';
import { auditInsert, outboxInsert, type PendingWrites } from './pending-writes';
import type { Db } from './prisma-types';
import type { SqlTransaction } from './sql-transaction';
import { runStatement } from './statement';

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

/**
 * One round trip: the transaction's held audit entries ($1) and outbox rows ($2, pending-writes.ts),
 * then the log's rows ($3). A shared log also takes the appenders' turn ($4) and notifies the other
 * hosts ($5, $6).
 */
const APPEND_SHARED = `
WITH audited AS (${auditInsert('$1')}), enqueued AS (${outboxInsert('$2')}),${logInsert('$3', '$4')}
SELECT logged."id", logged."type", logged."payload", logged."at"
FROM logged, ${notifyOthers('$5', '$6')}
ORDER BY logged."id"`;
/** The embedded database runs one transaction at a time, so its ids are in commit order already. */
const APPEND_ALONE = `
WITH audited AS (${auditInsert('$1')}), enqueued AS (${outboxInsert('$2')}),${logInsert('$3', null)}
SELECT logged."id", logged."type", logged."payload", logged."at"
FROM logged
ORDER BY logged."id"`;

export type LogRow = { id: number; type: string; payload: unknown; at: Date };

/** SQL: the maintenance runs it in a transaction (on the driver, sql-transaction.ts). */
const PRUNE_BEFORE = 'DELETE FROM "DomainEventLog" WHERE "at" < $1::timestamp(3)';

const LOG_AFTER = 'SELECT "id", "type", "payload", "at" FROM "DomainEventLog" WHERE "id" > $1 ORDER BY "id" LIMIT $2';

/** Log rows as the services see them. */
export const toLogRecord = (row: LogRow): EventLogRecord => ({
  ...row,
  payload: row.payload as Record<string, unknown>,
});

/** Events as the log's JSON parameter. */
export const logRows = (events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]): string =>
  jsonRows(events.map(({ type, payload, at }) => ({ type, payload, at })));

export class PrismaEventLogRepository implements EventLogStore {
  /** `pending`: in a transaction, its held audit entries and outbox rows, which the log's statement writes too. */
  constructor(
    private readonly db: Db,
    private readonly writers: EventLogWriters,
    private readonly direct?: DirectQuery,
    private readonly pending?: PendingWrites,
  ) {}

  async append(events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]) {
    return this.write(events, false);
  }

  async appendLast(events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]) {
    return this.write(events, true);
  }

  private async write(events: readonly { type: string; payload: Record<string, unknown>; at: Date }[], last: boolean) {
    // Nothing to log: held writes wait for the commit (the unit of work writes them).
    if (events.length === 0) return [];
    const { audit, outbox } = this.pending?.take() ?? { audit: '[]', outbox: '[]' };
    const [sql, values] = this.writers.shared
      ? [APPEND_SHARED, [audit, outbox, logRows(events), EVENT_LOG_LOCK, EVENT_CHANNEL, this.writers.host]]
      : [APPEND_ALONE, [audit, outbox, logRows(events)]];
    // In a transaction on the driver the last statement can carry the COMMIT (sql-transaction.ts).
    const finalStatement = last && '$queryRawUnsafeLast' in this.db ? (this.db as unknown as SqlTransaction) : null;
    if (finalStatement) this.pending?.close();
    const written = finalStatement
      ? await finalStatement.$queryRawUnsafeLast<LogRow[]>(sql, ...values)
      : await this.db.$queryRawUnsafe<LogRow[]>(sql, ...values);
    return written.map(toLogRecord);
  }
  async after(id: number, limit: number): Promise<EventLogRecord[]> {
    // Read after every commit on every host: straight through the driver when outside a transaction.
    return (await runStatement<LogRow>(this.db, this.direct, LOG_AFTER, [id, limit], true)).map(toLogRecord);
  }
  async latestId(): Promise<number> {
    return (await this.db.domainEventLog.aggregate({ _max: { id: true } }))._max.id ?? 0;
  }
  async oldestId(): Promise<number | null> {
    return (await this.db.domainEventLog.aggregate({ _min: { id: true } }))._min.id;
  }
  async pruneBefore(at: Date): Promise<number> {
    return this.db.$executeRawUnsafe(PRUNE_BEFORE, utcTimestamp(at));
  }
}
