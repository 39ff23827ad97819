import type {
  AggregateName,
  LifecycleTransitionRecord,
  NewLifecycleTransition,
  TransitionLogStore,
} from '../../services/ports';
import type { LifecycleTransition } from '../generated/client.ts';
import { columnDefinitions, quotedColumns } from './json-rows';
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

const NEW_LIFECYCLE: Record<keyof NewLifecycleTransition, string> = {
  bookingId: 'integer',
  action: 'text',
  fromState: 'text',
  toState: 'text',
  actorKind: '"ActorKind"',
  actorId: 'integer',
  actorRole: 'text',
  reason: 'text',
  data: 'jsonb',
  at: 'timestamp(3)',
};

/**
 * A CTE `recorded` for the statement that writes the aggregate's row (CTE `written`, one row with its
 * id): the transition record from the JSON parameter `param` (jsonRow). It reads `written`, so it is
 * written exactly when the aggregate's write matched.
 */
export const recordedLifecycle = (aggregate: AggregateName, param: string): string => `recorded AS (
  INSERT INTO "LifecycleTransition" ("aggregate", "aggregateId", ${quotedColumns(Object.keys(NEW_LIFECYCLE))})
  SELECT '${aggregate}', written."id", ${quotedColumns(Object.keys(NEW_LIFECYCLE), 't')}
  FROM written, jsonb_to_record(${param}::jsonb) AS t(${columnDefinitions(NEW_LIFECYCLE)})
  RETURNING "id"
)`;

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
