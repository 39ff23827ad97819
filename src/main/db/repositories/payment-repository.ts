import type {
  NewLifecycleTransition,
  NewPayment,
  PaymentAttemptRecord,
  PaymentListQuery,
  PartyPaymentRow,
  PaymentContext,
  PaymentRecord,
  PaymentStore,
  PaymentStripeFacts,
  PaymentTransitionChanges,
  SavedMethodRecord,
} from '../../services/ports';
import { OPEN_REFUND_STATUSES } from '../../domain/refund-machine';
import type { PaymentStatus } from '../../domain/states';
import { Prisma, type Payment } from '../generated/client.ts';
import { columnList } from './columns';
import type { DirectQuery } from '../database';
import type { Db } from './prisma-types';
import { applyPaymentTransition, insertPayment, recordPaymentFacts } from './payment-writes';
import { changedColumns, jsonRow, utcTimestamp } from './json-rows';
import { runStatement } from './statement';

/** What an attempt's outcome may change. */
type AttemptOutcome = Omit<PaymentAttemptRecord, 'id' | 'paymentId' | 'idempotencyKey' | 'createdAt'>;

/** What a Payments search matches: the people by name or email, an id, or a Stripe intent id. */
function paymentSearch(text: string): Prisma.PaymentWhereInput[] {
  // Prisma's `contains` is a LIKE that passes % and _ through as wildcards: typed, they mean themselves.
  const literal = text.replace(/[\\%_]/g, (char) => `\\${char}`);
  const person = {
    OR: [
      { name: { contains: literal, mode: 'insensitive' as const } },
      { email: { contains: literal, mode: 'insensitive' as const } },
    ],
  };
  const id = /^#?(\d{1,9})$/.exec(text)?.[1];
  return [
    ...(id ? [{ id: Number(id) }, { bookingId: Number(id) }] : []),
    // Stripe's ids are case-sensitive; a pasted one matches as typed.
    { stripePaymentIntentId: { contains: literal } },
    { booking: { student: person } },
    { booking: { teacher: person } },
  ];
}

