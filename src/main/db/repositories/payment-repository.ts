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
    return this.db.paymentMethod.upsert({
      where: { stripePaymentMethodId: input.stripePaymentMethodId },
      create: input,
      update: {
        brand: input.brand,
        last4: input.last4,
        expMonth: input.expMonth,
        expYear: input.expYear,
        country: input.country,
        detachedAt: null,
      },
    });
  }
  methods(studentId: number): Promise<SavedMethodRecord[]> {
    return this.db.paymentMethod.findMany({ where: { studentId, detachedAt: null }, orderBy: { id: 'desc' } });
  }
  findMethod(stripePaymentMethodId: string): Promise<SavedMethodRecord | null> {
    return this.db.paymentMethod.findUnique({ where: { stripePaymentMethodId } });
  }
  async contexts(paymentIds: readonly number[]): Promise<Map<number, PaymentContext>> {
    const ids = [...new Set(paymentIds)];
    if (ids.length === 0) return new Map();
    // One after another: inside a transaction both share one connection.
    const payments = await this.db.payment.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        bookingId: true,
        currency: true,
        amountMinor: true,
        refundedMinor: true,
        booking: {
          select: {
            studentId: true,
            teacherId: true,
            student: { select: { name: true } },
            teacher: { select: { name: true } },
          },
        },
      },
    });
    const reserved = await this.db.refundRequest.groupBy({
      by: ['paymentId'],
      where: { paymentId: { in: ids }, status: { in: [...OPEN_REFUND_STATUSES] } },
      _sum: { amountMinor: true },
    });
    const reservedBy = new Map(reserved.map((row) => [row.paymentId, row._sum.amountMinor ?? 0]));
    return new Map(
      payments.map((payment) => [
        payment.id,
        {
          paymentId: payment.id,
          bookingId: payment.bookingId,
          currency: payment.currency,
          amountMinor: payment.amountMinor,
          refundedMinor: payment.refundedMinor,
          reservedMinor: reservedBy.get(payment.id) ?? 0,
          studentId: payment.booking.studentId,
          studentName: payment.booking.student.name,
          teacherId: payment.booking.teacherId,
          teacherName: payment.booking.teacher.name,
        },
      ]),
    );
  }
}
