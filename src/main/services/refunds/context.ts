import type { CurrencyCode } from '../../domain/money';
import { approvalStateOf, remainingRefundable, type ApprovalState } from '../../domain/refunds';
import type { RefundRequestRecord, Repositories } from '../ports';
import { fourEyesThresholdFor, loadSettings } from '../settings';

export interface PersonRef {
  id: number;
  name: string;
}

/** A refund request as the lists show it: who asked and decided, whose booking, and its payment's money (R24, R27). */
export interface RefundInContext extends RefundRequestRecord {
  /** Null when the system filed it (a full refund of a cancellation found at Stripe). */
  requestedBy: PersonRef | null;
  firstApprover: PersonRef | null;
  secondApprover: PersonRef | null;
  rejectedBy: PersonRef | null;
  student: PersonRef | null;
  teacher: PersonRef | null;
  /** The payment's money, in its currency's minor units. */
  money: {
    paidMinor: number;
    refundedMinor: number;
    /** Reserved by the payment's open requests (this one included while it is open). */
    pendingMinor: number;
    /** What can still be asked back: paid − refunded − pending. */
    remainingMinor: number;
  } | null;
  approvals: ApprovalState;
}

/** Adds the context of each request, in a few queries for the whole list. */
export async function refundsInContext(
  repos: Repositories,
  rows: readonly RefundRequestRecord[],
): Promise<RefundInContext[]> {
  if (rows.length === 0) return [];
  const staffIds = rows.flatMap((row) =>
    [row.requestedById, row.firstApproverId, row.secondApproverId, row.rejectedById].filter(
      (id): id is number => id !== null && id > 0,
    ),
  );
  // One after another: in a transaction these share one connection, which runs one statement at a time.
  const names = await repos.staff.names([...new Set(staffIds)]);
  const payments = await repos.payments.contexts(rows.map((row) => row.paymentId));
  const settings = await loadSettings(repos);
  const staff = (id: number | null): PersonRef | null => {
    const name = id === null ? undefined : names.get(id);
    return id !== null && name !== undefined ? { id, name } : null;
  };
  return rows.map((row) => {
    const payment = payments.get(row.paymentId);
    return {
      ...row,
      requestedBy: staff(row.requestedById),
      firstApprover: staff(row.firstApproverId),
      secondApprover: staff(row.secondApproverId),
      rejectedBy: staff(row.rejectedById),
      student: payment ? { id: payment.studentId, name: payment.studentName } : null,
      teacher: payment ? { id: payment.teacherId, name: payment.teacherName } : null,
      money: payment
        ? {
            paidMinor: payment.amountMinor,
            refundedMinor: payment.refundedMinor,
            pendingMinor: payment.reservedMinor,
            remainingMinor: Math.max(0, remainingRefundable(payment, payment.reservedMinor)),
          }
        : null,
      approvals: approvalStateOf(row, fourEyesThresholdFor(settings, row.currency as CurrencyCode)),
    };
  });
}
