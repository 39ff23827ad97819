import type { EventLogRecord, EventLogStore } from '../../services/ports';
import type { Prisma } from '../generated/client.ts';
import type { Db } from './prisma-types';

/** The channel every host LISTENs on; a notification says "the event log has new rows". */
export const EVENT_CHANNEL = 'linguaflex_events';
const EVENT_LOG_LOCK = 7_211_001;

const toRecord = (row: { id: number; type: string; payload: unknown; at: Date }): EventLogRecord => ({
  ...row,
  payload: row.payload as Record<string, unknown>,
});

export class PrismaEventLogRepository implements EventLogStore {
  /** `shared`: other hosts write to the same log (PostgreSQL); the embedded database has one writer. */
  constructor(
    private readonly db: Db,
    private readonly shared: boolean,
  ) {}

  async append(events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]) {
    if (events.length === 0) return [];
    // Ids must become visible in order, or a reader that saw id 11 would skip 10 committing later:
    // appenders take turns until they commit (the lock is held to the end of the transaction). The
    // embedded database runs one transaction at a time, so its ids are in commit order already.
    if (this.shared) await this.db.$executeRaw`SELECT pg_advisory_xact_lock(${EVENT_LOG_LOCK})`;
    const rows = await this.db.domainEventLog.createManyAndReturn({
      data: events.map((event) => ({
        type: event.type,
        payload: event.payload as Prisma.InputJsonObject,
        at: event.at,
      })),
    });
    // Delivered when (and only if) the surrounding transaction commits.
    if (this.shared) await this.db.$executeRaw`SELECT pg_notify(${EVENT_CHANNEL}, '')`;
    return rows.map(toRecord);
  }
  async after(id: number, limit: number): Promise<EventLogRecord[]> {
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
