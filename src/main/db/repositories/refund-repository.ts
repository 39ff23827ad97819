import { OPEN_REFUND_STATUSES, type RefundRequestStatus } from '../../domain/refund-machine';
import type {
  NewLifecycleTransition,
  RefundListQuery,
  RefundRequestRecord,
  RefundStore,
  RefundTransitionChanges,
} from '../../services/ports';
import { refundAttemptKey } from '../../services/lifecycle/refund-keys';
import type { RefundRequest } from '../generated/client.ts';
import type { Db } from './prisma-types';
import { appendLifecycleTransition } from './transition-log-repository';

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

export class PrismaRefundRepository implements RefundStore {
  constructor(private readonly db: Db) {}

  async lock(id: number): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM "RefundRequest" WHERE id = ${id} FOR UPDATE`;
  }
  async find(id: number): Promise<RefundRequestRecord | null> {
    const row = await this.db.refundRequest.findUnique({ where: { id } });
    return row ? toRefund(row) : null;
  }
  async findByStripeId(stripeRefundId: string): Promise<RefundRequestRecord | null> {
    const row = await this.db.refundRequest.findUnique({ where: { stripeRefundId } });
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
    const result = await this.db.refundRequest.aggregate({
      where: {
        paymentId,
        status: { in: [...OPEN_REFUND_STATUSES] },
        ...(exceptId !== undefined ? { id: { not: exceptId } } : {}),
      },
      _sum: { amountMinor: true },
    });
    return result._sum.amountMinor ?? 0;
  }
  async insert(
    input: Parameters<RefundStore['insert']>[0],
    transition: NewLifecycleTransition,
  ): Promise<RefundRequestRecord> {
    // The key needs the row's id: a unique placeholder first, the real key in the same transaction.
    const placeholder = `refund-request:new:${transition.at.getTime()}:${Math.random().toString(36).slice(2)}`;
    const created = await this.db.refundRequest.create({ data: { ...input, idempotencyKey: placeholder } });
    const row = await this.db.refundRequest.update({
      where: { id: created.id },
      data: { idempotencyKey: refundAttemptKey(created.id, 1) },
    });
    await appendLifecycleTransition(this.db, 'refund_request', row.id, transition);
    return toRefund(row);
  }
  async applyTransition(
    id: number,
    expectedVersion: number,
    to: RefundRequestStatus,
    changes: RefundTransitionChanges,
    transition: NewLifecycleTransition,
  ): Promise<RefundRequestRecord | null> {
    // The changed row comes back from the UPDATE itself (RETURNING) rather than from a read after it.
    const [updated] = await this.db.refundRequest.updateManyAndReturn({
      where: { id, version: expectedVersion },
      data: { ...changes, status: to, version: { increment: 1 } },
    });
    if (!updated) return null;
    await appendLifecycleTransition(this.db, 'refund_request', id, transition);
    return toRefund(updated);
  }
  async recordSubmission(id: number, facts: { submittedAt?: Date; stripeRefundId?: string }): Promise<void> {
    await this.db.refundRequest.update({ where: { id }, data: facts });
  }
  async awaitingStripe(limit: number): Promise<RefundRequestRecord[]> {
    const rows = await this.db.refundRequest.findMany({
      where: {
        OR: [
          { status: 'APPROVED', submittedAt: { not: null } },
          { status: { in: ['PENDING', 'SUCCEEDED'] }, stripeRefundId: { not: null } },
        ],
      },
      orderBy: { updatedAt: 'desc' },
      take: limit,
    });
    return rows.map(toRefund);
  }
}
