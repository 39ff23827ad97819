import type { PaymentStatus } from '../../domain/states';
import type {
  MeetingRecord,
  MismatchRecord,
  OutboxRecord,
  OutboxWorkStore,
  PaymentAttemptRecord,
  PaymentRecord,
  PaymentStore,
  RefundRequestRecord,
  SavedMethodRecord,
  SentEmailRecord,
} from '../../services/ports';
import type { OutboxMessage, Payment, RefundRequest } from '../generated/client.ts';
import type { Db } from './prisma-types';

/** A payment record never holds UNPAID (that is only a booking's payment status). */
function paymentStatus(value: Payment['status'], id: number): PaymentStatus {
  if (value === 'UNPAID') throw new Error(`Payment ${id} has the booking-only status UNPAID`);
  return value;
}

const toPayment = (row: Payment): PaymentRecord => ({
  id: row.id,
  bookingId: row.bookingId,
  amountMinor: row.amountMinor,
  currency: row.currency,
  status: paymentStatus(row.status, row.id),
  refundedMinor: row.refundedMinor,
  stripePaymentIntentId: row.stripePaymentIntentId,
  idempotencyKey: row.idempotencyKey,
  stripeStatus: row.stripeStatus,
  stripeChargeId: row.stripeChargeId,
  lastError: row.lastError,
  paidAt: row.paidAt,
  version: row.version,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

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
  idempotencyKey: row.idempotencyKey,
  failureMessage: row.failureMessage,
  source: row.source,
  processedAt: row.processedAt,
  version: row.version,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const toOutbox = (row: OutboxMessage): OutboxRecord => ({
  id: row.id,
  key: row.key,
  kind: row.kind,
  bookingId: row.bookingId,
  payload: row.payload as Record<string, unknown>,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.nextAttemptAt,
  lastError: row.lastError,
  createdAt: row.createdAt,
  deliveredAt: row.deliveredAt,
});

/** Every column of a mismatch except its open-key bookkeeping. */
const MISMATCH_FIELDS = {
  id: true,
  paymentId: true,
  bookingId: true,
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

export class PrismaPaymentRepository implements PaymentStore {
  constructor(private readonly db: Db) {}

  async lockBooking(bookingId: number): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM "Booking" WHERE id = ${bookingId} FOR UPDATE`;
  }
  async lockPayment(paymentId: number): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM "Payment" WHERE id = ${paymentId} FOR UPDATE`;
  }
  async findById(id: number): Promise<PaymentRecord | null> {
    const row = await this.db.payment.findUnique({ where: { id } });
    return row ? toPayment(row) : null;
  }
  async findByIntentId(intentId: string): Promise<PaymentRecord | null> {
    const row = await this.db.payment.findUnique({ where: { stripePaymentIntentId: intentId } });
    return row ? toPayment(row) : null;
  }
  async forBooking(bookingId: number): Promise<PaymentRecord[]> {
    return (await this.db.payment.findMany({ where: { bookingId }, orderBy: { id: 'asc' } })).map(toPayment);
  }
  async create(input: {
    bookingId: number;
    amountMinor: number;
    currency: string;
    idempotencyKey: string;
    createdAt: Date;
  }): Promise<PaymentRecord> {
    return toPayment(await this.db.payment.create({ data: { ...input, status: 'PENDING' } }));
  }
  async update(
    id: number,
    patch: Partial<Omit<PaymentRecord, 'id' | 'bookingId' | 'createdAt'>>,
  ): Promise<PaymentRecord> {
    const { version: _version, ...rest } = patch;
    return toPayment(await this.db.payment.update({ where: { id }, data: { ...rest, version: { increment: 1 } } }));
  }
  async list(query: {
    statuses?: string[] | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<PaymentRecord[]> {
    const rows = await this.db.payment.findMany({
      where: {
        ...(query.statuses ? { status: { in: query.statuses as PaymentStatus[] } } : {}),
        ...(query.beforeId ? { id: { lt: query.beforeId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
    return rows.map(toPayment);
  }
  async needingReconciliation(limit: number): Promise<PaymentRecord[]> {
    // Everything that went to Stripe (or was about to) and may still change there.
    const rows = await this.db.payment.findMany({
      where: {
        status: { in: ['PENDING', 'FAILED', 'PAID', 'PARTIALLY_REFUNDED'] },
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
    return this.db.paymentAttempt.create({ data: { ...input, status: 'pending' } });
  }
  async updateAttempt(
    id: number,
    patch: Partial<Omit<PaymentAttemptRecord, 'id' | 'paymentId' | 'idempotencyKey' | 'createdAt'>>,
  ): Promise<void> {
    await this.db.paymentAttempt.update({ where: { id }, data: patch });
  }
  attempts(paymentId: number): Promise<PaymentAttemptRecord[]> {
    return this.db.paymentAttempt.findMany({ where: { paymentId }, orderBy: { id: 'asc' } });
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
  async setStudentCustomer(studentId: number, customerId: string): Promise<void> {
    await this.db.student.update({ where: { id: studentId }, data: { stripeCustomerId: customerId } });
  }
  async createRefundRequest(input: Parameters<PaymentStore['createRefundRequest']>[0]): Promise<RefundRequestRecord> {
    return toRefund(await this.db.refundRequest.create({ data: input }));
  }
  async findRefundRequest(id: number): Promise<RefundRequestRecord | null> {
    const row = await this.db.refundRequest.findUnique({ where: { id } });
    return row ? toRefund(row) : null;
  }
  async lockRefundRequest(id: number): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM "RefundRequest" WHERE id = ${id} FOR UPDATE`;
  }
  async updateRefundRequest(
    id: number,
    patch: Partial<Omit<RefundRequestRecord, 'id' | 'paymentId' | 'bookingId' | 'createdAt'>>,
  ): Promise<RefundRequestRecord> {
    const { version: _version, ...rest } = patch;
    return toRefund(
      await this.db.refundRequest.update({ where: { id }, data: { ...rest, version: { increment: 1 } } }),
    );
  }
  async refundRequests(query: {
    statuses?: string[] | undefined;
    paymentId?: number | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<RefundRequestRecord[]> {
    const rows = await this.db.refundRequest.findMany({
      where: {
        ...(query.statuses ? { status: { in: query.statuses as RefundRequestRecord['status'][] } } : {}),
        ...(query.paymentId ? { paymentId: query.paymentId } : {}),
        ...(query.beforeId ? { id: { lt: query.beforeId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
    return rows.map(toRefund);
  }
  async refundRequestByStripeId(stripeRefundId: string): Promise<RefundRequestRecord | null> {
    const row = await this.db.refundRequest.findUnique({ where: { stripeRefundId } });
    return row ? toRefund(row) : null;
  }
  async hasEvent(id: string): Promise<boolean> {
    return (await this.db.processedStripeEvent.findUnique({ where: { id }, select: { id: true } })) !== null;
  }
  async recordEvent(id: string, type: string): Promise<boolean> {
    const inserted = await this.db
      .$executeRaw`INSERT INTO "ProcessedStripeEvent" (id, type) VALUES (${id}, ${type}) ON CONFLICT (id) DO NOTHING`;
    return inserted === 1;
  }
  async findMeeting(bookingId: number): Promise<MeetingRecord | null> {
    return this.db.meeting.findUnique({ where: { bookingId } });
  }
  async saveMeeting(meeting: Omit<MeetingRecord, 'createdAt' | 'deletedAt'>): Promise<void> {
    await this.db.meeting.create({ data: meeting });
  }
  async markMeetingDeleted(bookingId: number, at: Date): Promise<void> {
    await this.db.meeting.updateMany({ where: { bookingId, deletedAt: null }, data: { deletedAt: at } });
  }
  async recordEmail(email: SentEmailRecord): Promise<void> {
    await this.db.sentEmail.upsert({ where: { outboxKey: email.outboxKey }, create: email, update: {} });
  }
  emails(bookingId: number): Promise<SentEmailRecord[]> {
    return this.db.sentEmail.findMany({ where: { bookingId }, orderBy: { id: 'asc' } });
  }
  async openMismatch(
    input: Omit<MismatchRecord, 'id' | 'status' | 'resolvedAt' | 'resolvedById' | 'resolution'>,
  ): Promise<void> {
    const openKey = `${input.paymentId}:${input.kind}`;
    await this.db.reconciliationMismatch.upsert({
      where: { openKey },
      create: { ...input, openKey },
      update: { localState: input.localState, stripeState: input.stripeState, detail: input.detail },
    });
  }
  mismatches(query: { status?: 'OPEN' | 'RESOLVED' | undefined; limit: number }): Promise<MismatchRecord[]> {
    return this.db.reconciliationMismatch.findMany({
      where: query.status ? { status: query.status } : {},
      orderBy: { id: 'desc' },
      take: query.limit,
      select: MISMATCH_FIELDS,
    });
  }
  findMismatch(id: number): Promise<MismatchRecord | null> {
    return this.db.reconciliationMismatch.findUnique({
      where: { id },
      select: MISMATCH_FIELDS,
    });
  }
  async resolveMismatch(id: number, by: number, resolution: string, at: Date): Promise<void> {
    await this.db.reconciliationMismatch.update({
      where: { id },
      data: { status: 'RESOLVED', openKey: null, resolvedAt: at, resolvedById: by, resolution },
    });
  }
}

export class PrismaOutboxWorkRepository implements OutboxWorkStore {
  constructor(private readonly db: Db) {}

  async claimDue(now: Date, leaseMs: number, limit: number): Promise<OutboxRecord[]> {
    const until = new Date(now.getTime() + leaseMs);
    const rows = await this.db.$queryRaw<OutboxMessage[]>`
      UPDATE "OutboxMessage" SET "lockedUntil" = ${until}
      WHERE id IN (
        SELECT id FROM "OutboxMessage"
        WHERE status = 'PENDING' AND "nextAttemptAt" <= ${now} AND ("lockedUntil" IS NULL OR "lockedUntil" < ${now})
        ORDER BY "nextAttemptAt", id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING *`;
    return rows.sort((a, b) => a.id - b.id).map(toOutbox);
  }
  async markDelivered(id: number, at: Date): Promise<void> {
    await this.db.outboxMessage.update({
      where: { id },
      data: { status: 'DELIVERED', deliveredAt: at, lockedUntil: null, lastError: null },
    });
  }
  async markFailed(id: number, error: string, nextAttemptAt: Date, giveUp: boolean): Promise<void> {
    await this.db.outboxMessage.update({
      where: { id },
      data: {
        status: giveUp ? 'FAILED' : 'PENDING',
        attempts: { increment: 1 },
        lastError: error.slice(0, 1000),
        nextAttemptAt,
        lockedUntil: null,
      },
    });
  }
  async retry(id: number, at: Date): Promise<OutboxRecord | null> {
    const updated = await this.db.outboxMessage.updateMany({
      where: { id, status: { in: ['FAILED', 'PENDING'] } },
      data: { status: 'PENDING', nextAttemptAt: at, lockedUntil: null },
    });
    if (updated.count === 0) return null;
    return this.find(id);
  }
  async failures(limit: number): Promise<OutboxRecord[]> {
    const rows = await this.db.outboxMessage.findMany({
      where: { OR: [{ status: 'FAILED' }, { status: 'PENDING', attempts: { gt: 0 } }] },
      orderBy: { id: 'desc' },
      take: limit,
    });
    return rows.map(toOutbox);
  }
  async find(id: number): Promise<OutboxRecord | null> {
    const row = await this.db.outboxMessage.findUnique({ where: { id } });
    return row ? toOutbox(row) : null;
  }
}
