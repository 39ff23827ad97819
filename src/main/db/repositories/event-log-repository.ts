import type { EventLogRecord, EventLogStore } from '../../services/ports';
import type { Prisma } from '../generated/client.ts';
import type { Db } from './prisma-types';

/** The channel every host LISTENs on; a notification says "the event log has new rows". */
export const EVENT_CHANNEL = 'linguaflex_events';
const EVENT_LOG_LOCK = 7_211_001;

export class PrismaEventLogRepository implements EventLogStore {
  constructor(private readonly db: Db) {}

  async append(events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]): Promise<void> {
    if (events.length === 0) return;
    // Ids must become visible in order, or a reader that saw id 11 would skip 10 committing later:
    // appenders take turns until they commit (the lock is held to the end of the transaction).
    await this.db.$executeRaw`SELECT pg_advisory_xact_lock(${EVENT_LOG_LOCK})`;
    await this.db.domainEventLog.createMany({
      data: events.map((event) => ({
        type: event.type,
        payload: event.payload as Prisma.InputJsonObject,
        at: event.at,
      })),
    });
    // Delivered when (and only if) the surrounding transaction commits.
    await this.db.$executeRaw`SELECT pg_notify(${EVENT_CHANNEL}, '')`;
  }
  async after(id: number, limit: number): Promise<EventLogRecord[]> {
    const rows = await this.db.domainEventLog.findMany({
      where: { id: { gt: id } },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => ({ ...row, payload: row.payload as Record<string, unknown> }));
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
