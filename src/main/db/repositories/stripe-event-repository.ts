import type { StripeEventStore } from '../../services/ports';
import type { DirectQuery } from '../database';
import type { Db } from './prisma-types';
import { runStatement } from './statement';

/** Asked before every event from the webhook or the poller (several per paid booking). */
const HAS = 'SELECT "id" FROM "ProcessedStripeEvent" WHERE "id" = $1';
/** Inside the transaction that applies an event, or alone for an event with nothing to apply. */
const RECORD =
  'INSERT INTO "ProcessedStripeEvent" (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING "id"';

/** R25: each Stripe event id is applied at most once. */
export class PrismaStripeEventRepository implements StripeEventStore {
  /** `direct`: outside a transaction, through the driver (see Database.directQuery). */
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
  ) {}
  async has(id: string): Promise<boolean> {
    return (await runStatement<{ id: string }>(this.db, this.direct, HAS, [id], true)).length > 0;
  }
  async record(id: string, type: string): Promise<boolean> {
    return (await runStatement<{ id: string }>(this.db, this.direct, RECORD, [id, type], true)).length === 1;
  }
}