const toPayment = (row: Payment): PaymentRecord => ({
  id: row.id,
  bookingId: row.bookingId,
  amountMinor: row.amountMinor,
  currency: row.currency,
  status: row.status,
  refundedMinor: row.refundedMinor,
  stripePaymentIntentId: row.stripePaymentIntentId,
  idempotencyKey: row.idempotencyKey,
  intentAttempt: row.intentAttempt,
  intentSentAt: row.intentSentAt,
  stripeStatus: row.stripeStatus,
  stripeChargeId: row.stripeChargeId,
  lastError: row.lastError,
  paidAt: row.paidAt,
  version: row.version,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** Payments, their attempts and the students' saved cards (R20: Stripe ids and display data only). */
const PAYMENT_COLUMN_LIST = columnList(Prisma.PaymentScalarFieldEnum);
const PAYMENT_COLUMNS = Prisma.raw(PAYMENT_COLUMN_LIST);
const FIND_BY_ID = `SELECT ${PAYMENT_COLUMN_LIST} FROM "Payment" WHERE id = $1`;
const FIND_BY_INTENT = `SELECT ${PAYMENT_COLUMN_LIST} FROM "Payment" WHERE "stripePaymentIntentId" = $1`;
const FOR_BOOKING = `SELECT ${PAYMENT_COLUMN_LIST} FROM "Payment" WHERE "bookingId" = $1 ORDER BY id`;

const ATTEMPT_COLUMNS = columnList(Prisma.PaymentAttemptScalarFieldEnum);
const ATTEMPTS = `SELECT ${ATTEMPT_COLUMNS} FROM "PaymentAttempt" WHERE "paymentId" = $1 ORDER BY id`;
const ADD_ATTEMPT = `
INSERT INTO "PaymentAttempt" ("paymentId", "stripePaymentMethodId", "status", "idempotencyKey", "createdAt")
VALUES ($1::int, $2::text, 'pending', $3::text, $4::timestamp(3))
RETURNING ${ATTEMPT_COLUMNS}`;
/** What an attempt's outcome may change; a field left out keeps its value. */
const ATTEMPT_OUTCOME: Record<keyof AttemptOutcome, string> = {
  stripePaymentMethodId: 'text',
  status: 'text',
  errorCode: 'text',
  declineCode: 'text',
  message: 'text',
  completedAt: 'timestamp(3)',
};
const UPDATE_ATTEMPT = `
UPDATE "PaymentAttempt" AS a SET
    ${changedColumns(ATTEMPT_OUTCOME, '$2', 'a')}
WHERE a."id" = $1::int`;

// Saved cards and payment contexts are read and written inside transactions, which run on the driver: SQL.
const METHOD_COLUMNS =
  '"id", "studentId", "stripePaymentMethodId", "brand", "last4", "expMonth", "expYear", "country", "createdAt"';
/** A card attached again (after a detach) is the same row, shown again with Stripe's current details. */
const SAVE_METHOD = `INSERT INTO "PaymentMethod"
  ("studentId", "stripePaymentMethodId", "brand", "last4", "expMonth", "expYear", "country", "createdAt")
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT ("stripePaymentMethodId") DO UPDATE SET
  "brand" = EXCLUDED."brand", "last4" = EXCLUDED."last4", "expMonth" = EXCLUDED."expMonth",
  "expYear" = EXCLUDED."expYear", "country" = EXCLUDED."country", "detachedAt" = NULL
RETURNING ${METHOD_COLUMNS}`;
const METHODS = `SELECT ${METHOD_COLUMNS} FROM "PaymentMethod"
WHERE "studentId" = $1 AND "detachedAt" IS NULL ORDER BY "id" DESC`;
const FIND_METHOD = `SELECT ${METHOD_COLUMNS} FROM "PaymentMethod" WHERE "stripePaymentMethodId" = $1`;
/** $1 the payments, $2 the refund statuses that reserve an amount. */
const CONTEXTS = `SELECT p."id" AS "paymentId", p."bookingId", p."currency", p."amountMinor", p."refundedMinor",
  COALESCE((SELECT sum(r."amountMinor") FROM "RefundRequest" r
            WHERE r."paymentId" = p."id" AND r."status"::text = ANY($2::text[])), 0) AS "reservedMinor",
  b."studentId", s."name" AS "studentName", b."teacherId", t."name" AS "teacherName"
FROM "Payment" p
JOIN "Booking" b ON b."id" = p."bookingId"
JOIN "Student" s ON s."id" = b."studentId"
JOIN "Teacher" t ON t."id" = b."teacherId"
WHERE p."id" = ANY($1::int[])`;

export class PrismaPaymentRepository implements PaymentStore {
  /** `direct`: outside a transaction, the hot statements go through the driver (see Database.directQuery). */
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
  ) {}

  async lock(paymentId: number): Promise<PaymentRecord | null> {
    // Lock and read in one statement: the use cases read what they locked.
    const [row] = await this.db.$queryRaw<
      Payment[]
    >`SELECT ${PAYMENT_COLUMNS} FROM "Payment" WHERE id = ${paymentId} FOR UPDATE`;
    return row ? toPayment(row) : null;
  }
  async findById(id: number): Promise<PaymentRecord | null> {
    const [row] = await runStatement<Payment>(this.db, this.direct, FIND_BY_ID, [id], true);
    return row ? toPayment(row) : null;
  }
  async findByIntentId(intentId: string): Promise<PaymentRecord | null> {
    const [row] = await runStatement<Payment>(this.db, this.direct, FIND_BY_INTENT, [intentId], true);
    return row ? toPayment(row) : null;
  }
  async forBooking(bookingId: number): Promise<PaymentRecord[]> {
    return (await runStatement<Payment>(this.db, this.direct, FOR_BOOKING, [bookingId], true)).map(toPayment);
  }
  async insert(input: NewPayment, transition: NewLifecycleTransition): Promise<PaymentRecord> {
    return toPayment(await insertPayment(this.db, input, transition));
  }
  async applyTransition(
    id: number,
    expectedVersion: number,
    to: PaymentStatus,
    changes: PaymentTransitionChanges,
    transition: NewLifecycleTransition,
  ): Promise<PaymentRecord | null> {
    // The changed row comes back from the UPDATE itself (RETURNING) rather than from a read after it.
    const updated = await applyPaymentTransition(this.db, id, expectedVersion, to, changes, transition);
    return updated ? toPayment(updated) : null;
  }
  async recordStripeFacts(id: number, facts: PaymentStripeFacts, at: Date): Promise<PaymentRecord> {
    return toPayment(await recordPaymentFacts(this.db, this.direct, id, facts, at));
  }
  async list(query: PaymentListQuery): Promise<PaymentRecord[]> {
    const search = query.search?.trim();
    const where: Prisma.PaymentWhereInput = {
      ...(query.statuses ? { status: { in: [...query.statuses] } } : {}),
      ...(query.requiresAction ? { status: 'PENDING', stripeStatus: 'requires_action' } : {}),
      ...(query.beforeId ? { id: { lt: query.beforeId } } : {}),
      ...(search ? { OR: paymentSearch(search) } : {}),
    };
    const rows = await this.db.payment.findMany({ where, orderBy: { id: 'desc' }, take: query.limit });
    return rows.map(toPayment);
  }
  async listForParty(query: {
    studentId?: number | undefined;
    teacherId?: number | undefined;
    id?: number | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<PartyPaymentRow[]> {
    const rows = await this.db.payment.findMany({
      where: {
        status: { not: 'CANCELED' },
        ...(query.id !== undefined ? { id: query.id } : {}),
        ...(query.beforeId !== undefined ? { id: { lt: query.beforeId } } : {}),
        booking: {
          ...(query.studentId !== undefined ? { studentId: query.studentId } : {}),
          ...(query.teacherId !== undefined ? { teacherId: query.teacherId } : {}),
        },
      },
      include: {
        booking: { select: { studentId: true, teacherId: true, hourlyRateMinor: true, minutes: true, feeMinor: true } },
        attempts: { where: { stripePaymentMethodId: { not: null } }, orderBy: { id: 'desc' }, take: 1 },
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
    const methodIds = rows.flatMap((row) => row.attempts.map((attempt) => attempt.stripePaymentMethodId ?? ''));
    const methods = new Map(
      (await this.db.paymentMethod.findMany({ where: { stripePaymentMethodId: { in: methodIds } } })).map((method) => [
        method.stripePaymentMethodId,
        method,
      ]),
    );
    return rows.map(({ booking, attempts, ...payment }) => {
      const method = methods.get(attempts[0]?.stripePaymentMethodId ?? '');
      return {
        ...toPayment(payment),
        ...booking,
        cardBrand: method?.brand ?? null,
        cardLast4: method?.last4 ?? null,
      };
    });
  }
  async needingReconciliation(limit: number): Promise<PaymentRecord[]> {
    // Everything that went to Stripe (or was about to), refunded payments included (R29). Demo
    // payments never went to Stripe.
    const rows = await this.db.payment.findMany({
      where: {
        status: { in: ['PENDING', 'FAILED', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'] },
        NOT: { idempotencyKey: { startsWith: 'demo:' } },
      },
      orderBy: { updatedAt: 'desc' },
      take: limit,
    });
    return rows.map(toPayment);
  }
  async addAttempt(input: {
    paymentId: number;
    stripePaymentMethodId: string | null;
    idempotencyKey: string;
    createdAt: Date;
  }): Promise<PaymentAttemptRecord> {
    // Its key counts the payment's attempts under the payment's lock: never a duplicate.
    const [row] = await runStatement<PaymentAttemptRecord>(this.db, this.direct, ADD_ATTEMPT, [
      input.paymentId,
      input.stripePaymentMethodId,
      input.idempotencyKey,
      utcTimestamp(input.createdAt),
    ]);
    if (!row) throw new Error(`The attempt for payment ${input.paymentId} was not written`);
    return row;
  }
  async updateAttempt(id: number, patch: Partial<AttemptOutcome>): Promise<void> {
    await runStatement(this.db, this.direct, UPDATE_ATTEMPT, [id, jsonRow(patch)]);
  }
  attempts(paymentId: number): Promise<PaymentAttemptRecord[]> {
    return runStatement<PaymentAttemptRecord>(this.db, this.direct, ATTEMPTS, [paymentId], true);
  }
  async saveMethod(input: Omit<SavedMethodRecord, 'id'>): Promise<SavedMethodRecord> {
    const [row] = await this.db.$queryRawUnsafe<SavedMethodRecord[]>(
      SAVE_METHOD,
      input.studentId,
      input.stripePaymentMethodId,
      input.brand,
      input.last4,
      input.expMonth,
      input.expYear,
      input.country,
      input.createdAt,
    );
    if (!row) throw new Error('Saving a payment method returned no row');
    return row;
  }
  methods(studentId: number): Promise<SavedMethodRecord[]> {
    return this.db.$queryRawUnsafe<SavedMethodRecord[]>(METHODS, studentId);
  }
  async findMethod(stripePaymentMethodId: string): Promise<SavedMethodRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<SavedMethodRecord[]>(FIND_METHOD, stripePaymentMethodId);
    return row ?? null;
  }
  async contexts(paymentIds: readonly number[]): Promise<Map<number, PaymentContext>> {
    const ids = [...new Set(paymentIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.db.$queryRawUnsafe<(Omit<PaymentContext, 'reservedMinor'> & { reservedMinor: bigint })[]>(
      CONTEXTS,
      ids,
      [...OPEN_REFUND_STATUSES],
    );
    return new Map(rows.map((row) => [row.paymentId, { ...row, reservedMinor: Number(row.reservedMinor) }]));
  }
}
