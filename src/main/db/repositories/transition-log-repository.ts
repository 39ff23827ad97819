import type {
  AggregateName,
  LifecycleTransitionRecord,
  NewLifecycleTransition,
  TransitionLogStore,
} from '../../services/ports';
import type { LifecycleTransition } from '../generated/client.ts';
import { changedColumns, columnDefinitions, quotedColumns } from './json-rows';
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

/**
 * A lifecycle aggregate's versioned transition as one statement on `table` (payments, refund requests,
 * payout runs and lines): $1 id, $2 the version read, $3 the new status (of SQL type `statusType`), $4
 * the changes (jsonRow: `updatedAt` and the `changeable` columns present; one left out keeps its value),
 * $5 the transition record. The row (its `fields`) comes back only when the version matched, and its
 * record is written exactly then.
 */
export const versionedTransition = (
  table: string,
  statusType: string,
  changeable: Readonly<Record<string, string>>,
  fields: readonly string[],
  aggregate: AggregateName,
): string => `
WITH written AS (
  UPDATE "${table}" AS a SET
    "status" = $3::text::"${statusType}",
    "version" = a."version" + 1,
    "updatedAt" = ($4::jsonb ->> 'updatedAt')::timestamp(3),
    ${changedColumns(changeable, '$4', 'a')}
  WHERE a."id" = $1::int AND a."version" = $2::int
  RETURNING ${quotedColumns(fields, 'a')}
),
${recordedLifecycle(aggregate, '$5')}
SELECT ${quotedColumns(fields, 'written')} FROM written, recorded`;

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
