import type {
  AggregateName,
  LifecycleTransitionRecord,
  NewLifecycleTransition,
  TransitionLogStore,
} from '../../services/ports';
import type { LifecycleTransition, Prisma } from '../generated/client.ts';
import type { Db } from './prisma-types';

const toRecord = (row: LifecycleTransition): LifecycleTransitionRecord => ({
  id: row.id,
  aggregate: row.aggregate as AggregateName,
  aggregateId: row.aggregateId,
  bookingId: row.bookingId,
  action: row.action,
  fromState: row.fromState,
  toState: row.toState,
  actorKind: row.actorKind,
  actorId: row.actorId,
  actorRole: row.actorRole,
  reason: row.reason,
  data: (row.data as Record<string, unknown> | null) ?? null,
  at: row.at,
});

/** Appends one transition record; called only by the repositories' versioned transition writes. */
export async function appendLifecycleTransition(
  db: Db,
  aggregate: AggregateName,
  aggregateId: number,
  transition: NewLifecycleTransition,
): Promise<void> {
  await db.lifecycleTransition.create({
    data: {
      ...transition,
      aggregate,
      aggregateId,
      data: (transition.data ?? undefined) as Prisma.InputJsonObject | undefined,
    },
  });
}

export class PrismaTransitionLogRepository implements TransitionLogStore {
  constructor(private readonly db: Db) {}
  async forAggregate(aggregate: AggregateName, aggregateId: number): Promise<LifecycleTransitionRecord[]> {
    const rows = await this.db.lifecycleTransition.findMany({
      where: { aggregate, aggregateId },
      orderBy: { id: 'asc' },
    });
    return rows.map(toRecord);
  }
  async forBooking(bookingId: number): Promise<LifecycleTransitionRecord[]> {
    const rows = await this.db.lifecycleTransition.findMany({ where: { bookingId }, orderBy: { id: 'asc' } });
    return rows.map(toRecord);
  }
}
