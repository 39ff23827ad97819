import { bookingActionOpenFrom } from '../../domain/booking-machine';
import { refundActionOpenFrom } from '../../domain/refund-machine';
import type { Changes } from '../context';
import type { RefundSnapshot } from '../gateways';
import { applyBookingTransition } from '../lifecycle/booking';
import { lockInOrder } from '../lifecycle/locks';
import { applyPaymentTransition } from '../lifecycle/payment';
import { applyRefundTransition } from '../lifecycle/refund';
import { STRIPE } from '../../domain/actors';
import type { RefundRequestRecord, Repositories } from '../ports';

/**
 * R27: what Stripe says of a refund decides, through the tables, inside the caller's transaction.
 * succeeded — the request succeeds, the payment's refunded amount grows, the booking records the
 * refund; pending — the request waits at Stripe (its amount stays reserved), nothing else moves;
 * failed — nothing that was not done is shown as done: a refund that had counted is taken back
 * from the payment and the booking, and the request shows FAILED with Stripe's reason.
 */
export async function applyRefundOutcome(
  repos: Repositories,
  now: Date,
  requestId: number,
  refund: RefundSnapshot,
  changes: Changes,
): Promise<RefundRequestRecord> {
  const unlocked = await repos.refunds.find(requestId);
  if (!unlocked) throw new Error(`Refund request ${requestId} vanished`);
  // The outcome may move the payment and the booking: their rows first, in the common order.
  await lockInOrder(repos, {
    bookingId: unlocked.bookingId,
    paymentId: unlocked.paymentId,
    refundRequestId: requestId,
  });
  const request = await repos.refunds.find(requestId);
  if (!request) throw new Error(`Refund request ${requestId} vanished`);
  // An earlier attempt's refund: its outcome was settled when that attempt ended. The attempt in
  // the refund's metadata tells, also while the current attempt's own refund is not known yet (its
  // answer lost) — a late `refund.failed` of attempt 1 must not fail attempt 2.
  const attempt = refund.metadata['attempt'];
  if (attempt !== undefined && attempt !== String(request.attempt)) return request;
  if (request.stripeRefundId !== null && request.stripeRefundId !== refund.id) return request;
  const known = { stripeRefundId: refund.id };
  if (refund.status === 'succeeded') {
    if (!refundActionOpenFrom('stripe_succeeded', request.status)) return request;
    const payment = await repos.payments.lock(request.paymentId);
    if (!payment) throw new Error(`Payment ${request.paymentId} vanished`);
    const refundableBefore = payment.amountMinor - payment.refundedMinor;
    await applyPaymentTransition(
      repos,
      now,
      STRIPE,
      payment,
      {
        action: 'refund',
        refundRequestId: request.id,
        ctx: { refundAmountMinor: request.amountMinor },
        changes: { refundedMinor: payment.refundedMinor + request.amountMinor },
        data: { refundRequestId: request.id, stripeRefundId: refund.id, amountMinor: request.amountMinor },
      },
      changes,
    );
    const booking = await repos.bookings.findById(payment.bookingId);
    if (booking && bookingActionOpenFrom('refund', booking)) {
      await applyBookingTransition(
        repos,
        now,
        STRIPE,
        booking.id,
        {
          action: 'refund',
          reason: request.reason,
          extra: {
            refund: { amountMinor: request.amountMinor, refundableMinor: refundableBefore, currency: request.currency },
          },
        },
        changes,
      );
    }
    return applyRefundTransition(
      repos,
      now,
      STRIPE,
      request,
      { action: 'stripe_succeeded', changes: { ...known, processedAt: now, failureMessage: null } },
      changes,
    );
  }
  if (refund.status === 'pending' || refund.status === 'requires_action') {
    if (!refundActionOpenFrom('stripe_pending', request.status)) return request;
    return applyRefundTransition(repos, now, STRIPE, request, { action: 'stripe_pending', changes: known }, changes);
  }
  // failed or canceled
  if (!refundActionOpenFrom('stripe_failed', request.status)) return request;
  if (request.status === 'SUCCEEDED') await takeBack(repos, now, request, changes);
  const reason = refund.failureReason ?? refund.status;
  return applyRefundTransition(
    repos,
    now,
    STRIPE,
    request,
    {
      action: 'stripe_failed',
      changes: {
        ...known,
        failureReason: reason,
        failureMessage: `Stripe could not complete the refund (${reason.replaceAll('_', ' ')}); nothing was refunded. Retry it as a new refund or contact the student.`,
      },
      reason,
    },
    changes,
  );
}

/** A refund that had counted failed afterwards: the payment and the booking go back (R27). */
async function takeBack(repos: Repositories, now: Date, request: RefundRequestRecord, changes: Changes): Promise<void> {
  const payment = await repos.payments.lock(request.paymentId);
  if (!payment) throw new Error(`Payment ${request.paymentId} vanished`);
  const refundedAfter = payment.refundedMinor - request.amountMinor;
  await applyPaymentTransition(
    repos,
    now,
    STRIPE,
    payment,
    {
      action: 'refund_failed',
      refundRequestId: request.id,
      ctx: { reversedAmountMinor: request.amountMinor },
      changes: { refundedMinor: refundedAfter },
      data: { refundRequestId: request.id, amountMinor: request.amountMinor },
    },
    changes,
  );
  const booking = await repos.bookings.findById(payment.bookingId);
  if (booking && bookingActionOpenFrom('refund_failed', booking)) {
    await applyBookingTransition(
      repos,
      now,
      STRIPE,
      booking.id,
      {
        action: 'refund_failed',
        reason: 'Stripe could not complete the refund',
        extra: { refundReversal: { refundedAfterMinor: refundedAfter } },
      },
      changes,
    );
  }
}
