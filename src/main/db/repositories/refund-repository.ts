import { OPEN_REFUND_STATUSES, type RefundRequestStatus } from '../../domain/refund-machine';
import type {
  NewLifecycleTransition,
  RefundListQuery,
  RefundRequestRecord,
  RefundStore,
  RefundTransitionChanges,
} from '../../services/ports';
import { refundAttemptKey } from '../../services/lifecycle/refund-keys';
import { Prisma, type RefundRequest } from '../generated/client.ts';
import { changedColumns, columnDefinitions, jsonRow, quotedColumns, utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';
import { recordedLifecycle, versionedTransition } from './transition-log-repository';

const toRefund = (row: RefundRequest): RefundRequestRecord => ({
  id: row.id,
  paymentId: row.paymentId,
  bookingId: row.bookingId,
  amountMinor: row.amountMinor,
  currency: row.currency,
  reason: row.reason,
  status: row.status,
  requestedById: row.requestedById,
  firstApproverId: row.firstApproverId,
  secondApproverId: row.secondApproverId,
  rejectedById: row.rejectedById,
  rejectNote: row.rejectNote,
  stripeRefundId: row.stripeRefundId,
  attempt: row.attempt,
  idempotencyKey: row.idempotencyKey,
  submittedAt: row.submittedAt,
  failureMessage: row.failureMessage,
  failureReason: row.failureReason,
  source: row.source,
  processedAt: row.processedAt,
  version: row.version,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/*
 * Every method the services call inside a transaction is SQL: transactions run on the driver
 * (sql-transaction.ts). The staff's lists keep Prisma's model calls.
 */

type NewRefund = Parameters<RefundStore['insert']>[0];

/** Each column of a new request's JSON parameter, with its SQL type; the others keep their defaults. */
const NEW_REFUND: Record<keyof NewRefund | 'id' | 'idempotencyKey' | 'updatedAt', string> = {
  id: 'integer',
  paymentId: 'integer',
  bookingId: 'integer',
  amountMinor: 'integer',
  currency: 'text',
  reason: 'text',
  status: '"RefundStatus"',
  requestedById: 'integer',
  source: 'text',
  idempotencyKey: 'text',
  createdAt: 'timestamp(3)',
  updatedAt: 'timestamp(3)',
};

/** What a transition may change besides the status; a field left out of the changes keeps its value. */
const CHANGEABLE: Record<Exclude<keyof RefundTransitionChanges, 'updatedAt'>, string> = {
  firstApproverId: 'integer',
  secondApproverId: 'integer',
  rejectedById: 'integer',
  rejectNote: 'text',
  stripeRefundId: 'text',
  attempt: 'integer',
  idempotencyKey: 'text',
  submittedAt: 'timestamp(3)',
  failureMessage: 'text',
  failureReason: 'text',
  processedAt: 'timestamp(3)',
};

const REFUND_FIELDS = Object.values(Prisma.RefundRequestScalarFieldEnum);
const REFUND_COLUMNS = quotedColumns(REFUND_FIELDS);
const RESULT = `SELECT ${quotedColumns(REFUND_FIELDS, 'written')} FROM written, recorded`;

/** The statuses that hold back part of a payment's refundable amount (a constant list, so fixed text). */
const OPEN_STATUSES = OPEN_REFUND_STATUSES.map((status) => `'${status}'`).join(', ');

const LOCK = 'SELECT "id" FROM "RefundRequest" WHERE "id" = $1 FOR UPDATE';
const FIND = `SELECT ${REFUND_COLUMNS} FROM "RefundRequest" WHERE "id" = $1`;
const FIND_BY_STRIPE_ID = `SELECT ${REFUND_COLUMNS} FROM "RefundRequest" WHERE "stripeRefundId" = $1`;
/** $1 the payment, $2 a request left out (or NULL). */
const RESERVED = `
SELECT sum("amountMinor") AS "reserved" FROM "RefundRequest"
WHERE "paymentId" = $1::int AND "status" IN (${OPEN_STATUSES}) AND ($2::int IS NULL OR "id" <> $2::int)`;
/** The id is drawn first: the request's Stripe key (refund-keys.ts) names it, and the row is written once. */
const NEXT_ID = `SELECT nextval(pg_get_serial_sequence('"RefundRequest"', 'id'))::int AS "id"`;
/** $1 the new row (jsonRow of NEW_REFUND's keys), $2 its transition record. */
const INSERT = `
WITH written AS (
  INSERT INTO "RefundRequest" (${quotedColumns(Object.keys(NEW_REFUND))})
  SELECT ${quotedColumns(Object.keys(NEW_REFUND), 'n')}
  FROM jsonb_to_record($1::jsonb) AS n(${columnDefinitions(NEW_REFUND)})
  RETURNING ${REFUND_COLUMNS}
),
${recordedLifecycle('refund_request', '$2')}
${RESULT}`;
const APPLY = versionedTransition('RefundRequest', 'RefundStatus', CHANGEABLE, REFUND_FIELDS, 'refund_request');
/** $1 id, $2 the facts (jsonRow: present keys only), $3 when. No status, no version. */
const RECORD_SUBMISSION = `
UPDATE "RefundRequest" AS r SET
    "updatedAt" = $3::timestamp(3),
    ${changedColumns({ submittedAt: 'timestamp(3)', stripeRefundId: 'text' }, '$2', 'r')}
WHERE r."id" = $1::int
RETURNING r."id"`;
/** Sent to Stripe with its outcome still open there: an approved one whose answer was lost, or a refund Stripe named. */
const AWAITING_STRIPE = `
SELECT ${REFUND_COLUMNS} FROM "RefundRequest"
WHERE ("status" = 'APPROVED' AND "submittedAt" IS NOT NULL)
   OR ("status" IN ('PENDING', 'SUCCEEDED') AND "stripeRefundId" IS NOT NULL)
ORDER BY "updatedAt" DESC
LIMIT $1::int`;

export class PrismaRefundRepository implements RefundStore {
  constructor(private readonly db: Db) {}

  async lock(id: number): Promise<void> {
    await this.db.$queryRawUnsafe(LOCK, id);
  }
  async find(id: number): Promise<RefundRequestRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<RefundRequest[]>(FIND, id);
    return row ? toRefund(row) : null;
  }
  async findByStripeId(stripeRefundId: string): Promise<RefundRequestRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<RefundRequest[]>(FIND_BY_STRIPE_ID, stripeRefundId);
    return row ? toRefund(row) : null;
  }
  async list(query: RefundListQuery): Promise<RefundRequestRecord[]> {
    const rows = await this.db.refundRequest.findMany({
      where: {
        ...(query.statuses ? { status: { in: [...query.statuses] } } : {}),
        ...(query.paymentId ? { paymentId: query.paymentId } : {}),
        ...(query.studentId !== undefined || query.teacherId !== undefined
          ? {
              payment: {
                booking: {
                  ...(query.studentId !== undefined ? { studentId: query.studentId } : {}),
                  ...(query.teacherId !== undefined ? { teacherId: query.teacherId } : {}),
                },
              },
            }
          : {}),
        ...(query.beforeId ? { id: { lt: query.beforeId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
    return rows.map(toRefund);
  }
  async reservedMinor(paymentId: number, exceptId?: number): Promise<number> {
    // sum() of an int column is a bigint (NULL when no request is open).
    const [row] = await this.db.$queryRawUnsafe<{ reserved: bigint | null }[]>(RESERVED, paymentId, exceptId ?? null);
    return Number(row?.reserved ?? 0);
  }
  async insert(input: NewRefund, transition: NewLifecycleTransition): Promise<RefundRequestRecord> {
    const [next] = await this.db.$queryRawUnsafe<{ id: number }[]>(NEXT_ID);
    if (!next) throw new Error('No refund request id was drawn');
    const [row] = await this.db.$queryRawUnsafe<RefundRequest[]>(
      INSERT,
      jsonRow({ ...input, id: next.id, idempotencyKey: refundAttemptKey(next.id, 1), updatedAt: new Date() }),
      jsonRow(transition),
    );
    if (!row) throw new Error('The refund request was not written');
    return toRefund(row);
  }
  async applyTransition(
    id: number,
    expectedVersion: number,
    to: RefundRequestStatus,
    changes: RefundTransitionChanges,
    transition: NewLifecycleTransition,
  ): Promise<RefundRequestRecord | null> {
    // The changed row comes back from the UPDATE itself (RETURNING), its record written with it.
    const [row] = await this.db.$queryRawUnsafe<RefundRequest[]>(
      APPLY,
      id,
      expectedVersion,
      to,
      jsonRow(changes),
      jsonRow(transition),
    );
    return row ? toRefund(row) : null;
  }
  async recordSubmission(id: number, facts: { submittedAt?: Date; stripeRefundId?: string }): Promise<void> {
    const rows = await this.db.$queryRawUnsafe<{ id: number }[]>(
      RECORD_SUBMISSION,
      id,
      jsonRow(facts),
      utcTimestamp(new Date()),
    );
    // As Prisma's update refused a missing row (P2025): the callers read the request first.
    if (rows.length === 0) throw new Error(`Refund request ${id} does not exist`);
  }
  async awaitingStripe(limit: number): Promise<RefundRequestRecord[]> {
    const rows = await this.db.$queryRawUnsafe<RefundRequest[]>(AWAITING_STRIPE, limit);
    return rows.map(toRefund);
  }
}
