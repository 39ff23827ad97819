import type { MismatchInput, MismatchRecord, MismatchStore } from '../../services/ports';
import { quotedColumns, utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';

/** Every column of a mismatch except its open-key bookkeeping. */
const MISMATCH_FIELDS = {
  id: true,
  paymentId: true,
  bookingId: true,
  payoutLineId: true,
  payoutRunId: true,
  kind: true,
  localState: true,
  stripeState: true,
  detail: true,
  status: true,
  detectedAt: true,
  resolvedAt: true,
  resolvedById: true,
  resolution: true,
} as const;

/*
 * What the services do inside transactions (open, resolve, and the reads of a refund's approval) is
 * SQL: transactions run on the driver (sql-transaction.ts). The staff's list and count keep Prisma's
 * model calls.
 */
const MISMATCH_COLUMNS = quotedColumns(Object.keys(MISMATCH_FIELDS));

/** One row per open key: a difference seen again updates what each side says now. */
const OPEN = `
INSERT INTO "ReconciliationMismatch"
  ("paymentId", "bookingId", "payoutLineId", "payoutRunId", "kind", "localState", "stripeState", "detail", "detectedAt", "openKey")
VALUES ($1::int, $2::int, $3::int, $4::int, $5::text, $6::text, $7::text, $8::text, $9::timestamp(3), $10::text)
ON CONFLICT ("openKey") DO UPDATE SET
  "localState" = EXCLUDED."localState", "stripeState" = EXCLUDED."stripeState", "detail" = EXCLUDED."detail"`;
const OPEN_FOR_PAYMENT = `
SELECT ${MISMATCH_COLUMNS} FROM "ReconciliationMismatch"
WHERE "paymentId" = $1::int AND "status" = 'OPEN'
ORDER BY "id"`;
const FIND = `SELECT ${MISMATCH_COLUMNS} FROM "ReconciliationMismatch" WHERE "id" = $1::int`;
const RESOLVE = `
UPDATE "ReconciliationMismatch" SET
  "status" = 'RESOLVED', "openKey" = NULL, "resolvedAt" = $2::timestamp(3), "resolvedById" = $3::int, "resolution" = $4::text
WHERE "id" = $1::int
RETURNING "id"`;

/** R26: a difference from Stripe, listed once per payment (or payout line) and kind while it is open. */
export class PrismaMismatchRepository implements MismatchStore {
  constructor(private readonly db: Db) {}
  async open(input: MismatchInput) {
    const subject =
      'payoutRunId' in input
        ? input.payoutLineId === null
          ? `run:${input.payoutRunId}`
          : `line:${input.payoutLineId}`
        : String(input.paymentId);
    const openKey = `${subject}:${input.kind}`;
    const about =
      'payoutRunId' in input
        ? { paymentId: null, bookingId: null, payoutLineId: input.payoutLineId, payoutRunId: input.payoutRunId }
        : { paymentId: input.paymentId, bookingId: input.bookingId, payoutLineId: null, payoutRunId: null };
    await this.db.$executeRawUnsafe(
      OPEN,
      about.paymentId,
      about.bookingId,
      about.payoutLineId,
      about.payoutRunId,
      input.kind,
      input.localState,
      input.stripeState,
      input.detail,
      utcTimestamp(input.detectedAt),
      openKey,
    );
  }
  list(query: { status?: 'OPEN' | 'RESOLVED' | undefined; limit: number }): Promise<MismatchRecord[]> {
    return this.db.reconciliationMismatch.findMany({
      where: query.status ? { status: query.status } : {},
      orderBy: { id: 'desc' },
      take: query.limit,
      select: MISMATCH_FIELDS,
    });
  }
  openForPayment(paymentId: number): Promise<MismatchRecord[]> {
    return this.db.$queryRawUnsafe<MismatchRecord[]>(OPEN_FOR_PAYMENT, paymentId);
  }
  countOpen(): Promise<number> {
    return this.db.reconciliationMismatch.count({ where: { status: 'OPEN' } });
  }
  async find(id: number): Promise<MismatchRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<MismatchRecord[]>(FIND, id);
    return row ?? null;
  }
  async resolve(id: number, by: number, resolution: string, at: Date): Promise<void> {
    const rows = await this.db.$queryRawUnsafe<{ id: number }[]>(RESOLVE, id, utcTimestamp(at), by, resolution);
    // As Prisma's update refused a missing row (P2025): the service found the mismatch first.
    if (rows.length === 0) throw new Error(`Mismatch ${id} does not exist`);
  }
}
