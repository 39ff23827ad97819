import type { LedgerEffect } from '../../domain/effects';
import { DomainError } from '../../domain/errors';
import { paymentSucceeded, refundFailed, refundSplit, refundSucceeded, type LedgerPosting } from '../../domain/ledger';
import type { BookingRecord, PaymentRecord, Repositories } from '../ports';

export interface LedgerFacts {
  /** The refund request behind a refund posting (to reverse exactly that posting if it fails). */
  refundRequestId?: number | undefined;
  refundAmountMinor?: number | undefined;
  reversedAmountMinor?: number | undefined;
  /** The payment's booking, when the caller read it in this transaction (its quote never changes). */
  booking?: BookingRecord | undefined;
}

/**
 * R40/R41: a payment transition's ledger effects, posted in the transaction of the transition.
 * `before` is the payment as it was before the transition (what was refunded until now).
 */
export async function postLedgerEffects(
  repos: Repositories,
  now: Date,
  before: PaymentRecord,
  effects: readonly LedgerEffect[],
  facts: LedgerFacts,
): Promise<void> {
  if (effects.length === 0) return;
  const booking =
    facts.booking?.id === before.bookingId ? facts.booking : await repos.bookings.findById(before.bookingId);
  if (!booking) throw new Error(`Payment ${before.id} refers to a missing booking`);
  const quote = {
    currency: before.currency,
    totalMinor: booking.totalMinor,
    baseMinor: booking.baseMinor,
    feeMinor: booking.feeMinor,
  };
  for (const effect of effects) {
    let posting: LedgerPosting;
    switch (effect.entry) {
      case 'payment_succeeded':
        posting = paymentSucceeded(quote, booking.teacherId);
        break;
      case 'refund_succeeded':
        posting = refundSucceeded(
          quote.currency,
          booking.teacherId,
          refundSplit(quote, facts.refundAmountMinor ?? 0, before.refundedMinor),
        );
        break;
      case 'refund_failed': {
        const original =
          facts.refundRequestId !== undefined ? await repos.ledger.refundEntry(facts.refundRequestId) : null;
        const reversed = facts.reversedAmountMinor ?? 0;
        posting = refundFailed(
          original ??
            refundSucceeded(
              quote.currency,
              booking.teacherId,
              refundSplit(quote, reversed, before.refundedMinor - reversed),
            ),
        );
        break;
      }
    }
    if (posting.lines.length === 0) throw new DomainError('VALIDATION', `Nothing to post for ${effect.entry}`);
    await repos.ledger.post(
      {
        kind: posting.kind,
        currency: posting.currency,
        bookingId: booking.id,
        paymentId: before.id,
        refundRequestId: facts.refundRequestId ?? null,
        teacherId: booking.teacherId,
        at: now,
      },
      posting.lines,
    );
  }
}
