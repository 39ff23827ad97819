import { STRIPE } from '../../domain/actors';
import { bookingActionOpenFrom } from '../../domain/booking-machine';
import {
  paymentActionOpenFrom,
  paymentStillOpen,
  paymentTookMoney,
  type PaymentAction,
} from '../../domain/payment-machine';
import type { Changes } from '../context';
import type { IntentSnapshot } from '../gateways';
import { applyBookingTransition } from '../lifecycle/booking';
import { lockInOrder } from '../lifecycle/locks';
import { applyPaymentTransition } from '../lifecycle/payment';
import type { PaymentRecord, PaymentStripeFacts, Repositories } from '../ports';
import { loadSettings } from '../settings';

/** Which payment, and its booking (a payment never changes booking). */
export type PaymentOfBooking = Pick<PaymentRecord, 'id' | 'bookingId'>;

/** What a Stripe intent's status asks of our payment; null when it asks nothing (still in progress). */
function actionFor(snapshot: IntentSnapshot): PaymentAction | null {
  if (snapshot.status === 'succeeded') return 'succeed';
  if (snapshot.status === 'canceled') return 'cancel';
  if (snapshot.status === 'requires_payment_method' && snapshot.lastError) return 'fail';
  return null;
}

const BOOKING_STEP: Partial<Record<PaymentAction, 'payment_succeeded' | 'payment_failed'>> = {
  succeed: 'payment_succeeded',
  fail: 'payment_failed',
};

function factsOf(snapshot: IntentSnapshot): PaymentStripeFacts {
  return {
    stripePaymentIntentId: snapshot.id,
    stripeStatus: snapshot.status,
    stripeChargeId: snapshot.latestChargeId,
    lastError: snapshot.lastError?.message ?? null,
  };
}

/**
 * Brings a payment (and its booking) to what Stripe says the intent is now, through their tables.
 * Used after a confirm, for every webhook or polled event, and by reconciliation; it applies
 * Stripe's current state rather than an event's, so repeated or shuffled events end in the same
 * place (R25). What the tables do not allow from here contradicts our records: a mismatch for staff
 * (R26), never an overwrite. Runs inside the caller's transaction; takes the booking's and the
 * payment's row locks, in that order (lifecycle/locks.ts).
 */
export async function syncIntent(
  repos: Repositories,
  now: Date,
  snapshot: IntentSnapshot,
  target: PaymentOfBooking,
  changes: Changes,
): Promise<PaymentRecord> {
  const action = actionFor(snapshot);
  const bookingAction = action === null ? undefined : BOOKING_STEP[action];
  // A payment never changes booking, so the caller's earlier read names the row to lock first. When a
  // booking transition may follow, the settings it decides with are read with the locks, in one round trip.
  const [{ booking, payment }, settings] = await Promise.all([
    lockInOrder(repos, { bookingId: target.bookingId, paymentId: target.id }),
    bookingAction ? loadSettings(repos) : undefined,
  ]);
  if (!payment) throw new Error(`Payment ${target.id} vanished`);
  if (payment.bookingId !== target.bookingId)
    throw new Error(`Payment ${payment.id} is not booking ${target.bookingId}'s`);
  if (!booking) throw new Error(`Payment ${payment.id} refers to a missing booking`);
  const facts = factsOf(snapshot);
  if (action === null || !paymentActionOpenFrom(action, payment.status)) {
    await contradiction(repos, now, snapshot, payment, booking);
    return repos.payments.recordStripeFacts(payment.id, facts, now);
  }
  const moved = await applyPaymentTransition(
    repos,
    now,
    STRIPE,
    payment,
    { action, changes: { ...facts, ...(action === 'succeed' ? { paidAt: now } : {}) }, booking },
    changes,
  );
  const state = { status: booking.status, paymentStatus: booking.paymentStatus };
  if (bookingAction && bookingActionOpenFrom(bookingAction, state)) {
    await applyBookingTransition(
      repos,
      now,
      STRIPE,
      booking.id,
      { action: bookingAction, locked: booking, settings },
      changes,
    );
  } else if (action === 'succeed') {
    await repos.mismatches.open({
      paymentId: payment.id,
      bookingId: booking.id,
      kind: 'paid_after_cancel',
      localState: `booking ${booking.status}/${booking.paymentStatus}`,
      stripeState: 'payment_intent succeeded',
      detail: `Stripe took ${payment.amountMinor} ${payment.currency} for booking ${booking.id}, which is ${booking.status}. Refund the student or reinstate the booking.`,
      detectedAt: now,
    });
  }
  return moved;
}

/** Stripe says something our tables cannot follow from the payment's state: tell staff (R26). */
async function contradiction(
  repos: Repositories,
  now: Date,
  snapshot: IntentSnapshot,
  payment: PaymentRecord,
  booking: { id: number; status: string; paymentStatus: string },
): Promise<void> {
  if (snapshot.status === 'succeeded' && !paymentStillOpen(payment.status) && !paymentTookMoney(payment.status)) {
    await repos.mismatches.open({
      paymentId: payment.id,
      bookingId: booking.id,
      kind: 'paid_after_cancel',
      localState: `payment ${payment.status}, booking ${booking.status}`,
      stripeState: 'payment_intent succeeded',
      detail: `The payment was cancelled here, but Stripe took ${payment.amountMinor} ${payment.currency}. Refund the student at Stripe or reinstate the booking.`,
      detectedAt: now,
    });
  } else if (snapshot.status === 'canceled' && paymentTookMoney(payment.status)) {
    await repos.mismatches.open({
      paymentId: payment.id,
      bookingId: booking.id,
      kind: 'paid_here_canceled_there',
      localState: `payment ${payment.status}`,
      stripeState: 'payment_intent canceled',
      detail: 'Recorded as paid here, but Stripe shows the intent as canceled.',
      detectedAt: now,
    });
  }
}
