import type { Actor } from '../../domain/actors';
import { DomainError } from '../../domain/errors';
import { decidePaymentTransition, type PaymentAction, type PaymentContext } from '../../domain/payment-machine';
import type { Changes } from '../context';
import type { BookingRecord, PaymentRecord, PaymentTransitionChanges, Repositories } from '../ports';
import { postLedgerEffects } from './ledger';
import { paymentEffectDrafts } from './outbox-drafts';
import { lifecycleRecord } from './records';

export interface PaymentStep {
  action: PaymentAction;
  /** Facts the table's guards need beyond the payment itself (the refund amount …). */
  ctx?: Partial<PaymentContext>;
  /** Fields written together with the new status (never the status itself). */
  changes?: Omit<PaymentTransitionChanges, 'updatedAt'>;
  reason?: string | null;
  data?: Record<string, unknown>;
  /** The refund request behind a refund transition, for its ledger posting. */
  refundRequestId?: number;
  /** The payment's booking as this transaction read it (its quote prices the ledger posting). */
  booking?: BookingRecord;
}

/**
 * One payment transition inside the caller's transaction: decide through the payment table, write
 * the new state with its record (versioned: a concurrent writer gets CONFLICT), and its effects as
 * outbox rows. `payment` must have been read under the payment's row lock.
 */
export async function applyPaymentTransition(
  repos: Repositories,
  now: Date,
  actor: Actor,
  payment: PaymentRecord,
  step: PaymentStep,
  changes: Changes,
): Promise<PaymentRecord> {
  const decision = decidePaymentTransition(step.action, actor, {
    paymentId: payment.id,
    status: payment.status,
    amountMinor: payment.amountMinor,
    refundedMinor: payment.refundedMinor,
    currency: payment.currency,
    ...step.ctx,
  });
  const written = await repos.payments.applyTransition(
    payment.id,
    payment.version,
    decision.to,
    { ...step.changes, updatedAt: now },
    lifecycleRecord(actor, step.action, payment.status, decision.to, now, {
      bookingId: payment.bookingId,
      reason: step.reason ?? null,
      ...(step.data ? { data: step.data } : {}),
    }),
  );
  if (!written) {
    throw new DomainError(
      'CONFLICT',
      `Payment ${payment.id} was changed by someone else while you acted; refresh it and try again`,
    );
  }
  await postLedgerEffects(
    repos,
    now,
    payment,
    decision.effects.filter((effect) => effect.type === 'post_ledger'),
    {
      refundRequestId: step.refundRequestId,
      refundAmountMinor: step.ctx?.refundAmountMinor,
      reversedAmountMinor: step.ctx?.reversedAmountMinor,
      booking: step.booking,
    },
  );
  const drafts = paymentEffectDrafts(written, decision.effects);
  if (drafts.length > 0) {
    await repos.outbox.enqueue(drafts);
    changes.outbox = true;
  }
  changes.payments.set(written.id, { bookingId: written.bookingId, status: written.status });
  return written;
}
